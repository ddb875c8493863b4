//! The per-run figures, each declared once: its id, its column name, its unit, what it means,
//! and how to read it out of a run. Every table, chart and text reads figures through this
//! registry, so a figure cannot be misspelt at run time and its unit is never guessed.

use serde::Serialize;

use crate::model::RunMetrics;
use crate::stats::{mean_ci95, rule_of_three, Estimate};

/// What a figure counts in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Unit {
    Seconds,
    Minutes,
    Hours,
    Days,
    Gb,
    GbPerDay,
    GbMonth,
    /// The scenario's currency per month.
    MoneyPerMonth,
    /// A count per run.
    PerRun,
}

impl Unit {
    /// How the unit reads on an axis or in a table.
    pub fn label(self, currency: &str) -> String {
        match self {
            Unit::Seconds => "s".into(),
            Unit::Minutes => "min".into(),
            Unit::Hours => "h".into(),
            Unit::Days => "days".into(),
            Unit::Gb => "GB".into(),
            Unit::GbPerDay => "GB/day".into(),
            Unit::GbMonth => "GB-month".into(),
            Unit::MoneyPerMonth => format!("{currency}/month"),
            Unit::PerRun => "per run".into(),
        }
    }
}

macro_rules! figures {
    ($($id:ident => $name:literal, $unit:ident, $label:literal, |$m:ident| $read:expr;)*) => {
        /// A per-run figure.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Figure {
            $($id,)*
        }

        impl Figure {
            /// Every figure, in the column order of runs.csv and the row order of summary.csv.
            pub const ALL: &'static [Figure] = &[$(Figure::$id,)*];

            /// The column name in runs.csv, summary.csv, sweep.csv and summary.json's `figures`.
            pub fn name(self) -> &'static str {
                match self {
                    $(Figure::$id => $name,)*
                }
            }

            pub fn unit(self) -> Unit {
                match self {
                    $(Figure::$id => Unit::$unit,)*
                }
            }

            /// What it means, for people.
            pub fn label(self) -> &'static str {
                match self {
                    $(Figure::$id => $label,)*
                }
            }

            /// The label where the run may have ended before its backup set was full: a
            /// storage mean over a set still filling is no steady state.
            pub fn label_measured(self, steady: bool) -> &'static str {
                match self {
                    Figure::StorageMean if !steady => "Backup storage used, mean (still filling)",
                    other => other.label(),
                }
            }

            /// Its value in one run; None when the run has no such figure (no restore could be
            /// planned, nothing was recovered, the server was not geo-redundant).
            pub fn of(self, m: &RunMetrics) -> Option<f64> {
                match self {
                    $(Figure::$id => { let $m = m; $read },)*
                }
            }
        }
    };
}

fn count(n: u64) -> Option<f64> {
    Some(n as f64)
}

