//! What one replication measured: the figures every output is built from.

use serde::Serialize;

use super::billing::MonthBill;
use super::recovery::RecoveryRecord;
use super::restore::{Breakdown, RestoreDistributions};
use super::retention_ledger::RetentionRow;
use crate::engine::SimTime;
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

/// The snapshot schedule and the log backups (B1–B6).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct BackupFigures {
    pub snapshots: u64,
    pub snapshot_failures: u64,
    pub retries: u64,
    pub extra_snapshots: u64,
    pub log_backups: u64,
    pub log_backup_failures: u64,
    pub on_demand: u64,
    pub on_demand_refused: u64,
    pub max_snapshot_gap_hours: f64,
    /// MySQL 5.7 only: hours the event scheduler was off for snapshots (B5).
    pub event_scheduler_off_hours: f64,
}

/// Storage and what it costs (S3–S6).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StorageFigures {
    /// Storage, allowance and bill are time-averages after the warm-up (`measured_from`): the
    /// steady state, not the filling start.
    pub mean_storage_gb: f64,
    /// The most storage used at any moment of the run.
    pub peak_storage_gb: f64,
    /// Time-average of the free allowance (zero while stopped or deleted).
    pub mean_free_allowance_gb: f64,
    /// Time-average of the storage above the allowance: GB billed per 30-day month.
    pub billable_gb_month: f64,
    pub cost_per_month: f64,
    /// The bill of each calendar month the run touches.
    pub monthly: Vec<MonthBill>,
    /// What the same history would cost at each retention from 1 to 35 days.
    pub retention: Vec<RetentionRow>,
    /// The longest retention whose steady state bills nothing (0: even one day bills), and the
    /// longest measured (the horizon must pass retention + 1 days); None below two days.
    pub max_free_retention_days: Option<u32>,
    pub retention_measured_up_to_days: u32,
    /// New backup data per running day (all copies), the first full snapshot excluded.
    pub daily_backup_gb: f64,
    /// Free allowance / daily backup usage (S6); None when nothing is written.
    pub free_retention_days: Option<f64>,
    /// Long-term retention and exports (previews); None when neither is used.
    pub long_term: Option<LongTermFigures>,
}

/// The vault and the exports (previews): what they hold and cost, and how far back they reach.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct LongTermFigures {
    pub copies_made: u64,
    pub copies_kept: u64,
    /// Time-averages after the warm-up, and the vault's peak.
    pub mean_vault_gb: f64,
    pub peak_vault_gb: f64,
    pub vault_cost_per_month: f64,
    /// The oldest point a vault copy or an export could bring back at the end of the run.
    pub oldest_point: Option<SimTime>,
    pub exports: u64,
    pub exports_refused: u64,
    pub mean_export_gb: f64,
    pub export_cost_per_month: f64,
}

/// Restore times to the latest, fastest and a random custom point, probed every hour while the
/// server runs (no slot contention; R7 failures included); None when no hour had one.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct RestoreFigures {
    pub latest_seconds: Option<Quantiles>,
    pub fastest_seconds: Option<Quantiles>,
    pub custom_seconds: Option<Quantiles>,
    /// Mean seconds per phase of those probes.
    pub latest_breakdown: Breakdown,
    pub fastest_breakdown: Breakdown,
    pub custom_breakdown: Breakdown,
}

/// Incidents, outages and how the server came back (O1–O3, R4, R7).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct RecoveryFigures {
    pub incidents: u64,
    pub zone_outages: u64,
    /// Restores completed for incidents and zone outages (through the region's slots).
    pub recoveries: u64,
    /// Mean over those: time from request to a running server, the wait for a slot, and the
    /// writes the restored server lacks.
    pub recovery_seconds_mean: f64,
    pub recovery_queue_seconds_mean: f64,
    pub recovery_data_loss_seconds_mean: f64,
    /// Restore attempts that failed on an unsafe session (R7), and the extra loss they caused.
    pub failed_restores: u64,
    pub extra_loss_seconds_mean: f64,
    /// Zone outages absorbed by a zone-redundant HA failover, and the server's total downtime.
    pub failovers: u64,
    pub downtime_hours: f64,
    pub region_outages: u64,
    /// Regional outages recovered by a geo-restore, its mean time from the outage to a running
    /// server (noticing, waiting for a slot, restoring) and the writes lost.
    pub geo_restores: u64,
    pub geo_recovery_seconds_mean: f64,
    pub geo_data_loss_seconds_mean: f64,
    /// Outages (zone or region) that ended before their restore did: nothing was lost.
    pub came_back_first: u64,
    /// Hours a regional outage left the server with no way back (no geo-redundant backups), and
    /// the mean writes at risk at the moment each outage began.
    pub unrecoverable_hours: f64,
    pub region_data_at_risk_seconds_mean: f64,
}

/// How much work the run took and how much it held at once: the memory bound is checked on these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct EngineStats {
    /// Heap events plus log-backup ticks handled.
    pub events: u64,
    pub peak_queue_len: usize,
    pub peak_retained_backups: usize,
    pub rpo_distinct_lengths: usize,
    pub peak_restores_waiting: usize,
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
