//! What a finished set of replications says, computed once and shared by every output: figures
//! with confidence intervals, the monthly bill, the cost of every retention, the recoveries.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, FixedOffset};
use serde::{Deserialize, Serialize};

use crate::model::{
    MonthBill, RecoveryKind, RecoveryOutcome, RecoveryRecord, RetentionRow, RunMetrics,
};
use crate::montecarlo::{Replications, TargetOutcome};
use crate::scenario::Scenario;
use crate::stats::durability::NinesByRedundancy;
pub mod figures;

use crate::stats::{mean_ci95, nearest_rank, Estimate, Quantiles};
use figures::summarize;
pub use figures::{Figure, FigureSummary, Unit, HEADLINE, LONG_TERM_COMPARED};

/// Where a result came from, in every JSON output and report.md: which backsim, which command,
/// which overrides, which scenario text (its sha256) and every key as the run used it, so that a
/// number on a slide can be traced back and rerun.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Provenance {
    pub backsim_version: String,
    /// The command line, as typed (less the options that cannot change a result).
    pub command_line: String,
    /// The `--set KEY=VALUE` overrides, in order.
    #[serde(deserialize_with = "overrides_read_back")]
    pub overrides: Vec<String>,
    /// The scenario file as named (`-`: standard input).
    pub scenario_file: String,
    pub scenario_sha256: String,
    /// Every scenario key as the run used it, defaults included: a scenario file of its own.
    #[serde(deserialize_with = "scenario_read_back")]
    pub scenario: serde_json::Value,
}

/// The overrides of a record read back (by merge), refused past what a command line sets.
pub fn overrides_read_back<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Vec<String>, D::Error> {
    crate::bounded::list(
        d,
        "provenance.overrides",
        crate::scenario::MOST_OVERRIDES,
        crate::scenario::MOST_OVERRIDES_WHY,
    )
}

/// The resolved scenario of a record read back (by merge), refused past what a scenario holds:
/// a file of at most `MAX_FILE_BYTES`, each value a byte of it at least, and as many again from
/// `--set` and the defaults.
fn scenario_read_back<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<serde_json::Value, D::Error> {
    crate::bounded::json(
        d,
        "provenance.scenario",
        2 * crate::scenario::MAX_FILE_BYTES,
        "a scenario file is at most 1 MiB, each of its values a byte at least, and --set and the defaults add no more than as many again",
    )
}

impl Provenance {
    /// The record of `loaded` run by `command_line` with the `--set` overrides `sets`.
    pub fn new(command_line: String, sets: &[String], loaded: &crate::scenario::Loaded) -> Self {
        Self {
            backsim_version: env!("CARGO_PKG_VERSION").to_string(),
            command_line,
            overrides: sets.to_vec(),
            scenario_file: loaded.file.clone(),
            scenario_sha256: loaded.sha256.clone(),
            scenario: crate::scenario::table_json(&loaded.resolved),
        }
    }
}

/// The figures of a finished Monte Carlo run, computed once and shared by every output.
#[derive(Debug, Clone)]
pub struct Analysis<'a> {
    pub scenario: &'a Scenario,
    pub reps: &'a Replications,
    /// Set when the run went on until a target precision.
    pub target: Option<TargetOutcome>,
    pub provenance: Provenance,
    pub figures: Vec<FigureSummary>,
    pub rpo: Quantiles,
    /// Pooled geo data-loss window; None when no run was geo-redundant.
    pub geo_rpo: Option<Quantiles>,
    pub durability_nines: f64,
    pub durability_by_redundancy: NinesByRedundancy,
    /// Restore times pooled over all runs' hourly probes; None when no probe could restore.
    pub restore_latest: Option<Quantiles>,
    pub restore_fastest: Option<Quantiles>,
    pub restore_custom: Option<Quantiles>,
    pub monthly: Vec<MonthSummary>,
    pub retention: Vec<RetentionSummary>,
    pub recoveries: Vec<RecoverySummary>,
    /// Long-term retention and exports (previews), when the scenario uses them.
    pub long_term: Option<LongTermSummary>,
}

