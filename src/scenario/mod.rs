//! Scenario files: TOML text (plus `--set` overrides) → a validated `Scenario`. Two stages, as in
//! ripgrep's flags: `raw` only checks shape, `validate` checks meaning and builds the model's
//! `Config`. Every error names the file, the dotted key and, where the text has it, line:column.

mod checks;
mod document;
pub(crate) use checks::refuse_leap_second;
pub mod edit;
pub mod fleet;
mod input;
pub mod keys;
mod measured;
mod names;
mod overrides;
mod raw;
mod reach;
mod resolved;
pub mod spans;
mod spelling;
mod sweep_check;
mod template;
mod toml_errors;
mod validate;

use std::path::Path;

use chrono::{DateTime, FixedOffset};

use crate::error::{InputError, Origin};
use crate::model::Config;
use crate::stats::durability::DurabilityParams;

pub(crate) use document::leading_comment;
pub use document::Document;
pub use input::{is_stdin, origin_of, read_input, read_text, MAX_FILE_BYTES};
pub use keys::MAX_SEED;
pub use measured::{MeasuredRestore, MeasuredTarget, Replayed};
pub use names::{currency_text, portable_name, MAX_CURRENCY_BYTES, MAX_NAME_BYTES};
pub use overrides::{
    first_clash, set_keys, split_top_level, toml_value_of, top_level_commas, Override,
    MOST_OVERRIDES, MOST_OVERRIDES_WHY,
};
pub use raw::RawScenario;
pub use reach::{recoveries_within_reach, MOST_SURGE_RESTORES_PER_RUN};
pub use resolved::{
    computed_default, resolved_table, resolved_toml, sha256_hex, table_json, to_json,
};
pub use sweep_check::sweep_table_swept;
pub use template::template;
pub use toml_errors::plain_words;
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

