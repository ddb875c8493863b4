//! Sweeps: the same scenario at every point of a grid of parameter values, with common random
//! numbers (replication i of every point uses the stream of (seed, i)), optionally one shard of
//! the points at a time so that any batch system can spread the work; `merge` joins the shards.

use std::path::Path;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::analysis::figures::summarize;
use crate::analysis::{Figure, HEADLINE};
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

pub fn sweep_figures() -> impl Iterator<Item = Figure> {
    HEADLINE.iter().chain(MORE_FIGURES).copied()
}

/// The most points a sweep may have: each point is a whole set of replications, and its row is
/// held until sweep.csv is written.
pub const MAX_SWEEP_POINTS: usize = 100_000;

/// The most keys swept at once (a grid of more keys with two values each would pass the point
/// limit anyway; listed cases may name more columns).
pub const MAX_SWEEP_KEYS: usize = 64;

/// The grid: dotted keys and, for each, its values as TOML text. Points run over the cartesian
/// product, the first key changing slowest — or, for a list of cases, over its rows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grid {
    pub keys: Vec<String>,
    pub values: Vec<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cases: Option<Cases>,
}

/// Listed points instead of a product (`--cases`): each row's value of each key, as an index
/// into that key's values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cases {
    pub file: String,
    pub rows: Vec<Vec<usize>>,
}

/// The most points one sweep may hold.
pub const MAX_CASES: usize = 100_000;

impl Grid {
    /// The `[sweep]` table, then `--vary KEY=V1,V2,...` (which replaces a key the table has).
    pub fn new(scenario: &Scenario, vary: &[String]) -> Result<Self, InputError> {
        let mut grid = Grid {
            keys: Vec::new(),
            values: Vec::new(),
            cases: None,
        };
        for (key, values) in &scenario.sweep {
            grid.set(key, values.iter().map(|v| v.to_string()).collect());
        }
        for arg in vary {
            let (key, list) = arg.split_once('=').ok_or_else(|| {
                InputError::argument(
                    "--vary",
                    format!(
                        "expected KEY=V1,V2,..., e.g. backup.retention_days=7,14,35, got \"{arg}\""
                    ),
                )
            })?;
            let values: Vec<String> = list
                .split(',')
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
                .collect();
            if key.trim().is_empty() || values.is_empty() {
                return Err(InputError::argument(
                    "--vary",
                    format!("expected KEY=V1,V2,... with at least one value, got \"{arg}\""),
                ));
            }
            grid.set(key.trim(), values);
        }
        if grid.keys.is_empty() {
            return Err(InputError::argument(
                "--vary",
                "nothing to sweep: add a [sweep] table to the scenario or pass --vary KEY=V1,V2,...",
            ));
        }
        grid.check().map_err(|e| InputError::argument("sweep", e))?;
        Ok(grid)
    }

    /// The grid's size within the limits: at most `MAX_SWEEP_KEYS` keys, each with at least
    /// one value, and at most `MAX_SWEEP_POINTS` points, counted without overflow (65 keys of
    /// two values once wrapped around to "0 points").
    pub fn check(&self) -> Result<(), String> {
        if self.keys.is_empty() || self.keys.len() != self.values.len() {
            return Err("a grid needs at least one key, each with its list of values".to_string());
        }
        if let Some(cases) = &self.cases {
            return self.check_cases(cases);
        }
        if self.keys.len() > MAX_SWEEP_KEYS {
            return Err(format!(
                "{} swept keys; at most {MAX_SWEEP_KEYS} can be swept at once",
                self.keys.len()
            ));
        }
        for (i, key) in self.keys.iter().enumerate() {
            if self.keys[..i].contains(key) {
                return Err(format!("the key {key} is swept twice"));
            }
        }
        if let Some(k) = self.values.iter().position(Vec::is_empty) {
            return Err(format!("the key {} has no values", self.keys[k]));
        }
        let points = self.values.iter().try_fold(1usize, |n, v| {
            n.checked_mul(v.len()).filter(|&n| n <= MAX_SWEEP_POINTS)
        });
        match points {
            Some(_) => Ok(()),
            None => Err(format!(
                "the grid has more than {MAX_SWEEP_POINTS} points ({}); sweep fewer values, or split the question into several sweeps",
                self.values
                    .iter()
                    .map(|v| v.len().to_string())
                    .collect::<Vec<_>>()
                    .join(" × ")
            )),
        }
    }

