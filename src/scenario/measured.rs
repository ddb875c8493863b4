//! Timed test restores of the real server (`[[restore.measured]]`). The simulation does not use
//! them; `backsim calibrate` fits the restore rates to them, and the fitted rates go into the
//! `[restore]` keys that every run reads.

use super::checks::{number_in, one_of, parse_duration, Checked};
use super::raw::RawMeasured;
use crate::engine::{SimTime, DAY};
use crate::error::InputError;

/// Which restore point the test restore went to (R2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MeasuredTarget {
    Latest,
    Custom,
    /// The newest snapshot itself: no binlog replayed.
    Fastest,
}

impl MeasuredTarget {
    pub fn as_str(self) -> &'static str {
        match self {
            MeasuredTarget::Latest => "latest",
            MeasuredTarget::Custom => "custom",
            MeasuredTarget::Fastest => "fastest",
        }
    }
}

/// How much binlog the test restore replayed on its base snapshot.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Replayed {
    /// A fastest-point restore: none.
    Nothing,
    /// The restore point was this long after the base snapshot: the replay is the binlog written
    /// in that time, at the workload's mean rate.
    After(SimTime),
    Gb(f64),
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MeasuredRestore {
    pub database_gb: f64,
    pub replayed: Replayed,
    pub vcores: u32,
    pub target: MeasuredTarget,
    /// From the request to the restored server accepting connections.
    pub seconds: f64,
}

const KEY: &str = "restore.measured";

/// Every entry, checked; `vcores` defaults to the scenario's server.
pub fn measured(raw: &[RawMeasured], server_vcores: u32) -> Checked<Vec<MeasuredRestore>> {
    raw.iter()
        .enumerate()
        .map(|(i, m)| one(i, m, server_vcores))
        .collect()
}

fn required<T: Copy>(i: usize, field: &str, value: Option<T>, example: &str) -> Checked<T> {
    value.ok_or_else(|| {
        InputError::new(
            format!("{KEY}[{i}].{field}"),
            format!("is required for every measured restore, e.g. {field} = {example}"),
        )
    })
}

fn one(i: usize, m: &RawMeasured, server_vcores: u32) -> Checked<MeasuredRestore> {
    let path = |field: &str| format!("{KEY}[{i}].{field}");
    let database_gb = required(i, "database_gb", m.database_gb, "250.0")?;
    let database_gb = number_in(&path("database_gb"), database_gb, 0.0, 1e6, true)?;
    let minutes = required(i, "minutes", m.minutes, "42.5")?;
    let minutes = number_in(&path("minutes"), minutes, 0.0, 1e6, true)?;
    let target = m.target.as_deref().ok_or_else(|| {
        InputError::new(
            path("target"),
            "is required: \"latest\", \"custom\" or \"fastest\"",
        )
    })?;
    let target = match one_of(&path("target"), target, &["latest", "custom", "fastest"])? {
        "latest" => MeasuredTarget::Latest,
        "custom" => MeasuredTarget::Custom,
        _ => MeasuredTarget::Fastest,
    };
    let vcores = match m.vcores {
        None => server_vcores,
        Some(v) if (1..=128).contains(&v) => v as u32,
        Some(v) => {
            return Err(InputError::new(
                path("vcores"),
                format!("must be a whole number from 1 to 128, got {v}"),
            ))
        }
    };
    Ok(MeasuredRestore {
        database_gb,
        replayed: replayed(i, m, target)?,
        vcores,
        target,
        seconds: minutes * 60.0,
    })
}

