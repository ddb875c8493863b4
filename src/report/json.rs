use std::collections::BTreeMap;

use serde::Serialize;

use super::Analysis;
use crate::analysis::{scripted_events, EventEcho, LoadEcho, MonthSummary, RecoverySummary};
use crate::analysis::{Figure, Provenance};
use crate::model::{Breakdown, RunMetrics};
use crate::stats::durability::{DurabilityParams, NinesByRedundancy};
use crate::stats::{Estimate, Quantiles};

fn mean_breakdown(a: &Analysis<'_>, pick: fn(&RunMetrics) -> &Breakdown) -> Breakdown {
    let mut sum = Breakdown::default();
    for m in &a.reps.metrics {
        sum.add(pick(m));
    }
    sum.scaled(1.0 / a.reps.len().max(1) as f64)
}

#[derive(Serialize)]
struct Summary<'a> {
    scenario: &'a str,
    seed: u64,
    runs: u32,
    /// With --target-ci: the precision asked for, whether it was reached, and the widest
    /// relative CI half-width among the headline figures.
    #[serde(skip_serializing_if = "Option::is_none")]
    target_ci: Option<TargetCi>,
    horizon_days: f64,
    /// Storage, allowance, billable and cost headlines are time-averages from here to the
    /// horizon: the steady state after the backup set has filled.
    measured_from: MeasuredFrom,
    /// The write load as simulated (profiles rescaled to mean 1).
    load: LoadEcho,
    /// Scripted events and on-demand backups, on the scenario's clock.
    events: Vec<EventEcho>,
    rpo_seconds: Quantiles,
    geo_rpo_seconds: Option<Quantiles>,
    /// Annual durability of the backups, in nines, for the configured redundancy and for each.
    durability_nines: f64,
    durability_nines_by_redundancy: NinesByRedundancy,
    durability_model: &'a DurabilityParams,
    region_outages: RegionOutages,
    restore_seconds: RestoreSeconds,
    /// Mean seconds per phase, per target, across runs.
    restore_breakdown_seconds: BTreeMap<&'static str, Breakdown>,
    recoveries: Recoveries<'a>,
    backup_storage_gb: Storage,
    billable_gb_month: WithCi,
    cost_per_month: Cost<'a>,
    /// One entry per calendar month the horizon touches: the bill, with 95% CIs across runs.
    monthly: &'a [MonthSummary],
    /// The cost of the last calendar month the run covers in full (with growth, above the mean).
    last_full_month: Option<&'a MonthSummary>,
    /// The documentation's rule of thumb: allowance ÷ new backup data per day.
    free_retention_days: Option<f64>,
    /// The longest retention (1–35 days) whose simulated steady state bills nothing in any run:
    /// the same backup history pruned at every retention (retention.csv). 0 when even one day
    /// bills; null when the horizon is too short to measure any.
    max_free_retention_days: Option<u32>,
    /// The longest retention the horizon could measure (it must pass retention + 1 days).
    retention_measured_up_to_days: u32,
    /// Long-term retention and exports (previews), when used: what the vault and the exports
    /// hold and cost, and how far back they reach.
    #[serde(skip_serializing_if = "Option::is_none")]
    long_term: Option<LongTermJson<'a>>,
    backups: Backups,
    /// Every per-run figure: mean, 95% CI of the mean, min and max across runs.
    figures: BTreeMap<&'static str, FigureJson>,
    configuration: Configuration<'a>,
    /// Which backsim, command, overrides and scenario text (sha256) produced this, and every
    /// scenario key as the run used it.
    provenance: &'a Provenance,
}

#[derive(Serialize)]
struct TargetCi {
    relative_half_width: f64,
    reached: bool,
    worst_relative_half_width: f64,
}

#[derive(Serialize)]
struct RestoreSeconds {
    latest: Option<Quantiles>,
    fastest: Option<Quantiles>,
    custom: Option<Quantiles>,
}

#[derive(Serialize)]
struct LongTermJson<'a> {
    #[serde(flatten)]
    summary: &'a crate::analysis::LongTermSummary,
    /// `oldest_point_s` on the scenario's clock.
    oldest_point: Option<String>,
}

#[derive(Serialize)]
struct MeasuredFrom {
    days: f64,
    time: String,
    /// False when the horizon is too short for the default warm-up: measured from the start.
    warmup_reached: bool,
}

#[derive(Serialize)]
struct Recoveries<'a> {
    /// Per kind of trouble: how many, how they ended, and the spread (p50, p95, max) of the
    /// writes lost, the slot wait, the restore and the downtime over every one in every run.
    by_kind: &'a [RecoverySummary],
    /// Per run: incidents (O3) and zone outages (O2) met, and restores run for them.
    incidents: f64,
    zone_outages: f64,
    restores: f64,
    /// Per restore: from request to a running server, of which waiting for a slot, and the
    /// writes the restored server lacks. Null when no run needed a restore.
    mean_seconds: Option<f64>,
    mean_queue_seconds: Option<f64>,
    mean_data_loss_seconds: Option<f64>,
    /// R7: attempts that failed on an unsafe session, per run, and the extra loss per restore.
    failed_restores: f64,
    mean_extra_loss_seconds: Option<f64>,
    failovers: f64,
    /// Per run: zone outages that ended before their restore finished.
    came_back_first: f64,
    downtime_hours: f64,
}