impl<'a> Analysis<'a> {
    pub fn new(
        scenario: &'a Scenario,
        reps: &'a Replications,
        target: Option<TargetOutcome>,
        provenance: Provenance,
        by_redundancy: NinesByRedundancy,
    ) -> Self {
        // Each chain solved once (`durability::nines_by_redundancy`, by the caller, while the
        // replications ran): the configured redundancy's nines are one of the three.
        Self {
            scenario,
            reps,
            target,
            provenance,
            figures: summarize(&reps.metrics),
            rpo: reps.rpo.quantiles(),
            geo_rpo: (reps.geo_rpo.total_time() > 0).then(|| reps.geo_rpo.quantiles()),
            durability_nines: by_redundancy.of(scenario.config.final_redundancy().layout()),
            durability_by_redundancy: by_redundancy,
            restore_latest: reps.restores.latest.quantiles_if_any(),
            restore_fastest: reps.restores.fastest.quantiles_if_any(),
            restore_custom: reps.restores.custom.quantiles_if_any(),
            monthly: monthly(scenario, &reps.metrics),
            retention: retention(&reps.metrics),
            recoveries: recoveries(&reps.recoveries, reps.len()),
            long_term: long_term(scenario, &reps.metrics),
        }
    }

    pub fn figure(&self, figure: Figure) -> &FigureSummary {
        &self.figures[figure as usize]
    }

    /// The figures summary.csv and summary.json list: the long-term ones only when the run
    /// uses the vault or exports.
    pub fn listed_figures(&self) -> impl Iterator<Item = &FigureSummary> {
        let long_term = self.long_term.is_some();
        self.figures
            .iter()
            .filter(move |f| long_term || !f.figure.is_long_term())
    }

    /// A figure's mean as a reader takes it: a per-restore or per-outage mean (which each run
    /// gives as its own mean) over every restore or outage of every run, each run weighted by
    /// how many it had; any other figure's mean over runs. None when no run has the figure.
    pub fn mean_over_events(&self, figure: Figure) -> Option<f64> {
        let f = self.figure(figure);
        if f.estimate.n == 0 {
            return None;
        }
        let Some(count) = figure.counted_by() else {
            return Some(f.estimate.mean);
        };
        let (mut sum, mut events) = (0.0, 0.0);
        for m in &self.reps.metrics {
            if let (Some(mean), Some(n)) = (figure.of(m), count.of(m)) {
                sum += mean * n;
                events += n;
            }
        }
        (events > 0.0).then(|| sum / events)
    }

    /// The longest retention at which no run's steady state billed anything (0 when even one
    /// day bills); None when the horizon measured no retention at all.
    pub fn max_free_retention_days(&self) -> Option<u32> {
        free_in_every_run(&self.reps.metrics)
    }

    /// The last calendar month the run covers in full, if any.
    pub fn last_full_month(&self) -> Option<&MonthSummary> {
        self.monthly.iter().rev().find(|m| !m.partial)
    }

    /// When the headline storage and cost figures start, in days from the start.
    pub fn measured_from_days(&self) -> f64 {
        self.scenario.config.measured_from as f64 / crate::engine::DAY as f64
    }
}

/// One calendar month of the bill across runs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MonthSummary {
    /// "2026-03", on the scenario's clock.
    pub month: String,
    pub days_in_month: f64,
    pub days_simulated: f64,
    /// The run starts or ends inside the month: its bill covers only the simulated days.
    pub partial: bool,
    pub mean_storage_gb: Estimate,
    pub peak_storage_gb: Estimate,
    pub free_allowance_gb: Estimate,
    pub billable_gb_month: Estimate,
    pub cost: Estimate,
    /// With long-term retention or exports: their storage and cost in the month.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub long_term: Option<LongTermMonth>,
}