figures! {
    RpoP50 => "rpo_p50_s", Seconds, "Data-loss window, median", |m| Some(m.rpo_seconds.p50);
    RpoP95 => "rpo_p95_s", Seconds, "Data-loss window, 95th percentile", |m| Some(m.rpo_seconds.p95);
    RpoP99 => "rpo_p99_s", Seconds, "Data-loss window, 99th percentile", |m| Some(m.rpo_seconds.p99);
    RpoMax => "rpo_max_s", Seconds, "Data-loss window, worst", |m| Some(m.rpo_seconds.max);
    RpoMean => "rpo_mean_s", Seconds, "Data-loss window, mean", |m| Some(m.rpo_seconds.mean);
    GeoRpoP50 => "geo_rpo_p50_s", Seconds, "Geo data-loss window, median", |m| m.geo_rpo_seconds.map(|q| q.p50);
    GeoRpoP95 => "geo_rpo_p95_s", Seconds, "Geo data-loss window, 95th percentile", |m| m.geo_rpo_seconds.map(|q| q.p95);
    GeoRpoMax => "geo_rpo_max_s", Seconds, "Geo data-loss window, worst", |m| m.geo_rpo_seconds.map(|q| q.max);
    GeoRpoMean => "geo_rpo_mean_s", Seconds, "Geo data-loss window, mean", |m| m.geo_rpo_seconds.map(|q| q.mean);
    RestoreLatestP50 => "restore_latest_p50_s", Seconds, "Restore to the latest point, median", |m| m.restore.latest_seconds.map(|q| q.p50);
    RestoreLatestP95 => "restore_latest_p95_s", Seconds, "Restore to the latest point, 95th percentile", |m| m.restore.latest_seconds.map(|q| q.p95);
    RestoreLatestMax => "restore_latest_max_s", Seconds, "Restore to the latest point, worst", |m| m.restore.latest_seconds.map(|q| q.max);
    RestoreLatestMean => "restore_latest_mean_s", Seconds, "Restore to the latest point, mean", |m| m.restore.latest_seconds.map(|q| q.mean);
    RestoreLatestProvision => "restore_latest_provision_s", Seconds, "Restore to the latest point: provisioning, mean", |m| Some(m.restore.latest_breakdown.provision);
    RestoreLatestHydrate => "restore_latest_hydrate_s", Seconds, "Restore to the latest point: hydrating the snapshot, mean", |m| Some(m.restore.latest_breakdown.hydrate);
    RestoreLatestReplay => "restore_latest_replay_s", Seconds, "Restore to the latest point: replaying the binlog, mean", |m| Some(m.restore.latest_breakdown.replay);
    RestoreFastestP50 => "restore_fastest_p50_s", Seconds, "Restore to the fastest point, median", |m| m.restore.fastest_seconds.map(|q| q.p50);
    RestoreFastestMean => "restore_fastest_mean_s", Seconds, "Restore to the fastest point, mean", |m| m.restore.fastest_seconds.map(|q| q.mean);
    RestoreCustomP50 => "restore_custom_p50_s", Seconds, "Restore to a custom point, median", |m| m.restore.custom_seconds.map(|q| q.p50);
    RestoreCustomMean => "restore_custom_mean_s", Seconds, "Restore to a custom point, mean", |m| m.restore.custom_seconds.map(|q| q.mean);
    StorageMean => "storage_mean_gb", Gb, "Backup storage used, mean (steady state)", |m| Some(m.storage.mean_storage_gb);
    StoragePeak => "storage_peak_gb", Gb, "Backup storage used, peak of each run", |m| Some(m.storage.peak_storage_gb);
    FreeAllowanceMean => "free_allowance_mean_gb", Gb, "Free allowance, time-average", |m| Some(m.storage.mean_free_allowance_gb);
    BillableGbMonth => "billable_gb_month", GbMonth, "Billable backup storage", |m| Some(m.storage.billable_gb_month);
    CostPerMonth => "cost_per_month", MoneyPerMonth, "Backup storage cost", |m| Some(m.storage.cost_per_month);
    DailyBackupGb => "daily_backup_gb", GbPerDay, "New backup data per day", |m| Some(m.storage.daily_backup_gb);
    FreeRetentionDays => "free_retention_days", Days, "Free retention by the rule of thumb", |m| m.storage.free_retention_days;
    Snapshots => "snapshots", PerRun, "Snapshots taken", |m| count(m.backups.snapshots);
    SnapshotFailures => "snapshot_failures", PerRun, "Failed snapshot attempts", |m| count(m.backups.snapshot_failures);
    Retries => "retries", PerRun, "Snapshot retries", |m| count(m.backups.retries);
    ExtraSnapshots => "extra_snapshots", PerRun, "Extra snapshots (heavy binlog)", |m| count(m.backups.extra_snapshots);
    LogBackups => "log_backups", PerRun, "Log backups", |m| count(m.backups.log_backups);
    LogBackupFailures => "log_backup_failures", PerRun, "Failed log backups", |m| count(m.backups.log_backup_failures);
    OnDemand => "on_demand", PerRun, "On-demand backups taken", |m| count(m.backups.on_demand);
    OnDemandRefused => "on_demand_refused", PerRun, "On-demand backups refused", |m| count(m.backups.on_demand_refused);
    MaxSnapshotGap => "max_snapshot_gap_hours", Hours, "Longest gap between snapshots", |m| Some(m.backups.max_snapshot_gap_hours);
    SchedulerOff => "event_scheduler_off_hours", Hours, "Event scheduler off (5.7)", |m| Some(m.backups.event_scheduler_off_hours);
    Incidents => "incidents", PerRun, "Incidents", |m| count(m.recoveries.incidents);
    ZoneOutages => "zone_outages", PerRun, "Zone outages", |m| count(m.recoveries.zone_outages);
    Recoveries => "recoveries", PerRun, "Incident and zone-outage restores completed", |m| count(m.recoveries.recoveries);
    RecoveryMean => "recovery_mean_s", Seconds, "Incident or zone-outage restore, request to running server", |m| (m.recoveries.recoveries > 0).then_some(m.recoveries.recovery_seconds_mean);
    RecoveryQueueMean => "recovery_queue_mean_s", Seconds, "Incident or zone-outage restore: wait for a slot", |m| (m.recoveries.recoveries > 0).then_some(m.recoveries.recovery_queue_seconds_mean);
    RecoveryDataLossMean => "recovery_data_loss_mean_s", Seconds, "Incident or zone-outage restore: writes lost", |m| (m.recoveries.recoveries > 0).then_some(m.recoveries.recovery_data_loss_seconds_mean);
    FailedRestores => "failed_restores", PerRun, "Restore attempts failed on an unsafe session", |m| count(m.recoveries.failed_restores);
    ExtraLossMean => "extra_loss_mean_s", Seconds, "Extra writes lost to unsafe sessions, per restore", |m| (m.recoveries.recoveries > 0).then_some(m.recoveries.extra_loss_seconds_mean);
    Failovers => "failovers", PerRun, "Zone-redundant HA failovers", |m| count(m.recoveries.failovers);
    DowntimeHours => "downtime_hours", Hours, "Server down in outages", |m| Some(m.recoveries.downtime_hours);
    RegionOutages => "region_outages", PerRun, "Regional outages", |m| count(m.recoveries.region_outages);
    GeoRestores => "geo_restores", PerRun, "Geo-restores completed", |m| count(m.recoveries.geo_restores);
    GeoRecoveryMean => "geo_recovery_mean_s", Seconds, "Regional outage: back by geo-restore after", |m| (m.recoveries.geo_restores > 0).then_some(m.recoveries.geo_recovery_seconds_mean);
    GeoDataLossMean => "geo_data_loss_mean_s", Seconds, "Regional outage: writes lost (not yet replicated)", |m| (m.recoveries.geo_restores > 0).then_some(m.recoveries.geo_data_loss_seconds_mean);
    ZoneCameBackFirst => "zone_came_back_first", PerRun, "Zone outages that ended before their restore", |m| count(m.recoveries.zone_came_back_first);
    MaxFreeRetention => "max_free_retention_days", Days, "Longest retention that bills nothing", |m| m.storage.max_free_retention_days.map(f64::from);
    UnrecoverableHours => "unrecoverable_hours", Hours, "Regional outage: hours with no way back", |m| Some(m.recoveries.unrecoverable_hours);
    RegionCameBackFirst => "region_came_back_first", PerRun, "Regional outages that ended before their geo-restore", |m| count(m.recoveries.region_came_back_first);
    RegionDataAtRiskMean => "region_data_at_risk_mean_s", Seconds, "Regional outage: writes not yet in any backup when it began", |m| (m.recoveries.region_outages > 0).then_some(m.recoveries.region_data_at_risk_seconds_mean);
    VaultMean => "vault_mean_gb", Gb, "Vault storage, mean after the warm-up", |m| long_term(m, |f| f.mean_vault_gb);
    VaultPeak => "vault_peak_gb", Gb, "Vault storage, peak of each run", |m| long_term(m, |f| f.peak_vault_gb);
    VaultCost => "vault_cost_per_month", MoneyPerMonth, "Vault cost, mean after the warm-up", |m| long_term(m, |f| f.vault_cost_per_month);
    VaultCopiesKept => "vault_copies_kept", PerRun, "Vault copies kept at the end of the run", |m| long_term(m, |f| f.copies_kept as f64);
    VaultCopiesMade => "vault_copies_made", PerRun, "Vault copies made", |m| long_term(m, |f| f.copies_made as f64);
    ExportMean => "export_mean_gb", Gb, "Export storage, mean after the warm-up", |m| long_term(m, |f| f.mean_export_gb);
    ExportCost => "export_cost_per_month", MoneyPerMonth, "Export storage cost, mean after the warm-up", |m| long_term(m, |f| f.export_cost_per_month);
    Exports => "exports", PerRun, "Exports made", |m| long_term(m, |f| f.exports as f64);
    ExportsRefused => "exports_refused", PerRun, "Exports refused", |m| long_term(m, |f| f.exports_refused as f64);
}