    /// Listed cases: at most `MAX_CASES` rows, each giving every key one of its values.
    fn check_cases(&self, cases: &Cases) -> Result<(), String> {
        if cases.rows.is_empty() || cases.rows.len() > MAX_CASES {
            return Err(format!(
                "a list of cases holds 1 to {MAX_CASES} rows, got {}",
                cases.rows.len()
            ));
        }
        let fits = |row: &Vec<usize>| {
            row.len() == self.keys.len()
                && row
                    .iter()
                    .zip(&self.values)
                    .all(|(&i, values)| i < values.len())
        };
        match cases.rows.iter().position(|row| !fits(row)) {
            Some(r) => Err(format!(
                "case {} does not give each of the {} keys one of its values",
                r + 1,
                self.keys.len()
            )),
            None => Ok(()),
        }
    }

    fn set(&mut self, key: &str, values: Vec<String>) {
        match self.keys.iter().position(|k| k == key) {
            Some(i) => self.values[i] = values,
            None => {
                self.keys.push(key.to_string());
                self.values.push(values);
            }
        }
    }

    /// Listed cases from a CSV: a header of dotted keys, one point per row (every cell given,
    /// as on the command line: 14, geo, "geo").
    pub fn from_cases(path: &Path) -> Result<Self, InputError> {
        let origin = Origin::File(path.to_path_buf());
        let fail = |key: String, message: String, position: Option<(usize, usize)>| InputError {
            origin: origin.clone(),
            key: Some(key),
            position,
            message,
        };
        let text = scenario::read_text(path)?;
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_reader(text.as_bytes());
        let keys: Vec<String> = reader
            .headers()
            .map_err(|e| fail("header".into(), format!("cannot read: {e}"), Some((1, 1))))?
            .iter()
            .map(str::to_string)
            .collect();
        if keys.is_empty() || keys.iter().any(String::is_empty) {
            return Err(fail(
                "header".into(),
                "expected a header of dotted scenario keys, e.g. backup.retention_days,backup.redundancy".into(),
                Some((1, 1)),
            ));
        }
        let mut values: Vec<Vec<String>> = vec![Vec::new(); keys.len()];
        let mut rows = Vec::new();
        for (i, record) in reader.records().enumerate() {
            let row = i + 1;
            let record = record.map_err(|e| {
                fail(
                    format!("row {row}"),
                    format!("cannot read: {e}"),
                    Some((row + 1, 1)),
                )
            })?;
            if rows.len() == MAX_CASES {
                return Err(fail(
                    format!("row {row}"),
                    format!("a sweep holds at most {MAX_CASES} cases"),
                    Some((row + 1, 1)),
                ));
            }
            let mut indices = Vec::with_capacity(keys.len());
            for (k, key) in keys.iter().enumerate() {
                let cell = record.get(k).unwrap_or("");
                if cell.is_empty() {
                    return Err(fail(
                        format!("row {row}, column {key}"),
                        "is empty: every case gives every column a value".into(),
                        Some((row + 1, k + 1)),
                    ));
                }
                let index = match values[k].iter().position(|v| v == cell) {
                    Some(i) => i,
                    None => {
                        values[k].push(cell.to_string());
                        values[k].len() - 1
                    }
                };
                indices.push(index);
            }
            rows.push(indices);
        }
        if rows.is_empty() {
            return Err(fail(
                "rows".into(),
                "no cases: add one row per point".into(),
                None,
            ));
        }
        let grid = Grid {
            keys,
            values,
            cases: Some(Cases {
                file: path.display().to_string(),
                rows,
            }),
        };
        grid.check()
            .map_err(|e| fail("header".into(), e, Some((1, 1))))?;
        Ok(grid)
    }

