//! backsim: a deterministic discrete-event simulator and cost model for the backup and restore
//! service of a managed MySQL server.
//!
//! Layers, each depending only on the ones before it:
//! - `engine`: simulated time, the event queue, random streams;
//! - `model`: the server, its load, backups and storage (pure; no files, no CLI);
//! - `stats` and `montecarlo`: distributions, confidence intervals, parallel replications;
//! - `scenario`, `report`, `cli`: the outside world (TOML in, CSV/JSON/text out, arguments);
//! - `calibrate`, between `scenario` and `report`: a real server's description, storage metrics
//!   and timed restores turned into scenario keys (the load fitted by simulating candidates).

pub mod analysis;
pub mod calibrate;
pub mod cli;
pub mod compare;
pub mod engine;
pub mod error;
pub mod fleet;
pub mod model;
pub mod montecarlo;
pub mod report;
pub mod safe_csv;
pub mod scenario;
pub mod stats;
pub mod sweep;
