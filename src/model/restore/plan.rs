//! Planning a point-in-time restore (R2, R3, R5, R7) from what the backups hold at the request:
//! a pure function of the retained backups and the server's circumstances.

use serde::Serialize;

use super::backups_view::Backups;
use super::estimate::{Breakdown, Rates, RestoreWork};
use crate::engine::{SimTime, DAY};

/// A deleted server can be restored for this long; then its backups are gone (R5).
pub const DELETED_SERVER_RESTORE_WINDOW: SimTime = 5 * DAY;

/// Where a point-in-time restore should land.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RestoreTarget {
    /// The moment of the request (in practice the last backed-up point before it).
    Latest,
    /// The newest full snapshot: no log replay at all.
    Fastest,
    /// A chosen moment inside the recovery window.
    At(SimTime),
}

/// A planned point-in-time restore, without waiting for a slot.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RestorePlan {
    pub requested_at: SimTime,
    /// The point asked for (for latest, the request time).
    pub target: SimTime,
    /// The point the restored server will hold: the target, or earlier when no backup reaches
    /// it or an unsafe session (R7) forced an earlier point.
    pub effective_target: SimTime,
    pub base_snapshot_at: SimTime,
    pub base_snapshot_gb: f64,
    pub replay_gb: f64,
    pub breakdown: Breakdown,
    /// Writes between the effective target and the request that the restored server lacks.
    pub data_loss_seconds: f64,
    /// Attempts that failed on a foreign-key violation replayed from the binlog (R7).
    pub failed_attempts: u32,
    /// How much earlier than asked the restore had to land because of those failures.
    pub extra_loss_seconds: f64,
    /// How much earlier than asked the replay stops because the binlog after the last log
    /// backup is in no backup yet (the next is due, or those since failed) while a snapshot
    /// since holds the newest point.
    pub unbacked_seconds: f64,
    /// How far a chosen time lay past the newest restorable point at the request (for a
    /// geo-restore, the newest that had reached the paired region): the restore lands there.
    pub past_newest_seconds: f64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RestoreRefusal {
    /// The target lies outside [earliest, latest] restore point.
    OutOfWindow { earliest: SimTime, latest: SimTime },
    /// No snapshot had been taken yet.
    NoBackups,
    /// The server was deleted and its 5-day restore window has closed (R5).
    Purged { deleted_at: SimTime },
    /// The primary region is down: only a geo-restore can bring the server back (O1).
    RegionDown,
    /// A geo-restore needs geo-redundant backup storage.
    NotGeoRedundant,
}

/// Plan a restore at `request`. A geo-restore reads only what had reached the paired region
/// and adds the cross-region copy; a local one is impossible while the region is down.
pub fn plan(
    backups: &Backups<'_>,
    rates: &Rates,
    request: SimTime,
    target: RestoreTarget,
    geo: bool,
) -> Result<RestorePlan, RestoreRefusal> {
    if let Some(deleted_at) = backups.deleted_at {
        if request >= deleted_at + DELETED_SERVER_RESTORE_WINDOW {
            return Err(RestoreRefusal::Purged { deleted_at });
        }
    }
    if backups.region_down && !geo {
        return Err(RestoreRefusal::RegionDown);
    }
    let (earliest, local_latest) = backups.window_at(request);
    let latest = if geo {
        backups
            .geo_point
            .ok_or(RestoreRefusal::NoBackups)?
            .min(local_latest)
    } else {
        local_latest
    };
    let wanted = match target {
        RestoreTarget::Latest => request,
        RestoreTarget::Fastest => return fastest(backups, rates, request, latest, geo),
        RestoreTarget::At(t) => {
            if t < earliest || t > request {
                return Err(RestoreRefusal::OutOfWindow { earliest, latest });
            }
            t
        }
    };
    let mut plan = replay_to(backups, rates, request, wanted, latest, geo)?;
    if matches!(target, RestoreTarget::At(_)) {
        plan.past_newest_seconds = (wanted - latest).max(0) as f64;
    }
    Ok(plan)
}

