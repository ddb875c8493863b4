//! Merging sweep shards into the whole sweep: each shard folder read as untrusted input and
//! checked against itself and the others, then the rows joined and written as the unsharded
//! sweep writes them; and the agreement checks fleet shards share (versions, overrides).

use std::path::{Path, PathBuf};

use super::csv_out::spreadsheet_safe;
use super::plain_file::read_untrusted;
use super::sweep::point_json;
use crate::error::{Error, InputError};
use crate::sweep::{sweep_header, Shard, SweepMeta, SweepTable, STEADY_STATE};

fn bad(dir: &Path, message: impl Into<String>) -> Error {
    InputError::argument(&format!("merge {}", dir.display()), message).into()
}

/// The largest sweep.json merge reads: the record with every point's results, for the largest
/// grid, takes a few hundred megabytes.
pub const MAX_SWEEP_JSON_BYTES: u64 = 512 << 20;
/// The largest sweep.csv merge reads: the largest grid's rows take about a hundred megabytes.
pub const MAX_SWEEP_CSV_BYTES: u64 = 512 << 20;

/// Why the sizes above, for the refusal of a larger file.
const SWEEP_WRITES: &str = "no sweep writes more, even of the most points";

/// A row of sweep.csv with its point.
type PointRow = (usize, Vec<String>);

/// One shard folder, read as untrusted input: its record checked on its own, its table checked
/// against the record cell by cell (the point, the swept values, the replications, numbers in
/// every figure column). Returns the record and the rows, each with its point, the swept values
/// as the grid holds them (not as the CSV protects them).
fn read_shard(dir: &Path) -> Result<(SweepMeta, Vec<PointRow>), Error> {
    if !dir.join("sweep.json").exists() {
        let what = if !dir.is_dir() {
            "is not a folder"
        } else if dir.join("summary.json").exists() {
            "is the folder of a `run`, which has nothing to merge"
        } else {
            "holds no sweep.json"
        };
        return Err(bad(
            dir,
            format!(
                "{what}: merge takes the output folders of `sweep` or `fleet` shards (--shard I/N)"
            ),
        ));
    }
    let meta_bytes = read_untrusted(&dir.join("sweep.json"), MAX_SWEEP_JSON_BYTES, SWEEP_WRITES)
        .map_err(|e| {
            bad(
                dir,
                format!("sweep.json {e} (is this a sweep output folder?)"),
            )
        })?;
    let meta: SweepMeta = serde_json::from_slice(&meta_bytes).map_err(|e| {
        bad(
            dir,
            format!("sweep.json is not a backsim sweep record: {e}"),
        )
    })?;
    meta.check().map_err(|e| {
        bad(
            dir,
            format!("sweep.json is not a backsim sweep record: {e}"),
        )
    })?;
    let table_bytes = read_untrusted(&dir.join("sweep.csv"), MAX_SWEEP_CSV_BYTES, SWEEP_WRITES)
        .map_err(|e| bad(dir, format!("sweep.csv {e}")))?;
    let mut reader = csv::Reader::from_reader(&table_bytes[..]);
    let expected = sweep_header(&meta.grid, meta.long_term);
    let header = reader
        .headers()
        .map_err(|e| bad(dir, format!("sweep.csv: {e}")))?;
    if !header
        .iter()
        .eq(expected.iter().map(|h| spreadsheet_safe(h)))
    {
        return Err(bad(
            dir,
            "sweep.csv's header does not match the grid in sweep.json",
        ));
    }
    let keys = meta.grid.keys.len();
    let mut rows = Vec::with_capacity(meta.rows.len());
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| bad(dir, format!("sweep.csv: {e}")))?;
        let line = i + 2;
        let Some(&point) = meta.rows.get(i) else {
            return Err(bad(
                dir,
                format!(
                    "sweep.csv has more rows than the {} sweep.json lists",
                    meta.rows.len()
                ),
            ));
        };
        let wrong = |what: &str| {
            bad(
                dir,
                format!("sweep.csv line {line} (point {point}): {what}"),
            )
        };
        if record.get(0) != Some(point.to_string().as_str()) {
            return Err(wrong("the point number is not the one sweep.json lists"));
        }
        let mut row: Vec<String> = Vec::with_capacity(record.len());
        row.push(point.to_string());
        for (k, v) in meta.grid.indices(point).into_iter().enumerate() {
            let value = meta.grid.values[k][v].trim_matches('"');
            if record.get(1 + k) != Some(&*spreadsheet_safe(value)) {
                return Err(wrong(&format!(
                    "the value of {} is not the grid's",
                    meta.grid.keys[k]
                )));
            }
            row.push(value.to_string());
        }
        if record.get(1 + keys) != Some(meta.runs.to_string().as_str()) {
            return Err(wrong("the replications are not sweep.json's runs"));
        }
        let numbers = expected.len() - 1 - (1 + keys);
        for cell in record.iter().skip(1 + keys).take(numbers) {
            if !(cell.is_empty() || cell.parse::<f64>().is_ok_and(f64::is_finite)) {
                return Err(wrong(&format!("{cell:?} is not a number")));
            }
            row.push(cell.to_string());
        }
        match record.get(expected.len() - 1) {
            Some(steady @ ("true" | "false")) => row.push(steady.to_string()),
            other => {
                return Err(wrong(&format!(
                    "{STEADY_STATE} is {:?}, not true or false",
                    other.unwrap_or("")
                )))
            }
        }
        // Each figure's mean lies within its own CI: the two bounds there or neither (a
        // figure of one run, or of a point that lacks it, has no CI), a mean with any bound,
        // and the mean between them. An edited mean, or a blanked one, would merge into a row
        // that contradicts itself.
        for (column, name) in expected.iter().enumerate() {
            let Some(figure) = name.strip_suffix("_mean") else {
                continue;
            };
            if expected.get(column + 1).map(String::as_str) != Some(&format!("{figure}_ci95_lo")) {
                continue;
            }
            let at = |c: usize| record.get(c).unwrap_or("");
            let number = |c: &str| c.parse::<f64>().ok();
            let (mean, lo, hi) = (at(column), at(column + 1), at(column + 2));
            // Every figure counts or measures something: no run gives a negative one, so no
            // mean of runs is (a CI's lower bound may be, around a skewed mean near zero).
            if number(mean).is_some_and(|m| m < 0.0) {
                return Err(wrong(&format!(
                    "{figure}: the mean {mean} is negative, which no run gives"
                )));
            }
            let consistent = match (number(mean), number(lo), number(hi)) {
                (_, None, None) => lo.is_empty() && hi.is_empty(),
                (Some(m), Some(l), Some(h)) => l <= m && m <= h,
                _ => false,
            };
            if !consistent {
                return Err(wrong(&format!(
                    "{figure}: the mean {mean:?} is not within its 95% CI [{lo:?}, {hi:?}]"
                )));
            }
        }
        rows.push((point, row));
    }
    if rows.len() != meta.rows.len() {
        return Err(bad(
            dir,
            format!(
                "sweep.csv has {} rows but sweep.json lists {}",
                rows.len(),
                meta.rows.len()
            ),
        ));
    }
    check_results(&meta_bytes, &meta, &rows).map_err(|e| bad(dir, e))?;
    Ok((meta, rows))
}

