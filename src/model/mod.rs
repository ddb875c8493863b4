//! The model of the managed MySQL backup service: the server, its write load, the backups and
//! their storage. Pure computation on a validated `Config`: no files, no command line.

pub mod config;
pub mod observer;
pub mod sim;
pub mod storage;
pub mod workload;

pub use config::*;
pub use observer::{EventRecord, Observer, Sample};
pub use sim::{simulate, EngineStats, RunMetrics, RunOutcome};
