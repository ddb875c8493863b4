//! Answers a planner can act on: the steady-state bill and the bill per month, the retention that
//! really fits in the allowance, restore times over request times, one row per recovery, and
//! the documented stop behaviour. Each test would fail on a model that averaged over the empty
//! start, used the rule of thumb, planned one lucky request or capped an outage silently.

mod common;
use common::{backsim, with};

use std::fs;

use backsim::engine::{Streams, DAY, HOUR};
use backsim::model::{simulate, EventRecord, Observer, RunOutcome, Sample};
use backsim::scenario::Scenario;
use tempfile::TempDir;

/// 250 GB provisioned, a 100 GB database, 25 GB of binlog a day, flat, no failures.
const FLAT: &str = r#"
name = "flat"
horizon_days = 30
runs = 4
[server]
db_size_gb = 100
provisioned_storage_gb = 250
[workload]
binlog_gb_per_day = 25
[backup]
retention_days = 7
snapshot_failure_pct = 0
"#;

fn run(s: &Scenario) -> RunOutcome {
    simulate(&s.config, &Streams::for_replication(s.seed, 0), None)
}

#[derive(Default)]
struct Recorder {
    events: Vec<EventRecord>,
    samples: Vec<Sample>,
}

impl Observer for Recorder {
    fn event(&mut self, record: EventRecord) {
        self.events.push(record);
    }
    fn sample(&mut self, sample: Sample) {
        self.samples.push(sample);
    }
}

fn recorded(s: &Scenario) -> (RunOutcome, Recorder) {
    let mut rec = Recorder::default();
    let out = simulate(
        &s.config,
        &Streams::for_replication(s.seed, 0),
        Some(&mut rec),
    );
    (out, rec)
}

fn close(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * b.abs().max(1e-12)
}

/// A 35-day retention with bursts and failures: the headline bill after the warm-up is the
/// steady state whatever the horizon, where an average from the empty start is not.
#[test]
fn steady_state_bill_does_not_depend_on_the_horizon() {
    let base = [
        ("backup.retention_days", "35"),
        ("backup.snapshot_failure_pct", "3"),
        ("workload.bursts_per_day", "0.5"),
        ("server.provisioned_storage_gb", "400"),
    ];
    let cost = |horizon: &str, warmup: Option<&str>| {
        let mut sets = base.to_vec();
        sets.push(("horizon_days", horizon));
        if let Some(w) = warmup {
            sets.push(("warmup_days", w));
        }
        let s = with(FLAT, &sets);
        (0..4)
            .map(|rep| {
                simulate(&s.config, &Streams::for_replication(s.seed, rep), None)
                    .metrics
                    .storage
                    .cost_per_month
            })
            .sum::<f64>()
            / 4.0
    };
    // The warm-up is 36 days: 72 days is twice that.
    let long = cost("730", None);
    for horizon in ["72", "120", "365"] {
        let short = cost(horizon, None);
        assert!(
            close(short, long, 0.02),
            "{horizon} days: {short} vs {long} over 730 days"
        );
    }
    // Measured from the start, the filling weeks drag the 72-day figure far below.
    let from_start = cost("72", Some("\"0d\""));
    assert!(from_start < 0.8 * long, "{from_start} vs {long}");
}

/// With growth, the bill rises month by month and partial months say so.
#[test]
fn the_bill_has_one_row_per_calendar_month_and_rises_with_growth() {
    let s = with(
        FLAT,
        &[
            ("horizon_days", "120"),
            ("start", "\"2026-01-20T00:00:00Z\""),
            ("server.db_growth_gb_per_day", "1"),
        ],
    );
    let out = run(&s);
    let months = &out.metrics.storage.monthly;
    // 20 Jan – 20 May: January (part), February, March, April, May (part).
    assert_eq!(months.len(), 5);
    assert_eq!(s.config.months.iter().filter(|m| m.partial()).count(), 2);
    assert_eq!(months[0].days_simulated, 12.0);
    assert_eq!(months[1].days_simulated, 28.0);
    let full: Vec<f64> = months[1..4].iter().map(|m| m.cost).collect();
    assert!(full.windows(2).all(|w| w[1] > w[0]), "{full:?}");
    // Monthly GB-months add up to the whole run's GB·seconds over each month's length.
    let total: f64 = months
        .iter()
        .zip(&s.config.months)
        .map(|(m, cal)| m.billable_gb_month * cal.length as f64)
        .sum();
    assert!(total > 0.0);
}

