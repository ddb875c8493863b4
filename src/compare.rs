//! Paired comparisons: a base scenario and its alternatives run on the same random streams
//! (replication r of every one draws from the streams of (seed, r), as sweep points do), so each
//! alternative's difference from the base is measured run by run. The paired differences vary
//! far less than the figures themselves: their confidence intervals are narrow where two
//! independent runs would drown the difference in noise.

use std::ops::Range;

use rayon::prelude::*;

use crate::analysis::figures::estimate;
use crate::analysis::{free_in_every_run, Figure, HEADLINE, LONG_TERM_COMPARED};
use crate::engine::SimTime;
use crate::error::InputError;
use crate::model::RunMetrics;
use crate::montecarlo::{double_until, run_range, Replications, TargetOutcome};
use crate::scenario::{self, Loaded, Override};
use crate::stats::durability::nines;
use crate::stats::{mean_ci95, Estimate};

/// The figures compared besides the headline ones (which come first: the chart draws those):
/// the ones a what-if usually moves (peaks, tails, the geo window, snapshot health, downtime).
const MORE_COMPARED: &[Figure] = &[
    Figure::StoragePeak,
    Figure::FreeRetentionDays,
    Figure::RpoP95,
    Figure::GeoRpoP95,
    Figure::RestoreLatestP95,
    Figure::RestoreFastestMean,
    Figure::SnapshotFailures,
    Figure::SchedulerOff,
    Figure::DowntimeHours,
];

/// The figures compared, headline first; the vault's and the exports' last when `long_term`
/// (the base or an alternative uses them).
pub fn compared_figures(long_term: bool) -> impl Iterator<Item = Figure> {
    let long_term: &[Figure] = if long_term { LONG_TERM_COMPARED } else { &[] };
    HEADLINE
        .iter()
        .chain(MORE_COMPARED)
        .chain(long_term)
        .copied()
}

/// One `--vs KEY=VALUE[,KEY=VALUE...]`: the base with these keys changed. A comma starts a new
/// assignment only outside brackets, braces and strings, and where a dotted key and `=` follow,
/// so list and inline-table values (`[1, 2]`, `[{at = "30d", action = "stop"}]`) keep theirs.
pub fn parse_vs(text: &str) -> Result<Vec<Override>, InputError> {
    let bad = || {
        InputError::argument(
            "--vs",
            format!(
                "expected KEY=VALUE[,KEY=VALUE...], e.g. backup.retention_days=14,backup.redundancy=geo, got \"{text}\""
            ),
        )
    };
    let starts_assignment = |rest: &str| {
        let rest = rest.trim_start();
        match rest.split_once('=') {
            Some((key, _)) => {
                let key = key.trim();
                !key.is_empty()
                    && key
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
            }
            None => false,
        }
    };
    let mut parts = Vec::new();
    let mut from = 0;
    for i in scenario::top_level_commas(text) {
        if starts_assignment(&text[i + 1..]) {
            parts.push(&text[from..i]);
            from = i + 1;
        }
    }
    parts.push(&text[from..]);
    parts
        .into_iter()
        .map(|p| Override::parse(p).map_err(|_| bad()))
        .collect()
}

/// One scenario in a comparison: where it came from and what it is called in the tables.
#[derive(Debug, Clone)]
pub struct Contender {
    pub label: String,
    pub loaded: Loaded,
    /// The `--vs` assignments that made it from the base (empty for a file).
    pub vs: Vec<Override>,
}

/// The base and its alternatives after the replications.
#[derive(Debug, Clone)]
pub struct Comparison {
    pub base: Contender,
    pub alternatives: Vec<Contender>,
    /// The base's seed and replication count, used by every contender so that runs pair up.
    pub seed: u64,
    pub base_reps: Replications,
    pub alternative_reps: Vec<Replications>,
    pub target: Option<TargetOutcome>,
    /// When every contender's steady-state figures start: the latest of their warm-ups.
    pub measured_from: SimTime,
    /// Where the base alone (`backsim run`) would start them, when a later warm-up moved it.
    pub base_own_measured_from: Option<SimTime>,
    /// Labels of the contenders whose backup set is not full by the horizon (retention + 1
    /// days past it): measured over the same days as the rest, but not in their steady state.
    pub not_steady: Vec<String>,
}

/// One figure of one alternative against the base.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Paired {
    pub figure: Figure,
    pub base: Estimate,
    pub alternative: Estimate,
    /// Mean of (alternative − base) over the runs where both have the figure, with its 95% CI;
    /// None when no run has it on both sides (a geo window against a local base).
    pub difference: Option<Estimate>,
}

impl Paired {
    /// Below this a difference is rounding (the same sums taken in another order) or too small
    /// to plan with, not an effect: a millionth of the figure's size.
    pub fn negligible(&self) -> f64 {
        1e-6 * self.base.mean.abs().max(self.alternative.mean.abs())
    }

