//! What a set of replications says: per-figure means with confidence intervals, and the pooled
//! exact data-loss-window distribution.

use serde::Serialize;

use super::{mean_ci95, Estimate};
use crate::model::RunMetrics;

/// Every per-run figure, by name, in the column order of runs.csv and the row order of
/// summary.csv: one list, so the two files cannot disagree.
/// Reads one figure out of a run's metrics.
pub type Extract = fn(&RunMetrics) -> f64;

pub const FIGURES: &[(&str, Extract)] = &[
    ("rpo_p50_s", |m| m.rpo_seconds.p50),
    ("rpo_p95_s", |m| m.rpo_seconds.p95),
    ("rpo_p99_s", |m| m.rpo_seconds.p99),
    ("rpo_max_s", |m| m.rpo_seconds.max),
    ("rpo_mean_s", |m| m.rpo_seconds.mean),
    ("geo_rpo_p50_s", |m| {
        m.geo_rpo_seconds.map_or(f64::NAN, |q| q.p50)
    }),
    ("geo_rpo_p95_s", |m| {
        m.geo_rpo_seconds.map_or(f64::NAN, |q| q.p95)
    }),
    ("geo_rpo_max_s", |m| {
        m.geo_rpo_seconds.map_or(f64::NAN, |q| q.max)
    }),
    ("geo_rpo_mean_s", |m| {
        m.geo_rpo_seconds.map_or(f64::NAN, |q| q.mean)
    }),
    ("restore_latest_p50_s", |m| {
        m.restore_latest_seconds.map_or(f64::NAN, |q| q.p50)
    }),
    ("restore_latest_p95_s", |m| {
        m.restore_latest_seconds.map_or(f64::NAN, |q| q.p95)
    }),
    ("restore_latest_max_s", |m| {
        m.restore_latest_seconds.map_or(f64::NAN, |q| q.max)
    }),
    ("restore_latest_mean_s", |m| {
        m.restore_latest_seconds.map_or(f64::NAN, |q| q.mean)
    }),
    ("restore_latest_provision_s", |m| {
        m.restore_latest_breakdown.provision
    }),
    ("restore_latest_hydrate_s", |m| {
        m.restore_latest_breakdown.hydrate
    }),
    ("restore_latest_replay_s", |m| {
        m.restore_latest_breakdown.replay
    }),
    ("restore_fastest_p50_s", |m| {
        m.restore_fastest_seconds.map_or(f64::NAN, |q| q.p50)
    }),
    ("restore_fastest_mean_s", |m| {
        m.restore_fastest_seconds.map_or(f64::NAN, |q| q.mean)
    }),
    ("restore_custom_p50_s", |m| {
        m.restore_custom_seconds.map_or(f64::NAN, |q| q.p50)
    }),
    ("restore_custom_mean_s", |m| {
        m.restore_custom_seconds.map_or(f64::NAN, |q| q.mean)
    }),
    ("storage_mean_gb", |m| m.mean_storage_gb),
    ("storage_peak_gb", |m| m.peak_storage_gb),
    ("free_allowance_mean_gb", |m| m.mean_free_allowance_gb),
    ("billable_gb_month", |m| m.billable_gb_month),
    ("cost_per_month", |m| m.cost_per_month),
    ("daily_backup_gb", |m| m.daily_backup_gb),
    ("free_retention_days", |m| {
        m.free_retention_days.unwrap_or(f64::NAN)
    }),
    ("snapshots", |m| m.snapshots as f64),
    ("snapshot_failures", |m| m.snapshot_failures as f64),
    ("retries", |m| m.retries as f64),
    ("extra_snapshots", |m| m.extra_snapshots as f64),
    ("log_backups", |m| m.log_backups as f64),
    ("log_backup_failures", |m| m.log_backup_failures as f64),
    ("on_demand", |m| m.on_demand as f64),
    ("on_demand_refused", |m| m.on_demand_refused as f64),
    ("max_snapshot_gap_hours", |m| m.max_snapshot_gap_hours),
    ("event_scheduler_off_hours", |m| m.event_scheduler_off_hours),
    ("incidents", |m| m.incidents as f64),
    ("zone_outages", |m| m.zone_outages as f64),
    ("recoveries", |m| m.recoveries as f64),
    ("recovery_mean_s", |m| {
        if_recovered(m, m.recovery_seconds_mean)
    }),
    ("recovery_queue_mean_s", |m| {
        if_recovered(m, m.recovery_queue_seconds_mean)
    }),
    ("recovery_data_loss_mean_s", |m| {
        if_recovered(m, m.recovery_data_loss_seconds_mean)
    }),
    ("failed_restores", |m| m.failed_restores as f64),
    ("extra_loss_mean_s", |m| {
        if_recovered(m, m.extra_loss_seconds_mean)
    }),
    ("failovers", |m| m.failovers as f64),
    ("downtime_hours", |m| m.downtime_hours),
    ("region_outages", |m| m.region_outages as f64),
    ("geo_restores", |m| m.geo_restores as f64),
    ("geo_recovery_mean_s", |m| {
        if m.geo_restores > 0 {
            m.geo_recovery_seconds_mean
        } else {
            f64::NAN
        }
    }),
    ("geo_data_loss_mean_s", |m| {
        if m.geo_restores > 0 {
            m.geo_data_loss_seconds_mean
        } else {
            f64::NAN
        }
    }),
    ("came_back_first", |m| m.came_back_first as f64),
    ("max_free_retention_days", |m| {
        m.max_free_retention_days.map_or(f64::NAN, f64::from)
    }),
    ("unrecoverable_hours", |m| m.unrecoverable_hours),
    ("region_data_at_risk_mean_s", |m| {
        if m.region_outages > 0 {
            m.region_data_at_risk_seconds_mean
        } else {
            f64::NAN
        }
    }),
];

