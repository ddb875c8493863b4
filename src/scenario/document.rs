//! A scenario file parsed once: its TOML checked for syntax, unknown keys and types (each error
//! located), the `[sweep]` table kept apart, and the scenario of any point built from it with
//! overrides laid over the parsed document.

use serde::Deserialize;
use toml::de::{DeString, DeTable, DeValue};
use toml::Spanned;

use super::overrides::{gave, mentions, set_dotted_de};
use super::toml_errors::{toml_error, unlocated_error, value_message};
use super::*;

/// A scenario file parsed once, so that the many scenarios of a sweep (and the check of every
/// `[sweep]` value) cost one deserialization each, not one parse of the whole text: a long
/// `[sweep]` table is not read again for each of its values.
pub struct Document<'t> {
    // Read by the [sweep] table's check too (sweep_check.rs).
    pub(super) text: &'t str,
    pub(super) origin: Origin,
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
        let located = |e: toml::de::Error| match e.span() {
            Some(_) => toml_error(text, &origin, &e),
            None => {
                let (key, position, message) = unlocated_error(text, e.message().trim());
                InputError {
                    origin: origin.clone(),
                    key,
                    position,
                    message,
                }
            }
        };
        let root = DeTable::parse(text).map_err(|e| {
            let mut err = located(e);
            err.message = toml_errors::with_format_hint(err.message, text);
            err
        })?;
        if let Some((name, span)) = list_for_table(root.get_ref()) {
            return Err(InputError {
                origin: origin.clone(),
                key: Some(name.to_string()),
                position: Some(spans::line_col(text, span.start)),
                message: list_for_table_message(name),
            });
        }
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
    /// Where the text came from, for an error found past reading it (a sweep point's).
    pub fn origin(&self) -> &Origin {
        &self.origin
    }

    /// The line:column of `key`'s entry in the `[sweep]` table, when the text has it there.
    pub fn sweep_entry_position(&self, key: &str) -> Option<(usize, usize)> {
        spans::offset_of_sweep_entry(self.text, key).map(|at| spans::line_col(self.text, at))
    }

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
            // A misspelt key is caught before it is merged, with the likely key.
            for o in overrides {
                if !keys::is_known(&o.key) {
                    return Err(InputError {
                        origin: Origin::Argument(format!("--set {}={}", o.key, o.value)),
                        key: Some(o.key.clone()),
                        position: None,
                        message: spelling::unknown_key_message(&o.key),
                    });
                }
            }
            let mut table = self.base.clone();
            if let (true, Some((key, value))) = (with_sweep, &self.sweep) {
                table.get_mut().insert(key.clone(), value.clone());
            }
            // Override i's value is marked as sitting just past the end of the text, at
            // offset len + i, so that an error in it is blamed on that override.
            let past = self.text.len();
            for (i, o) in overrides.iter().enumerate() {
                set_dotted_de(table.get_mut(), o, past + i..past + i + 1)?;
            }
            if let Some((name, span)) = list_for_table(table.get_ref()) {
                let o = span.start.checked_sub(past).and_then(|i| overrides.get(i));
                return Err(InputError {
                    origin: o.map_or(self.origin.clone(), |o| {
                        Origin::Argument(format!("--set {}={}", o.key, o.value))
                    }),
                    key: Some(name.to_string()),
                    position: o
                        .is_none()
                        .then(|| spans::line_col(self.text, span.start.min(self.text.len()))),
                    message: list_for_table_message(name),
                });
            }
            RawScenario::deserialize(toml::de::Deserializer::from(table)).map_err(|e| {
                let at = e.span().map(|s| s.start);
                match at
                    .and_then(|at| at.checked_sub(past))
                    .and_then(|i| overrides.get(i))
                {
                    Some(o) => InputError {
                        origin: Origin::Argument(format!("--set {}={}", o.key, o.value)),
                        key: Some(o.key.clone()),
                        position: None,
                        message: value_message(&o.key, e.message().trim()),
                    },
                    None => {
                        let mut err = toml_error(self.text, &self.origin, &e);
                        if at.is_none() {
                            err.origin = Origin::Argument("--set".into());
                        }
                        err
                    }
                }
            })?
        };
        validate::validate(&raw).map_err(|err| self.locate(err, overrides))
    }

    /// Blame a validation error on the `--set` that gave the value, else on the file's line.
    fn locate(&self, mut err: InputError, overrides: &[Override]) -> InputError {
        // The last override of a key is the one that stood.
        let overridden = err
            .key
            .as_deref()
            .and_then(|key| overrides.iter().rev().find(|o| gave(o, key)));
        match overridden {
            Some(o) => err.origin = Origin::Argument(format!("--set {}={}", o.key, o.value)),
            None => {
                err.origin = self.origin.clone();
                err.position = err
                    .key
                    .as_deref()
                    .and_then(|k| spans::offset_of(self.text, k))
                    .map(|at| spans::line_col(self.text, at));
                // A check of two keys is blamed on one in the file; the other may have come
                // from the command line, and the file's line alone would not show its value.
                let mut named: Vec<&Override> = Vec::new();
                for o in overrides.iter().rev() {
                    if set_keys(o).iter().any(|k| mentions(&err.message, k))
                        && !named.iter().any(|n| n.key == o.key)
                    {
                        named.push(o);
                    }
                }
                // Overrides come from --set, a sweep's grid or a fleet's group alike. With no
                // file (a fleet's group of no scenario of its own) there is nothing to override.
                if !named.is_empty() && !self.text.trim().is_empty() {
                    let sets: Vec<String> = named
                        .iter()
                        .rev()
                        .map(|o| format!("{}={}", o.key, o.value))
                        .collect();
                    let verb = if sets.len() == 1 {
                        "overrides"
                    } else {
                        "override"
                    };
                    err.message
                        .push_str(&format!(" ({} {verb} the file)", sets.join(" and ")));
                }
            }
        }
        err
    }
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

/// The first of the scenario's tables given as a list (`cost = ["EUR", 5.0]`), and where its
/// value sits: serde reads a list into a table by position, which the run then used while the
/// resolved copy showed the defaults (and a currency swept that way went unnoticed).
fn list_for_table(table: &DeTable<'_>) -> Option<(&'static str, std::ops::Range<usize>)> {
    keys::TABLES
        .iter()
        .filter(|&&name| name != "events")
        .find_map(|&name| match table.get(name) {
            Some(value) if matches!(value.get_ref(), DeValue::Array(_)) => {
                Some((name, value.span()))
            }
            _ => None,
        })
}

fn list_for_table_message(name: &str) -> String {
    format!("expected a table ([{name}], or {name} = {{ key = value, … }}), got a list")
}