    /// The 95% CI of the difference lies wholly above or below zero (beyond rounding).
    pub fn excludes_zero(&self) -> bool {
        let tiny = self.negligible();
        matches!(self.difference.and_then(|d| d.ci95), Some([lo, hi]) if lo > tiny || hi < -tiny)
    }
}

/// The paired differences of `figure`: replication r of the alternative minus replication r of
/// the base, where both have the figure.
pub fn paired(base: &[RunMetrics], alt: &[RunMetrics], figure: Figure) -> Paired {
    let diffs: Vec<f64> = base
        .iter()
        .zip(alt)
        .filter_map(|(b, a)| Some(figure.of(a)? - figure.of(b)?))
        .collect();
    Paired {
        figure,
        base: estimate(base, figure),
        alternative: estimate(alt, figure),
        difference: (!diffs.is_empty()).then(|| mean_ci95(&diffs)),
    }
}

/// How precisely a difference is known: its CI half-width relative to the larger of the two
/// means; 3/n, the rule of three, when all n pairs gave the same difference (another may still
/// show in a few pairs in a hundred, as for `run`); 0 when no run pairs up; infinite when it
/// cannot be estimated yet or both figures are zero while the difference varies.
pub fn relative_difference_half_width(p: &Paired) -> f64 {
    let Some(d) = p.difference else { return 0.0 };
    if let Some(share) = d.other_value_share_below() {
        return share;
    }
    let scale = p.base.mean.abs().max(p.alternative.mean.abs());
    match d.half_width() {
        Some(h) if scale > 0.0 => h / scale,
        _ => f64::INFINITY,
    }
}

/// The widest relative half-width of any headline difference of any alternative.
pub fn worst_headline_difference(base: &[RunMetrics], alternatives: &[&[RunMetrics]]) -> f64 {
    alternatives
        .iter()
        .flat_map(|alt| {
            HEADLINE
                .iter()
                .map(move |&f| relative_difference_half_width(&paired(base, alt, f)))
        })
        .fold(0.0, f64::max)
}

/// Run replications `range` of every contender, each on the streams of (seed, r); contenders in
/// parallel, their replications nested inside, folded in index order.
fn run_all(
    configs: &[&crate::model::Config],
    seed: u64,
    range: Range<u64>,
    reps: &mut [Replications],
    on_done: &(dyn Fn() + Sync),
) {
    reps.par_iter_mut()
        .zip(configs.par_iter())
        .for_each(|(r, config)| run_range(config, seed, range.clone(), None, on_done, r));
}

/// How many replications, and whether to keep going until the differences are precise.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Replicate {
    Runs(u32),
    /// `--target-ci REL` on the headline differences: start from `first`, double up to `max`.
    Target {
        first: u32,
        rel: f64,
        max: u32,
    },
}

/// Run the base and every alternative on common random numbers, each measured from the latest
/// of their warm-ups.
pub fn compare(
    mut base: Contender,
    mut alternatives: Vec<Contender>,
    replicate: Replicate,
    on_done: &(dyn Fn() + Sync),
) -> Comparison {
    // Run r of an alternative pairs with run r of the base only over the same days: a longer
    // retention fills its backup set (ends its warm-up) later, and measured from there against
    // a base measured from its own earlier warm-up, the difference would mix in the base's
    // first days. So all are measured from the latest warm-up.
    let measured_from = std::iter::once(&base)
        .chain(&alternatives)
        .map(|c| c.loaded.scenario.config.measured_from)
        .max()
        .unwrap_or(0);
    let base_own = base.loaded.scenario.config.measured_from;
    let base_own_measured_from = (base_own != measured_from).then_some(base_own);
    // Taken before the common start is set, which would mark every contender as warmed up.
    let not_steady = std::iter::once(&base)
        .chain(&alternatives)
        .filter(|c| !c.loaded.scenario.warmup_reached)
        .map(|c| c.label.clone())
        .collect();
    for c in std::iter::once(&mut base).chain(alternatives.iter_mut()) {
        if c.loaded.scenario.config.measured_from != measured_from {
            c.loaded.measure_from(measured_from);
        }
    }
    let seed = base.loaded.scenario.seed;
    let configs: Vec<&crate::model::Config> = std::iter::once(&base)
        .chain(&alternatives)
        .map(|c| &c.loaded.scenario.config)
        .collect();
    let mut reps = vec![Replications::default(); configs.len()];
    let target = match replicate {
        Replicate::Runs(runs) => {
            run_all(&configs, seed, 0..runs as u64, &mut reps, on_done);
            None
        }
        Replicate::Target { first, rel, max } => Some(double_until(first, rel, max, |range| {
            run_all(&configs, seed, range, &mut reps, on_done);
            let (base, alts) = reps.split_first().expect("the base is first");
            let alts: Vec<&[RunMetrics]> = alts.iter().map(|r| &r.metrics[..]).collect();
            worst_headline_difference(&base.metrics, &alts)
        })),
    };
    let base_reps = reps.remove(0);
    Comparison {
        base,
        alternatives,
        seed,
        base_reps,
        alternative_reps: reps,
        target,
        measured_from,
        base_own_measured_from,
        not_steady,
    }
}

