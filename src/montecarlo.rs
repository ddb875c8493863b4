//! Replications of one scenario, in parallel on rayon. Replication i always draws from the streams
//! of (seed, i), whichever thread runs it and whichever sweep point it belongs to (common random
//! numbers), and results are folded in index order, so the outcome is the same bits whatever the
//! number of threads.

use std::ops::Range;

use rayon::prelude::*;

use crate::engine::Streams;
use crate::model::{
    simulate, Config, Observer, RecoveryRecord, RestoreDistributions, RunMetrics, RunOutcome,
};
use crate::stats::Sawtooth;

/// Replications run in chunks: each chunk in parallel, then folded in order. Only a chunk's
/// full outcomes (with their histograms) are held at once; every run's metrics are kept.
const CHUNK: u64 = 64;

/// What the replications of one scenario add up to.
#[derive(Debug, Clone, Default)]
pub struct Replications {
    /// Every run's figures, in replication order.
    pub metrics: Vec<RunMetrics>,
    /// Pooled exact data-loss windows and restore-time distributions.
    pub rpo: Sawtooth,
    pub geo_rpo: Sawtooth,
    pub restores: RestoreDistributions,
    /// Every recovery of every run, with its replication index, in run order.
    pub recoveries: Vec<(u64, RecoveryRecord)>,
}

impl Replications {
    fn absorb(&mut self, outcome: RunOutcome) {
        let run = self.metrics.len() as u64;
        self.recoveries
            .extend(outcome.recoveries.into_iter().map(|r| (run, r)));
        self.rpo.merge(&outcome.rpo);
        self.geo_rpo.merge(&outcome.geo_rpo);
        self.restores.latest.merge(&outcome.restores.latest);
        self.restores.fastest.merge(&outcome.restores.fastest);
        self.restores.custom.merge(&outcome.restores.custom);
        self.metrics.push(outcome.metrics);
    }

    pub fn len(&self) -> usize {
        self.metrics.len()
    }

    pub fn is_empty(&self) -> bool {
        self.metrics.is_empty()
    }
}

/// Run replications `range` and fold them into `into`; replication 0 (if in range) reports to
/// `observer` (the event log and hourly samples). `on_done` is called after each replication.
pub fn run_range(
    config: &Config,
    seed: u64,
    range: Range<u64>,
    mut observer: Option<&mut (dyn Observer + Send)>,
    on_done: &(dyn Fn() + Sync),
    into: &mut Replications,
) {
    let one = |i: u64, obs: Option<&mut dyn Observer>| {
        let outcome = simulate(config, &Streams::for_replication(seed, i), obs);
        on_done();
        outcome
    };
    let mut start = range.start;
    while start < range.end {
        let end = (start + CHUNK).min(range.end);
        let outcomes: Vec<RunOutcome> = match observer.take() {
            Some(obs) if start == 0 => {
                let (first, rest) = rayon::join(
                    || one(0, Some(obs as &mut dyn Observer)),
                    || {
                        (1..end)
                            .into_par_iter()
                            .map(|i| one(i, None))
                            .collect::<Vec<_>>()
                    },
                );
                std::iter::once(first).chain(rest).collect()
            }
            _ => (start..end).into_par_iter().map(|i| one(i, None)).collect(),
        };
        for o in outcomes {
            into.absorb(o);
        }
        start = end;
    }
}

/// Run `runs` replications.
pub fn run_replications(
    config: &Config,
    seed: u64,
    runs: u32,
    observer: Option<&mut (dyn Observer + Send)>,
    on_done: &(dyn Fn() + Sync),
) -> Replications {
    let mut reps = Replications::default();
    run_range(config, seed, 0..runs as u64, observer, on_done, &mut reps);
    reps
}

/// How a run to a target precision ended.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TargetOutcome {
    pub target: f64,
    pub reached: bool,
    /// The widest relative half-width among the headline figures at the end.
    pub worst: f64,
}

/// The fewest replications whose interval the stop rule trusts. Stopping the first time an
/// interval looks narrow enough favours samples whose spread happens to be small, and those
/// intervals are too narrow: from a handful of runs, 95% intervals covered the mean about 60%
/// of the time (an outside check over 300 seeds); from 32 on, at the nominal rate.
pub const FEWEST_RUNS_TO_STOP: u32 = 32;

/// The sequential stop rule every `--target-ci` uses: run replications `0..first`, then keep
/// doubling their number until `step` (which runs the given range of replications and returns
/// the widest relative 95% CI half-width among the figures that matter; for a figure every run
/// gave the same, `Estimate::relative_precision`'s 3/n) is within `target` with
/// at least `FEWEST_RUNS_TO_STOP` run, or `max` have run. The stopping points depend only on
/// the results, never on timing: the same answer at any thread count.
pub fn double_until(
    first: u32,
    target: f64,
    max: u32,
    mut step: impl FnMut(Range<u64>) -> f64,
) -> TargetOutcome {
    let mut done = 0;
    let mut goal = first.max(2).min(max.max(2)) as u64;
    loop {
        let worst = step(done..goal);
        done = goal;
        let trusted = goal >= u64::from(FEWEST_RUNS_TO_STOP);
        if (worst <= target && trusted) || goal >= max as u64 {
            return TargetOutcome {
                target,
                reached: worst <= target,
                worst,
            };
        }
        goal = (goal * 2).min(max as u64);
    }
}

