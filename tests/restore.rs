//! Restore behaviours R1–R3, R5–R7 and the outages and incidents that need them (O2, O3).

mod common;

use backsim::engine::{Streams, DAY, HOUR};
use backsim::error::Origin;
use backsim::model::{
    simulate, what_if_restore, EventRecord, Observer, RestorePlan, RestoreRefusal, RestoreTarget,
    RunMetrics, Sample,
};
use backsim::scenario::{parse, Scenario};

/// The defaults, except that snapshots never fail (so that every day has its snapshot at midnight).
const BASE: &str = r#"
name = "restore"
horizon_days = 20
[backup]
snapshot_failure_pct = 0
"#;

fn with(sets: &[(&str, &str)]) -> Scenario {
    common::with(BASE, sets)
}

fn restore(
    s: &Scenario,
    request: i64,
    target: RestoreTarget,
) -> Result<RestorePlan, RestoreRefusal> {
    what_if_restore(
        &s.config,
        &Streams::for_replication(s.seed, 0),
        request,
        target,
        false,
    )
    .map(|w| w.plan)
}

/// A restore to just before the next daily snapshot: the most log to replay.
fn late_day(s: &Scenario) -> RestorePlan {
    restore(s, 10 * DAY - 1, RestoreTarget::At(10 * DAY - 300)).unwrap()
}

fn fastest(s: &Scenario) -> RestorePlan {
    restore(s, 10 * DAY - 1, RestoreTarget::Fastest).unwrap()
}

fn metrics(s: &Scenario) -> RunMetrics {
    simulate(&s.config, &Streams::for_replication(s.seed, 0), None).metrics
}

#[test]
fn r2_targets_latest_fastest_custom() {
    let s = with(&[]);
    let request = 10 * DAY + 7 * HOUR + 100;
    let latest = restore(&s, request, RestoreTarget::Latest).unwrap();
    // The latest point is the last log backup before the request (on the 5-minute grid).
    assert_eq!(latest.effective_target, 10 * DAY + 7 * HOUR);
    assert_eq!(latest.data_loss_seconds, 100.0);
    assert_eq!(latest.base_snapshot_at, 10 * DAY);
    let fast = restore(&s, request, RestoreTarget::Fastest).unwrap();
    assert_eq!(
        fast.effective_target,
        10 * DAY,
        "completion of the newest snapshot"
    );
    assert_eq!(fast.replay_gb, 0.0);
    assert_eq!(fast.breakdown.replay, 0.0);
    let custom = restore(&s, request, RestoreTarget::At(8 * DAY + 3 * HOUR)).unwrap();
    assert_eq!(custom.effective_target, 8 * DAY + 3 * HOUR);
    assert_eq!(custom.base_snapshot_at, 8 * DAY);
    // 3 hours of 25 GB/day replayed.
    assert!(
        (custom.replay_gb - 25.0 / 8.0).abs() < 1e-6,
        "{}",
        custom.replay_gb
    );
    // The recovery window is [request − 7 days, request].
    match restore(&s, request, RestoreTarget::At(request - 7 * DAY - 1)) {
        Err(RestoreRefusal::OutOfWindow { earliest, .. }) => {
            assert_eq!(earliest, request - 7 * DAY)
        }
        other => panic!("expected out of window, got {other:?}"),
    }
    assert!(restore(&s, request, RestoreTarget::At(request - 7 * DAY)).is_ok());
    // Early on, the window starts at the server's creation.
    match restore(&s, 2 * DAY, RestoreTarget::At(-1)) {
        Err(RestoreRefusal::OutOfWindow { earliest, .. }) => assert_eq!(earliest, 0),
        other => panic!("expected out of window, got {other:?}"),
    }
}