/// The breakdown `plan` gives a local restore to `point` (no later than the newest restorable
/// point) when no unsafe session (R7) lies between its base snapshot and it: the hourly probe's
/// random point, without building a plan. None when `plan` must be asked (an unsafe session, or
/// no snapshot).
pub fn plain_replay_to(backups: &Backups<'_>, rates: &Rates, point: SimTime) -> Option<Breakdown> {
    let base = backups.store.base_snapshot_for(point)?;
    let (point, mark) = backups.reachable(point, base);
    if backups
        .unsafe_moments
        .iter()
        .any(|&u| u > base.time && u <= point)
    {
        return None;
    }
    // `replay_to` adds the (here empty) failed attempts, +0.0 to non-negative phases: the
    // same bits without the additions.
    Some(rates.estimate(RestoreWork {
        snapshot_gb: base.full_gb,
        replay_gb: (mark - base.binlog_mark).max(0.0),
        cross_region: false,
    }))
}

/// R2: the fastest point is the newest full snapshot at or before `latest`: nothing to replay.
fn fastest(
    backups: &Backups<'_>,
    rates: &Rates,
    request: SimTime,
    latest: SimTime,
    geo: bool,
) -> Result<RestorePlan, RestoreRefusal> {
    let snap = backups
        .store
        .base_snapshot_for(latest)
        .ok_or(RestoreRefusal::NoBackups)?;
    Ok(RestorePlan {
        requested_at: request,
        target: snap.time,
        effective_target: snap.time,
        base_snapshot_at: snap.time,
        base_snapshot_gb: snap.full_gb,
        replay_gb: 0.0,
        breakdown: rates.estimate(RestoreWork {
            snapshot_gb: snap.full_gb,
            replay_gb: 0.0,
            cross_region: geo,
        }),
        data_loss_seconds: backups.writes_lost(snap.time, request) as f64,
        failed_attempts: 0,
        extra_loss_seconds: 0.0,
        unbacked_seconds: 0.0,
        past_newest_seconds: 0.0,
    })
}

