//! A sweep's points: a grid of keys and values (the `[sweep]` table, `--vary`), or listed
//! cases (`--cases`), and the scenario text of each point.

use super::*;
use crate::scenario::spans::{field_starts, header_line, RecordLines};

/// The most points a sweep may have: each point is a whole set of replications, and its row is
/// held until sweep.csv is written.
pub const MAX_SWEEP_POINTS: usize = 100_000;

/// The most keys swept at once (a grid of more keys with two values each would pass the point
/// limit anyway), and the most columns a list of cases may name.
pub const MAX_SWEEP_KEYS: usize = 64;

/// The grid: dotted keys and, for each, its values as TOML text. Points run over the cartesian
/// product, the first key changing slowest — or, for a list of cases, over its rows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grid {
    #[serde(deserialize_with = "read_back::keys")]
    pub keys: Vec<String>,
    #[serde(deserialize_with = "read_back::values")]
    pub values: Vec<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cases: Option<Cases>,
    /// The keys given by --vary (the others come from the scenario's [sweep] table or a cases
    /// file), for an error to name where a bad value was given.
    #[serde(skip)]
    pub varied: Vec<String>,
}

/// Listed points instead of a product (`--cases`): each row's value of each key, as an index
/// into that key's values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cases {
    pub file: String,
    #[serde(deserialize_with = "read_back::case_rows")]
    pub rows: Vec<Vec<usize>>,
    /// The line of each row in the file (blank lines are skipped), for errors; not recorded.
    #[serde(skip)]
    pub lines: Vec<usize>,
    /// Where each cell of each row starts: lines after the row's own, and the column there in
    /// characters (as an inventory's errors place a cell), for errors; not recorded.
    #[serde(skip)]
    pub cells: Vec<Vec<(usize, usize)>>,
}

impl Cases {
    /// (line, column) of row `row`'s cell in column `column` (both from 0).
    pub fn position(&self, row: usize, column: usize) -> Option<(usize, usize)> {
        let line = *self.lines.get(row)?;
        let (below, at) = self.cells.get(row)?.get(column).copied().unwrap_or((0, 1));
        Some((line + below, at))
    }
}

/// (line, column) of each header cell of a CSV `text`, the header being its first line that is
/// not blank: `field_starts` from the top skips the blank lines as `header_line` counts them.
fn header_cells(text: &str) -> Vec<(usize, usize)> {
    let line = header_line(text);
    field_starts(text, 0)
        .into_iter()
        .map(|(below, column)| (line + below, column))
        .collect()
}

/// The most cases one sweep may list: as many as a grid's points.
pub const MAX_CASES: usize = MAX_SWEEP_POINTS;

/// A grid read back from a shard (by merge), each list refused past the sweep's limits before
/// it is built: 40 million values of one key (160 MB of sweep.json) took 2.4 GB and 17 s to be
/// refused for making too many points.
pub(super) mod read_back {
    use super::{MAX_CASES, MAX_SWEEP_KEYS, MAX_SWEEP_POINTS};
    use crate::bounded::{list, List};
    use serde::de::{Deserialize, Deserializer, SeqAccess, Visitor};

    const KEYS: &str = "a sweep varies no more keys at once";
    const POINTS: &str =
        "a sweep has no more points, and each value of a key or listed case makes one";

    pub fn keys<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
        list(d, "grid.keys", MAX_SWEEP_KEYS, KEYS)
    }
    pub fn values<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Vec<String>>, D::Error> {
        d.deserialize_seq(Nested::<String> {
            outer: List::new("grid.values", MAX_SWEEP_KEYS, KEYS),
            inner: (MAX_SWEEP_POINTS, POINTS),
        })
    }
    pub fn case_rows<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Vec<usize>>, D::Error> {
        d.deserialize_seq(Nested::<usize> {
            outer: List::new("grid.cases.rows", MAX_CASES, POINTS),
            inner: (MAX_SWEEP_KEYS, KEYS),
        })
    }
    /// The points a shard lists: at most the grid's.
    pub fn points<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<usize>, D::Error> {
        list(d, "rows", MAX_SWEEP_POINTS, POINTS)
    }

    /// A list of lists: of a key's values (at most a value per point, for at most
    /// `MAX_SWEEP_KEYS` keys), or of a case's value indices (one per key, for at most
    /// `MAX_CASES` cases).
    struct Nested<T> {
        outer: List<'static, Vec<T>>,
        inner: (usize, &'static str),
    }

    impl<'de, T: Deserialize<'de>> Visitor<'de> for Nested<T> {
        type Value = Vec<Vec<T>>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            write!(f, "a list of lists for `{}`", self.outer.key)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let (most, why) = self.inner;
            let mut out = Vec::new();
            while let Some(entries) =
                seq.next_element_seed(List::<T>::new(self.outer.key, most, why))?
            {
                if out.len() == self.outer.most {
                    return Err(self.outer.too_long());
                }
                out.push(entries);
            }
            Ok(out)
        }
    }
}