/// A long-term figure of a run that uses the vault or exports; None for one that does not.
fn long_term(
    m: &RunMetrics,
    pick: impl Fn(&crate::model::metrics::LongTermFigures) -> f64,
) -> Option<f64> {
    m.storage.long_term.as_ref().map(pick)
}

/// Long-term retention's and the exports' figures (previews). Only runs that use them have
/// them, and a table lists them only where some run, contender or point does: every other
/// output stays as it was.
pub const LONG_TERM: &[Figure] = &[
    Figure::VaultMean,
    Figure::VaultPeak,
    Figure::VaultCost,
    Figure::VaultCopiesKept,
    Figure::VaultCopiesMade,
    Figure::ExportMean,
    Figure::ExportCost,
    Figure::Exports,
    Figure::ExportsRefused,
];

/// The long-term figures `compare` pairs and `sweep` reports per point: what a policy's keeps
/// and copies change.
pub const LONG_TERM_COMPARED: &[Figure] = &[
    Figure::VaultMean,
    Figure::VaultPeak,
    Figure::VaultCost,
    Figure::VaultCopiesKept,
    Figure::ExportMean,
    Figure::ExportCost,
];

impl Figure {
    pub fn is_long_term(self) -> bool {
        LONG_TERM.contains(&self)
    }

