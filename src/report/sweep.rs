//! sweep.csv and sweep.json from a sweep's record and table (whole or one shard's).

use serde::Serialize;

use super::csv_out::csv_bytes;
use crate::sweep::{SweepMeta, SweepTable, MAX_FREE_RETENTION};

/// sweep.csv from its header and rows; shards and their merge go through this one writer, so a
/// merged file is byte for byte the unsharded one.
pub fn sweep_csv(table: &SweepTable) -> Vec<u8> {
    csv_bytes(|w| {
        w.write_record(&table.header)?;
        for row in &table.rows {
            w.write_record(row)?;
        }
        Ok(())
    })
}

/// One point of sweep.json's results, in typed values.
#[derive(Serialize)]
pub(super) struct PointJson {
    point: usize,
    /// Each swept key's value at this point, as its type (numbers as numbers).
    values: serde_json::Map<String, serde_json::Value>,
    runs: Option<u64>,
    /// Every figure of sweep.csv: mean and 95% CI (null where the point has none).
    figures: serde_json::Map<String, serde_json::Value>,
    durability_nines: Option<f64>,
    /// The longest retention no run of the point bills; null where none was measured.
    max_free_retention_days: Option<u32>,
    /// False when the horizon ends before the backup set is full: storage and cost then
    /// average days while it was still filling.
    steady_state: bool,
}

#[derive(Serialize)]
struct EstimateJson {
    mean: Option<f64>,
    ci95: Option<[f64; 2]>,
}

#[derive(Serialize)]
struct SweepJson<'a> {
    #[serde(flatten)]
    meta: &'a SweepMeta,
    /// The rows of sweep.csv as typed values, in point order.
    results: Results<'a>,
}

/// The results, each point built as it is written: held all at once, their maps of values
/// took some 10 KB a point (a gigabyte for the largest sweep).
struct Results<'a> {
    meta: &'a SweepMeta,
    table: &'a SweepTable,
}

impl Serialize for Results<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(
            self.table
                .rows
                .iter()
                .map(|row| point_json(self.meta, self.table, row)),
        )
    }
}

/// A grid value (TOML text) in its type: 7 → 7, "geo" or geo → "geo".
fn typed(text: &str) -> serde_json::Value {
    crate::scenario::toml_value_of(text).map_or_else(
        || serde_json::Value::String(text.to_string()),
        |v| crate::scenario::to_json(&v),
    )
}

/// sweep.json: the record (grid, shard, provenance) and every point's results, typed. Built
/// from sweep.csv's cells (which hold every number exactly), so that a merge, reading them back,
/// writes the very bytes the unsharded sweep wrote.
pub fn sweep_json(meta: &SweepMeta, table: &SweepTable) -> Vec<u8> {
    let results = Results { meta, table };
    let mut out =
        serde_json::to_vec_pretty(&SweepJson { meta, results }).expect("sweep serializes");
    out.push(b'\n');
    out
}

/// One row of sweep.csv as sweep.json's typed point.
pub(super) fn point_json(meta: &SweepMeta, table: &SweepTable, row: &[String]) -> PointJson {
    let num = |cell: &str| cell.parse::<f64>().ok().filter(|v| v.is_finite());
    let column = |name: &str| table.header.iter().position(|h| h == name);
    let point: usize = row[0].parse().unwrap_or(0);
    let indices = meta.grid.indices(point);
    let values = meta
        .grid
        .keys
        .iter()
        .zip(&indices)
        .enumerate()
        .map(|(k, (key, &v))| (key.clone(), typed(&meta.grid.values[k][v])))
        .collect();
    let figures = crate::sweep::sweep_figures(meta.long_term)
        .filter_map(|f| {
            let name = f.name();
            let at = |suffix: &str| {
                column(&format!("{name}_{suffix}"))
                    .and_then(|i| row.get(i))
                    .and_then(|c| num(c))
            };
            let (mean, lo, hi) = (at("mean"), at("ci95_lo"), at("ci95_hi"));
            column(&format!("{name}_mean"))?;
            let json = EstimateJson {
                mean,
                ci95: lo.zip(hi).map(|(l, h)| [l, h]),
            };
            Some((
                name.to_string(),
                serde_json::to_value(json).expect("plain values"),
            ))
        })
        .collect();
    PointJson {
        point,
        values,
        runs: column("runs")
            .and_then(|i| row.get(i))
            .and_then(|c| c.parse().ok()),
        figures,
        durability_nines: column("durability_nines")
            .and_then(|i| row.get(i))
            .and_then(|c| num(c)),
        max_free_retention_days: column(MAX_FREE_RETENTION)
            .and_then(|i| row.get(i))
            .and_then(|c| c.parse().ok()),
        steady_state: !table.still_filling(row),
    }
}