#[derive(Serialize)]
struct RegionOutages {
    /// Per run: regional outages met, geo-restores run, hours with no way back.
    outages: f64,
    geo_restores: f64,
    unrecoverable_hours: f64,
    /// Per geo-restore: from the outage to a running server (capped at the outage's end), and
    /// the writes that had not replicated. Null when none happened.
    mean_geo_recovery_seconds: Option<f64>,
    mean_geo_data_loss_seconds: Option<f64>,
    /// Writes not in any backup when each outage began.
    mean_data_at_risk_seconds: Option<f64>,
    /// Per run: regional outages that ended before their geo-restore finished.
    came_back_first: f64,
}

#[derive(Serialize)]
struct Storage {
    mean: f64,
    peak: f64,
    free_allowance: f64,
}

#[derive(Serialize)]
struct WithCi {
    mean: f64,
    ci95: Option<[f64; 2]>,
    #[serde(flatten)]
    same: Option<SameInAllRuns>,
}

#[derive(Serialize)]
struct Cost<'a> {
    mean: f64,
    ci95: Option<[f64; 2]>,
    #[serde(flatten)]
    same: Option<SameInAllRuns>,
    currency: &'a str,
    price_per_gb_month: f64,
}

/// Beside a figure every run gave alike (absent otherwise): its ci95 has no width, which says
/// the runs agreed, not that every run would. `same_in_all_runs` is how many did; another value
/// may still show in up to `other_value_share_below` of runs (3/runs, the rule of three, 95%).
/// Every such figure has them, those fixed by the scenario too (a schedule's snapshot count):
/// a program reads them where it reads the interval.
#[derive(Serialize)]
struct SameInAllRuns {
    same_in_all_runs: usize,
    other_value_share_below: f64,
}

impl SameInAllRuns {
    fn of(e: &Estimate) -> Option<Self> {
        e.other_value_share_below()
            .map(|other_value_share_below| SameInAllRuns {
                same_in_all_runs: e.n,
                other_value_share_below,
            })
    }
}

#[derive(Serialize)]
struct Backups {
    snapshots: f64,
    snapshot_failures: f64,
    retries: f64,
    extra_snapshots: f64,
    log_backups: f64,
    log_backup_failures: f64,
    on_demand: f64,
    on_demand_refused: f64,
    /// The longest gap seen in any run.
    max_snapshot_gap_hours: f64,
    event_scheduler_off_hours: f64,
}

#[derive(Serialize)]
struct FigureJson {
    mean: f64,
    ci95: Option<[f64; 2]>,
    min: f64,
    max: f64,
    #[serde(flatten)]
    same: Option<SameInAllRuns>,
}

#[derive(Serialize)]
struct Configuration<'a> {
    mysql_version: &'static str,
    provisioned_storage_gb: f64,
    db_size_gb: f64,
    ha: &'static str,
    binlog_gb_per_day: f64,
    retention_days: u32,
    redundancy: &'static str,
    /// Differs from `redundancy` when an "enable-geo" event moves the backups to geo.
    redundancy_at_end: &'static str,
    log_backup_interval_s: i64,
    retry_interval_s: i64,
    region: &'a str,
}