/// R2, R3 as distributions over request times: a flat 1 GB/h load, a snapshot at every midnight,
/// 100 GB on 4 vCores (provision 5 min, hydrate 15 min, replay 450 s per GB). A restore to the
/// latest point requested h hours after midnight replays the binlog up to the last log backup,
/// ⌊12h⌋/12 GB; over every request time that averages (24 − 1/12)/2 GB, so 1,200 + 5,381.25 =
/// 6,581.25 s, and reaches 1,200 + 23 11/12 × 450 = 11,962.5 s just before midnight. A custom
/// point, anywhere in a full window, replays 12 GB on average: 6,600 s. Probes on the hour
/// instead gave 6,375 s and never more than 11,550 s.
#[test]
fn r2_r3_restore_times_cover_every_request_time_after_the_warm_up() {
    let s = common::with(
        "name = \"flat\"\nhorizon_days = 120\n[server]\nprovisioned_storage_gb = 250\ndb_size_gb = 100\nvcores = 4\n[workload]\nbinlog_gb_per_day = 24\n[backup]\nsnapshot_failure_pct = 0\nsnapshot_change_ratio = 0\n[restore]\nunsafe_sessions_per_day = 0\n",
        &[],
    );
    let runs = 4;
    let (mut latest, mut custom, mut worst, mut fastest) = (0.0, 0.0, 0.0f64, 0.0);
    for run in 0..runs {
        let r = simulate(&s.config, &Streams::for_replication(s.seed, run), None)
            .metrics
            .restore;
        let (l, c, f) = (
            r.latest_seconds.unwrap(),
            r.custom_seconds.unwrap(),
            r.fastest_seconds.unwrap(),
        );
        latest += l.mean / runs as f64;
        custom += c.mean / runs as f64;
        fastest += f.mean / runs as f64;
        worst = worst.max(l.max);
    }
    // About 2,700 probes a run after the 8-day warm-up, each with a spread of about 3,100 s:
    // the mean of four runs is within 30 s of the truth one time in three, 90 s nearly always.
    assert!((latest - 6_581.25).abs() < 90.0, "latest mean {latest}");
    assert!((custom - 6_600.0).abs() < 90.0, "custom mean {custom}");
    assert!((worst - 11_962.5).abs() < 1e-6, "latest max {worst}");
    assert!((fastest - 1_200.0).abs() < 1e-9, "fastest mean {fastest}");
}

#[test]
fn r3_fastest_point_saves_most_of_a_late_day_restore_with_defaults() {
    let s = with(&[]);
    let late = late_day(&s);
    let fast = fastest(&s);
    // "Up to ~90% faster" than a restore to just before the next snapshot: 20 min against
    // about 3 h 27 min with the defaults.
    let saving = 1.0 - fast.breakdown.total() / late.breakdown.total();
    assert!((0.85..=0.95).contains(&saving), "saving {saving}");
    // Log replay is the largest part of a late-day restore.
    assert!(late.breakdown.replay > late.breakdown.hydrate + late.breakdown.provision);
}

#[test]
fn r3_ten_times_the_database_at_least_doubles_the_snapshot_part() {
    let small = fastest(&with(&[]));
    let big = fastest(&with(&[
        ("server.db_size_gb", "1000"),
        ("server.provisioned_storage_gb", "2000"),
    ]));
    assert!(big.breakdown.hydrate >= 2.0 * small.breakdown.hydrate);
}

#[test]
fn r3_tables_without_primary_keys_slow_replay() {
    let with_pk = late_day(&with(&[]));
    let without = late_day(&with(&[("server.tables_without_pk_pct", "100")]));
    assert!(without.breakdown.replay > 2.0 * with_pk.breakdown.replay);
    let half = late_day(&with(&[("server.tables_without_pk_pct", "50")]));
    assert!(
        half.breakdown.replay > with_pk.breakdown.replay
            && half.breakdown.replay < without.breakdown.replay
    );
}

#[test]
fn r3_more_vcores_restore_faster() {
    let four = late_day(&with(&[]));
    let sixteen = late_day(&with(&[("server.vcores", "16")]));
    assert!(sixteen.breakdown.total() < four.breakdown.total());
    assert!(sixteen.breakdown.hydrate < four.breakdown.hydrate);
}

#[test]
fn r3_more_write_load_restores_slower() {
    let normal = late_day(&with(&[]));
    let doubled = late_day(&with(&[("workload.binlog_gb_per_day", "50")]));
    assert!(doubled.replay_gb > 1.9 * normal.replay_gb);
    assert!(doubled.breakdown.total() > normal.breakdown.total());
    // And the run-wide distribution moves the same way.
    let m1 = metrics(&with(&[]));
    let m2 = metrics(&with(&[("workload.binlog_gb_per_day", "50")]));
    assert!(m2.restore.latest_seconds.unwrap().p50 > m1.restore.latest_seconds.unwrap().p50);
    assert!(m2.restore.fastest_seconds.unwrap().p50 == m1.restore.fastest_seconds.unwrap().p50);
}