/// sweep.json's results against sweep.csv's rows, as the sweep wrote both: the merge is made
/// from sweep.csv, and a mean edited there (a spreadsheet's round trip, say) within its CI
/// merged without a word. One point is held at a time: the results of the largest grid run to
/// gigabytes as JSON values.
fn check_results(json: &[u8], meta: &SweepMeta, rows: &[PointRow]) -> Result<(), String> {
    use serde::de::{DeserializeSeed, Error as _, IgnoredAny, MapAccess, SeqAccess, Visitor};
    use std::cell::RefCell;

    struct Check<'a> {
        meta: &'a SweepMeta,
        table: SweepTable,
        rows: &'a [PointRow],
        /// The disagreement found, in our words (serde's error would add its own position).
        problem: RefCell<Option<String>>,
    }
    struct Record<'c, 'a>(&'c Check<'a>);
    struct Results<'c, 'a>(&'c Check<'a>);

    impl<'de> DeserializeSeed<'de> for Record<'_, '_> {
        type Value = bool;
        fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
            d.deserialize_map(self)
        }
    }
    impl<'de> Visitor<'de> for Record<'_, '_> {
        type Value = bool;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a sweep record")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
            let mut seen = false;
            while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                if key == "results" {
                    map.next_value_seed(Results(self.0))?;
                    seen = true;
                } else {
                    map.next_value::<IgnoredAny>()?;
                }
            }
            Ok(seen)
        }
    }
    impl<'de> DeserializeSeed<'de> for Results<'_, '_> {
        type Value = ();
        fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
            d.deserialize_seq(self)
        }
    }
    impl<'de> Visitor<'de> for Results<'_, '_> {
        type Value = ();
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a list of results")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
            let c = self.0;
            let fail = |problem: String| {
                *c.problem.borrow_mut() = Some(problem);
                A::Error::custom("")
            };
            let mut i = 0;
            while let Some(got) = seq.next_element::<serde_json::Value>()? {
                let Some((point, row)) = c.rows.get(i) else {
                    return Err(fail(format!(
                        "sweep.json lists more results than the {} rows of sweep.csv",
                        c.rows.len()
                    )));
                };
                let written =
                    serde_json::to_value(point_json(c.meta, &c.table, row)).expect("plain values");
                if let Some((at, csv, json)) = first_difference(String::new(), &written, &got) {
                    return Err(fail(format!(
                        "sweep.csv line {} (point {point}) disagrees with sweep.json's results: {at} is {csv} in sweep.csv, {json} in sweep.json; the sweep writes both from the same numbers, so one was edited: merge the shard's files as the sweep wrote them, or run the shard again",
                        i + 2
                    )));
                }
                i += 1;
            }
            if i != c.rows.len() {
                return Err(fail(format!(
                    "sweep.json lists {i} results, sweep.csv {} rows",
                    c.rows.len()
                )));
            }
            Ok(())
        }
    }

    let check = Check {
        meta,
        table: SweepTable {
            header: sweep_header(&meta.grid, meta.long_term),
            rows: Vec::new(),
        },
        rows,
        problem: RefCell::new(None),
    };
    let mut de = serde_json::Deserializer::from_slice(json);
    match Record(&check).deserialize(&mut de) {
        Ok(true) => Ok(()),
        Ok(false) => Err("sweep.json has no results to check sweep.csv against".into()),
        Err(e) => Err(check
            .problem
            .into_inner()
            .unwrap_or_else(|| format!("sweep.json's results cannot be read: {e}"))),
    }
}