/// Start with `first` replications and keep doubling until `precision` (the widest relative
/// 95% CI half-width among the figures that matter) is within `target`, or `max` replications
/// have run (`double_until`).
#[allow(clippy::too_many_arguments)]
pub fn run_to_target(
    config: &Config,
    seed: u64,
    first: u32,
    target: f64,
    max: u32,
    precision: &dyn Fn(&[RunMetrics]) -> f64,
    mut observer: Option<&mut (dyn Observer + Send)>,
    on_done: &(dyn Fn() + Sync),
) -> (Replications, TargetOutcome) {
    let mut reps = Replications::default();
    let outcome = double_until(first, target, max, |range| {
        run_range(config, seed, range, observer.take(), on_done, &mut reps);
        precision(&reps.metrics)
    });
    (reps, outcome)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The ranges a stop rule runs, and how it ended, when every interval is `worst` wide.
    fn stops(first: u32, max: u32, worst: f64) -> (Vec<Range<u64>>, TargetOutcome) {
        let mut ranges = Vec::new();
        let outcome = double_until(first, 0.01, max, |range| {
            ranges.push(range);
            worst
        });
        (ranges, outcome)
    }

    /// A narrow interval from a handful of runs is not trusted: the rule doubles on to 32 (and
    /// from there stops at once), stops at a start of 32 or more, and at the ceiling below 32.
    #[test]
    fn the_stop_rule_trusts_no_interval_of_fewer_than_32_runs() {
        let (ranges, outcome) = stops(2, 20_000, 0.0);
        assert_eq!(ranges, vec![0..2, 2..4, 4..8, 8..16, 16..32]);
        assert!(outcome.reached);
        let (ranges, _) = stops(40, 20_000, 0.0);
        assert_eq!(ranges, vec![0..40]);
        let (ranges, outcome) = stops(4, 10, 0.0);
        assert_eq!(ranges, vec![0..4, 4..8, 8..10]);
        assert!(
            outcome.reached,
            "at the ceiling, the interval is what it is"
        );
        let (ranges, outcome) = stops(20, 100, 0.5);
        assert_eq!(ranges, vec![0..20, 20..40, 40..80, 80..100]);
        assert!(!outcome.reached);
    }

    /// The precision of a figure that is 0 unless a run meets a rare burst, as the stop rule
    /// reads it, over the first `n` runs of `figure`.
    fn rare(figure: &[f64], target: f64, first: u32, max: u32) -> (u64, TargetOutcome) {
        let mut done = 0;
        let outcome = double_until(first, target, max, |range| {
            done = range.end;
            crate::stats::mean_ci95(&figure[..range.end as usize]).relative_precision()
        });
        (done, outcome)
    }

    /// Runs that all gave 0 once said "known to ±0%" and stopped at 32, though a run in 18
    /// would bill. The rule of three counts n such runs as ±3/n: ±1% needs 300, so the
    /// doubling goes on to 512, reports 3/512 as the worst, and stops as soon as a run differs
    /// only where its interval allows.
    #[test]
    fn figures_all_the_same_do_not_stop_the_rule_at_32_runs() {
        let zeros = vec![0.0; 20_000];
        let (done, outcome) = rare(&zeros, 0.01, 2, 20_000);
        assert_eq!(done, 512);
        assert!(outcome.reached);
        assert_eq!(outcome.worst, 3.0 / 512.0);
        // A looser target is met sooner, still from 32 runs on only.
        let (done, outcome) = rare(&zeros, 0.1, 2, 20_000);
        assert_eq!((done, outcome.worst), (32, 3.0 / 32.0));
        // The ceiling still ends it, not reached.
        let (done, outcome) = rare(&zeros, 0.01, 2, 100);
        assert_eq!(done, 100);
        assert!(!outcome.reached);
        assert_eq!(outcome.worst, 0.03);
        // One run in 100 bills 20: by 512 the figure varies, and its relative interval is far
        // wider than 1%, so the doubling runs to the ceiling.
        let bursts: Vec<f64> = (0..20_000)
            .map(|i| if i % 100 == 99 { 20.0 } else { 0.0 })
            .collect();
        let (done, outcome) = rare(&bursts, 0.01, 2, 4_096);
        assert_eq!(done, 4_096);
        assert!(!outcome.reached);
        assert!(outcome.worst > 0.1, "{}", outcome.worst);
    }
}
