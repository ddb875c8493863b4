//! The model of the managed MySQL backup service: one unit per concern, each owning its state,
//! and the loop that drives them (`sim`). Pure computation on a validated `Config`: no files,
//! no command line.

pub mod arrivals;
pub mod backups;
pub mod billing;
pub mod config;
pub mod fleet;
pub mod geo;
pub mod load;
pub mod metrics;
pub mod observer;
pub mod recovery;
pub mod region;
pub mod regions;
pub mod restore;
pub mod retention_ledger;
pub mod rpo;
pub mod server;
pub mod sim;
pub mod vault;

pub use billing::MonthBill;
pub use config::*;
pub use metrics::{EngineStats, RunMetrics, RunOutcome};
pub use observer::{EventRecord, Observer, Sample};
pub use recovery::{RecoveryKind, RecoveryOutcome, RecoveryRecord};
pub use regions::{
    geo_restore_target, geo_restored_backups, known_region, paired_region, sovereign_cloud,
    GeoRestoredBackups,
};
pub use restore::{
    Breakdown, RestoreDistributions, RestorePlan, RestoreRefusal, RestoreTarget, RestoredServer,
    VaultPlan, VaultRefusal, DELETED_SERVER_RESTORE_WINDOW,
};
pub use retention_ledger::{retentions_measured_on_day, RetentionRow, MAX_RETENTION_DAYS};
pub use sim::{
    plan_over_requests, restore_profile, simulate, simulate_in_fleet, what_if_restore,
    what_if_vault_restore, FleetServerRun, WhatIf,
};