/// S4/S6: 250 GB free, a 100 GB database, 25 GB of logs a day (no changed data in snapshots).
/// Retention R holds the full snapshot and R + 1 days of logs at its peak: 100 + 25 (R + 1) GB,
/// which fits in 250 GB up to R = 5 (exactly 250 GB). The rule of thumb says 10.
#[test]
fn max_free_retention_matches_a_hand_calculation() {
    let s = with(FLAT, &[("backup.snapshot_change_ratio", "0")]);
    let m = run(&s).metrics;
    assert_eq!(m.storage.max_free_retention_days, Some(5));
    assert!(close(m.storage.free_retention_days.unwrap(), 10.0, 1e-9));
    // The peaks of the table are the hand calculation.
    for row in &m.storage.retention {
        let r = row.retention_days as f64;
        assert!(
            close(row.peak_storage_gb, 100.0 + 25.0 * (r + 1.0), 1e-9),
            "retention {r}: {}",
            row.peak_storage_gb
        );
    }
    // Half a GB of changed data per GB of binlog adds 12.5 GB per retained incremental
    // snapshot: 125 + 37.5 R fits up to R = 3 (the rule of thumb says 6.7).
    let m = run(&with(FLAT, &[])).metrics;
    assert_eq!(m.storage.max_free_retention_days, Some(3));
    // (The rule of thumb counts 29 incremental snapshots in 30 days: 250 / 37.08.)
    assert!(close(
        m.storage.free_retention_days.unwrap(),
        250.0 / 37.5,
        0.02
    ));
}

/// The retention table's row for the configured retention is the headline itself (sampled
/// hourly instead of integrated exactly).
#[test]
fn retention_table_agrees_with_the_simulated_retention() {
    for retention in ["3", "7", "14"] {
        let s = with(
            FLAT,
            &[
                ("backup.retention_days", retention),
                ("horizon_days", "60"),
                ("workload.bursts_per_day", "1"),
                ("server.provisioned_storage_gb", "300"),
            ],
        );
        let m = run(&s).metrics;
        let row = m.storage.retention[s.config.backup.retention_days as usize - 1];
        assert!(
            close(row.mean_storage_gb, m.storage.mean_storage_gb, 0.01),
            "{retention}: {} vs {}",
            row.mean_storage_gb,
            m.storage.mean_storage_gb
        );
        assert!(close(row.cost_per_month, m.storage.cost_per_month, 0.02));
        assert!(close(row.peak_storage_gb, m.storage.peak_storage_gb, 0.01));
    }
}

/// B7, the reference's FAQ: everything within the window at the stop stays until the restart,
/// all of it billed (no allowance while stopped).
#[test]
fn b7_a_twenty_day_stop_keeps_the_whole_backup_set() {
    let text = format!(
        "{FLAT}[[events]]\nat = \"20d12h\"\naction = \"stop\"\n[[events]]\nat = \"40d12h\"\naction = \"start\"\n"
    );
    let s = with(&text, &[("horizon_days", "50")]);
    let (_, rec) = recorded(&s);
    let at = |t: i64| rec.samples.iter().find(|x| x.time == t).unwrap();
    // 100 GB full + 7 × 12.5 GB incremental + 8 days × 25 GB of logs.
    for t in [20 * DAY + 13 * HOUR, 30 * DAY, 40 * DAY] {
        assert_eq!(at(t).state, "stopped");
        assert!(close(at(t).storage_gb, 387.5, 1e-9), "{}", at(t).storage_gb);
        assert_eq!(at(t).billable_gb, at(t).storage_gb);
    }
    // Started again: retention applies at once.
    assert!(at(41 * DAY).storage_gb < 387.5);
}