#[test]
fn r5_deleted_server_restorable_for_five_days_only() {
    let text = format!("{BASE}\n[[events]]\nat = \"10d\"\naction = \"delete\"\n");
    let s = parse(&text, Origin::Argument("test".into()), &[]).unwrap();
    let within = restore(&s, 14 * DAY, RestoreTarget::Latest).unwrap();
    assert_eq!(
        within.effective_target,
        10 * DAY,
        "the last point is the deletion"
    );
    assert_eq!(
        within.data_loss_seconds, 0.0,
        "nothing was written after the deletion"
    );
    assert!(restore(&s, 15 * DAY - 1, RestoreTarget::Latest).is_ok());
    assert_eq!(
        restore(&s, 15 * DAY, RestoreTarget::Latest),
        Err(RestoreRefusal::Purged {
            deleted_at: 10 * DAY
        })
    );
    // The command says the same without contradicting itself at the boundary (it said the
    // server could be restored "until" the very moment it then called past that).
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("deleted.toml");
    std::fs::write(&file, &text).unwrap();
    let ask = |at: &str| {
        common::backsim()
            .arg("restore")
            .arg(&file)
            .args(["--at", "latest", "--request-at", at])
            .output()
            .unwrap()
    };
    assert!(ask("2026-01-19T23:59:59Z").status.success());
    let refused = ask("2026-01-20T00:00:00Z");
    assert_eq!(refused.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("its backups are purged 5 days later, at 2026-01-20T00:00:00Z, and a restore must be requested before that"),
        "{stderr}"
    );
}

#[derive(Default)]
struct Unsafe(Vec<i64>);
impl Observer for Unsafe {
    fn event(&mut self, r: EventRecord) {
        if r.kind == "unsafe-session" {
            self.0.push(r.time);
        }
    }
    fn sample(&mut self, _: Sample) {}
}

#[test]
fn r7_unsafe_session_fails_a_restore_across_it_and_forces_an_earlier_point() {
    let s = with(&[("restore.unsafe_sessions_per_day", "1")]);
    let mut seen = Unsafe::default();
    simulate(
        &s.config,
        &Streams::for_replication(s.seed, 0),
        Some(&mut seen),
    );
    // Pick a day with an unsafe moment u after its midnight snapshot; restore to the end of that
    // day (before the next snapshot).
    let u = *seen
        .0
        .iter()
        .find(|&&u| u > 2 * DAY && (u % DAY) > HOUR && (u % DAY) < DAY - HOUR)
        .expect("some unsafe session in the run");
    let day_end = (u / DAY + 1) * DAY - 300;
    let plan = restore(&s, day_end + 1, RestoreTarget::At(day_end)).unwrap();
    let first_after_midnight = *seen.0.iter().find(|&&v| v > (u / DAY) * DAY).unwrap();
    assert!(plan.failed_attempts >= 1);
    assert_eq!(plan.effective_target, first_after_midnight - 1);
    assert_eq!(
        plan.extra_loss_seconds,
        (day_end - plan.effective_target) as f64
    );
    // The failed attempt costs time too.
    let clean = restore(&s, day_end + 1, RestoreTarget::At(first_after_midnight - 1)).unwrap();
    assert_eq!(clean.failed_attempts, 0);
    assert!(plan.breakdown.total() > clean.breakdown.total());
    // Run-wide, failures are counted.
    let m = metrics(&with(&[
        ("restore.unsafe_sessions_per_day", "1"),
        ("outages.incidents_per_year", "100"),
    ]));
    assert!(m.recoveries.failed_restores > 0);
    assert!(m.recoveries.extra_loss_seconds_mean > 0.0);
}

#[test]
fn o3_incidents_each_get_a_restore_and_a_loss_figure() {
    let m = metrics(&with(&[
        ("outages.incidents_per_year", "100"),
        ("horizon_days", "60"),
    ]));
    assert!(m.recoveries.incidents >= 5, "{}", m.recoveries.incidents);
    assert!(
        m.recoveries.recoveries >= m.recoveries.incidents - 1
            && m.recoveries.recoveries <= m.recoveries.incidents
    );
    // Restored to just before the damage, noticed 30 minutes later: 30 min + 1 s of writes lost.
    assert!((m.recoveries.recovery_data_loss_seconds_mean - 1801.0).abs() < 1e-9);
    assert!(m.recoveries.recovery_seconds_mean > 0.0);
}

#[test]
fn o2_zone_redundant_ha_fails_over_without_loss() {
    let m = metrics(&with(&[
        ("server.ha", "zone-redundant"),
        ("outages.zone_outages_per_year", "30"),
        ("horizon_days", "120"),
    ]));
    assert!(m.recoveries.zone_outages >= 3);
    assert_eq!(m.recoveries.failovers, m.recoveries.zone_outages);
    assert_eq!(m.recoveries.recoveries, 0, "no restore needed");
    assert!(
        (m.recoveries.downtime_hours - m.recoveries.failovers as f64 * 120.0 / 3600.0).abs() < 1e-9
    );
}

