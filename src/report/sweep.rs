use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::{Error, InputError};
use crate::sweep::{Shard, SweepMeta, SweepTable};

/// sweep.csv from its header and rows; shards and their merge go through this one writer, so a
/// merged file is byte for byte the unsharded one.
pub fn sweep_csv(table: &SweepTable) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(&table.header)
        .expect("writing CSV to memory cannot fail");
    for row in &table.rows {
        w.write_record(row)
            .expect("writing CSV to memory cannot fail");
    }
    w.into_inner().expect("flushing to memory cannot fail")
}

/// One point of sweep.json's results, in typed values.
#[derive(Serialize)]
struct PointJson {
    point: usize,
    /// Each swept key's value at this point, as its type (numbers as numbers).
    values: serde_json::Map<String, serde_json::Value>,
    runs: Option<u64>,
    /// Every figure of sweep.csv: mean and 95% CI (null where the point has none).
    figures: serde_json::Map<String, serde_json::Value>,
    durability_nines: Option<f64>,
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
    results: Vec<PointJson>,
}

/// A grid value (TOML text) in its type: 7 → 7, "geo" or geo → "geo".
fn typed(text: &str) -> serde_json::Value {
    toml::from_str::<toml::Table>(&format!("v = {text}"))
        .ok()
        .and_then(|mut t| t.remove("v"))
        .map_or_else(
            || serde_json::Value::String(text.to_string()),
            |v| crate::scenario::to_json(&v),
        )
}

/// sweep.json: the record (grid, shard, provenance) and every point's results, typed. Built
/// from sweep.csv's cells (which hold every number exactly), so that a merge, reading them back,
/// writes the very bytes the unsharded sweep wrote.
pub fn sweep_json(meta: &SweepMeta, table: &SweepTable) -> Vec<u8> {
    let num = |cell: &str| cell.parse::<f64>().ok().filter(|v| v.is_finite());
    let column = |name: &str| table.header.iter().position(|h| h == name);
    let results = table
        .rows
        .iter()
        .map(|row| {
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
            let figures = crate::sweep::sweep_figures()
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
            }
        })
        .collect();
    let mut out =
        serde_json::to_vec_pretty(&SweepJson { meta, results }).expect("sweep serializes");
    out.push(b'\n');
    out
}

fn bad(dir: &Path, message: impl Into<String>) -> Error {
    InputError::argument(&format!("merge {}", dir.display()), message).into()
}

/// Join shard folders into the whole sweep: the same grid, every point exactly once.
pub fn merge(dirs: &[PathBuf]) -> Result<(SweepMeta, SweepTable), Error> {
    let mut merged: Option<(SweepMeta, Vec<String>)> = None;
    let mut rows: Vec<(usize, Vec<String>)> = Vec::new();
    for dir in dirs {
        let meta_text = std::fs::read_to_string(dir.join("sweep.json")).map_err(|e| {
            bad(
                dir,
                format!("no readable sweep.json ({e}): is this a sweep output folder?"),
            )
        })?;
        let meta: SweepMeta = serde_json::from_str(&meta_text).map_err(|e| {
            bad(
                dir,
                format!("sweep.json is not a backsim sweep record: {e}"),
            )
        })?;
        let mut reader = csv::Reader::from_path(dir.join("sweep.csv"))
            .map_err(|e| bad(dir, format!("no readable sweep.csv: {e}")))?;
        let header: Vec<String> = reader
            .headers()
            .map_err(|e| bad(dir, format!("sweep.csv: {e}")))?
            .iter()
            .map(str::to_string)
            .collect();
        match &merged {
            None => merged = Some((meta.clone(), header)),
            Some((first, first_header)) => {
                let same = first.scenario == meta.scenario
                    && first.provenance.scenario_sha256 == meta.provenance.scenario_sha256
                    && first.provenance.overrides == meta.provenance.overrides
                    && first.seed == meta.seed
                    && first.runs == meta.runs
                    && first.grid == meta.grid
                    && first.points == meta.points;
                if !same || *first_header != header {
                    return Err(bad(
                        dir,
                        "belongs to a different sweep (scenario text, overrides, seed, runs or grid differ from the first folder)",
                    ));
                }
            }
        }
        for record in reader.records() {
            let record = record.map_err(|e| bad(dir, format!("sweep.csv: {e}")))?;
            let row: Vec<String> = record.iter().map(str::to_string).collect();
            let point: usize = row
                .first()
                .and_then(|p| p.parse().ok())
                .ok_or_else(|| bad(dir, "sweep.csv has a row without a point number"))?;
            if !meta.rows.contains(&point) {
                return Err(bad(
                    dir,
                    format!("sweep.csv has point {point}, which sweep.json does not list"),
                ));
            }
            rows.push((point, row));
        }
    }
    let (meta, header) = merged
        .ok_or_else(|| Error::from(InputError::argument("merge", "name at least one folder")))?;
    rows.sort_by_key(|(p, _)| *p);
    for pair in rows.windows(2) {
        if pair[0].0 == pair[1].0 {
            return Err(InputError::argument(
                "merge",
                format!("point {} appears in two folders", pair[0].0),
            )
            .into());
        }
    }
    let present: Vec<usize> = rows.iter().map(|(p, _)| *p).collect();
    let missing: Vec<usize> = (0..meta.points)
        .filter(|p| present.binary_search(p).is_err())
        .collect();
    if !missing.is_empty() {
        return Err(InputError::argument(
            "merge",
            format!(
                "points {:?} are missing: merge every shard of the sweep ({} points)",
                missing, meta.points
            ),
        )
        .into());
    }
    let whole = SweepMeta {
        shard: Shard::WHOLE,
        rows: present,
        ..meta
    };
    Ok((
        whole,
        SweepTable {
            header,
            rows: rows.into_iter().map(|(_, r)| r).collect(),
        },
    ))
}
