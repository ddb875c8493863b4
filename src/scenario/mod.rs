//! Scenario files: TOML text (plus `--set` overrides) → a validated `Scenario`. Two stages, as in
//! ripgrep's flags: `raw` only checks shape, `validate` checks meaning and builds the model's
//! `Config`. Every error names the file, the dotted key and, where the text has it, line:column.

mod checks;
pub mod keys;
mod raw;
mod spans;
mod template;
mod validate;

use std::borrow::Cow;
use std::io::Read;
use std::path::Path;

use chrono::{DateTime, FixedOffset};
use serde::Deserialize;
use toml::de::{DeString, DeTable, DeValue};
use toml::Spanned;

use crate::error::{InputError, Origin};
use crate::model::Config;
use crate::stats::durability::DurabilityParams;

pub use raw::RawScenario;
pub use template::template;
pub use validate::{
    currency_text, parse_moment, portable_name, DEFAULT_START, MAX_CURRENCY_BYTES, MAX_NAME_BYTES,
};

#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    pub name: String,
    /// The comment at the top of the file: the question the scenario asks, in its author's words.
    pub question: String,
    pub seed: u64,
    pub start: DateTime<FixedOffset>,
    pub horizon_days: f64,
    pub runs: u32,
    /// The warm-up ends inside the horizon (false only when the default warm-up, retention +
    /// 1 days, is longer than the horizon: then the headlines are measured from the start).
    pub warmup_reached: bool,
    pub config: Config,
    /// The failure model behind the durability nines (D1).
    pub durability: DurabilityParams,
    /// The `[sweep]` grid: dotted key → values, in key order.
    pub sweep: Vec<(String, Vec<toml::Value>)>,
}

/// One `--set KEY=VALUE`, already split.
#[derive(Debug, Clone, PartialEq)]
pub struct Override {
    pub key: String,
    pub value: String,
}

impl Override {
    pub fn parse(arg: &str) -> Result<Self, InputError> {
        match arg.split_once('=') {
            Some((k, v)) if !k.trim().is_empty() => Ok(Self {
                key: k.trim().to_string(),
                value: v.trim().to_string(),
            }),
            _ => Err(InputError::argument(
                "--set",
                format!("expected KEY=VALUE with a dotted scenario key, e.g. backup.retention_days=14, got \"{arg}\""),
            )),
        }
    }

    /// The value as TOML (a number, a list, a quoted string), or else as a bare string: so both
    /// `backup.redundancy=geo` and `backup.redundancy="geo"` work. Integers keep their digits, so
    /// a seed above 2^63 passes through as it does from the file.
    fn toml_value(&self) -> DeValue<'_> {
        match DeValue::parse(&self.value) {
            Ok(v) => v.into_inner(),
            Err(_) => DeValue::String(Cow::Borrowed(&self.value)),
        }
    }
}

/// The largest scenario file read: real ones are a few kilobytes (the full template about 12),
/// so a path to a device, a log or a disk image fails at once instead of filling memory.
pub const MAX_FILE_BYTES: usize = 1 << 20;

fn file_error(path: &Path, position: Option<(usize, usize)>, message: String) -> InputError {
    InputError {
        origin: Origin::File(path.to_path_buf()),
        key: None,
        position,
        message,
    }
}

/// The text of a scenario file, or an input error that names it: at most `MAX_FILE_BYTES`, and
/// UTF-8 (a bad byte is reported at its line and column).
pub fn read_text(path: &Path) -> Result<String, InputError> {
    let cannot =
        |e: std::io::Error| file_error(path, None, format!("cannot read the scenario file: {e}"));
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_FILE_BYTES as u64 + 1).read_to_end(&mut bytes))
        .map_err(cannot)?;
    if bytes.len() > MAX_FILE_BYTES {
        return Err(file_error(
            path,
            None,
            format!(
                "is larger than {} KiB: not a scenario file (a scenario is a short TOML text)",
                MAX_FILE_BYTES / 1024
            ),
        ));
    }
    String::from_utf8(bytes).map_err(|e| {
        let good = e.utf8_error().valid_up_to();
        let bytes = e.as_bytes();
        let before = std::str::from_utf8(&bytes[..good]).unwrap_or_default();
        file_error(
            path,
            Some(spans::line_col(before, good)),
            format!(
                "is not UTF-8 text: byte 0x{:02X} cannot start or continue a character",
                bytes[good]
            ),
        )
    })
}

pub fn load(path: &Path, overrides: &[Override]) -> Result<Scenario, InputError> {
    parse(
        &read_text(path)?,
        Origin::File(path.to_path_buf()),
        overrides,
    )
}