/// Where two JSON values first differ, as a dotted path (`figures.storage_mean_gb_mean.mean`),
/// with both values; None when equal.
fn first_difference(
    at: String,
    a: &serde_json::Value,
    b: &serde_json::Value,
) -> Option<(String, String, String)> {
    use serde_json::Value::Object;
    let path = |key: &str| {
        if at.is_empty() {
            key.to_string()
        } else {
            format!("{at}.{key}")
        }
    };
    match (a, b) {
        (Object(x), Object(y)) => x
            .iter()
            .find_map(|(k, v)| match y.get(k) {
                Some(w) => first_difference(path(k), v, w),
                None => Some((path(k), v.to_string(), "missing".into())),
            })
            .or_else(|| {
                y.iter()
                    .find(|(k, _)| !x.contains_key(*k))
                    .map(|(k, w)| (path(k), "missing".into(), w.to_string()))
            }),
        _ => (a != b).then(|| (at.clone(), a.to_string(), b.to_string())),
    }
}

/// A few of `points`, for a message: the first ten and how many more.
fn some_of(points: &[usize]) -> String {
    let shown: Vec<String> = points.iter().take(10).map(usize::to_string).collect();
    match points.len() {
        n if n > 10 => format!("{} and {} more", shown.join(", "), n - 10),
        _ => shown.join(", "),
    }
}

