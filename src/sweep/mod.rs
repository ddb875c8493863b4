//! Sweeps: the same scenario at every point of a grid of parameter values, with common random
//! numbers (replication i of every point uses the stream of (seed, i)), optionally one shard of
//! the points at a time so that any batch system can spread the work; `merge` joins the shards.

use std::path::Path;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::analysis::figures::summarize;
use crate::analysis::{free_in_every_run, Figure, HEADLINE, LONG_TERM_COMPARED};
use crate::engine::SimTime;
use crate::error::{InputError, Origin};
use crate::montecarlo::{run_replications, Replications};
use crate::scenario::{self, Override, Scenario};
use crate::stats::durability::{nines, DurabilityParams, Layout};

/// Figures reported per point, after the headline ones.
pub const MORE_FIGURES: &[Figure] = &[
    Figure::StoragePeak,
    Figure::FreeRetentionDays,
    Figure::RpoMax,
    Figure::GeoRpoMean,
    Figure::RestoreLatestP95,
    Figure::RestoreFastestP50,
    Figure::Snapshots,
    Figure::SnapshotFailures,
    Figure::SchedulerOff,
    Figure::RecoveryDataLossMean,
    Figure::DowntimeHours,
];

/// The figures of sweep.csv, headline first; the vault's and the exports' last when
/// `long_term` (some point of the grid uses them).
pub fn sweep_figures(long_term: bool) -> impl Iterator<Item = Figure> {
    let long_term: &[Figure] = if long_term { LONG_TERM_COMPARED } else { &[] };
    HEADLINE
        .iter()
        .chain(MORE_FIGURES)
        .chain(long_term)
        .copied()
}

mod grid;

pub use grid::{Cases, Grid, MAX_CASES, MAX_SWEEP_KEYS, MAX_SWEEP_POINTS};

/// Which points this process runs: `I/N` takes every N-th point starting at the I-th.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

impl Shard {
    pub const WHOLE: Shard = Shard { index: 1, count: 1 };

    pub fn parse(text: &str) -> Result<Self, InputError> {
        let bad = || {
            InputError::argument(
                "--shard",
                format!("expected I/N with 1 ≤ I ≤ N, e.g. 2/8, got \"{text}\""),
            )
        };
        let (i, n) = text.split_once('/').ok_or_else(bad)?;
        let (index, count): (usize, usize) = (
            i.trim().parse().map_err(|_| bad())?,
            n.trim().parse().map_err(|_| bad())?,
        );
        if index == 0 || count == 0 || index > count {
            return Err(bad());
        }
        if count > MAX_SWEEP_POINTS {
            return Err(InputError::argument(
                "--shard",
                format!("at most {MAX_SWEEP_POINTS} shards (a sweep has at most that many points), got {count}"),
            ));
        }
        Ok(Shard { index, count })
    }

    pub fn owns(&self, point: usize) -> bool {
        point % self.count == self.index - 1
    }

    /// How many of `points` points this shard runs.
    pub fn owned(&self, points: usize) -> usize {
        points.saturating_add(self.count - self.index) / self.count
    }
}

/// One point's results.
#[derive(Debug, Clone)]
pub struct PointResult {
    pub point: usize,
    pub scenario: Scenario,
    pub reps: Replications,
}

/// Build the scenario of each point this shard owns (all are validated before any runs), then
/// run them, points and their replications in parallel.
pub fn run_sweep(
    path: &Path,
    base_sets: &[Override],
    grid: &Grid,
    shard: Shard,
    on_done: &(dyn Fn() + Sync),
) -> Result<Vec<PointResult>, InputError> {
    let text = scenario::read_text(path)?;
    let document = scenario::Document::parse(&text, scenario::origin_of(path))?;
    // Every point is built once (the common warm-up is all points'), this shard's kept.
    let (kept, from) = every_point(&document, base_sets, grid, |p, s| {
        shard.owns(p).then_some((p, s))
    })?;
    let points: Vec<(usize, Scenario)> = kept
        .into_iter()
        .flatten()
        .map(|(p, mut s)| {
            measure_from(&mut s, from);
            (p, s)
        })
        .collect();
    // Points run in parallel too (their replications nest inside), so a wide grid with few
    // replications per point still uses every core; results come back in point order.
    Ok(points
        .into_par_iter()
        .map(|(point, scenario)| {
            let reps = replicate(&scenario, on_done);
            PointResult {
                point,
                scenario,
                reps,
            }
        })
        .collect())
}