pub fn parse(text: &str, origin: Origin, overrides: &[Override]) -> Result<Scenario, InputError> {
    let document = Document::parse(text, origin)?;
    let scenario = document.scenario(overrides)?;
    document.check_sweep_table(overrides, &scenario.sweep)?;
    Ok(scenario)
}

/// Parse one scenario without checking each value of its `[sweep]` table.
pub fn parse_one(
    text: &str,
    origin: &Origin,
    overrides: &[Override],
) -> Result<Scenario, InputError> {
    Document::parse(text, origin.clone())?.scenario(overrides)
}

/// A scenario file parsed once, so that the many scenarios of a sweep (and the check of every
/// `[sweep]` value) cost one deserialization each, not one parse of the whole text: a long
/// `[sweep]` table is not read again for each of its values.
pub struct Document<'t> {
    text: &'t str,
    origin: Origin,
    /// The document without its `[sweep]` table, which no single point needs.
    base: Spanned<DeTable<'t>>,
    /// The `[sweep]` table as written, when there is one.
    sweep: Option<(Spanned<DeString<'t>>, Spanned<DeValue<'t>>)>,
    /// The file's own values (overrides come later), shape-checked, with its `[sweep]` table
    /// kept apart so that the scenario of a point does not copy it.
    raw: RawScenario,
    raw_sweep: toml::Table,
}

impl<'t> Document<'t> {
    /// The TOML document, checked for syntax, unknown keys and types, each error located.
    pub fn parse(text: &'t str, origin: Origin) -> Result<Self, InputError> {
        let located = |e: toml::de::Error| {
            let offset = e.span().map(|s| s.start);
            let (key, position, message) = match offset {
                Some(at) => (
                    spans::key_at(text, at),
                    Some(spans::line_col(text, at)),
                    e.message().trim().to_string(),
                ),
                None => unlocated_error(text, e.message().trim()),
            };
            InputError {
                origin: origin.clone(),
                key,
                position,
                message,
            }
        };
        let root = DeTable::parse(text).map_err(located)?;
        let mut raw: RawScenario =
            RawScenario::deserialize(toml::de::Deserializer::from(root.clone()))
                .map_err(located)?;
        let raw_sweep = std::mem::take(&mut raw.sweep);
        let span = root.span();
        let mut table = root.into_inner();
        let sweep = table.remove_entry("sweep");
        Ok(Self {
            text,
            origin,
            base: Spanned::new(span, table),
            sweep,
            raw,
            raw_sweep,
        })
    }

    /// The scenario with `overrides` applied, validated, its `[sweep]` table included.
    pub fn scenario(&self, overrides: &[Override]) -> Result<Scenario, InputError> {
        let mut scenario = self.build(overrides, true)?;
        scenario.question = leading_comment(self.text);
        Ok(scenario)
    }

    /// One point of a sweep: the scenario with `overrides`, its `[sweep]` table left out.
    pub fn point(&self, overrides: &[Override]) -> Result<Scenario, InputError> {
        let mut scenario = self.build(overrides, false)?;
        scenario.question = leading_comment(self.text);
        Ok(scenario)
    }