    /// The listed cases that repeat an earlier one, as groups of row numbers (from 1, in the
    /// order each case first appears). A value counts the same quoted or not, as it does when it
    /// is set: `geo` and `"geo"` are one case.
    pub fn repeated_cases(&self) -> Vec<Vec<usize>> {
        let Some(cases) = &self.cases else {
            return Vec::new();
        };
        let mut groups: Vec<Vec<usize>> = Vec::new();
        let mut group_of: std::collections::HashMap<Vec<&str>, usize> =
            std::collections::HashMap::new();
        for (r, row) in cases.rows.iter().enumerate() {
            let case: Vec<&str> = row
                .iter()
                .zip(&self.values)
                .map(|(&i, values)| values[i].trim_matches('"'))
                .collect();
            match group_of.get(&case) {
                Some(&g) => groups[g].push(r + 1),
                None => {
                    group_of.insert(case, groups.len());
                    groups.push(vec![r + 1]);
                }
            }
        }
        groups.retain(|g| g.len() > 1);
        groups
    }

    pub fn points(&self) -> usize {
        match &self.cases {
            Some(cases) => cases.rows.len(),
            None => self.values.iter().map(Vec::len).product(),
        }
    }

    /// The value index of each key at point `p`.
    pub fn indices(&self, mut p: usize) -> Vec<usize> {
        if let Some(cases) = &self.cases {
            return cases.rows[p].clone();
        }
        let mut out = vec![0; self.keys.len()];
        for (i, values) in self.values.iter().enumerate().rev() {
            out[i] = p % values.len();
            p /= values.len();
        }
        out
    }

    pub fn assignments(&self, p: usize) -> Vec<Override> {
        self.indices(p)
            .into_iter()
            .enumerate()
            .map(|(k, v)| Override {
                key: self.keys[k].clone(),
                value: self.values[k][v].clone(),
            })
            .collect()
    }
}

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
    let owned: Vec<usize> = (0..grid.points()).filter(|&p| shard.owns(p)).collect();
    // Parsed in parallel; the first failing point (in point order) is the one reported, so the
    // message does not depend on the thread count.
    let parsed: Vec<Result<Scenario, InputError>> = owned
        .par_iter()
        .map(|&p| point_scenario(&document, base_sets, grid, p))
        .collect();
    let mut points = Vec::with_capacity(owned.len());
    for (p, scenario) in owned.into_iter().zip(parsed) {
        points.push((p, scenario?));
    }
    // Points run in parallel too (their replications nest inside), so a wide grid with few
    // replications per point still uses every core; results come back in point order.
    Ok(points
        .into_par_iter()
        .map(|(point, scenario)| {
            let reps = run_replications(
                &scenario.config,
                scenario.seed,
                scenario.runs,
                None,
                on_done,
            );
            PointResult {
                point,
                scenario,
                reps,
            }
        })
        .collect())
}