/// A point's replications, on the streams of (its seed, i): every point draws the same numbers.
fn replicate(scenario: &Scenario, on_done: &(dyn Fn() + Sync)) -> Replications {
    run_replications(
        &scenario.config,
        scenario.seed,
        scenario.runs,
        None,
        on_done,
    )
}

/// Every point of the grid built in parallel, each boiled down by `keep`, with the moment every
/// point is measured from, as `compare` measures its contenders: the latest warm-up of all the
/// grid's points (all, not only a shard's, so that shards agree). A longer retention fills its
/// backup set later; measured from its own warm-up against a shorter one measured from an
/// earlier day, a difference between points would mix in different days. The first failing
/// point in point order is the one reported, at any thread count.
fn every_point<T: Send>(
    document: &scenario::Document<'_>,
    base_sets: &[Override],
    grid: &Grid,
    keep: impl Fn(usize, Scenario) -> T + Sync,
) -> Result<(Vec<T>, Option<SimTime>), InputError> {
    let built: Vec<Result<(T, Option<SimTime>), InputError>> = (0..grid.points())
        .into_par_iter()
        .map(|p| {
            point_scenario(document, base_sets, grid, p).map(|s| {
                let own = s.warmup_reached.then_some(s.config.measured_from);
                (keep(p, s), own)
            })
        })
        .collect();
    let built = built.into_iter().collect::<Result<Vec<_>, _>>()?;
    let from = common_start(grid, built.iter().map(|b| b.1));
    Ok((built.into_iter().map(|b| b.0).collect(), from))
}

/// The common start of every point, from each point's own warm-up end (None where it does not
/// reach its steady state): the latest, unless the points cannot share their days.
fn common_start(grid: &Grid, own: impl IntoIterator<Item = Option<SimTime>>) -> Option<SimTime> {
    if own_days_swept(grid) {
        return None;
    }
    own.into_iter().flatten().max()
}

/// Whether warmup_days or horizon_days is swept: then each point keeps its own days.
fn own_days_swept(grid: &Grid) -> bool {
    let own_days = [
        scenario::keys::WARMUP_DAYS.path,
        scenario::keys::HORIZON_DAYS.path,
    ];
    grid.keys.iter().any(|k| own_days.contains(&k.as_str()))
}

/// The scenario of point `p`: the file with the base overrides and the point's values. An error
/// names the point and its values when a value is to blame.
fn point_scenario(
    document: &scenario::Document<'_>,
    base_sets: &[Override],
    grid: &Grid,
    p: usize,
) -> Result<Scenario, InputError> {
    let assignments = grid.assignments(p);
    let mut sets = base_sets.to_vec();
    sets.extend(assignments.iter().cloned());
    document.point(&sets).map_err(|mut e| {
        let listed = assignments
            .iter()
            .map(|a| format!("{}={}", a.key, a.value))
            .collect::<Vec<_>>()
            .join(" ");
        let point = match &grid.cases {
            Some(cases) => format!("{} row {} ({listed})", cases.file, p + 1),
            // Named by the flag, as --set and --vs errors are, when --vary gave the value.
            None if e.key.as_ref().is_some_and(|k| grid.varied.contains(k)) => {
                format!("--vary, sweep point {p} ({listed})")
            }
            None => format!("sweep point {p} ({listed})"),
        };
        let row_line = grid
            .cases
            .as_ref()
            .and_then(|cases| cases.lines.get(p).map(|_| cases));
        match (&e.origin, row_line) {
            // A cases file's value: its line, and the column of the key blamed.
            (Origin::Argument(_), Some(cases)) => {
                let column = e
                    .key
                    .as_ref()
                    .and_then(|k| grid.keys.iter().position(|g| g == k))
                    .unwrap_or(0);
                e.origin = Origin::File(cases.file.clone().into());
                e.position = cases.position(p, column);
                e.message = format!("{} (row {}: {listed})", e.message, p + 1);
            }
            // A value of the file's [sweep] table: the file, at that key's entry (a point named
            // alone left the reader to find where its values were written).
            (Origin::Argument(_), None) => {
                let swept = e.key.as_deref().and_then(|bad| {
                    grid.keys.iter().find(|k| {
                        bad.strip_prefix(k.as_str())
                            .is_some_and(|rest| rest.is_empty() || rest.starts_with(['.', '[']))
                    })
                });
                match (document.origin(), swept) {
                    (Origin::File(_), Some(key)) if !grid.varied.contains(key) => {
                        e.origin = document.origin().clone();
                        e.position = document.sweep_entry_position(key);
                        e.message = format!("{} (at {point})", e.message);
                    }
                    _ => e.origin = Origin::Argument(point),
                }
            }
            // A check of two keys blames the file's one, though the point set the other.
            (Origin::File(_), _) => e.message = format!("{} (at {point})", e.message),
        }
        e
    })
}