/// One alternative's answers.
#[derive(Debug, Clone, PartialEq)]
pub struct AlternativeResult {
    pub figures: Vec<Paired>,
    /// Annual durability nines of the base and the alternative (a closed-form figure: the
    /// difference has no sampling error).
    pub durability_base: f64,
    pub durability_alternative: f64,
    /// The simulated free retention of each (`analysis::free_in_every_run`): the longest
    /// retention no run bills, a figure over all runs with no interval.
    pub free_retention_base: Option<u32>,
    pub free_retention_alternative: Option<u32>,
}

impl AlternativeResult {
    /// Alternative − base of the simulated free retention, in days; None where either was not
    /// measured.
    pub fn free_retention_change(&self) -> Option<i64> {
        self.free_retention_base
            .zip(self.free_retention_alternative)
            .map(|(b, a)| i64::from(a) - i64::from(b))
    }
}

impl Comparison {
    pub fn runs(&self) -> usize {
        self.base_reps.len()
    }

    /// Whether the base or an alternative keeps long-term copies or exports: then the vault's
    /// and the exports' figures are compared too.
    pub fn long_term(&self) -> bool {
        std::iter::once(&self.base)
            .chain(&self.alternatives)
            .any(|c| c.loaded.scenario.config.long_term.any())
    }

    /// Every compared figure of each alternative against the base. The base's durability chain
    /// is solved once, and an alternative's only when its layout or failure model differs.
    pub fn results(&self) -> Vec<AlternativeResult> {
        let model = |c: &Contender| {
            let s = &c.loaded.scenario;
            (s.config.final_redundancy().layout(), s.durability.clone())
        };
        let base_model = model(&self.base);
        let durability_base = nines(base_model.0, &base_model.1);
        let free_retention_base = free_in_every_run(&self.base_reps.metrics);
        let long_term = self.long_term();
        self.alternatives
            .iter()
            .zip(&self.alternative_reps)
            .map(|(contender, alt)| {
                let alt_model = model(contender);
                AlternativeResult {
                    figures: compared_figures(long_term)
                        .map(|f| paired(&self.base_reps.metrics, &alt.metrics, f))
                        .collect(),
                    durability_base,
                    durability_alternative: if alt_model == base_model {
                        durability_base
                    } else {
                        nines(alt_model.0, &alt_model.1)
                    },
                    free_retention_base,
                    free_retention_alternative: free_in_every_run(&alt.metrics),
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vs_splits_at_commas_that_start_an_assignment() {
        let got = parse_vs("backup.retention_days=14,backup.redundancy=geo").unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!(got[1].key, "backup.redundancy");
        assert_eq!(got[1].value, "geo");
        let list = parse_vs("workload.weekly=[1, 1, 1, 1, 1, 0.5, 0.5],runs=3").unwrap();
        assert_eq!(list[0].value, "[1, 1, 1, 1, 1, 0.5, 0.5]");
        assert_eq!(list[1].key, "runs");
        // A comma inside an inline table is followed by a key and `=` too, but cuts nothing.
        let events =
            parse_vs(r#"events=[{at = "5d", action = "stop"}],backup.redundancy=geo"#).unwrap();
        assert_eq!(events.len(), 2);
        assert_eq!(events[0].value, r#"[{at = "5d", action = "stop"}]"#);
        assert!(parse_vs("retention").is_err());
    }

    #[test]
    fn excludes_zero_needs_the_whole_interval_on_one_side() {
        let e = |lo: f64, hi: f64| Paired {
            figure: Figure::StorageMean,
            base: mean_ci95(&[1.0, 2.0]),
            alternative: mean_ci95(&[1.0, 2.0]),
            difference: Some(Estimate {
                mean: (lo + hi) / 2.0,
                ci95: Some([lo, hi]),
                n: 10,
            }),
        };
        assert!(e(0.5, 1.5).excludes_zero());
        assert!(e(-1.5, -0.5).excludes_zero());
        assert!(!e(-0.5, 1.5).excludes_zero());
        assert!(!e(0.0, 0.0).excludes_zero());
    }

    /// A difference every pair gave alike (0: neither contender billed in any of 40 runs) is
    /// known to the rule of three's 3/40, not to ±0%, for `--target-ci`.
    #[test]
    fn a_difference_the_same_in_every_pair_counts_as_the_rule_of_three() {
        let zeros = [0.0; 40];
        let p = Paired {
            figure: Figure::BillableGbMonth,
            base: mean_ci95(&zeros),
            alternative: mean_ci95(&zeros),
            difference: Some(mean_ci95(&zeros)),
        };
        assert_eq!(relative_difference_half_width(&p), 3.0 / 40.0);
        let shifted = Paired {
            base: mean_ci95(&[10.0; 40]),
            alternative: mean_ci95(&[12.5; 40]),
            difference: Some(mean_ci95(&[2.5; 40])),
            ..p
        };
        assert_eq!(relative_difference_half_width(&shifted), 3.0 / 40.0);
    }
}