/// B4: on by default; a heavy binlog earns extra snapshots, none of them an empty duplicate.
#[test]
fn b4_extra_snapshots_by_default_and_never_empty_duplicates() {
    let s = with(FLAT, &[("workload.binlog_gb_per_day", "300")]);
    assert!(run(&s).metrics.backups.extra_snapshots >= 50);

    let s = with(
        FLAT,
        &[
            ("workload.binlog_gb_per_day", "120"),
            ("backup.extra_snapshot_binlog_gb", "30"),
            ("horizon_days", "20"),
        ],
    );
    let (out, rec) = recorded(&s);
    let snapshots: Vec<&EventRecord> = rec.events.iter().filter(|e| e.kind == "snapshot").collect();
    assert_eq!(out.metrics.backups.snapshots as usize, snapshots.len());
    assert!(
        snapshots.windows(2).all(|w| w[1].time > w[0].time),
        "two snapshots at one moment"
    );
    // 120 GB a day in 30 GB steps: four snapshots a day, the daily one among them.
    assert_eq!(out.metrics.backups.snapshots, 80);
    assert!(snapshots
        .iter()
        .skip(1)
        .all(|e| !e.detail.contains("incremental 0.00 GB")));
}

/// A restart that falls on the daily schedule takes one snapshot, not the daily one and a
/// catch-up of nothing at the same second.
#[test]
fn a_restart_on_the_schedule_takes_one_snapshot() {
    let text = format!(
        "{FLAT}[[events]]\nat = \"10d\"\naction = \"stop\"\n[[events]]\nat = \"12d\"\naction = \"start\"\n"
    );
    let s = with(&text, &[("horizon_days", "14")]);
    let (_, rec) = recorded(&s);
    let at_restart: Vec<&EventRecord> = rec
        .events
        .iter()
        .filter(|e| e.kind == "snapshot" && e.time == 12 * DAY)
        .collect();
    assert_eq!(at_restart.len(), 1, "{at_restart:?}");
}

/// Before the first successful snapshot nothing can be restored: the data-loss window is the
/// time since creation, however many log backups ran.
#[test]
fn no_restore_point_before_the_first_snapshot() {
    let s = with(
        FLAT,
        &[
            ("backup.snapshot_failure_pct", "100"),
            ("horizon_days", "3"),
        ],
    );
    let m = run(&s).metrics;
    assert_eq!(m.backups.snapshots, 0);
    assert_eq!(m.rpo_seconds.max, (3 * DAY) as f64);
    assert_eq!(m.rpo_seconds.p50, (3 * DAY / 2) as f64);
    assert!(m.restore.latest_seconds.is_none());
}

/// The hourly series shows the window just before the hour's backup, not always zero.
#[test]
fn timeseries_shows_the_data_loss_window() {
    let (_, rec) = recorded(&with(FLAT, &[]));
    let windows: Vec<f64> = rec.samples.iter().skip(1).map(|s| s.rpo_seconds).collect();
    assert!(windows.iter().all(|&w| w == 300.0), "{:?}", &windows[..5]);
}

const OUTAGE: &str = r#"
name = "outage"
horizon_days = 20
runs = 1
[server]
provisioned_storage_gb = 400
db_size_gb = 240
vcores = 2
[workload]
binlog_gb_per_day = 30
[backup]
redundancy = "geo"
snapshot_failure_pct = 0
[restore]
background_restores_per_hour = 0
[[events]]
at = "12d9h2m"
action = "region-outage"
"#;

fn recoveries_csv(hours: &str) -> String {
    let tmp = TempDir::new().unwrap();
    let path = tmp.path().join("s.toml");
    fs::write(&path, format!("{OUTAGE}hours = {hours}\n")).unwrap();
    let out = tmp.path().join("out");
    backsim()
        .args(["run", path.to_str().unwrap(), "--no-charts", "--out"])
        .arg(&out)
        .assert()
        .success();
    fs::read_to_string(out.join("recoveries.csv")).unwrap()
}

/// O1: a geo-restore that would outlast a 3 h outage is overtaken by the region's return:
/// the row says so and nothing is lost; in a 72 h outage the same restore completes and the
/// writes that had not replicated are lost.
#[test]
fn o1_short_outage_ends_before_its_geo_restore() {
    let short = recoveries_csv("3");
    let row: Vec<&str> = short.lines().nth(1).unwrap().split(',').collect();
    assert_eq!(row[1], "region-outage");
    assert_eq!(row[9], "region came back first", "{short}");
    assert_eq!(row[5], "0", "nothing lost");
    assert_eq!(row[8].parse::<f64>().unwrap(), 3.0 * 3600.0);

    let long = recoveries_csv("72");
    let row: Vec<&str> = long.lines().nth(1).unwrap().split(',').collect();
    assert_eq!(row[9], "restored", "{long}");
    let lost: f64 = row[5].parse().unwrap();
    assert!(lost > 0.0 && lost <= 3_900.0, "{lost}");
    let (restore, downtime): (f64, f64) = (row[7].parse().unwrap(), row[8].parse().unwrap());
    assert!(
        restore > 3.0 * 3600.0,
        "the restore outlasts 3 h: {restore}"
    );
    assert!(downtime < 72.0 * 3600.0);
}