/// summary.json: the SPEC keys, then every figure with its confidence interval. Counts under
/// `backups` are means per run.
pub fn summary_json(a: &Analysis<'_>) -> Vec<u8> {
    let s = a.scenario;
    let c = &s.config;
    let mean = |name: Figure| a.figure(name).estimate.mean;
    let with_ci = |name: Figure| {
        let f = a.figure(name);
        WithCi {
            mean: f.estimate.mean,
            ci95: f.estimate.ci95,
            same: SameInAllRuns::of(&f.estimate),
        }
    };
    let present = |name: Figure| a.mean_over_events(name);
    let cost = with_ci(Figure::CostPerMonth);
    let free_days = a.figure(Figure::FreeRetentionDays);
    let summary = Summary {
        scenario: &s.name,
        seed: s.seed,
        runs: a.reps.len() as u32,
        target_ci: a.target.map(|t| TargetCi {
            relative_half_width: t.target,
            reached: t.reached,
            worst_relative_half_width: t.worst,
        }),
        horizon_days: s.horizon_days,
        measured_from: MeasuredFrom {
            days: a.measured_from_days(),
            time: super::clock(s.start, c.measured_from),
            warmup_reached: s.warmup_reached,
        },
        load: LoadEcho::of(&c.workload),
        events: scripted_events(s),
        rpo_seconds: a.rpo,
        geo_rpo_seconds: a.geo_rpo,
        durability_nines: a.durability_nines,
        durability_nines_by_redundancy: a.durability_by_redundancy,
        durability_model: &s.durability,
        region_outages: RegionOutages {
            outages: mean(Figure::RegionOutages),
            geo_restores: mean(Figure::GeoRestores),
            unrecoverable_hours: mean(Figure::UnrecoverableHours),
            mean_geo_recovery_seconds: present(Figure::GeoRecoveryMean),
            mean_geo_data_loss_seconds: present(Figure::GeoDataLossMean),
            mean_data_at_risk_seconds: present(Figure::RegionDataAtRiskMean),
            came_back_first: mean(Figure::RegionCameBackFirst),
        },
        restore_seconds: RestoreSeconds {
            latest: a.restore_latest,
            fastest: a.restore_fastest,
            custom: a.restore_custom,
        },
        restore_breakdown_seconds: [
            ("latest", mean_breakdown(a, |m| &m.restore.latest_breakdown)),
            (
                "fastest",
                mean_breakdown(a, |m| &m.restore.fastest_breakdown),
            ),
            ("custom", mean_breakdown(a, |m| &m.restore.custom_breakdown)),
        ]
        .into_iter()
        .collect(),
        recoveries: Recoveries {
            by_kind: &a.recoveries,
            incidents: mean(Figure::Incidents),
            zone_outages: mean(Figure::ZoneOutages),
            restores: mean(Figure::Recoveries),
            mean_seconds: present(Figure::RecoveryMean),
            mean_queue_seconds: present(Figure::RecoveryQueueMean),
            mean_data_loss_seconds: present(Figure::RecoveryDataLossMean),
            failed_restores: mean(Figure::FailedRestores),
            mean_extra_loss_seconds: present(Figure::ExtraLossMean),
            failovers: mean(Figure::Failovers),
            came_back_first: mean(Figure::ZoneCameBackFirst),
            downtime_hours: mean(Figure::DowntimeHours),
        },
        backup_storage_gb: Storage {
            mean: mean(Figure::StorageMean),
            peak: a.figure(Figure::StoragePeak).max,
            free_allowance: c.server.provisioned_storage_gb,
        },
        billable_gb_month: with_ci(Figure::BillableGbMonth),
        cost_per_month: Cost {
            mean: cost.mean,
            ci95: cost.ci95,
            same: cost.same,
            currency: &c.cost.currency,
            price_per_gb_month: c.cost.price_per_gb_month,
        },
        monthly: &a.monthly,
        last_full_month: a.last_full_month(),
        free_retention_days: (free_days.estimate.n > 0).then_some(free_days.estimate.mean),
        max_free_retention_days: a.max_free_retention_days(),
        retention_measured_up_to_days: a.retention.len() as u32,
        long_term: a.long_term.as_ref().map(|summary| LongTermJson {
            summary,
            oldest_point: summary.oldest_point_s.map(|t| super::clock(s.start, t)),
        }),
        backups: Backups {
            snapshots: mean(Figure::Snapshots),
            snapshot_failures: mean(Figure::SnapshotFailures),
            retries: mean(Figure::Retries),
            extra_snapshots: mean(Figure::ExtraSnapshots),
            log_backups: mean(Figure::LogBackups),
            log_backup_failures: mean(Figure::LogBackupFailures),
            on_demand: mean(Figure::OnDemand),
            on_demand_refused: mean(Figure::OnDemandRefused),
            max_snapshot_gap_hours: a.figure(Figure::MaxSnapshotGap).max,
            event_scheduler_off_hours: mean(Figure::SchedulerOff),
        },
        figures: a
            .listed_figures()
            .map(|f| {
                (
                    f.figure.name(),
                    FigureJson {
                        mean: f.estimate.mean,
                        ci95: f.estimate.ci95,
                        min: f.min,
                        max: f.max,
                        same: SameInAllRuns::of(&f.estimate),
                    },
                )
            })
            .collect(),
        configuration: Configuration {
            mysql_version: c.server.mysql_version.as_str(),
            provisioned_storage_gb: c.server.provisioned_storage_gb,
            db_size_gb: c.server.db_size_gb,
            ha: c.server.ha.as_str(),
            binlog_gb_per_day: c.workload.binlog_gb_per_day,
            retention_days: c.backup.retention_days,
            redundancy: c.backup.redundancy.as_str(),
            redundancy_at_end: c.final_redundancy().as_str(),
            log_backup_interval_s: c.backup.log_backup_interval,
            retry_interval_s: c.backup.retry_interval,
            region: &c.server.region,
        },
        provenance: &a.provenance,
    };
    let mut out = serde_json::to_vec_pretty(&summary).expect("summary serializes");
    out.push(b'\n');
    out
}
