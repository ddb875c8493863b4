use std::path::{Path, PathBuf};

use super::csv_out::csv_bytes;
use crate::error::{Error, InputError};
use crate::sweep::{Shard, SweepMeta, SweepTable};

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

pub fn sweep_json(meta: &SweepMeta) -> Vec<u8> {
    let mut out = serde_json::to_vec_pretty(meta).expect("meta serializes");
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
                    && first.seed == meta.seed
                    && first.runs == meta.runs
                    && first.grid == meta.grid
                    && first.points == meta.points;
                if !same || *first_header != header {
                    return Err(bad(
                        dir,
                        "belongs to a different sweep (scenario, seed, runs or grid differ from the first folder)",
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