/// Long-term storage in one calendar month, across runs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LongTermMonth {
    pub mean_vault_gb: Estimate,
    pub vault_cost: Estimate,
    pub export_cost: Estimate,
    /// Backup storage, vault and exports together: the month's whole backup bill.
    pub total_cost: Estimate,
}

/// Long-term retention and exports across runs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LongTermSummary {
    pub preview: &'static str,
    pub copies_made: Estimate,
    pub copies_kept: Estimate,
    pub mean_vault_gb: Estimate,
    pub peak_vault_gb: f64,
    pub vault_cost_per_month: Estimate,
    /// The oldest point a long-term copy could bring back at the end, in the run reaching back
    /// least far (seconds from the start); None when no run kept any.
    pub oldest_point_s: Option<i64>,
    pub exports: Estimate,
    pub exports_refused: Estimate,
    pub mean_export_gb: Estimate,
    pub export_cost_per_month: Estimate,
    /// How full the vault's policy lets it get and when; None without the vault.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fill: Option<VaultFill>,
}

/// How many copies a vault's policy keeps at most and when it gets there: its figures over a
/// run that ends before then average a vault still filling, below its running cost.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VaultFill {
    /// weekly_keep + monthly_keep + yearly_keep: a copy kept by two tiers counts once, so the
    /// vault never holds more.
    pub copies_at_most: u32,
    /// The longest tier's keep, as the policy gives it ("10 years"), and its key.
    pub full_after: String,
    pub full_after_key: &'static str,
    /// From the start until the first copy of the longest tier ages out: from then on each
    /// copy taken replaces one that goes.
    pub full_after_days: f64,
    /// The run ends before then, with the server still taking copies.
    pub still_filling: bool,
    /// The server is deleted during the run: no copy comes after, and those kept age out.
    pub server_deleted: bool,
}

/// The vault's fill of `scenario`'s policy; None without the vault or with nothing kept.
pub fn vault_fill(scenario: &Scenario) -> Option<VaultFill> {
    let p = &scenario.config.long_term;
    if !p.enabled {
        return None;
    }
    let start = scenario.start;
    let months = |n: u32| start.checked_add_months(chrono::Months::new(n));
    let plural = |n: u32, unit: &str| format!("{n} {unit}{}", if n == 1 { "" } else { "s" });
    let tiers = [
        (
            p.weekly_keep,
            start.checked_add_signed(Duration::weeks(i64::from(p.weekly_keep))),
            plural(p.weekly_keep, "week"),
            "long_term.weekly_keep",
        ),
        (
            p.monthly_keep,
            months(p.monthly_keep),
            plural(p.monthly_keep, "month"),
            "long_term.monthly_keep",
        ),
        (
            p.yearly_keep,
            months(p.yearly_keep.saturating_mul(12)),
            plural(p.yearly_keep, "year"),
            "long_term.yearly_keep",
        ),
    ];
    let (_, full_at, full_after, key) = tiers
        .into_iter()
        .filter(|t| t.0 > 0)
        .filter_map(|(keep, at, text, key)| Some((keep, at?, text, key)))
        .max_by_key(|t| t.1)?;
    let seconds = (full_at - start).num_seconds();
    let server_deleted = scenario
        .config
        .events
        .iter()
        .any(|(_, action)| *action == crate::model::ServerAction::Delete);
    Some(VaultFill {
        copies_at_most: p.weekly_keep + p.monthly_keep + p.yearly_keep,
        full_after,
        full_after_key: key,
        full_after_days: seconds as f64 / crate::engine::DAY as f64,
        still_filling: scenario.config.horizon < seconds && !server_deleted,
        server_deleted,
    })
}

