//! Restores (R1–R3, R5–R7): how long one takes, planning one from the retained backups, the
//! hourly probes that give their distributions, and the server a restore creates.

pub mod backups_view;
pub mod estimate;
pub mod from_vault;
pub mod plan;
pub mod probes;
pub mod restored;

pub use backups_view::Backups;
pub use estimate::{estimate, Breakdown, Rates, RestoreWork};
pub use from_vault::{VaultPlan, VaultRefusal};
pub use plan::{plan, RestorePlan, RestoreRefusal, RestoreTarget, DELETED_SERVER_RESTORE_WINDOW};
pub use probes::{Probes, RestoreDistributions};
pub use restored::{restored_server, RestoredServer};
