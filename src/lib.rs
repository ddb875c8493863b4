//! backsim: a deterministic discrete-event simulator and cost model for the backup and restore
//! service of a managed MySQL server.
//!
//! Layers, each depending only on the ones before it (ARCHITECTURE.md draws them):
//! - `engine`: simulated time, the event queue, random streams;
//! - `stats`: distributions, confidence intervals, durability chains;
//! - `model`: the server, its load, backups and storage (pure; no files, no CLI);
//! - `montecarlo` and `scenario`: parallel replications; TOML in, validated;
//! - `analysis`: the figures of a run across its replications;
//! - `sweep`, `fleet`, `compare`, `calibrate`: the questions asked of many runs;
//! - `report`, `cli`: the outside world (CSV/JSON/text/PNG out, arguments).

pub mod analysis;
pub mod bounded;
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