/// Read, parse and validate a scenario file (`-`: standard input).
pub fn load(path: &Path, overrides: &[Override]) -> Result<Scenario, InputError> {
    parse(&read_text(path)?, origin_of(path), overrides)
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

    /// Line and column of `key` in the text, if it is written there.
    pub fn position_of(&self, key: &str) -> Option<(usize, usize)> {
        spans::offset_of(&self.text, key).map(|at| spans::line_col(&self.text, at))
    }

    /// Measure the steady-state figures from `at` (after the scenario's own warm-up, before its
    /// horizon) instead: a comparison measures every contender from the same moment. The
    /// resolved scenario records it, so that it still reruns the same figures.
    pub fn measure_from(&mut self, at: crate::engine::SimTime) {
        self.scenario.config.measured_from = at;
        self.scenario.warmup_reached = true;
        self.resolved = resolved::replaced(
            &self.resolved,
            keys::WARMUP_DAYS.path,
            toml::Value::String(keys::dur(at)),
        );
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

/// What a valid scenario says that is probably not what its author meant: said on stderr
/// before a run, never refused (the figures may be deliberate).
pub fn doubts(s: &Scenario) -> Vec<String> {
    let mut out = Vec::new();
    let (growth, binlog) = (
        s.config.server.db_growth_gb_per_day,
        s.config.workload.binlog_gb_per_day,
    );
    if growth > binlog {
        out.push(format!(
            "server.db_growth_gb_per_day ({growth} GB) is above workload.binlog_gb_per_day ({binlog} GB): every write that grows the database is binlogged too, so the binlog (and the incremental snapshots sized from it) is probably understated; the growth itself reaches the backups only in the full snapshot"
        ));
    }
    out
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

    #[test]
    fn a_check_of_two_keys_names_the_override_behind_the_other() {
        let set = |k: &str, v: &str| Override {
            key: k.into(),
            value: v.into(),
        };
        let text = "name = \"x\"\n[server]\ndb_size_gb = 300\n";
        let e = parse(
            text,
            Origin::File("s.toml".into()),
            &[set("server.provisioned_storage_gb", "100")],
        )
        .unwrap_err();
        // Blamed on the file's key, with the --set that made it fail named.
        assert_eq!(e.origin, Origin::File("s.toml".into()));
        assert_eq!(e.key.as_deref(), Some("server.db_size_gb"));
        assert!(
            e.message
                .ends_with("(server.provisioned_storage_gb=100 overrides the file)"),
            "{}",
            e.message
        );
        // A --set the message does not name is not mentioned.
        let e = parse(
            "name = \"x\"\n[server]\ndb_size_gb = 300\nprovisioned_storage_gb = 100\n",
            Origin::File("s.toml".into()),
            &[set("backup.retention_days", "7")],
        )
        .unwrap_err();
        assert_eq!(e.key.as_deref(), Some("server.db_size_gb"));
        assert!(!e.message.contains("overrides the file"), "{}", e.message);
    }

    /// `--set backup={retention_days=3}` replaced the file's whole `[backup]`: its
    /// snapshot_failure_pct = 0 became the default 2. A table over a table merges, in the
    /// scenario and in the resolved copy that reruns it.
    #[test]
    fn a_table_set_over_a_table_merges_key_by_key() {
        let text = "name = \"x\"\n[backup]\nsnapshot_failure_pct = 0\n";
        let sets = [Override {
            key: "backup".into(),
            value: "{retention_days = 3}".into(),
        }];
        let loaded =
            Loaded::from_text(text.into(), "s.toml", Origin::File("s.toml".into()), &sets).unwrap();
        let backup = &loaded.scenario.config.backup;
        assert_eq!(backup.retention_days, 3);
        assert_eq!(backup.snapshot_failure_prob, 0.0);
        let resolved = &loaded.resolved["backup"];
        assert_eq!(resolved["retention_days"].as_integer(), Some(3));
        assert_eq!(resolved["snapshot_failure_pct"].as_integer(), Some(0));
    }

    /// A table --set merges into the file's table: an error in a key it does not hold is the
    /// file's, placed at its line, not the --set's.
    #[test]
    fn an_error_outside_a_table_set_is_blamed_on_the_file() {
        let text = "name = \"x\"\n[backup]\nsnapshot_failure_pct = 150\n";
        let set = |value: &str| Override {
            key: "backup".into(),
            value: value.into(),
        };
        let e = parse(
            text,
            Origin::File("s.toml".into()),
            &[set("{retention_days = 3}")],
        )
        .unwrap_err();
        assert_eq!(e.origin, Origin::File("s.toml".into()));
        assert_eq!(e.position, Some((3, 24)));
        let e = parse(
            text,
            Origin::File("s.toml".into()),
            &[set("{snapshot_failure_pct = 120}")],
        )
        .unwrap_err();
        assert_eq!(
            e.origin,
            Origin::Argument("--set backup={snapshot_failure_pct = 120}".into())
        );
    }

    /// A table --set behind a check of two keys is named by the key inside it the message
    /// names, and not by its table's name as a word ("stops a server").
    #[test]
    fn a_table_set_is_named_by_the_keys_inside_it() {
        let set = |value: &str| Override {
            key: "server".into(),
            value: value.into(),
        };
        let text = "name = \"x\"\n[server]\ndb_size_gb = 300\n";
        let e = parse(
            text,
            Origin::File("s.toml".into()),
            &[set("{provisioned_storage_gb = 100}")],
        )
        .unwrap_err();
        assert!(e.message.ends_with("overrides the file)"), "{}", e.message);
        let events = "name = \"x\"\n[[events]]\nat = \"3d\"\naction = \"stop\"\n[[events]]\nat = \"5d\"\naction = \"stop\"\n";
        let e = parse(
            events,
            Origin::File("s.toml".into()),
            &[set("{vcores = 4}")],
        )
        .unwrap_err();
        assert!(!e.message.contains("overrides the file"), "{}", e.message);
    }
}