/// Join shard folders into the whole sweep: the same grid, every point exactly once. Every file
/// is untrusted (it may come from another machine, edited or damaged): each is read only if it
/// is a regular file of bounded size, and checked in full before anything is written.
pub fn merge(dirs: &[PathBuf]) -> Result<Merged, Error> {
    let mut first: Option<SweepMeta> = None;
    let mut commands = Vec::with_capacity(dirs.len());
    let mut rows: Vec<PointRow> = Vec::new();
    // Which folder gave each point, to name both when two give one.
    let mut owner: std::collections::HashMap<usize, &PathBuf> = std::collections::HashMap::new();
    for dir in dirs {
        let (meta, shard_rows) = read_shard(dir)?;
        commands.push(meta.provenance.command_line.clone());
        let ran = &meta.provenance.backsim_version;
        if ran != env!("CARGO_PKG_VERSION") {
            return Err(bad(dir, another_version(ran)));
        }
        match &first {
            None => first = Some(meta),
            Some(first) => {
                let (p, q) = (&first.provenance, &meta.provenance);
                // What differs, named.
                let differing = differences(&[
                    ("the scenario name", first.scenario == meta.scenario),
                    (
                        "the scenario file's text",
                        p.scenario_sha256 == q.scenario_sha256,
                    ),
                    ("the resolved scenario", p.scenario == q.scenario),
                    // Compared for what decides the results, not for how the command was
                    // typed (its order, `--runs=7` or `--runs 7`, the scenario's path, flags
                    // that change no number): a shard run again by hand is typed anew. The
                    // charts' own options are the command line's business (cli::sweep).
                    (
                        "the --set overrides",
                        same_overrides(&p.overrides, &q.overrides),
                    ),
                    (
                        "the backsim version",
                        p.backsim_version == q.backsim_version,
                    ),
                    ("the seed", first.seed == meta.seed),
                    ("the number of runs", first.runs == meta.runs),
                    ("the currency", first.currency == meta.currency),
                    (
                        "the grid",
                        first.grid == meta.grid && first.points == meta.points,
                    ),
                    ("the shard count", first.shard.count == meta.shard.count),
                    (
                        "the day measured from",
                        first.measured_from_days == meta.measured_from_days,
                    ),
                    ("the long-term columns", first.long_term == meta.long_term),
                ]);
                if let Some(differing) = differing {
                    return Err(bad(
                        dir,
                        format!(
                            "belongs to a different sweep: {differing} from the first folder's ({})",
                            dirs[0].display()
                        ),
                    ));
                }
            }
        }
        for (point, _) in &shard_rows {
            if let Some(earlier) = owner.insert(*point, dir) {
                return Err(InputError::argument(
                    "merge",
                    format!(
                        "point {point} is in both {} and {}: name each shard once",
                        earlier.display(),
                        dir.display()
                    ),
                )
                .into());
            }
        }
        rows.extend(shard_rows);
    }
    let meta = first
        .ok_or_else(|| Error::from(InputError::argument("merge", "name at least one folder")))?;
    rows.sort_by_key(|(p, _)| *p);
    let present: Vec<usize> = rows.iter().map(|(p, _)| *p).collect();
    let missing: Vec<usize> = (0..meta.points)
        .filter(|p| present.binary_search(p).is_err())
        .collect();
    if !missing.is_empty() {
        return Err(InputError::argument(
            "merge",
            format!(
                "{} {} {} missing: merge every shard of the sweep ({} points)",
                if missing.len() == 1 {
                    "point"
                } else {
                    "points"
                },
                some_of(&missing),
                if missing.len() == 1 { "is" } else { "are" },
                meta.points
            ),
        )
        .into());
    }
    let whole = SweepMeta {
        shard: Shard::WHOLE,
        rows: present,
        ..meta
    };
    let table = SweepTable {
        header: sweep_header(&whole.grid, whole.long_term),
        rows: rows.into_iter().map(|(_, r)| r).collect(),
    };
    Ok(Merged {
        meta: whole,
        table,
        commands,
    })
}

/// A merged sweep: its record, its table, and each shard's command line (in the order the
/// folders were given), from which the caller reads the charts they asked for.
pub struct Merged {
    pub meta: SweepMeta,
    pub table: SweepTable,
    pub commands: Vec<String>,
}

/// Whether two shards' `--set` overrides set the same: the same `KEY=VALUE`s (blanks around
/// the `=` aside), in the same order where order can matter, that is among keys of one
/// top-level table (`backup={…}` then `backup.retention_days=7` is not the other way round).
pub fn same_overrides(a: &[String], b: &[String]) -> bool {
    fn normal(overrides: &[String]) -> Vec<(String, String)> {
        let mut sets: Vec<(String, String)> = overrides
            .iter()
            .map(|o| match crate::scenario::Override::parse(o) {
                Ok(o) => (o.key, o.value),
                Err(_) => (o.clone(), String::new()),
            })
            .collect();
        // Stable: the order within one table stays as given.
        sets.sort_by(|(x, _), (y, _)| table_of(x).cmp(table_of(y)));
        sets
    }
    fn table_of(key: &str) -> &str {
        key.split('.')
            .next()
            .unwrap_or(key)
            .trim()
            .trim_matches(['"', '\''])
    }
    normal(a) == normal(b)
}

/// Why shards that another backsim wrote are not merged: the merged record would name their
/// version for charts and summaries this one computed.
pub fn another_version(ran: &str) -> String {
    format!(
        "was written by backsim {ran}, and this is backsim {}: merge computes the summaries and charts the merged folder records as {ran}'s, so merge with backsim {ran} (or run the shards again with this one)",
        env!("CARGO_PKG_VERSION")
    )
}

/// What differs between two shards' records, for merge to name: the labels of the checks that
/// fail, as "the seed, the runs differ"; None when all agree.
pub fn differences(checks: &[(&str, bool)]) -> Option<String> {
    let differing: Vec<&str> = checks
        .iter()
        .filter(|(_, same)| !same)
        .map(|(what, _)| *what)
        .collect();
    match differing.len() {
        0 => None,
        1 => Some(format!("{} differs", differing[0])),
        _ => Some(format!("{} differ", differing.join(", "))),
    }
}