fn long_term(scenario: &Scenario, runs: &[RunMetrics]) -> Option<LongTermSummary> {
    let all: Vec<crate::model::metrics::LongTermFigures> =
        runs.iter().filter_map(|r| r.storage.long_term).collect();
    if all.is_empty() {
        return None;
    }
    let oldest: Vec<i64> = all.iter().filter_map(|f| f.oldest_point).collect();
    Some(LongTermSummary {
        preview: crate::model::vault::LONG_TERM_PREVIEW,
        copies_made: across(&all, |f| f.copies_made as f64),
        copies_kept: across(&all, |f| f.copies_kept as f64),
        mean_vault_gb: across(&all, |f| f.mean_vault_gb),
        peak_vault_gb: all.iter().map(|f| f.peak_vault_gb).fold(0.0, f64::max),
        vault_cost_per_month: across(&all, |f| f.vault_cost_per_month),
        oldest_point_s: (oldest.len() == all.len())
            .then(|| oldest.iter().copied().max())
            .flatten(),
        exports: across(&all, |f| f.exports as f64),
        exports_refused: across(&all, |f| f.exports_refused as f64),
        mean_export_gb: across(&all, |f| f.mean_export_gb),
        export_cost_per_month: across(&all, |f| f.export_cost_per_month),
        fill: vault_fill(scenario),
    })
}

pub fn month_label(start: DateTime<FixedOffset>, from: i64) -> String {
    (start + Duration::seconds(from))
        .format("%Y-%m")
        .to_string()
}

fn across<T>(items: &[T], pick: impl Fn(&T) -> f64) -> Estimate {
    let values: Vec<f64> = items.iter().map(pick).collect();
    mean_ci95(&values)
}

fn monthly(scenario: &Scenario, runs: &[RunMetrics]) -> Vec<MonthSummary> {
    let months = &scenario.config.months;
    months
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let bills: Vec<MonthBill> = runs
                .iter()
                .filter_map(|r| r.storage.monthly.get(i))
                .copied()
                .collect();
            MonthSummary {
                month: month_label(scenario.start, m.from),
                days_in_month: m.length as f64 / crate::engine::DAY as f64,
                days_simulated: (m.to - m.from) as f64 / crate::engine::DAY as f64,
                partial: m.partial(),
                mean_storage_gb: across(&bills, |b| b.mean_storage_gb),
                peak_storage_gb: across(&bills, |b| b.peak_storage_gb),
                free_allowance_gb: across(&bills, |b| b.mean_free_allowance_gb),
                billable_gb_month: across(&bills, |b| b.billable_gb_month),
                cost: across(&bills, |b| b.cost),
                long_term: bills
                    .iter()
                    .all(|b| b.long_term.is_some())
                    .then(|| {
                        let lt: Vec<_> = bills.iter().filter_map(|b| b.long_term).collect();
                        LongTermMonth {
                            mean_vault_gb: across(&lt, |b| b.mean_vault_gb),
                            vault_cost: across(&lt, |b| b.vault_cost),
                            export_cost: across(&lt, |b| b.export_cost),
                            total_cost: across(&bills, |b| {
                                b.long_term
                                    .map_or(b.cost, |l| b.cost + l.vault_cost + l.export_cost)
                            }),
                        }
                    })
                    .filter(|_| !bills.is_empty()),
            }
        })
        .collect()
}

/// One retention's steady state across runs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RetentionSummary {
    pub retention_days: u32,
    pub runs: usize,
    pub mean_storage_gb: Estimate,
    /// Mean over runs of each run's peak, and the highest peak of any run.
    pub peak_storage_gb: Estimate,
    pub peak_storage_max_gb: f64,
    pub billable_gb_month: Estimate,
    pub cost_per_month: Estimate,
    /// Runs in which this retention billed anything at all.
    pub runs_billed: usize,
}

