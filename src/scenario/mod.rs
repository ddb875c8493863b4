//! Scenario files: TOML text (plus `--set` overrides) → a validated `Scenario`. Two stages, as in
//! ripgrep's flags: `raw` only checks shape, `validate` checks meaning and builds the model's
//! `Config`. Every error names the file, the dotted key and, where the text has it, line:column.

mod checks;
pub mod edit;
pub mod fleet;
pub mod keys;
mod measured;
mod raw;
mod resolved;
mod spans;
mod template;
mod validate;

use std::path::Path;

use chrono::{DateTime, FixedOffset};

use crate::error::{InputError, Origin};
use crate::model::Config;
use crate::stats::durability::DurabilityParams;

pub use measured::{MeasuredRestore, MeasuredTarget, Replayed};
pub use raw::RawScenario;
pub use resolved::{resolved_table, resolved_toml, sha256_hex, table_json, to_json};
pub use template::template;
pub use validate::{parse_moment, DEFAULT_START};

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
    /// Timed test restores of the real server, for `backsim calibrate` (not simulated).
    pub measured_restores: Vec<MeasuredRestore>,
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
    /// `backup.redundancy=geo` and `backup.redundancy="geo"` work.
    fn toml_value(&self) -> toml::Value {
        toml::from_str::<toml::Table>(&format!("v = {}", self.value))
            .ok()
            .and_then(|mut t| t.remove("v"))
            .unwrap_or_else(|| toml::Value::String(self.value.clone()))
    }
}

/// `-` names standard input, as it does for most command-line tools.
pub fn is_stdin(path: &Path) -> bool {
    path == Path::new("-")
}

/// Where errors in a scenario read from `path` point.
pub fn origin_of(path: &Path) -> Origin {
    if is_stdin(path) {
        Origin::File("<stdin>".into())
    } else {
        Origin::File(path.to_path_buf())
    }
}

/// Standard input, read once: a command may name `-` more than once (a scenario compared with
/// itself) and every use sees the same text.
fn stdin_text() -> Result<String, String> {
    static TEXT: std::sync::OnceLock<Result<String, String>> = std::sync::OnceLock::new();
    TEXT.get_or_init(|| {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)
            .map(|_| text)
            .map_err(|e| e.to_string())
    })
    .clone()
}

/// The text of a scenario file (standard input for `-`), or an input error that names it.
pub fn read_text(path: &Path) -> Result<String, InputError> {
    let text = if is_stdin(path) {
        stdin_text()
    } else {
        std::fs::read_to_string(path).map_err(|e| e.to_string())
    };
    text.map_err(|e| InputError {
        origin: origin_of(path),
        key: None,
        position: None,
        message: format!("cannot read the scenario file: {e}"),
    })
}

pub fn load(path: &Path, overrides: &[Override]) -> Result<Scenario, InputError> {
    Ok(load_recorded(path, overrides)?.scenario)
}

/// A validated scenario with the record of where it came from, for the outputs' provenance.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub scenario: Scenario,
    /// The text it was parsed from.
    pub text: String,
    /// The file as named on the command line (`-` for standard input).
    pub file: String,
    /// sha256 of the text, in hex.
    pub sha256: String,
    /// Every key as the run uses it (the file's value, an override's or the default).
    pub resolved: toml::Table,
}

impl Loaded {
    /// The scenario in `text`, with `overrides` applied.
    pub fn from_text(
        text: String,
        file: &str,
        origin: Origin,
        overrides: &[Override],
    ) -> Result<Self, InputError> {
        let scenario = parse(&text, origin, overrides)?;
        let resolved = resolved_table(&text, overrides, &scenario);
        Ok(Self {
            sha256: sha256_hex(&text),
            file: file.to_string(),
            scenario,
            text,
            resolved,
        })
    }
}

/// Read, parse and validate a scenario file (`-`: standard input) and record where it came from.
pub fn load_recorded(path: &Path, overrides: &[Override]) -> Result<Loaded, InputError> {
    Loaded::from_text(
        read_text(path)?,
        &path.display().to_string(),
        origin_of(path),
        overrides,
    )
}

pub fn parse(text: &str, origin: Origin, overrides: &[Override]) -> Result<Scenario, InputError> {
    let scenario = parse_one(text, &origin, overrides)?;
    check_sweep_table(text, &origin, overrides, &scenario.sweep)?;
    Ok(scenario)
}

/// How many grid points may be tried to show that one `[sweep]` value can be valid.
const SWEEP_CHECK_TRIES: usize = 64;