/// Point `scenario` measured from the common start `from`, when its horizon lies beyond. A
/// point whose backup set never fills is measured over the same days as the others too, as
/// `compare` measures such an alternative: from its empty start, the difference between it and
/// a steady point mixed in days the other left out (250 GB on a 30-day sweep of 7 against 35).
fn measure_from(scenario: &mut Scenario, from: Option<SimTime>) {
    let config = &mut scenario.config;
    if let Some(at) = from.filter(|&at| at > config.measured_from && at < config.horizon) {
        config.measured_from = at;
    }
}

/// The sweep as `sweep` writes it: every point this shard owns, validated first, then run, each
/// point boiled down to its row of sweep.csv as soon as it finishes, so that memory holds one
/// row per point rather than every replication of every point.
pub fn run_sweep_rows(
    path: &Path,
    base_sets: &[Override],
    grid: &Grid,
    shard: Shard,
    on_done: &(dyn Fn() + Sync),
) -> Result<SweepRun, InputError> {
    let text = scenario::read_text(path)?;
    let document = scenario::Document::parse(&text, scenario::origin_of(path))?;
    let owned: Vec<usize> = (0..grid.points()).filter(|&p| shard.owns(p)).collect();
    // Every point is validated once, a shard's others too (the common warm-up is all points'),
    // keeping only what the rows need (its failure model, whether it reaches its steady state;
    // the common start comes with them); each distinct failure model is solved once.
    let (checked, from) = every_point(&document, base_sets, grid, |_, s| {
        let vault_filling = crate::analysis::vault_fill(&s).is_some_and(|f| f.still_filling);
        (
            s.config.final_redundancy().layout(),
            s.durability,
            s.warmup_reached,
            s.config.long_term.any(),
            vault_filling,
        )
    })?;
    // Every point's, so that every shard writes the same columns.
    let long_term = checked.iter().any(|c| c.3);
    let vault_filling = owned.iter().copied().filter(|&p| checked[p].4).collect();
    let mut models: Vec<(Layout, DurabilityParams)> = Vec::new();
    let mut model_of = Vec::with_capacity(owned.len());
    for &point in &owned {
        let (layout, params, _, _, _) = checked[point].clone();
        let model = (layout, params);
        let i = match models.iter().position(|m| *m == model) {
            Some(i) => i,
            None => {
                models.push(model);
                models.len() - 1
            }
        };
        model_of.push(i);
    }
    let solved: Vec<f64> = models.par_iter().map(|(l, p)| nines(*l, p)).collect();
    let rows = owned
        .par_iter()
        .zip(model_of.par_iter())
        .map(|(&point, &model)| {
            let mut scenario = point_scenario(&document, base_sets, grid, point)?;
            measure_from(&mut scenario, from);
            let reps = replicate(&scenario, on_done);
            let steady = checked[point].2;
            Ok(point_row(
                grid,
                point,
                &reps,
                solved[model],
                steady,
                long_term,
            ))
        })
        .collect::<Result<Vec<_>, InputError>>()?;
    Ok(SweepRun {
        table: SweepTable {
            header: sweep_header(grid, long_term),
            rows,
        },
        measured_from: from,
        long_term,
        vault_filling,
    })
}

/// A sweep's rows and how they were measured.
pub struct SweepRun {
    /// Its `steady_state` column names the points whose averages include the empty start.
    pub table: SweepTable,
    /// The common start of the steady-state figures (None: each point's own).
    pub measured_from: Option<SimTime>,
    /// Some point keeps long-term copies or exports: sweep.csv has their columns.
    pub long_term: bool,
    /// This shard's points whose vault still fills when the run ends.
    pub vault_filling: Vec<usize>,
}

/// What sweep.json records besides the results: enough to check that shards belong together,
/// and where the sweep came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepMeta {
    pub scenario: String,
    pub seed: u64,
    pub runs: u32,
    /// For the cost chart's axis.
    pub currency: String,
    pub grid: Grid,
    pub points: usize,
    pub shard: Shard,
    /// The points present in this folder's sweep.csv.
    #[serde(deserialize_with = "grid::read_back::points")]
    pub rows: Vec<usize>,
    /// The base scenario's provenance (the command line without --shard: the same for every
    /// shard and for the whole sweep). Absent in folders written before it existed.
    #[serde(default)]
    pub provenance: crate::analysis::Provenance,
    /// The day every point's steady-state figures are measured from (the latest warm-up of
    /// all points); absent when each point is measured from its own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measured_from_days: Option<f64>,
    /// Some point of the grid keeps long-term copies or exports: sweep.csv has the vault's and
    /// the exports' columns. Absent when none does (and in folders written before it existed).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub long_term: bool,
}