/// The simulated free retention: the longest retention whose steady state bills nothing in any
/// of the runs (0 when even one day bills in one); None when the horizon measured none. `run`
/// leads with it, and `compare` and `sweep` give the same for each contender and point.
pub fn free_in_every_run(runs: &[RunMetrics]) -> Option<u32> {
    let measured = runs.iter().map(|r| r.storage.retention.len()).min()?;
    if measured == 0 {
        return None;
    }
    let free = (0..measured).rev().find(|&i| {
        runs.iter()
            .all(|r| r.storage.retention[i].billable_gb_month <= 0.0)
    });
    Some(free.map_or(0, |i| runs[0].storage.retention[i].retention_days))
}

fn retention(runs: &[RunMetrics]) -> Vec<RetentionSummary> {
    let longest = runs
        .iter()
        .map(|r| r.storage.retention.len())
        .min()
        .unwrap_or(0);
    (0..longest)
        .map(|i| {
            let rows: Vec<RetentionRow> = runs.iter().map(|r| r.storage.retention[i]).collect();
            RetentionSummary {
                retention_days: rows[0].retention_days,
                runs: rows.len(),
                mean_storage_gb: across(&rows, |r| r.mean_storage_gb),
                peak_storage_gb: across(&rows, |r| r.peak_storage_gb),
                peak_storage_max_gb: rows.iter().map(|r| r.peak_storage_gb).fold(0.0, f64::max),
                billable_gb_month: across(&rows, |r| r.billable_gb_month),
                cost_per_month: across(&rows, |r| r.cost_per_month),
                runs_billed: rows.iter().filter(|r| r.billable_gb_month > 0.0).count(),
            }
        })
        .collect()
}

/// p50, p95 and the worst of one recovery figure over every recovery of a kind.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Spread {
    pub p50: f64,
    pub p95: f64,
    pub max: f64,
}

impl Spread {
    /// Nearest-rank percentiles of the values (one per trouble of every run: validation bounds
    /// how many troubles a scenario may expect).
    pub fn of(values: &mut [f64]) -> Option<Spread> {
        if values.is_empty() {
            return None;
        }
        values.sort_by(f64::total_cmp);
        Some(Spread {
            p50: *nearest_rank(values, 0.5),
            p95: *nearest_rank(values, 0.95),
            max: values[values.len() - 1],
        })
    }
}

/// Every recovery of one kind across runs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecoverySummary {
    pub kind: RecoveryKind,
    pub count: usize,
    pub per_run: f64,
    /// How they ended: outcome → count.
    pub outcomes: BTreeMap<&'static str, usize>,
    pub data_lost_s: Option<Spread>,
    pub wait_s: Option<Spread>,
    pub restore_s: Option<Spread>,
    pub downtime_s: Option<Spread>,
}