impl Grid {
    /// The `[sweep]` table, then `--vary KEY=V1,V2,...` (which replaces a key the table has).
    pub fn new(scenario: &Scenario, vary: &[String]) -> Result<Self, InputError> {
        let mut grid = Grid {
            keys: Vec::new(),
            values: Vec::new(),
            cases: None,
            varied: Vec::new(),
        };
        for (key, values) in &scenario.sweep {
            grid.set(key, values.iter().map(|v| v.to_string()).collect());
        }
        let mut varied: Vec<&str> = Vec::new();
        for arg in vary {
            let (key, list) = arg.split_once('=').ok_or_else(|| {
                InputError::argument(
                    "--vary",
                    format!(
                        "expected KEY=V1,V2,..., e.g. backup.retention_days=7,14,35, got \"{arg}\""
                    ),
                )
            })?;
            // A list or inline-table value keeps its own commas.
            let values: Vec<String> = scenario::split_top_level(list)
                .into_iter()
                .map(|v| v.trim().to_string())
                .collect();
            // An empty value (7,,14 or a trailing comma) is a slip, never a point to skip.
            if key.trim().is_empty() || values.iter().any(String::is_empty) {
                return Err(InputError::argument(
                    "--vary",
                    format!("expected KEY=V1,V2,... with a value between every two commas, got \"{arg}\""),
                ));
            }
            // A later --vary of the same key would silently drop the earlier one's values.
            if varied.contains(&key.trim()) {
                return Err(InputError::argument(
                    "--vary",
                    format!(
                        "{} is varied twice: give all its values in one --vary {}=V1,V2,...",
                        key.trim(),
                        key.trim()
                    ),
                ));
            }
            varied.push(key.trim());
            grid.set(key.trim(), values);
        }
        grid.varied = varied.into_iter().map(String::from).collect();
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
        // Every point runs the same replications on the same streams (common random numbers),
        // set by --runs and --seed: a point of its own runs or seed would break both the
        // pairing and the sweep's own record of them.
        if let Some(problem) = self
            .keys
            .iter()
            .find_map(|k| scenario::sweep_table_swept(k))
        {
            return Err(problem);
        }
        if let Some(key) = self.keys.iter().find(|k| *k == "runs" || *k == "seed") {
            let each = if key == "runs" {
                "number of runs"
            } else {
                "seed"
            };
            return Err(format!(
                "{key} cannot be swept: every point runs the sweep's --runs replications on its --seed, so that points differ only by the swept keys; run the sweep once for each {each} instead"
            ));
        }
        // Every point's bill goes in the same table and charts, under the one currency that
        // sweep.json records: a point in another was shown as USD (compare refuses it too).
        // Also as a table over [cost] (`--vary 'cost={currency="EUR"},…'`), which merges in.
        let names_currency = |value: &String| {
            toml::from_str::<toml::Table>(&format!("v = {value}"))
                .ok()
                .and_then(|t| t.get("v").and_then(|v| v.as_table()).cloned())
                .is_some_and(|t| t.contains_key("currency"))
        };
        if self.keys.iter().zip(&self.values).any(|(k, values)| {
            k == "cost.currency" || (k == "cost" && values.iter().any(names_currency))
        }) {
            return Err(
                "cost.currency cannot be swept: a sweep's table and charts show every point's cost in one currency; run the sweep once per currency instead (--set cost.currency=… sets it for every point)"
                    .to_string(),
            );
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
            // A table swept beside a key in it: the points' labels would not say what ran.
            if let Some(outer) = crate::scenario::keys::holding(&self.keys[..i], key) {
                return Err(format!(
                    "the keys {outer} and {key} are swept together, but one holds the other: sweep the keys inside the table one by one"
                ));
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
        let text = scenario::read_input(path, "cases file")?;
        // The csv reader takes a quote left open as a value running to the end of the file.
        if let Some((line, column)) = crate::safe_csv::unclosed_quote(&text) {
            return Err(fail(
                format!("line {line}"),
                "this quote is never closed: the value would run to the end of the file".into(),
                Some((line, column)),
            ));
        }
        // A scenario given where its cases go: the csv reader's complaint about field counts
        // would not say so.
        if let Some((i, _)) = text
            .lines()
            .enumerate()
            .find(|(_, l)| {
                let l = l.trim();
                !l.is_empty() && !l.starts_with('#')
            })
            .filter(|(_, l)| {
                let l = l.trim();
                l.starts_with('[') || (l.contains('=') && !l.contains(','))
            })
        {
            return Err(fail(
                "header".into(),
                "this looks like a scenario (TOML), not a cases CSV: the scenario comes first (`backsim sweep SCENARIO --cases CASES.csv`), and a cases file's header names scenario keys, e.g. server.vcores,server.db_size_gb".into(),
                Some((i + 1, 1)),
            ));
        }
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_reader(text.as_bytes());
        let keys: Vec<String> = reader
            .headers()
            .map_err(|e| {
                fail(
                    "header".into(),
                    format!("cannot read: {e}"),
                    Some((header_line(&text), 1)),
                )
            })?
            .iter()
            .map(str::to_string)
            .collect();
        // Checked before any work per column: the checks below compare each column with the
        // ones before it, and 100,000 columns took minutes.
        if keys.len() > MAX_SWEEP_KEYS {
            return Err(fail(
                "header".into(),
                format!(
                    "names {} columns; a list of cases may name at most {MAX_SWEEP_KEYS} keys",
                    keys.len()
                ),
                Some((header_line(&text), 1)),
            ));
        }
        if keys.is_empty() || keys.iter().any(String::is_empty) {
            return Err(fail(
                "header".into(),
                "expected a header of dotted scenario keys, e.g. backup.retention_days,backup.redundancy".into(),
                Some((header_line(&text), 1)),
            ));
        }
        // Two columns for one key would leave one of them unused while the row shows both.
        if let Some((k, key)) = keys
            .iter()
            .enumerate()
            .find(|(k, key)| keys[..*k].contains(key))
        {
            let first = keys.iter().position(|other| other == key).unwrap_or(0);
            return Err(fail(
                format!("header, column {key}"),
                format!(
                    "names the same key as column {}: give each key one column",
                    first + 1
                ),
                header_cells(&text).get(k).copied(),
            ));
        }
        // A table's column beside a column of a key inside it: the row would show both while
        // the later one decides, as a [sweep] table's keys would.
        if let Some((k, key, outer)) = keys.iter().enumerate().find_map(|(k, key)| {
            crate::scenario::keys::holding(&keys[..k], key).map(|outer| (k, key, outer))
        }) {
            return Err(fail(
                format!("header, column {key}"),
                format!(
                    "and the column {outer} hold the same setting (one is a table holding the other): give each setting one column, the table's keys one by one"
                ),
                header_cells(&text).get(k).copied(),
            ));
        }
        let mut values: Vec<Vec<String>> = vec![Vec::new(); keys.len()];
        // Each column's values by text: looking each cell up in the list made 100,000 distinct
        // values take half a minute.
        let mut index_of: Vec<std::collections::HashMap<String, usize>> =
            vec![std::collections::HashMap::new(); keys.len()];
        let mut rows = Vec::new();
        let mut row_lines = RecordLines::new(&text);
        let mut lines = Vec::new();
        let mut cells = Vec::new();
        for (i, record) in reader.records().enumerate() {
            let row = i + 1;
            let record = record.map_err(|e| {
                let line = e.position().map_or(row + 1, |p| row_lines.line(p.byte()));
                fail(
                    format!("row {row}"),
                    format!("cannot read: {e}"),
                    Some((line, 1)),
                )
            })?;
            // Blank lines are skipped: a row's line is not its number + 1.
            let line = record
                .position()
                .map_or(row + 1, |p| row_lines.line(p.byte()));
            if rows.len() == MAX_CASES {
                return Err(fail(
                    format!("row {row}"),
                    format!("a sweep holds at most {MAX_CASES} cases"),
                    Some((line, 1)),
                ));
            }
            let starts = record
                .position()
                .map_or_else(Vec::new, |p| field_starts(&text, p.byte()));
            let mut indices = Vec::with_capacity(keys.len());
            for (k, key) in keys.iter().enumerate() {
                let cell = record.get(k).unwrap_or("");
                if cell.is_empty() {
                    let (below, column) = starts.get(k).copied().unwrap_or((0, 1));
                    return Err(fail(
                        format!("row {row}, column {key}"),
                        "is empty: every case gives every column a value".into(),
                        Some((line + below, column)),
                    ));
                }
                let index = match index_of[k].get(cell) {
                    Some(&i) => i,
                    None => {
                        values[k].push(cell.to_string());
                        index_of[k].insert(cell.to_string(), values[k].len() - 1);
                        values[k].len() - 1
                    }
                };
                indices.push(index);
            }
            rows.push(indices);
            lines.push(line);
            cells.push(starts);
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
                lines,
                cells,
            }),
            varied: Vec::new(),
        };
        grid.check()
            .map_err(|e| fail("header".into(), e, Some((header_line(&text), 1))))?;
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

    /// A product grid's keys given a value more than once, each with those values (as first
    /// written, in order), counted as `repeated_cases` counts them: `geo` and `"geo"` are one.
    pub fn repeated_values(&self) -> Vec<(&str, Vec<&str>)> {
        if self.cases.is_some() {
            return Vec::new();
        }
        self.keys
            .iter()
            .zip(&self.values)
            .filter_map(|(key, values)| {
                let mut seen = std::collections::HashMap::new();
                let mut repeated: Vec<&str> = Vec::new();
                for value in values {
                    let (first, count) = seen.entry(value.trim_matches('"')).or_insert((value, 0));
                    *count += 1;
                    if *count == 2 {
                        repeated.push(first);
                    }
                }
                (!repeated.is_empty()).then_some((key.as_str(), repeated))
            })
            .collect()
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
            varied: Vec::new(),
        };
        assert_eq!(grid.points(), 6);
        assert_eq!(grid.indices(0), vec![0, 0]);
        assert_eq!(grid.indices(2), vec![0, 2]);
        assert_eq!(grid.indices(3), vec![1, 0]);
        assert_eq!(grid.indices(5), vec![1, 2]);
    }
}