impl SweepMeta {
    /// The provenance's resolved scenario is offered for rerunning: it must be a valid scenario
    /// of this sweep's name, seed and runs (absent in folders written before it existed).
    fn check_resolved_scenario(&self) -> Result<(), String> {
        let resolved = &self.provenance.scenario;
        if resolved.is_null() {
            return Ok(());
        }
        let bad = |why: String| format!("\"provenance.scenario\" {why}");
        let text = toml::to_string(resolved).map_err(|e| bad(format!("is not a scenario: {e}")))?;
        let s = scenario::parse(&text, Origin::File("provenance.scenario".into()), &[])
            .map_err(|e| bad(format!("is not a valid scenario: {e}")))?;
        if s.name != self.scenario || s.seed != self.seed || s.runs != self.runs {
            return Err(bad(format!(
                "is of {:?} with seed {} and {} runs, the sweep of {:?} with seed {} and {} runs",
                s.name, s.seed, s.runs, self.scenario, self.seed, self.runs
            )));
        }
        Ok(())
    }

    /// Whether a record read back from a sweep.json (by `merge`, which trusts nothing it reads)
    /// describes a sweep this program could have written: a valid name and currency, a grid
    /// within the limits whose size is its point count, a shard of it, and exactly the rows
    /// that shard runs, in order.
    pub fn check(&self) -> Result<(), String> {
        scenario::portable_name(&self.scenario)
            .map_err(|e| format!("\"scenario\": the name {e}"))?;
        scenario::currency_text(&self.currency).map_err(|e| format!("\"currency\" {e}"))?;
        self.check_resolved_scenario()?;
        let most_runs = scenario::keys::MAX_RUNS;
        if !(1..=most_runs).contains(&i64::from(self.runs)) {
            return Err(format!(
                "\"runs\" must be from 1 to {most_runs}, got {}",
                self.runs
            ));
        }
        self.grid.check().map_err(|e| format!("\"grid\": {e}"))?;
        for text in self
            .grid
            .keys
            .iter()
            .chain(self.grid.values.iter().flatten())
        {
            if text.is_empty() || text.chars().any(char::is_control) {
                return Err(format!(
                    "\"grid\" holds {text:?}: keys and values are non-empty text without control characters"
                ));
            }
        }
        if self.points != self.grid.points() {
            return Err(format!(
                "\"points\" is {} but the grid has {} points",
                self.points,
                self.grid.points()
            ));
        }
        let Shard { index, count } = self.shard;
        if index == 0 || index > count || count > MAX_SWEEP_POINTS {
            return Err(format!(
                "\"shard\" must be I of N with 1 ≤ I ≤ N ≤ {MAX_SWEEP_POINTS}, got {index} of {count}"
            ));
        }
        let expected = (0..self.points).filter(|&p| self.shard.owns(p));
        if self.rows.len() != self.shard.owned(self.points)
            || !self.rows.iter().copied().eq(expected)
        {
            return Err(format!(
                "\"rows\" must list the points shard {index}/{count} runs, in order: {} of the {} points from point {}",
                every(count),
                self.points,
                index - 1
            ));
        }
        Ok(())
    }
}

/// How a shard's points are spaced, in words: "every one", "every 2nd", "every 3rd", "every
/// 11th", "every 21st".
fn every(count: usize) -> String {
    if count == 1 {
        return "every one".to_string();
    }
    let suffix = match (count % 10, count % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("every {count}{suffix}")
}

/// sweep.csv as text cells: the header, then one row per point in point order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SweepTable {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl SweepTable {
    /// Whether `row` is of a point whose horizon ends before its backup set is full.
    pub fn still_filling(&self, row: &[String]) -> bool {
        let column = self.header.iter().position(|h| h == STEADY_STATE);
        column.is_some_and(|c| row.get(c).is_some_and(|cell| cell == "false"))
    }

    /// The points whose horizon ends before their backup set is full, in row order.
    pub fn points_still_filling(&self) -> Vec<usize> {
        self.rows
            .iter()
            .filter(|row| self.still_filling(row))
            .filter_map(|row| row.first()?.parse().ok())
            .collect()
    }
}