/// A per-recovery mean exists only in runs that had a recovery; NaN leaves the others out.
fn if_recovered(m: &RunMetrics, v: f64) -> f64 {
    if m.recoveries > 0 {
        v
    } else {
        f64::NAN
    }
}

/// The figures a planner reads first: `--target-ci` runs until each is known this precisely,
/// and sweeps report each per point.
pub const HEADLINE: &[&str] = &[
    "storage_mean_gb",
    "billable_gb_month",
    "cost_per_month",
    "daily_backup_gb",
    "rpo_mean_s",
    "restore_latest_mean_s",
];

/// 95% CI half-width of a figure's mean relative to the mean (0 when the figure does not vary;
/// infinite when it varies around zero or cannot be estimated yet).
pub fn relative_half_width(runs: &[RunMetrics], name: &str) -> f64 {
    let get = FIGURES
        .iter()
        .find(|(n, _)| *n == name)
        .unwrap_or_else(|| panic!("no figure named {name}"))
        .1;
    let values: Vec<f64> = runs.iter().map(get).filter(|v| !v.is_nan()).collect();
    if values.is_empty() && !runs.is_empty() {
        // The figure does not exist in any run (no restore could be planned, say): there is
        // nothing to make more precise.
        return 0.0;
    }
    let e = mean_ci95(&values);
    match e.half_width() {
        Some(0.0) => 0.0,
        Some(h) if e.mean != 0.0 => h / e.mean.abs(),
        _ => f64::INFINITY,
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FigureSummary {
    pub name: &'static str,
    pub estimate: Estimate,
    pub min: f64,
    pub max: f64,
}

/// Mean, CI, min and max of each figure across runs (NaN values, such as a free-retention figure
/// that does not exist, are left out).
pub fn summarize(runs: &[RunMetrics]) -> Vec<FigureSummary> {
    FIGURES
        .iter()
        .map(|(name, get)| {
            let values: Vec<f64> = runs.iter().map(get).filter(|v| !v.is_nan()).collect();
            FigureSummary {
                name,
                estimate: mean_ci95(&values),
                min: values.iter().copied().fold(f64::INFINITY, f64::min),
                max: values.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            }
        })
        .collect()
}

pub fn figure<'a>(summary: &'a [FigureSummary], name: &str) -> &'a FigureSummary {
    summary
        .iter()
        .find(|f| f.name == name)
        .unwrap_or_else(|| panic!("no figure named {name}"))
}