#[test]
fn o2_without_zone_ha_restores_to_the_latest_point() {
    // A zone that stays down for two days: every restore finishes first.
    let m = metrics(&with(&[
        ("outages.zone_outages_per_year", "30"),
        ("outages.zone_outage_hours", "48"),
        ("horizon_days", "120"),
    ]));
    assert!(m.recoveries.zone_outages >= 3);
    assert_eq!(m.recoveries.failovers, 0);
    assert_eq!(m.recoveries.zone_came_back_first, 0);
    assert!(m.recoveries.recoveries >= m.recoveries.zone_outages - 1);
    // The loss is the data-loss window at the outage: under one log interval.
    assert!(m.recoveries.recovery_data_loss_seconds_mean < 300.0);
    assert!(
        m.recoveries.downtime_hours > m.recoveries.recoveries as f64 * 0.5,
        "detection + restore each time"
    );
    // A zone back within 40 minutes: it returns before any restore can finish, nothing lost.
    let m = metrics(&with(&[
        ("outages.zone_outages_per_year", "30"),
        ("outages.zone_outage_hours", "0.67"),
        ("horizon_days", "120"),
    ]));
    assert!(m.recoveries.zone_outages >= 3);
    assert_eq!(m.recoveries.recoveries, 0);
    assert!(m.recoveries.zone_came_back_first >= m.recoveries.zone_outages - 1);
    assert!(m.recoveries.downtime_hours <= m.recoveries.zone_outages as f64 * 0.67 + 1e-9);
}

/// The region's slots: during an outage everyone restores at once; fewer slots, longer waits.
/// Other tenants' restores come at 4 an hour during two-day outages: one slot cannot keep up,
/// eight barely notice. The zone stays down long enough that no restore is called off by its
/// return (a short outage would keep only the restores that waited little, whatever the
/// slots), and the lines drain between outages.
#[test]
fn restore_queue_wait_grows_as_slots_shrink() {
    let wait = |slots: &str| {
        let s = with(&[
            ("outages.zone_outages_per_year", "20"),
            ("outages.zone_outage_hours", "48"),
            ("horizon_days", "365"),
            ("restore.background_restores_per_hour", "0.2"),
            ("restore.outage_restore_surge", "20"),
            ("restore.slots_per_region", slots),
        ]);
        (0..8)
            .map(|rep| {
                simulate(&s.config, &Streams::for_replication(s.seed, rep), None)
                    .metrics
                    .recoveries
                    .recovery_queue_seconds_mean
            })
            .sum::<f64>()
    };
    let waits: Vec<f64> = ["8", "4", "2", "1"].iter().map(|s| wait(s)).collect();
    assert!(waits.windows(2).all(|w| w[1] > w[0]), "{waits:?}");
}

/// B2 with every log backup failing: only the snapshots hold the data, so a restore to a point
/// between two of them lands on the earlier one, and the hourly probe of a random point never
/// replays binlog that no backup holds.
#[test]
fn a_restore_never_replays_binlog_no_log_backup_holds() {
    let s = with(&[("backup.log_backup_failure_pct", "100")]);
    let plan = restore(
        &s,
        15 * DAY + 12 * HOUR,
        RestoreTarget::At(14 * DAY + 18 * HOUR),
    )
    .unwrap();
    assert_eq!(plan.effective_target, 14 * DAY);
    assert_eq!(plan.replay_gb, 0.0);
    assert_eq!(plan.unbacked_seconds, (18 * HOUR) as f64);
    let m = metrics(&s);
    let custom = m.restore.custom_seconds.expect("probed");
    let fastest = m.restore.fastest_seconds.expect("probed");
    assert_eq!(custom.max, fastest.max, "no probe replays anything");
}

/// R1 in a run: each incident's restore makes a new server, so the source's own backups go on
/// as if nothing happened: the same snapshots and log backups, the same storage and bill, as
/// the same run without incidents (their draws come from a stream of their own).
#[test]
fn r1_restores_in_a_run_leave_the_sources_backups_alone() {
    let quiet = metrics(&with(&[("horizon_days", "60")]));
    let restored = metrics(&with(&[
        ("outages.incidents_per_year", "100"),
        ("horizon_days", "60"),
    ]));
    assert!(restored.recoveries.recoveries >= 5);
    assert_eq!(restored.backups.snapshots, quiet.backups.snapshots);
    assert_eq!(restored.backups.log_backups, quiet.backups.log_backups);
    assert_eq!(
        restored.storage.mean_storage_gb,
        quiet.storage.mean_storage_gb
    );
    assert_eq!(
        restored.storage.cost_per_month,
        quiet.storage.cost_per_month
    );
}