    /// The figures a run's tables list: all but the long-term ones when `long_term` is off.
    pub fn listed(long_term: bool) -> impl Iterator<Item = Figure> {
        Figure::ALL
            .iter()
            .copied()
            .filter(move |f| long_term || !f.is_long_term())
    }
}

impl Figure {
    /// The unit people read this figure in, and what to divide the stored value by: restore
    /// and recovery times in hours, data-loss windows and writes lost in minutes, the rest as
    /// stored. Charts and text use it; CSV and JSON keep the stored unit.
    pub fn readable(self) -> (f64, Unit) {
        match self.unit() {
            Unit::Seconds => {
                let name = self.name();
                let restore_like = [
                    "restore_",
                    "recovery_mean",
                    "recovery_queue",
                    "geo_recovery",
                ]
                .iter()
                .any(|p| name.starts_with(p));
                if restore_like {
                    (3600.0, Unit::Hours)
                } else {
                    (60.0, Unit::Minutes)
                }
            }
            unit => (1.0, unit),
        }
    }

    /// The figure with this column name (for files read back, such as a shard's sweep.csv).
    pub fn from_name(name: &str) -> Option<Figure> {
        Figure::ALL.iter().copied().find(|f| f.name() == name)
    }
}

/// The figures a planner reads first: `--target-ci` runs until each is known this precisely,
/// and sweeps report each per point.
pub const HEADLINE: &[Figure] = &[
    Figure::StorageMean,
    Figure::BillableGbMonth,
    Figure::CostPerMonth,
    Figure::DailyBackupGb,
    Figure::RpoMean,
    Figure::RestoreLatestMean,
];

/// One figure across runs: mean with its 95% CI, min and max.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FigureSummary {
    pub figure: Figure,
    pub estimate: Estimate,
    pub min: f64,
    pub max: f64,
}

