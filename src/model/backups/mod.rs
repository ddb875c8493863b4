//! The backups themselves (B1–B6, S2, S3): snapshots and their schedule, log backups on their
//! grid, and the store of what is retained.

pub mod log_runs;
pub mod logs;
pub mod snapshots;
pub mod store;

pub use log_runs::LogBackup;
pub use logs::LogBackups;
pub use snapshots::{Attempt, Snapshots};
pub use store::{BackupStore, Snapshot, SnapshotKind};

use serde::Serialize;

use crate::engine::{SimTime, HOUR};

/// What the schedule and the log backups counted, at `end` (a running server's last gap
/// between snapshots is still open then; writes stopped at `writes_stopped_at`, if they did).
pub fn figures(
    snapshots: &Snapshots,
    logs: &LogBackups,
    end: SimTime,
    running: bool,
    writes_stopped_at: Option<SimTime>,
) -> BackupFigures {
    let c = snapshots.counters();
    BackupFigures {
        snapshots: c.taken,
        snapshot_failures: c.failures,
        retries: c.retries,
        extra_snapshots: c.extra,
        log_backups: logs.uploaded(),
        log_backup_failures: logs.failed(),
        on_demand: c.on_demand,
        on_demand_refused: c.on_demand_refused,
        max_snapshot_gap_hours: snapshots.max_gap(end, running) as f64 / HOUR as f64,
        event_scheduler_off_hours: snapshots.scheduler_off(end, writes_stopped_at) as f64
            / HOUR as f64,
    }
}

/// The snapshot schedule and the log backups (B1–B6).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct BackupFigures {
    pub snapshots: u64,
    pub snapshot_failures: u64,
    pub retries: u64,
    pub extra_snapshots: u64,
    pub log_backups: u64,
    pub log_backup_failures: u64,
    pub on_demand: u64,
    pub on_demand_refused: u64,
    pub max_snapshot_gap_hours: f64,
    /// MySQL 5.7 only: hours the event scheduler was off for snapshots (B5).
    pub event_scheduler_off_hours: f64,
}
