//! What one replication measured: the figures every output is built from.

use serde::Serialize;

pub use super::backups::BackupFigures;
pub use super::billing::StorageFigures;
pub use super::recovery::{RecoveryFigures, RecoveryRecord};
pub use super::restore::probes::RestoreFigures;
use super::restore::RestoreDistributions;
pub use super::vault::LongTermFigures;
use crate::stats::{Quantiles, Sawtooth};

/// What one replication measured, by the unit that measured it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunMetrics {
    pub backups: BackupFigures,
    pub storage: StorageFigures,
    /// The local data-loss window's time-weighted distribution (exact).
    pub rpo_seconds: Quantiles,
    /// Data-loss window against what had reached the paired region (D3); None when not geo.
    pub geo_rpo_seconds: Option<Quantiles>,
    pub restore: RestoreFigures,
    pub recoveries: RecoveryFigures,
    pub engine: EngineStats,
}

/// How much work the run took and how much it held at once: the memory bound is checked on these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct EngineStats {
    /// Heap events plus log-backup ticks handled.
    pub events: u64,
    pub peak_queue_len: usize,
    pub peak_retained_backups: usize,
    pub rpo_distinct_lengths: usize,
    /// The longest line in a region as far as the regions were worked out: they catch up only
    /// when one of the server's restores joins a line, so lines after its last are not seen.
    pub peak_restores_waiting: u64,
}

#[derive(Debug, Clone)]
pub struct RunOutcome {
    pub metrics: RunMetrics,
    /// The exact data-loss-window distribution of this run, for pooling across runs.
    pub rpo: Sawtooth,
    /// The same against the paired region (empty when not geo).
    pub geo_rpo: Sawtooth,
    pub restores: RestoreDistributions,
    /// Every incident and outage of the run and how it ended.
    pub recoveries: Vec<RecoveryRecord>,
}
