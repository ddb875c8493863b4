//! A candidate scenario's backup storage, hour by hour: one replication, deterministic, read
//! through the model's observer.

use crate::engine::Streams;
use crate::model::{simulate, Config, EventRecord, Observer, Sample};

/// The model's hourly samples, from t = 0.
#[derive(Debug, Clone, Default)]
pub struct Hourly {
    /// Backup storage used (all copies), GB.
    pub storage_gb: Vec<f64>,
    /// The binlog rate at the top of each hour, GB/h.
    pub binlog_gb_per_hour: Vec<f64>,
}

impl Observer for Hourly {
    fn event(&mut self, _: EventRecord) {}

    fn sample(&mut self, sample: Sample) {
        self.storage_gb.push(sample.storage_gb);
        self.binlog_gb_per_hour.push(sample.binlog_gb_per_hour);
    }
}

/// Simulate replication 0 of `config` and keep its hourly samples.
pub fn hourly(config: &Config, seed: u64) -> Hourly {
    let mut samples = Hourly::default();
    simulate(
        config,
        &Streams::for_replication(seed, 0),
        Some(&mut samples),
    );
    samples
}