/// `restore --at latest` without a request time: the spread over request times, whose median
/// lies well above the fastest point; then the median request's plan.
#[test]
fn restore_without_a_request_time_reports_the_spread() {
    let out = backsim()
        .args([
            "restore",
            "scenarios/default.toml",
            "--at",
            "latest",
            "--json",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .assert()
        .success();
    let latest: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    let spread = &latest["spread"];
    let p50 = spread["p50_s"].as_f64().unwrap();
    let fastest = backsim()
        .args([
            "restore",
            "scenarios/default.toml",
            "--at",
            "fastest",
            "--json",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .assert()
        .success();
    let fastest: serde_json::Value = serde_json::from_slice(&fastest.get_output().stdout).unwrap();
    let fast = fastest["total_seconds"].as_f64().unwrap();
    assert!(p50 > 2.0 * fast, "p50 {p50} vs fastest {fast}");
    assert!(spread["p95_s"].as_f64().unwrap() >= p50);
    assert!(spread["worst_s"].as_f64().unwrap() >= spread["p95_s"].as_f64().unwrap());
    assert_eq!(spread["worst_time_of_day"].as_str().unwrap().len(), 5);
    // The plan shown is the median request's.
    assert!(close(latest["total_seconds"].as_f64().unwrap(), p50, 1e-9));
    let text = backsim()
        .args(["restore", "scenarios/default.toml", "--at", "latest"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .assert()
        .success();
    let text = String::from_utf8_lossy(&text.get_output().stdout).to_string();
    assert!(text.contains("p50") && text.contains("worst") && text.contains("median request"));
}

/// The spread covers the recovery window in force at the end: after a "set-retention" from 7
/// to 2 days, two days of requests (one every 607 s: 285), not seven (997).
#[test]
fn restore_spread_follows_a_retention_change() {
    let tmp = TempDir::new().unwrap();
    let path = tmp.path().join("s.toml");
    let mut scenario = fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/default.toml"),
    )
    .unwrap();
    scenario.push_str(
        "\n[[events]]\nat = \"2026-02-01T00:00:00Z\"\naction = \"set-retention\"\nretention_days = 2\n",
    );
    fs::write(&path, scenario).unwrap();
    let out = backsim()
        .args([
            "restore",
            path.to_str().unwrap(),
            "--at",
            "latest",
            "--json",
        ])
        .assert()
        .success();
    let json: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    let spread = &json["spread"];
    assert_eq!(spread["requests"].as_u64(), Some(285), "{spread}");
    assert!(
        spread["from"].as_str().unwrap().starts_with("2026-04-03"),
        "{spread}"
    );
}

/// A misspelt region is an input error naming the key and the likely name.
#[test]
fn region_names_must_be_known() {
    let tmp = TempDir::new().unwrap();
    let path = tmp.path().join("s.toml");
    fs::write(
        &path,
        "name = \"x\"\n[restore]\ngeo_restore_region = \"westeurop\"\n",
    )
    .unwrap();
    let out = backsim()
        .args(["validate", path.to_str().unwrap()])
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(err.contains("restore.geo_restore_region"), "{err}");
    assert!(err.contains("did you mean \"westeurope\""), "{err}");
    assert!(err.contains(":3:"), "line of the key: {err}");
    fs::write(&path, "name = \"x\"\n[server]\nregion = \"East US\"\n").unwrap();
    backsim()
        .args(["validate", path.to_str().unwrap()])
        .assert()
        .success();
}

/// What ran is on record: load, scripted events, overrides and the command line.
#[test]
fn reports_echo_what_was_simulated() {
    let tmp = TempDir::new().unwrap();
    let path = tmp.path().join("s.toml");
    fs::write(
        &path,
        format!("{FLAT}[[events]]\nat = \"10d\"\naction = \"stop\"\n[[events]]\nat = \"12d\"\naction = \"set-retention\"\nretention_days = 3\n"),
    )
    .unwrap();
    let out = tmp.path().join("out");
    backsim()
        .args(["run", path.to_str().unwrap(), "--no-charts", "--runs", "2"])
        .args(["--set", "workload.binlog_gb_per_day=30", "--out"])
        .arg(&out)
        .assert()
        .success();
    let json: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(json["load"]["mean_gb_per_day"], 30.0);
    assert_eq!(json["events"][0]["action"], "stop");
    // A retention change says what to: the reader cannot tell it otherwise.
    assert_eq!(json["events"][1]["retention_days"], 3);
    assert_eq!(
        json["provenance"]["overrides"][0],
        "workload.binlog_gb_per_day=30"
    );
    assert!(json["provenance"]["command_line"]
        .as_str()
        .unwrap()
        .starts_with("backsim run "));
    // Steady for 3 days' retention from the change on day 12 (the set already deeper).
    assert_eq!(json["measured_from"]["days"], 12.0);
    assert!(!json["monthly"].as_array().unwrap().is_empty());
    let md = fs::read_to_string(out.join("report.md")).unwrap();
    assert!(md.contains("workload.binlog_gb_per_day=30"));
    assert!(md.contains("stop"));
    assert!(md.contains("set-retention to 3 days"), "{md}");
    assert!(md.contains("7 → 3-day retention"), "{md}");
    assert!(md.contains("30.0 GB of binlog a day"));
    for file in ["bill.csv", "retention.csv", "recoveries.csv"] {
        assert!(out.join(file).is_file(), "{file}");
    }
}

/// S2 with B7: a stop before a retention has let anything go freezes that retention at every
/// GB written so far (nothing had aged out), so every long retention shows the same level —
/// 100 GB full + 10 × 12.5 GB incremental + 10.5 days × 25 GB of logs — for the rest of the run.
#[test]
fn retention_table_a_stop_freezes_retentions_not_reached_yet() {
    let text = format!("{FLAT}[[events]]\nat = \"10d12h\"\naction = \"stop\"\n");
    let s = with(&text, &[("horizon_days", "31")]);
    let m = run(&s).metrics.storage;
    assert_eq!(m.retention.len(), 29);
    for row in &m.retention[9..] {
        assert!(close(row.mean_storage_gb, 487.5, 1e-9), "{row:?}");
        assert!(close(row.peak_storage_gb, 487.5, 1e-9), "{row:?}");
    }
    // Shorter retentions had pruned before the stop, and the peak grows with retention.
    assert!(m.retention[8].peak_storage_gb < 487.5);
    for pair in m.retention.windows(2) {
        assert!(
            pair[0].peak_storage_gb <= pair[1].peak_storage_gb,
            "{pair:?}"
        );
    }
}

/// A deleted server bills nothing under any retention: its hours are left out of the table, so
/// a retention measured only after the deletion is not measured at all (rather than looking
/// free), and the others are means over the days the server existed. FLAT (no change ratio),
/// deleted at day 20 of 30: retention R is measured from day R + 1, so R = 1..18 have days
/// before the deletion and their peaks are the hand calculation 100 + 25 (R + 1).
#[test]
fn retention_table_leaves_out_the_hours_after_a_deletion() {
    let text = format!("{FLAT}[[events]]\nat = \"20d\"\naction = \"delete\"\n");
    let s = with(&text, &[("backup.snapshot_change_ratio", "0")]);
    let m = run(&s).metrics.storage;
    assert_eq!(m.retention.len(), 18, "{:?}", m.retention);
    for row in &m.retention {
        let r = row.retention_days as f64;
        assert_eq!(
            row.hours,
            (20 - row.retention_days as u64 - 1) * 24,
            "{row:?}"
        );
        assert!(close(row.peak_storage_gb, 100.0 + 25.0 * (r + 1.0), 1e-9));
        // Flat load: between backups the storage sits within a day's binlog of its peak.
        assert!(row.mean_storage_gb > row.peak_storage_gb - 25.0, "{row:?}");
    }
    // The same free retention as the server that is never deleted (5 days).
    assert_eq!(m.max_free_retention_days, Some(5));
}

/// The mean load the report gives with bursts on is the load the model writes: bursts of fixed
/// length arriving at random are on (at least one) for 1 − e^(−rate × length) of the time, and
/// multiply the rate by their factor then. 25 GB/day, two 2-hour bursts a day at ×2.5:
/// 25 × (1 + (1 − e^(−1/6)) × 1.5) = 30.76 GB/day, 23% more than the configured figure.
#[test]
fn the_mean_load_with_bursts_is_what_the_model_writes() {
    let s = with(
        FLAT,
        &[
            ("horizon_days", "365"),
            ("workload.bursts_per_day", "2"),
            ("workload.burst_hours", "2"),
            ("workload.burst_multiplier", "2.5"),
        ],
    );
    let echo = backsim::analysis::LoadEcho::of(&s.config.workload);
    let by_hand = 25.0 * (1.0 + (1.0 - (-1.0f64 / 6.0).exp()) * 1.5);
    assert!(close(echo.mean_with_bursts_gb_per_day, by_hand, 1e-12));
    let mut sum = 0.0;
    let mut n = 0.0;
    for replication in 0..4 {
        let mut rec = Recorder::default();
        simulate(
            &s.config,
            &Streams::for_replication(s.seed, replication),
            Some(&mut rec),
        );
        sum += rec
            .samples
            .iter()
            .map(|x| x.binlog_gb_per_hour)
            .sum::<f64>();
        n += rec.samples.len() as f64;
    }
    let simulated_per_day = sum / n * 24.0;
    assert!(
        close(simulated_per_day, by_hand, 0.03),
        "simulated {simulated_per_day} GB/day against {by_hand}"
    );
}

/// The wait for a restore slot is an M/M/c queue's: other tenants arrive as a Poisson process
/// and hold a slot an exponential time, and the server's own restores (here a second long, so
/// they add no load) arrive at random and see the queue as it stands on average. With c = 2
/// slots, 2 restores an hour of mean 45 minutes (a = 1.5 Erlang), Erlang C gives
/// P(wait) = a^c/c! · c/(c − a) / (Σ_{k<c} a^k/k! + a^c/c! · c/(c − a)) = 4.5 / 7 = 0.6429 and a
/// mean wait of P / (cμ − λ) = 0.6429 / (2 · 4/3 − 2) h = 3,471 s.
#[test]
fn slot_waits_agree_with_erlang_c() {
    let s = with(
        "name = \"queue\"\nhorizon_days = 365\n[server]\ndb_size_gb = 1\n[workload]\nbinlog_gb_per_day = 0.1\n[backup]\nsnapshot_failure_pct = 0\n[outages]\nincidents_per_year = 2000\nzone_outages_per_year = 0\nregion_outages_per_year = 0\n[restore]\nprovision_minutes = \"1s\"\nhydrate_gb_per_hour_per_vcore = 10000\nreplay_gb_per_hour_per_vcore = 10000\nslots_per_region = 2\nbackground_restores_per_hour = 2.0\nbackground_restore_minutes = \"45m\"\ndetection_minutes = \"1s\"\n",
        &[],
    );
    let waits: Vec<f64> = (0..24)
        .flat_map(|rep| {
            simulate(&s.config, &Streams::for_replication(s.seed, rep), None)
                .recoveries
                .into_iter()
                .filter(|r| r.kind == backsim::model::RecoveryKind::Incident)
                .map(|r| r.wait_s)
        })
        .collect();
    assert!(waits.len() > 40_000, "{} restores", waits.len());
    let n = waits.len() as f64;
    let waited = waits.iter().filter(|&&w| w > 0.0).count() as f64 / n;
    let mean = waits.iter().sum::<f64>() / n;
    let (p_wait, mean_wait) = (4.5 / 7.0, 4.5 / 7.0 / (2.0 * 4.0 / 3.0 - 2.0) * 3600.0);
    // Standard errors over 24 years of restores: about 0.004 and 70 s.
    assert!(
        (waited - p_wait).abs() < 0.02,
        "waited {waited:.4} vs {p_wait:.4}"
    );
    assert!(
        (mean - mean_wait).abs() / mean_wait < 0.06,
        "mean wait {mean:.0} s vs {mean_wait:.0} s"
    );
}