fn recoveries(all: &[(u64, RecoveryRecord)], runs: usize) -> Vec<RecoverySummary> {
    RecoveryKind::ALL
        .iter()
        .filter_map(|&kind| {
            let of_kind: Vec<&RecoveryRecord> = all
                .iter()
                .map(|(_, r)| r)
                .filter(|r| r.kind == kind)
                .collect();
            if of_kind.is_empty() {
                return None;
            }
            let mut outcomes = BTreeMap::new();
            for r in &of_kind {
                *outcomes.entry(r.outcome.as_str(kind)).or_insert(0) += 1;
            }
            // Waits count for every restore that queued; restore times only for those that
            // ran to the end (one called off when the zone or region came back is cut short).
            let queued = |r: &RecoveryRecord| {
                r.outcome != RecoveryOutcome::FailedOver
                    && r.outcome != RecoveryOutcome::Unrecoverable
            };
            let finished = |r: &RecoveryRecord| r.outcome == RecoveryOutcome::Restored;
            let spread = |pick: &dyn Fn(&RecoveryRecord) -> f64,
                          among: &dyn Fn(&RecoveryRecord) -> bool| {
                let mut values: Vec<f64> = of_kind
                    .iter()
                    .filter(|r| among(r))
                    .map(|r| pick(r))
                    .collect();
                Spread::of(&mut values)
            };
            Some(RecoverySummary {
                kind,
                count: of_kind.len(),
                per_run: of_kind.len() as f64 / runs.max(1) as f64,
                outcomes,
                data_lost_s: spread(&|r| r.data_lost_s, &|_| true),
                wait_s: spread(&|r| r.wait_s, &queued),
                restore_s: spread(&|r| r.restore_s, &finished),
                downtime_s: spread(&|r| r.downtime_s, &|_| true),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spread_uses_nearest_rank() {
        let mut v: Vec<f64> = (1..=20).map(f64::from).collect();
        let s = Spread::of(&mut v).unwrap();
        assert_eq!((s.p50, s.p95, s.max), (10.0, 19.0, 20.0));
        assert_eq!(Spread::of(&mut []), None);
        assert_eq!(Spread::of(&mut [7.0]).unwrap().p95, 7.0);
    }
}

/// The write load as the model runs it: the profiles rescaled to mean 1 and applied.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct LoadEcho {
    pub mean_gb_per_day: f64,
    pub busiest_day_gb: f64,
    pub quietest_day_gb: f64,
    /// The busiest hour of the week, before bursts.
    pub peak_hour_gb: f64,
    /// Bursts multiply the rate by this while on.
    pub burst_multiplier: f64,
    pub bursts_per_day: f64,
    /// The expected mean with the bursts: the rate is multiplied while at least one is on, and
    /// with Poisson arrivals of fixed length that is a share 1 − e^(−arrivals × length) of the
    /// time.
    pub mean_with_bursts_gb_per_day: f64,
}

impl LoadEcho {
    pub fn of(w: &crate::model::WorkloadConfig) -> Self {
        let max = |v: &[f64]| v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let min = |v: &[f64]| v.iter().copied().fold(f64::INFINITY, f64::min);
        Self {
            mean_gb_per_day: w.binlog_gb_per_day,
            busiest_day_gb: w.binlog_gb_per_day * max(&w.weekly),
            quietest_day_gb: w.binlog_gb_per_day * min(&w.weekly),
            peak_hour_gb: w.binlog_gb_per_day / 24.0 * max(&w.diurnal) * max(&w.weekly),
            burst_multiplier: w.burst_multiplier,
            bursts_per_day: w.bursts_per_day,
            mean_with_bursts_gb_per_day: {
                let on = w.bursts_per_day * w.burst_duration as f64 / crate::engine::DAY as f64;
                let share_on = -(-on).exp_m1();
                w.binlog_gb_per_day * (1.0 + share_on * (w.burst_multiplier - 1.0))
            },
        }
    }
}

/// A scripted event, as a reader of the report sees it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventEcho {
    pub at: String,
    pub action: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hours: Option<f64>,
    /// The new retention of a "set-retention".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retention_days: Option<u32>,
}

pub fn scripted_events(scenario: &Scenario) -> Vec<EventEcho> {
    let when = |t: i64| {
        (scenario.start + Duration::seconds(t)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    };
    let mut out: Vec<EventEcho> = scenario
        .config
        .events
        .iter()
        .map(|&(at, action)| EventEcho {
            at: when(at),
            action: action.as_str(),
            hours: match action {
                crate::model::ServerAction::RegionOutage { duration } => {
                    Some(duration as f64 / crate::engine::HOUR as f64)
                }
                _ => None,
            },
            retention_days: match action {
                crate::model::ServerAction::SetRetention { days } => Some(days),
                _ => None,
            },
        })
        .collect();
    out.extend(
        scenario
            .config
            .backup
            .on_demand
            .iter()
            .map(|&at| EventEcho {
                at: when(at),
                action: "on-demand backup",
                hours: None,
                retention_days: None,
            }),
    );
    out.sort_by(|a, b| a.at.cmp(&b.at));
    out
}
