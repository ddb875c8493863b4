//! Calibration from a real server: its configuration (`import`), its backup-storage metrics
//! (`metrics`, fitted by `fit`) and its timed test restores (`restores`) replace the scenario's
//! assumptions. Pure computation on texts and scenarios: the command line reads and writes the
//! files.

mod database;
pub mod export;
mod fit;
pub mod import;
pub mod metrics;
mod series;
mod server_json;
mod shapes;
mod simulated;
mod sku;
pub mod synthetic;
mod window;
pub mod workload;
