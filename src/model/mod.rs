//! The model of the managed MySQL backup service: the server, its write load, the backups and
//! their storage. Pure computation on a validated `Config`: no files, no command line.

pub mod billing;
pub mod config;
pub mod observer;
pub mod recovery;
pub mod regions;
pub mod restore;
pub mod retention_ledger;
pub mod sim;
pub mod storage;
pub mod workload;

pub use billing::MonthBill;
pub use config::*;
pub use observer::{EventRecord, Observer, Sample};
pub use recovery::{RecoveryKind, RecoveryOutcome, RecoveryRecord};
pub use regions::{geo_restore_target, known_region, paired_region};
pub use restore::{Breakdown, RestoredServer};
pub use retention_ledger::{RetentionRow, MAX_RETENTION_DAYS};
pub use sim::{
    plan_over_requests, restore_profile, simulate, what_if_restore, EngineStats,
    RestoreDistributions, RestorePlan, RestoreRefusal, RestoreTarget, RunMetrics, RunOutcome,
    WhatIf, DELETED_SERVER_RESTORE_WINDOW,
};