/// sweep.csv's header: the point, the swept keys, the replications, each figure's mean and CI
/// bounds (the long-term ones when `long_term`), the durability nines, the simulated free
/// retention, whether the point reaches its steady state.
pub fn sweep_header(grid: &Grid, long_term: bool) -> Vec<String> {
    let mut header = vec!["point".to_string()];
    header.extend(grid.keys.iter().cloned());
    header.push("runs".into());
    for f in sweep_figures(long_term).map(Figure::name) {
        for suffix in ["mean", "ci95_lo", "ci95_hi"] {
            header.push(format!("{f}_{suffix}"));
        }
    }
    header.push("durability_nines".into());
    header.push(MAX_FREE_RETENTION.into());
    header.push(STEADY_STATE.into());
    header
}

/// sweep.csv's simulated free retention: the longest retention no run of the point bills
/// (`analysis::free_in_every_run`, what `run` leads with); empty where none was measured.
pub const MAX_FREE_RETENTION: &str = "max_free_retention_days";

/// sweep.csv's last column: `true` when the point's horizon passes the end of its warm-up
/// (its backup set is full), `false` when its averages include days while it was still filling.
pub const STEADY_STATE: &str = "steady_state";

/// One point's row of sweep.csv.
fn point_row(
    grid: &Grid,
    point: usize,
    reps: &Replications,
    nines: f64,
    steady: bool,
    long_term: bool,
) -> Vec<String> {
    let mut row = vec![point.to_string()];
    for (k, v) in grid.indices(point).into_iter().enumerate() {
        row.push(grid.values[k][v].trim_matches('"').to_string());
    }
    row.push(reps.len().to_string());
    let figures = summarize(&reps.metrics);
    for figure in sweep_figures(long_term) {
        let f = &figures[figure as usize];
        let (lo, hi) = f
            .estimate
            .ci95
            .map_or((f64::NAN, f64::NAN), |[l, h]| (l, h));
        for v in [f.estimate.mean, lo, hi] {
            row.push(if v.is_finite() {
                format!("{v}")
            } else {
                String::new()
            });
        }
    }
    row.push(format!("{nines}"));
    row.push(free_in_every_run(&reps.metrics).map_or(String::new(), |d| d.to_string()));
    row.push(steady.to_string());
    row
}

/// The rows of sweep.csv from whole point results: header, then one row per point.
pub fn sweep_rows(grid: &Grid, results: &[PointResult]) -> SweepTable {
    // Most grids leave the failure model alone: solve each distinct chain once.
    let mut solved: Vec<(Layout, DurabilityParams, f64)> = Vec::new();
    let mut nines_of = |layout: Layout, params: &DurabilityParams| {
        if let Some(&(_, _, n)) = solved.iter().find(|(l, p, _)| *l == layout && p == params) {
            return n;
        }
        let n = nines(layout, params);
        solved.push((layout, params.clone(), n));
        n
    };
    let long_term = results.iter().any(|r| r.scenario.config.long_term.any());
    let rows = results
        .iter()
        .map(|r| {
            let layout = r.scenario.config.final_redundancy().layout();
            let n = nines_of(layout, &r.scenario.durability);
            point_row(
                grid,
                r.point,
                &r.reps,
                n,
                r.scenario.warmup_reached,
                long_term,
            )
        })
        .collect();
    SweepTable {
        header: sweep_header(grid, long_term),
        rows,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shard_spacing_reads_as_an_ordinal() {
        let words: Vec<String> = [1, 2, 3, 4, 11, 12, 13, 21, 22, 23, 101, 111, 112]
            .map(every)
            .to_vec();
        assert_eq!(
            words,
            [
                "every one",
                "every 2nd",
                "every 3rd",
                "every 4th",
                "every 11th",
                "every 12th",
                "every 13th",
                "every 21st",
                "every 22nd",
                "every 23rd",
                "every 101st",
                "every 111th",
                "every 112th"
            ]
        );
    }

    #[test]
    fn shards_partition_the_points() {
        let shards: Vec<Shard> = (1..=3).map(|i| Shard { index: i, count: 3 }).collect();
        for p in 0..20 {
            assert_eq!(shards.iter().filter(|s| s.owns(p)).count(), 1);
        }
        assert!(Shard::parse("0/3").is_err());
        assert!(Shard::parse("4/3").is_err());
        assert!(Shard::parse("three").is_err());
        assert_eq!(Shard::parse("2/3").unwrap(), Shard { index: 2, count: 3 });
    }
}
