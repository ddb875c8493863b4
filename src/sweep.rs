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
        Ok(grid)
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
        Ok(Grid {
            keys,
            values,
            cases: Some(Cases {
                file: path.display().to_string(),
                rows,
            }),
        })
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
        Ok(Shard { index, count })
    }

    pub fn owns(&self, point: usize) -> bool {
        point % self.count == self.index - 1
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
    let owned: Vec<usize> = (0..grid.points()).filter(|&p| shard.owns(p)).collect();
    // Parsed in parallel; the first failing point (in point order) is the one reported, so the
    // message does not depend on the thread count.
    let parsed: Vec<Result<Scenario, InputError>> = owned
        .par_iter()
        .map(|&p| {
            let assignments = grid.assignments(p);
            let mut sets = base_sets.to_vec();
            sets.extend(assignments.iter().cloned());
            scenario::parse_one(&text, &Origin::File(path.to_path_buf()), &sets).map_err(|mut e| {
                let listed = assignments
                    .iter()
                    .map(|a| format!("{}={}", a.key, a.value))
                    .collect::<Vec<_>>()
                    .join(" ");
                if matches!(e.origin, Origin::Argument(_)) {
                    e.origin = Origin::Argument(match &grid.cases {
                        Some(cases) => format!("{} row {} ({listed})", cases.file, p + 1),
                        None => format!("sweep point {p} ({listed})"),
                    });
                }
                e
            })
        })
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

/// sweep.csv as text cells: the header, then one row per point in point order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SweepTable {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// The rows of sweep.csv: header, then one row per point.
pub fn sweep_rows(grid: &Grid, results: &[PointResult]) -> SweepTable {
    let mut header = vec!["point".to_string()];
    header.extend(grid.keys.iter().cloned());
    header.push("runs".into());
    for f in sweep_figures().map(Figure::name) {
        for suffix in ["mean", "ci95_lo", "ci95_hi"] {
            header.push(format!("{f}_{suffix}"));
        }
    }
    header.push("durability_nines".into());
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
            let mut row = vec![r.point.to_string()];
            for (k, v) in grid.indices(r.point).into_iter().enumerate() {
                row.push(grid.values[k][v].trim_matches('"').to_string());
            }
            row.push(r.reps.len().to_string());
            let figures = summarize(&r.reps.metrics);
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
            let layout = r.scenario.config.final_redundancy().layout();
            row.push(format!("{}", nines_of(layout, &r.scenario.durability)));
            row
        })
        .collect();
    SweepTable { header, rows }
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
