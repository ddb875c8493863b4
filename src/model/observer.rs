//! How a simulation reports what happens to whoever is listening (the CSV writers for run 0),
//! without knowing where it goes.

use crate::engine::SimTime;

/// One line of the event log.
#[derive(Debug, Clone, PartialEq)]
pub struct EventRecord {
    pub time: SimTime,
    pub kind: &'static str,
    pub detail: String,
    /// Backup storage used right after the event, GB (all copies).
    pub storage_gb: f64,
}

/// The state of the server at the top of an hour.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sample {
    pub time: SimTime,
    /// running, region-down, stopped or deleted.
    pub state: &'static str,
    /// The primary region is up.
    pub region_up: bool,
    pub storage_gb: f64,
    pub free_allowance_gb: f64,
    pub billable_gb: f64,
    pub binlog_gb_per_hour: f64,
    /// Seconds of writes that a loss at this instant would lose (local), just before any backup
    /// due at the instant.
    pub rpo_seconds: f64,
    /// The widest data-loss window reached since the previous sample.
    pub rpo_max_seconds: f64,
    pub retained_snapshots: usize,
}

pub trait Observer {
    fn event(&mut self, record: EventRecord);
    fn sample(&mut self, sample: Sample);
}