fn replayed(i: usize, m: &RawMeasured, target: MeasuredTarget) -> Checked<Replayed> {
    let path = |field: &str| format!("{KEY}[{i}].{field}");
    let after = match &m.after_snapshot {
        None => None,
        Some(toml::Value::String(text)) => {
            let seconds = parse_duration(&path("after_snapshot"), text)?;
            if seconds > 36 * DAY {
                return Err(InputError::new(
                    path("after_snapshot"),
                    format!("must be at most 36 days (backups are kept for retention + 1 days), got \"{text}\""),
                ));
            }
            Some(seconds)
        }
        Some(other) => {
            return Err(InputError::new(
                path("after_snapshot"),
                format!("expected a duration such as \"6h\" or \"90m\", got {other}"),
            ))
        }
    };
    let binlog = m
        .binlog_gb
        .map(|gb| number_in(&path("binlog_gb"), gb, 0.0, 1e6, false))
        .transpose()?;
    match (target, after, binlog) {
        (_, Some(_), Some(_)) => Err(InputError::new(
            path("binlog_gb"),
            "give the restore point either as after_snapshot or as binlog_gb, not both",
        )),
        (MeasuredTarget::Fastest, None, None) => Ok(Replayed::Nothing),
        (MeasuredTarget::Fastest, Some(s), None) if s > 0 => Err(InputError::new(
            path("after_snapshot"),
            "a \"fastest\" restore goes to the snapshot itself and replays nothing; drop after_snapshot or use \"custom\"",
        )),
        (MeasuredTarget::Fastest, _, Some(gb)) if gb > 0.0 => Err(InputError::new(
            path("binlog_gb"),
            "a \"fastest\" restore goes to the snapshot itself and replays nothing; drop binlog_gb or use \"custom\"",
        )),
        (MeasuredTarget::Fastest, _, _) => Ok(Replayed::Nothing),
        (_, Some(seconds), None) => Ok(Replayed::After(seconds)),
        (_, None, Some(gb)) => Ok(Replayed::Gb(gb)),
        (_, None, None) => Err(InputError::new(
            path("after_snapshot"),
            "a \"latest\" or \"custom\" restore needs its restore point: after_snapshot = \"6h\" (the time after its base snapshot) or binlog_gb = 3.5 (the binlog replayed)",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(text: &str) -> Checked<Vec<MeasuredRestore>> {
        #[derive(serde::Deserialize)]
        struct Doc {
            measured: Vec<RawMeasured>,
        }
        let doc: Doc = toml::from_str(text).expect("test TOML parses");
        measured(&doc.measured, 4)
    }

    #[test]
    fn entries_take_a_time_after_the_snapshot_or_the_binlog_replayed() {
        let m = raw("[[measured]]\ndatabase_gb = 100\nafter_snapshot = \"6h\"\ntarget = \"custom\"\nminutes = 30\n\
                     [[measured]]\ndatabase_gb = 200\nbinlog_gb = 3.5\nvcores = 8\ntarget = \"latest\"\nminutes = 45\n\
                     [[measured]]\ndatabase_gb = 50\ntarget = \"fastest\"\nminutes = 9\n")
        .unwrap();
        assert_eq!(m[0].replayed, Replayed::After(6 * 3600));
        assert_eq!((m[0].vcores, m[0].seconds), (4, 1800.0));
        assert_eq!(m[1].replayed, Replayed::Gb(3.5));
        assert_eq!(m[1].vcores, 8);
        assert_eq!(m[2].replayed, Replayed::Nothing);
        assert_eq!(m[2].target, MeasuredTarget::Fastest);
    }

    #[test]
    fn each_mistake_names_its_field() {
        let key = |text: &str| raw(text).unwrap_err().key.unwrap();
        assert_eq!(
            key("[[measured]]\nafter_snapshot = \"1h\"\ntarget = \"latest\"\nminutes = 3\n"),
            "restore.measured[0].database_gb"
        );
        assert_eq!(
            key("[[measured]]\ndatabase_gb = 1\ntarget = \"latest\"\nminutes = 3\n"),
            "restore.measured[0].after_snapshot"
        );
        assert_eq!(
            key(
                "[[measured]]\ndatabase_gb = 1\nbinlog_gb = 2\ntarget = \"fastest\"\nminutes = 3\n"
            ),
            "restore.measured[0].binlog_gb"
        );
        assert_eq!(
            key(
                "[[measured]]\ndatabase_gb = 1\nbinlog_gb = 2\ntarget = \"soonest\"\nminutes = 3\n"
            ),
            "restore.measured[0].target"
        );
        assert_eq!(
            key("[[measured]]\ndatabase_gb = 1\nbinlog_gb = 2\ntarget = \"latest\"\nminutes = 0\n"),
            "restore.measured[0].minutes"
        );
        assert_eq!(
            key("[[measured]]\ndatabase_gb = 1\nbinlog_gb = 2\ntarget = \"latest\"\n"),
            "restore.measured[0].minutes"
        );
    }
}