impl std::fmt::Display for Figure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl Serialize for Figure {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl Figure {
    /// For a figure each run gives as a mean over its restores or outages: the figure that
    /// counts them.
    pub fn counted_by(self) -> Option<Figure> {
        use Figure::*;
        match self {
            RecoveryMean | RecoveryQueueMean | RecoveryDataLossMean | ExtraLossMean => {
                Some(Recoveries)
            }
            GeoRecoveryMean | GeoDataLossMean => Some(GeoRestores),
            RegionDataAtRiskMean => Some(RegionOutages),
            _ => None,
        }
    }
}

fn values(runs: &[RunMetrics], figure: Figure) -> Vec<f64> {
    runs.iter().filter_map(|m| figure.of(m)).collect()
}

/// One figure across runs: its mean and 95% CI over the runs that have it.
pub fn estimate(runs: &[RunMetrics], figure: Figure) -> Estimate {
    mean_ci95(&values(runs, figure))
}

/// Every figure summarised across runs, in `Figure::ALL` order (runs without the figure are left
/// out of its mean).
pub fn summarize(runs: &[RunMetrics]) -> Vec<FigureSummary> {
    Figure::ALL
        .iter()
        .map(|&figure| {
            let values = values(runs, figure);
            FigureSummary {
                figure,
                estimate: mean_ci95(&values),
                min: values.iter().copied().fold(f64::INFINITY, f64::min),
                max: values.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            }
        })
        .collect()
}

/// 95% CI half-width of a figure's mean relative to the mean, as `--target-ci` reads it
/// (`Estimate::relative_precision`): 3/n, the rule of three, when all n runs gave the same
/// value or none has the figure, since another value may still show in a few runs in a
/// hundred; infinite when it varies around zero or cannot be estimated yet.
pub fn relative_half_width(runs: &[RunMetrics], figure: Figure) -> f64 {
    let values = values(runs, figure);
    if values.is_empty() && !runs.is_empty() {
        // A figure no run has (no restore could be planned) is as unvaried as one all runs
        // share: the next run might have it.
        return rule_of_three(runs.len());
    }
    mean_ci95(&values).relative_precision()
}

/// The widest relative half-width among the headline figures.
pub fn worst_headline_half_width(runs: &[RunMetrics]) -> f64 {
    HEADLINE
        .iter()
        .map(|&f| relative_half_width(runs, f))
        .fold(0.0, f64::max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_round_trip() {
        for (i, f) in Figure::ALL.iter().enumerate() {
            assert_eq!(Figure::from_name(f.name()), Some(*f));
            assert_eq!(*f as usize, i, "ALL is in declaration order");
            assert!(!f.label().is_empty());
        }
        assert_eq!(Figure::from_name("no_such_figure"), None);
    }

    /// A server whose storage stays under its allowance bills 0 in every run: that is no
    /// precision, and the stop rule reads 3/n for it (and so for the headline), where it read
    /// 0. A figure that varies keeps its interval's half-width.
    #[test]
    fn a_figure_the_same_in_every_run_counts_as_the_rule_of_three() {
        let s = crate::scenario::parse(
            "name = \"under\"\nhorizon_days = 20\n[server]\nprovisioned_storage_gb = 2000\n[backup]\nretention_days = 3\n",
            crate::error::Origin::Argument("t".into()),
            &[],
        )
        .unwrap();
        let runs = crate::montecarlo::run_replications(&s.config, 7, 40, None, &|| {}).metrics;
        assert!(runs.iter().all(|m| m.storage.billable_gb_month == 0.0));
        assert_eq!(
            relative_half_width(&runs, Figure::BillableGbMonth),
            3.0 / 40.0
        );
        assert!(worst_headline_half_width(&runs) >= 3.0 / 40.0);
        let varies = estimate(&runs, Figure::RestoreLatestMean);
        assert!(!varies.same_in_every_run());
        assert_eq!(
            relative_half_width(&runs, Figure::RestoreLatestMean),
            varies.half_width().unwrap() / varies.mean
        );
    }
}