/// Restore to `wanted` (no later than `latest`): the base snapshot before it, then the binlog
/// replayed up to it — or, when the replay crosses an unsafe session (R7), a failed attempt and
/// a new one just before that session.
fn replay_to(
    backups: &Backups<'_>,
    rates: &Rates,
    request: SimTime,
    wanted: SimTime,
    latest: SimTime,
    geo: bool,
) -> Result<RestorePlan, RestoreRefusal> {
    let estimate = |work| rates.estimate(work);
    let mut point = wanted.min(latest);
    // Where the replay can reach without any failure: earlier only when the binlog after the
    // last successful log backup is in no backup.
    let mut reachable = None;
    let mut wasted = Breakdown::default();
    let mut failed_attempts = 0;
    loop {
        let base = *backups
            .store
            .base_snapshot_for(point)
            .ok_or(RestoreRefusal::NoBackups)?;
        let (reached, mark) = backups.reachable(point, &base);
        point = reached;
        let first_reached = *reachable.get_or_insert(point);
        let work = |to: SimTime| RestoreWork {
            snapshot_gb: base.full_gb,
            replay_gb: (if to == point {
                mark
            } else {
                backups.reachable(to, &base).1
            } - base.binlog_mark)
                .max(0.0),
            cross_region: geo,
        };
        // R7: replaying past a session that broke a foreign key with the checks off fails;
        // the only way out is a point before it.
        let first_unsafe = backups
            .unsafe_moments
            .iter()
            .find(|&&u| u > base.time && u <= point);
        if let Some(&u) = first_unsafe {
            failed_attempts += 1;
            wasted.add(&estimate(work(u)));
            point = u - 1;
            continue;
        }
        let final_work = work(point);
        let mut breakdown = estimate(final_work);
        breakdown.add(&wasted);
        return Ok(RestorePlan {
            requested_at: request,
            target: wanted,
            effective_target: point,
            base_snapshot_at: base.time,
            base_snapshot_gb: base.full_gb,
            replay_gb: final_work.replay_gb,
            breakdown,
            data_loss_seconds: backups.writes_lost(point, request) as f64,
            failed_attempts,
            extra_loss_seconds: (first_reached - point) as f64,
            unbacked_seconds: (wanted.min(latest) - first_reached) as f64,
            past_newest_seconds: 0.0,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::HOUR;
    use crate::model::backups::{BackupStore, LogBackup, Snapshot, SnapshotKind};
    use crate::model::config::{HighAvailability, MysqlVersion, RestoreConfig, ServerConfig};
    use crate::model::server::WritePauses;
    use std::collections::VecDeque;

    /// Two daily snapshots (100 GB) and hourly log backups of 1 GB each, up to 30 hours.
    fn store() -> BackupStore {
        store_with_logs_until(30)
    }

    /// The same, with the log backups up to `last_hour`.
    fn store_with_logs_until(last_hour: i64) -> BackupStore {
        let mut store = BackupStore::new();
        for day in 0..2 {
            store.add_snapshot(Snapshot {
                time: day * DAY,
                full_gb: 100.0,
                incremental_gb: if day == 0 { 100.0 } else { 12.0 },
                kind: SnapshotKind::Scheduled,
                binlog_mark: (day * 24) as f64,
            });
        }
        for h in 1..=last_hour {
            store.add_log(LogBackup {
                time: h * HOUR,
                gb: 1.0,
                binlog_mark: h as f64,
            });
        }
        store
    }

    fn rates() -> (RestoreConfig, ServerConfig) {
        (
            RestoreConfig {
                replay_gb_per_hour_per_vcore: 1.0,
                cross_region_gb_per_hour: 100.0,
                ..super::super::estimate::test_params()
            },
            ServerConfig {
                mysql_version: MysqlVersion::V8_0,
                provisioned_storage_gb: 250.0,
                db_size_gb: 100.0,
                db_growth_gb_per_day: 0.0,
                ha: HighAvailability::None,
                vcores: 1,
                tables_without_pk_pct: 0.0,
                region: "eastus".into(),
            },
        )
    }

    static NO_PAUSES: WritePauses = WritePauses::new();

    fn backups<'a>(store: &'a BackupStore, unsafe_moments: &'a VecDeque<SimTime>) -> Backups<'a> {
        Backups {
            store,
            latest_point: 30 * HOUR,
            latest_mark: 30.0,
            writes_stopped_at: None,
            write_pauses: &NO_PAUSES,
            deleted_at: None,
            region_down: false,
            geo_point: Some(29 * HOUR),
            unsafe_moments,
            window: 7 * DAY,
        }
    }

    /// R2, R3 by hand: 1 vCore hydrates 100 GB in an hour and replays 1 GB an hour.
    /// The probe's shortcut is `plan` to the bit wherever it answers, and leaves to `plan`
    /// the points an unsafe session lies before.
    #[test]
    fn the_plain_replay_is_the_plans_breakdown() {
        let store = store();
        let (restore, server) = rates();
        let rates = &Rates::new(&restore, &server);
        let request = 30 * HOUR;
        let none = VecDeque::new();
        let unsafe_at = VecDeque::from([26 * HOUR]);
        for moments in [&none, &unsafe_at] {
            let b = backups(&store, moments);
            for point in (0..=30 * HOUR).step_by(397) {
                let planned = plan(&b, rates, request, RestoreTarget::At(point), false)
                    .ok()
                    .map(|p| p.breakdown);
                match plain_replay_to(&b, rates, point) {
                    Some(quick) => assert_eq!(Some(quick), planned, "at {point}"),
                    None => assert!(
                        moments.iter().any(|&u| u <= point),
                        "at {point}: no shortcut without an unsafe session"
                    ),
                }
            }
        }
    }

    /// Log backups succeed up to 20 h, then all fail; the day-1 snapshot closes the window at
    /// 24 h. A point in between cannot be replayed to: the binlog after 20 h is in no backup.
    #[test]
    fn a_replay_stops_at_the_last_log_backup_that_succeeded() {
        let store = store_with_logs_until(20);
        let (restore, server) = rates();
        let rates = &Rates::new(&restore, &server);
        let none = VecDeque::new();
        let b = Backups {
            latest_point: DAY,
            latest_mark: 24.0,
            ..backups(&store, &none)
        };
        let request = 30 * HOUR;
        let p = plan(&b, rates, request, RestoreTarget::At(22 * HOUR), false).unwrap();
        assert_eq!(p.effective_target, 20 * HOUR);
        assert_eq!(p.replay_gb, 20.0);
        assert_eq!(p.unbacked_seconds, (2 * HOUR) as f64);
        assert_eq!(p.extra_loss_seconds, 0.0);
        assert_eq!(p.data_loss_seconds, (10 * HOUR) as f64);
        assert_eq!(plain_replay_to(&b, rates, 22 * HOUR), Some(p.breakdown));
        // Inside the logs the replay reaches the point, interpolated as ever.
        let inside = plan(
            &b,
            rates,
            request,
            RestoreTarget::At(19 * HOUR + 1800),
            false,
        )
        .unwrap();
        assert_eq!(inside.effective_target, 19 * HOUR + 1800);
        assert_eq!(inside.replay_gb, 19.5);
        assert_eq!(inside.unbacked_seconds, 0.0);
        // The snapshot itself is a restore point.
        let at_snapshot = plan(&b, rates, request, RestoreTarget::At(DAY), false).unwrap();
        assert_eq!(at_snapshot.effective_target, DAY);
        assert_eq!(at_snapshot.replay_gb, 0.0);
        // Nothing written after 20 h (a stop flushed the binlog there; the snapshot is the
        // start's): nothing is missing, and the point is reached.
        let mut quiet = BackupStore::new();
        for (day, mark) in [(0, 0.0), (1, 20.0)] {
            quiet.add_snapshot(Snapshot {
                time: day * DAY,
                full_gb: 100.0,
                incremental_gb: 12.0,
                kind: SnapshotKind::Scheduled,
                binlog_mark: mark,
            });
        }
        for log in store.logs() {
            quiet.add_log(log);
        }
        let b = Backups {
            store: &quiet,
            latest_mark: 20.0,
            ..b
        };
        let p = plan(&b, rates, request, RestoreTarget::At(22 * HOUR), false).unwrap();
        assert_eq!((p.effective_target, p.unbacked_seconds), (22 * HOUR, 0.0));
        assert_eq!(p.replay_gb, 20.0);
    }

    #[test]
    fn plans_latest_fastest_and_custom_by_hand() {
        let store = store();
        let (restore, server) = rates();
        let rates = &Rates::new(&restore, &server);
        let none = VecDeque::new();
        let b = backups(&store, &none);
        let request = 30 * HOUR + 100;
        let latest = plan(&b, rates, request, RestoreTarget::Latest, false).unwrap();
        assert_eq!(latest.effective_target, 30 * HOUR);
        assert_eq!(latest.base_snapshot_at, DAY);
        assert_eq!(latest.replay_gb, 6.0);
        assert_eq!(latest.breakdown.total(), 300.0 + 3600.0 + 6.0 * 3600.0);
        assert_eq!(latest.data_loss_seconds, 100.0);
        let fastest = plan(&b, rates, request, RestoreTarget::Fastest, false).unwrap();
        assert_eq!(fastest.effective_target, DAY);
        assert_eq!(fastest.breakdown.replay, 0.0);
        // Half-way through hour 27: interpolated between the marks at 27 h and 28 h.
        let custom = plan(
            &b,
            rates,
            request,
            RestoreTarget::At(27 * HOUR + 1800),
            false,
        )
        .unwrap();
        assert_eq!(custom.replay_gb, 3.5);
        // A geo-restore reads only what reached the pair and copies it across.
        let geo = plan(&b, rates, request, RestoreTarget::Latest, true).unwrap();
        assert_eq!(geo.effective_target, 29 * HOUR);
        assert_eq!(geo.breakdown.transfer, (100.0 + 5.0) / 100.0 * 3600.0);
    }

    /// A chosen time after the newest restorable point lands on it, and the plan says by how
    /// much: locally the last log backup (30 h), for a geo-restore the last copy that reached
    /// the pair (29 h). Inside the reach, and for latest, nothing is past it.
    #[test]
    fn a_chosen_time_past_the_newest_point_says_how_far() {
        let store = store();
        let (restore, server) = rates();
        let rates = &Rates::new(&restore, &server);
        let none = VecDeque::new();
        let b = backups(&store, &none);
        let request = 30 * HOUR + 900;
        let wanted = RestoreTarget::At(30 * HOUR + 600);
        let local = plan(&b, rates, request, wanted, false).unwrap();
        assert_eq!(local.effective_target, 30 * HOUR);
        assert_eq!(local.past_newest_seconds, 600.0);
        let geo = plan(&b, rates, request, wanted, true).unwrap();
        assert_eq!(geo.effective_target, 29 * HOUR);
        assert_eq!(geo.past_newest_seconds, 3600.0 + 600.0);
        let inside = plan(&b, rates, request, RestoreTarget::At(28 * HOUR), true).unwrap();
        assert_eq!(inside.past_newest_seconds, 0.0);
        let latest = plan(&b, rates, request, RestoreTarget::Latest, true).unwrap();
        assert_eq!(latest.past_newest_seconds, 0.0);
    }

    /// R2, R5, O1: the refusals.
    #[test]
    fn refuses_outside_the_window_after_the_purge_and_while_the_region_is_down() {
        let store = store();
        let (restore, server) = rates();
        let rates = &Rates::new(&restore, &server);
        let none = VecDeque::new();
        let b = backups(&store, &none);
        assert!(matches!(
            plan(&b, rates, 30 * HOUR, RestoreTarget::At(31 * HOUR), false),
            Err(RestoreRefusal::OutOfWindow { .. })
        ));
        let deleted = Backups {
            deleted_at: Some(30 * HOUR),
            writes_stopped_at: Some(30 * HOUR),
            ..b
        };
        assert!(plan(
            &deleted,
            rates,
            30 * HOUR + 4 * DAY,
            RestoreTarget::Latest,
            false
        )
        .is_ok());
        assert_eq!(
            plan(
                &deleted,
                rates,
                30 * HOUR + 5 * DAY,
                RestoreTarget::Latest,
                false
            ),
            Err(RestoreRefusal::Purged {
                deleted_at: 30 * HOUR
            })
        );
        let down = Backups {
            region_down: true,
            ..b
        };
        assert_eq!(
            plan(&down, rates, 30 * HOUR, RestoreTarget::Latest, false),
            Err(RestoreRefusal::RegionDown)
        );
        let unseeded = Backups {
            geo_point: None,
            ..b
        };
        assert_eq!(
            plan(&unseeded, rates, 30 * HOUR, RestoreTarget::Latest, true),
            Err(RestoreRefusal::NoBackups)
        );
    }

    /// R7: an unsafe session after the base snapshot fails the replay across it; the restore
    /// lands just before it, its failed attempt's time counted.
    #[test]
    fn an_unsafe_session_forces_an_earlier_point() {
        let store = store();
        let (restore, server) = rates();
        let rates = &Rates::new(&restore, &server);
        let moments = VecDeque::from([28 * HOUR]);
        let b = backups(&store, &moments);
        let p = plan(&b, rates, 30 * HOUR, RestoreTarget::Latest, false).unwrap();
        assert_eq!(p.failed_attempts, 1);
        assert_eq!(p.effective_target, 28 * HOUR - 1);
        assert_eq!(p.extra_loss_seconds, (2 * HOUR + 1) as f64);
    }
}
