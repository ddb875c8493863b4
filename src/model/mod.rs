//! The model of the managed MySQL backup service: the server, its write load, the backups and
//! their storage. Pure computation on a validated `Config`: no files, no command line.

pub mod config;
pub mod observer;
pub mod regions;
pub mod restore;
pub mod sim;
pub mod storage;
pub mod workload;

pub use config::*;
pub use observer::{EventRecord, Observer, Sample};
pub use regions::{geo_restore_target, paired_region};
pub use restore::{Breakdown, RestoredServer};
pub use sim::{
    restore_profile, simulate, what_if_restore, EngineStats, RestoreDistributions, RestorePlan,
    RestoreRefusal, RestoreTarget, RunMetrics, RunOutcome, WhatIf, DELETED_SERVER_RESTORE_WINDOW,
};