/// The scenario of point `p`: the file with the base overrides and the point's values. An
/// error names the point and its values when a value is to blame.
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
        if matches!(e.origin, Origin::Argument(_)) {
            let listed = assignments
                .iter()
                .map(|a| format!("{}={}", a.key, a.value))
                .collect::<Vec<_>>()
                .join(" ");
            e.origin = Origin::Argument(match &grid.cases {
                Some(cases) => format!("{} row {} ({listed})", cases.file, p + 1),
                None => format!("sweep point {p} ({listed})"),
            });
        }
        e
    })
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
) -> Result<SweepTable, InputError> {
    let text = scenario::read_text(path)?;
    let document = scenario::Document::parse(&text, scenario::origin_of(path))?;
    let owned: Vec<usize> = (0..grid.points()).filter(|&p| shard.owns(p)).collect();
    // Validation keeps only what the rows need from each scenario (its failure model), and
    // each distinct failure model is solved once.
    let mut models: Vec<(Layout, DurabilityParams)> = Vec::new();
    let mut model_of = Vec::with_capacity(owned.len());
    let checked: Vec<Result<(Layout, DurabilityParams), InputError>> = owned
        .par_iter()
        .map(|&p| {
            point_scenario(&document, base_sets, grid, p)
                .map(|s| (s.config.final_redundancy().layout(), s.durability))
        })
        .collect();
    for checked in checked {
        let model = checked?;
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
            let scenario = point_scenario(&document, base_sets, grid, point)?;
            let reps = run_replications(
                &scenario.config,
                scenario.seed,
                scenario.runs,
                None,
                on_done,
            );
            Ok(point_row(grid, point, &reps, solved[model]))
        })
        .collect::<Result<Vec<_>, InputError>>()?;
    Ok(SweepTable {
        header: sweep_header(grid),
        rows,
    })
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
    pub rows: Vec<usize>,
    /// The base scenario's provenance (the command line without --shard: the same for every
    /// shard and for the whole sweep). Absent in folders written before it existed.
    #[serde(default)]
    pub provenance: crate::analysis::Provenance,
}

impl SweepMeta {
    /// Whether a record read back from a sweep.json (by `merge`, which trusts nothing it reads)
    /// describes a sweep this program could have written: a valid name and currency, a grid
    /// within the limits whose size is its point count, a shard of it, and exactly the rows
    /// that shard runs, in order.
    pub fn check(&self) -> Result<(), String> {
        scenario::portable_name(&self.scenario)
            .map_err(|e| format!("\"scenario\": the name {e}"))?;
        scenario::currency_text(&self.currency).map_err(|e| format!("\"currency\" {e}"))?;
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
                "\"rows\" must list the points shard {index}/{count} runs, in order: every {count}-th of the {} points from point {}",
                self.points,
                index - 1
            ));
        }
        Ok(())
    }
}

/// sweep.csv as text cells: the header, then one row per point in point order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SweepTable {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// sweep.csv's header: the point, the swept keys, the replications, each figure's mean and CI
/// bounds, the durability nines.
pub fn sweep_header(grid: &Grid) -> Vec<String> {
    let mut header = vec!["point".to_string()];
    header.extend(grid.keys.iter().cloned());
    header.push("runs".into());
    for f in sweep_figures().map(Figure::name) {
        for suffix in ["mean", "ci95_lo", "ci95_hi"] {
            header.push(format!("{f}_{suffix}"));
        }
    }
    header.push("durability_nines".into());
    header
}

/// One point's row of sweep.csv.
fn point_row(grid: &Grid, point: usize, reps: &Replications, nines: f64) -> Vec<String> {
    let mut row = vec![point.to_string()];
    for (k, v) in grid.indices(point).into_iter().enumerate() {
        row.push(grid.values[k][v].trim_matches('"').to_string());
    }
    row.push(reps.len().to_string());
    let figures = summarize(&reps.metrics);
    for figure in sweep_figures() {
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
    let rows = results
        .iter()
        .map(|r| {
            let layout = r.scenario.config.final_redundancy().layout();
            let n = nines_of(layout, &r.scenario.durability);
            point_row(grid, r.point, &r.reps, n)
        })
        .collect();
    SweepTable {
        header: sweep_header(grid),
        rows,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_is_the_cartesian_product_first_key_slowest() {
        let grid = Grid {
            keys: vec!["a".into(), "b".into()],
            values: vec![
                vec!["1".into(), "2".into()],
                vec!["x".into(), "y".into(), "z".into()],
            ],
            cases: None,
        };
        assert_eq!(grid.points(), 6);
        assert_eq!(grid.indices(0), vec![0, 0]);
        assert_eq!(grid.indices(2), vec![0, 2]);
        assert_eq!(grid.indices(3), vec![1, 0]);
        assert_eq!(grid.indices(5), vec![1, 2]);
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