    fn build(&self, overrides: &[Override], with_sweep: bool) -> Result<Scenario, InputError> {
        let raw = if overrides.is_empty() {
            let mut raw = self.raw.clone();
            if with_sweep {
                raw.sweep = self.raw_sweep.clone();
            }
            raw
        } else {
            let mut table = self.base.clone();
            if let (true, Some((key, value))) = (with_sweep, &self.sweep) {
                table.get_mut().insert(key.clone(), value.clone());
            }
            for o in overrides {
                set_dotted(table.get_mut(), o)?;
            }
            RawScenario::deserialize(toml::de::Deserializer::from(table)).map_err(|e| {
                InputError::argument(
                    "--set",
                    format!(
                        "{} (keys set: {})",
                        e.message().trim(),
                        overrides
                            .iter()
                            .map(|o| o.key.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )
            })?
        };
        validate::validate(&raw).map_err(|err| self.locate(err, overrides))
    }

    /// Blame a validation error on the `--set` that gave the value, else on the file's line.
    fn locate(&self, mut err: InputError, overrides: &[Override]) -> InputError {
        let overridden = err.key.as_deref().and_then(|key| {
            overrides.iter().find(|o| {
                key == o.key
                    || key.starts_with(&format!("{}.", o.key))
                    || key.starts_with(&format!("{}[", o.key))
            })
        });
        match overridden {
            Some(o) => err.origin = Origin::Argument(format!("--set {}={}", o.key, o.value)),
            None => {
                err.origin = self.origin.clone();
                err.position = err
                    .key
                    .as_deref()
                    .and_then(|k| spans::offset_of(self.text, k))
                    .map(|at| spans::line_col(self.text, at));
            }
        }
        err
    }

    /// Every value of the `[sweep]` table must make a valid scenario: a typo in a swept key or a
    /// value out of range is caught by `validate` and `run`, not only by `sweep`. A value is
    /// checked together with the other swept keys (it may need one of their values, as zone
    /// redundancy needs zone-redundant HA): it passes if one of the first grid points holding it
    /// is valid. `sweep` itself then validates every point before running any.
    pub fn check_sweep_table(
        &self,
        overrides: &[Override],
        sweep: &[(String, Vec<toml::Value>)],
    ) -> Result<(), InputError> {
        for (k, (key, values)) in sweep.iter().enumerate() {
            let others: Vec<&(String, Vec<toml::Value>)> = sweep
                .iter()
                .enumerate()
                .filter(|&(j, _)| j != k)
                .map(|(_, e)| e)
                .collect();
            // Saturating: a grid too large to count is refused by the sweep's own limits, and
            // only the first few combinations are tried here anyway.
            let combinations = others
                .iter()
                .fold(1usize, |n, (_, v)| n.saturating_mul(v.len()));
            for value in values {
                let mut first_error = None;
                for c in 0..combinations.min(SWEEP_CHECK_TRIES) {
                    let mut sets = overrides.to_vec();
                    let mut rest = c;
                    for (other_key, other_values) in others.iter().rev() {
                        sets.push(Override {
                            key: other_key.clone(),
                            value: other_values[rest % other_values.len()].to_string(),
                        });
                        rest /= other_values.len();
                    }
                    sets.push(Override {
                        key: key.clone(),
                        value: value.to_string(),
                    });
                    match self.point(&sets) {
                        Ok(_) => {
                            first_error = None;
                            break;
                        }
                        Err(e) => {
                            first_error.get_or_insert(e);
                        }
                    }
                }
                if let Some(e) = first_error {
                    return Err(InputError {
                        origin: self.origin.clone(),
                        key: Some(format!("sweep.\"{key}\"")),
                        position: spans::offset_of_sweep_entry(self.text, key)
                            .map(|at| spans::line_col(self.text, at)),
                        message: format!(
                            "the value {value} does not make a valid scenario: {}{}",
                            e.key.map(|k| format!("key `{k}`: ")).unwrap_or_default(),
                            e.message
                        ),
                    });
                }
            }
        }
        Ok(())
    }
}

/// How many grid points may be tried to show that one `[sweep]` value can be valid.
const SWEEP_CHECK_TRIES: usize = 64;

/// A parse error the TOML parser gives without a position (too deep a nesting): the first line
/// whose inclusion brings it on, found by bisecting the text's line prefixes, and the error in
/// words a user can act on.
fn unlocated_error(text: &str, message: &str) -> (Option<String>, Option<(usize, usize)>, String) {
    let readable = if message == "recursion limit" {
        "nested too deeply: tables, arrays and dotted keys may go at most 80 levels deep (a scenario needs 3)".to_string()
    } else {
        message.to_string()
    };
    let line_ends: Vec<usize> = text
        .match_indices('\n')
        .map(|(i, _)| i + 1)
        .chain(std::iter::once(text.len()))
        .collect();
    let fails = |lines: usize| {
        let (_, errors) = DeTable::parse_recoverable(&text[..line_ends[lines - 1]]);
        errors
            .iter()
            .any(|e| e.span().is_none() && e.message().trim() == message)
    };
    // The smallest number of lines that shows the error.
    let (mut lo, mut hi) = (1, line_ends.len());
    if !fails(hi) {
        return (None, None, readable);
    }
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if fails(mid) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    (None, Some((lo, 1)), readable)
}

/// The comment lines a file starts with, without their `#`.
fn leading_comment(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .take_while(|l| l.is_empty() || l.starts_with('#'))
        .filter_map(|l| l.strip_prefix('#'))
        .map(str::trim)
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .to_string()
}

fn set_dotted<'v>(table: &mut DeTable<'v>, o: &'v Override) -> Result<(), InputError> {
    let parts: Vec<&str> = o.key.split('.').collect();
    let (leaf, parents) = parts.split_last().expect("split yields at least one part");
    let name = |part: &str| Spanned::new(0..0, Cow::Owned(part.to_string()));
    let mut current = table;
    for part in parents {
        if current.get(*part).is_none() {
            current.insert(
                name(part),
                Spanned::new(0..0, DeValue::Table(DeTable::new())),
            );
        }
        current = match current.get_mut(*part).map(Spanned::get_mut) {
            Some(DeValue::Table(t)) => t,
            _ => {
                return Err(InputError::argument(
                    "--set",
                    format!("\"{}\": `{part}` is not a table", o.key),
                ))
            }
        };
    }
    current.insert(name(leaf), Spanned::new(0..0, o.toml_value()));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(text: &str) -> Result<Scenario, InputError> {
        parse(text, Origin::File("s.toml".into()), &[])
    }

    #[test]
    fn name_alone_is_a_valid_scenario() {
        let s = parse_str("name = \"x\"").unwrap();
        assert_eq!(s.config.backup.retention_days, 7);
        assert_eq!(s.config.backup.log_backup_interval, 300);
        assert_eq!(s.config.backup.retry_interval, 1200);
    }

    /// The template lists every key at its default: it parses to exactly the configuration
    /// of a scenario that sets nothing but its name.
    #[test]
    fn the_template_parses_to_the_default_configuration() {
        let text = template();
        let from_template = parse_str(&text).unwrap();
        let defaults = parse_str("name = \"my-server\"").unwrap();
        assert_eq!(
            Scenario {
                question: String::new(),
                ..from_template
            },
            defaults
        );
        for key in keys::ALL {
            assert!(text.contains(key.name()), "{} missing", key.path);
        }
    }

    #[test]
    fn integers_are_accepted_where_numbers_are_expected() {
        let s = parse_str("name = \"x\"\nhorizon_days = 10\n[server]\ndb_size_gb = 50").unwrap();
        assert_eq!(s.config.server.db_size_gb, 50.0);
        assert_eq!(s.horizon_days, 10.0);
    }

    /// S1: retention outside 1..=35 is an input error naming the key and its line.
    #[test]
    fn s1_retention_out_of_range_is_located() {
        let e = parse_str("name = \"x\"\n[backup]\nretention_days = 36\n").unwrap_err();
        assert_eq!(e.key.as_deref(), Some("backup.retention_days"));
        assert_eq!(e.position, Some((3, 18)));
        assert!(e.message.contains("1 to 35"), "{}", e.message);
        assert!(parse_str("name = \"x\"\n[backup]\nretention_days = 0\n").is_err());
        assert!(parse_str("name = \"x\"\n[backup]\nretention_days = 35\n").is_ok());
    }

    /// Every duration key takes the same strings, and the old bare numbers in its unit.
    #[test]
    fn duration_keys_take_strings_and_numbers() {
        let s = parse_str(
            "name = \"x\"\n[restore]\nprovision_minutes = \"10m\"\ndetection_minutes = 45\nfailover_seconds = \"2m\"\n",
        )
        .unwrap();
        assert_eq!(s.config.restore.provision, 600);
        assert_eq!(s.config.restore.detection_delay, 45 * 60);
        assert_eq!(s.config.restore.failover, 120);
        let e = parse_str("name = \"x\"\n[restore]\nprovision_minutes = \"2d\"\n").unwrap_err();
        assert_eq!(e.key.as_deref(), Some("restore.provision_minutes"));
        assert!(e.message.contains("between"), "{}", e.message);
    }

    #[test]
    fn unknown_keys_are_errors_with_position() {
        let e = parse_str("name = \"x\"\n[backup]\nretention_dayz = 3\n").unwrap_err();
        assert_eq!(e.position.map(|p| p.0), Some(3));
        assert!(e.message.contains("retention_dayz"), "{}", e.message);
        assert!(
            e.message.contains("retention_days"),
            "lists allowed keys: {}",
            e.message
        );
    }

    #[test]
    fn overrides_apply_and_are_blamed() {
        let set = |k: &str, v: &str| Override {
            key: k.into(),
            value: v.into(),
        };
        let s = parse(
            "name = \"x\"",
            Origin::File("s.toml".into()),
            &[
                set("backup.retention_days", "14"),
                set("backup.redundancy", "geo"),
            ],
        )
        .unwrap();
        assert_eq!(s.config.backup.retention_days, 14);
        assert_eq!(s.config.backup.redundancy, crate::model::Redundancy::Geo);
        let e = parse(
            "name = \"x\"",
            Origin::File("s.toml".into()),
            &[set("backup.retention_days", "99")],
        )
        .unwrap_err();
        assert_eq!(
            e.origin,
            Origin::Argument("--set backup.retention_days=99".into())
        );
    }
}