/// Every value of the `[sweep]` table must make a valid scenario: a typo in a swept key or a
/// value out of range is caught by `validate` and `run`, not only by `sweep`. A value is
/// checked together with the other swept keys (it may need one of their values, as zone
/// redundancy needs zone-redundant HA): it passes if one of the first grid points holding it
/// is valid. `sweep` itself then validates every point before running any.
fn check_sweep_table(
    text: &str,
    origin: &Origin,
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
        let combinations: usize = others.iter().map(|(_, v)| v.len()).product();
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
                match parse_one(text, origin, &sets) {
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
                    origin: origin.clone(),
                    key: Some(format!("sweep.\"{key}\"")),
                    position: spans::offset_of_sweep_entry(text, key)
                        .map(|at| spans::line_col(text, at)),
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

/// Parse one scenario without checking each value of its `[sweep]` table: for the points of a
/// sweep, whose table was checked once when the sweep began.
pub fn parse_one(
    text: &str,
    origin: &Origin,
    overrides: &[Override],
) -> Result<Scenario, InputError> {
    let locate = |mut err: InputError| {
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
                err.origin = origin.clone();
                err.position = err
                    .key
                    .as_deref()
                    .and_then(|k| spans::offset_of(text, k))
                    .map(|at| spans::line_col(text, at));
            }
        }
        err
    };

    let raw: RawScenario = toml::from_str(text).map_err(|e| toml_error(text, origin, &e))?;
    let raw = if overrides.is_empty() {
        raw
    } else {
        // A misspelt key is caught before it is merged, with the likely key.
        for o in overrides {
            if !keys::is_known(&o.key) {
                return Err(InputError {
                    origin: Origin::Argument(format!("--set {}={}", o.key, o.value)),
                    key: Some(o.key.clone()),
                    position: None,
                    message: keys::unknown_key_message(&o.key),
                });
            }
        }
        let mut table: toml::Table = toml::from_str(text).expect("parsed above");
        for o in overrides {
            set_dotted(&mut table, o)?;
        }
        // Written out and read back as text, so that a wrong type is located at its key and
        // blamed on the override that set it.
        let merged = toml::to_string(&table).unwrap_or_default();
        toml::from_str::<RawScenario>(&merged).map_err(|e| {
            let mut err = toml_error(&merged, origin, &e);
            err.position = None;
            let blamed = err.key.as_deref().and_then(|key| {
                overrides.iter().find(|o| {
                    key == o.key
                        || key.starts_with(&format!("{}.", o.key))
                        || key.starts_with(&format!("{}[", o.key))
                })
            });
            err.origin = match blamed {
                Some(o) => Origin::Argument(format!("--set {}={}", o.key, o.value)),
                None => Origin::Argument("--set".into()),
            };
            err
        })?
    };
    let mut scenario = validate::validate(&raw).map_err(locate)?;
    scenario.question = leading_comment(text);
    Ok(scenario)
}

/// A TOML syntax or shape error, located at its key, in words a reader of the file uses: an
/// unknown key with the likely one ("did you mean …?"), a wrong type as "expected a number".
fn toml_error(text: &str, origin: &Origin, e: &toml::de::Error) -> InputError {
    let offset = e.span().map(|s| s.start);
    let key = offset.and_then(|at| spans::key_at(text, at));
    let raw = e.message().trim();
    let message = match &key {
        Some(k) if raw.starts_with("unknown field") => keys::unknown_key_message(k),
        _ => plain_words(raw),
    };
    InputError {
        origin: origin.clone(),
        key,
        position: offset.map(|at| spans::line_col(text, at)),
        message,
    }
}

/// serde's "invalid type: string \"abc\", expected f64" as "expected a number, got the text
/// \"abc\"": the types a scenario's author knows, not Rust's.
pub fn plain_words(message: &str) -> String {
    let body = message
        .strip_prefix("invalid type: ")
        .or_else(|| message.strip_prefix("invalid value: "));
    let Some((got, want)) = body.and_then(|b| b.split_once(", expected ")) else {
        return message.to_string();
    };
    let quoted = |s: &str| s.trim_matches('`').to_string();
    let got = if let Some(v) = got.strip_prefix("integer ") {
        format!("the whole number {}", quoted(v))
    } else if let Some(v) = got.strip_prefix("floating point ") {
        format!("the number {}", quoted(v))
    } else if let Some(v) = got.strip_prefix("string ") {
        format!("the text {v}")
    } else if let Some(v) = got.strip_prefix("boolean ") {
        quoted(v)
    } else if got == "sequence" {
        "a list".to_string()
    } else if got == "map" {
        "a table".to_string()
    } else {
        got.to_string()
    };
    let want = match want {
        "u64" | "u32" | "usize" => "a whole number (0 or more)".to_string(),
        "i64" | "i32" => "a whole number".to_string(),
        "f64" | "f32" => "a number".to_string(),
        "a string" => "text in quotes".to_string(),
        "a sequence" => "a list in brackets, e.g. [1, 2]".to_string(),
        "a boolean" => "true or false".to_string(),
        w if w.starts_with("struct ") || w == "a map" => {
            "a table (a [section] of keys)".to_string()
        }
        w => w.to_string(),
    };
    format!("expected {want}, got {got}")
}

/// The comment lines a file starts with, without their `#`.
pub(crate) fn leading_comment(text: &str) -> String {
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

pub(crate) fn set_dotted(table: &mut toml::Table, o: &Override) -> Result<(), InputError> {
    let parts: Vec<&str> = o.key.split('.').collect();
    let (leaf, parents) = parts.split_last().expect("split yields at least one part");
    let mut current = table;
    for part in parents {
        let entry = current
            .entry(part.to_string())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        current = match entry {
            toml::Value::Table(t) => t,
            _ => {
                return Err(InputError::argument(
                    "--set",
                    format!("\"{}\": `{part}` is not a table", o.key),
                ))
            }
        };
    }
    current.insert(leaf.to_string(), o.toml_value());
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

    /// The commented `[[restore.measured]]` example at the end of the template is valid as it
    /// stands once uncommented.
    #[test]
    fn the_templates_measured_restore_example_parses() {
        let text = template();
        let example: String = text
            .lines()
            .skip_while(|l| !l.starts_with("# [[restore.measured]]"))
            .take_while(|l| !l.trim().is_empty())
            .map(|l| format!("{}\n", l.trim_start_matches("# ")))
            .collect();
        let s = parse_str(&format!("name = \"x\"\n{example}")).unwrap();
        assert_eq!(s.measured_restores.len(), 1, "{example}");
        assert_eq!(s.measured_restores[0].seconds, 41.5 * 60.0);
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
        assert_eq!(e.key.as_deref(), Some("backup.retention_dayz"));
        assert_eq!(
            e.message, "unknown key; did you mean `backup.retention_days`?",
            "suggests the likely key instead of listing them all"
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
