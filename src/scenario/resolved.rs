//! The scenario as it ran, written out in full: every key of the key table with the value the
//! run used (the file's, an override's, or the default), in the key table's order, plus the
//! file's `[[events]]` and `[sweep]`. It is itself a valid scenario, so a number in a report can
//! be traced back to it and rerun from it; the sha256 names the exact text it came from.

use sha2::{Digest, Sha256};

use super::keys::{self, dur, Key};
use super::{Override, Scenario};
use crate::model::regions::geo_restore_target;
use crate::model::HighAvailability;

/// Lower-case hex sha256 of the scenario text, as read.
pub fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn get<'t>(table: &'t toml::Table, path: &str) -> Option<&'t toml::Value> {
    let (parents, leaf) = match path.rsplit_once('.') {
        Some((t, leaf)) => (Some(t), leaf),
        None => (None, path),
    };
    let mut current = table;
    for part in parents.into_iter().flat_map(|p| p.split('.')) {
        current = current.get(part)?.as_table()?;
    }
    current.get(leaf)
}

/// Set the dotted `path` to `value`, making the tables on the way (a table over a table merges).
fn put(table: &mut toml::Table, path: &str, value: toml::Value) {
    let mut current = table;
    let mut parts: Vec<&str> = path.split('.').collect();
    let leaf = parts.pop().expect("a path has a leaf");
    for part in parts {
        current = current
            .entry(part.to_string())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()))
            .as_table_mut()
            .expect("key table paths only nest tables");
    }
    merge_value(current, leaf, value);
}

/// `value` with any -0 as 0, as validation reads it: the copy shows what the run used.
fn plain_zero(value: &toml::Value) -> toml::Value {
    match value {
        toml::Value::Float(f) => toml::Value::Float(f + 0.0),
        toml::Value::Array(items) => toml::Value::Array(items.iter().map(plain_zero).collect()),
        other => other.clone(),
    }
}

/// Set `key` to `value`, a table over a table key by key (as `--set` applies it when parsed).
fn merge_value(table: &mut toml::Table, key: &str, value: toml::Value) {
    match (table.get_mut(key), value) {
        (Some(toml::Value::Table(existing)), toml::Value::Table(given)) => {
            for (k, v) in given {
                merge_value(existing, &k, v);
            }
        }
        (_, value) => {
            table.insert(key.to_string(), value);
        }
    }
}

/// The default of a key whose default is computed from other keys, as this scenario would
/// have it and as the key table writes values; None for keys with a fixed default (or none).
pub fn computed_default(path: &str, s: &Scenario) -> Option<String> {
    let c = &s.config;
    match path {
        "warmup_days" => {
            let (at, _) = super::checks::warmup(None, c.backup_set_full_at(), c.horizon).ok()?;
            Some(dur(at))
        }
        "backup.redundancy" => Some(
            match c.server.ha {
                HighAvailability::ZoneRedundant => "zone",
                _ => "local",
            }
            .to_string(),
        ),
        "restore.geo_restore_region" => {
            Some(geo_restore_target(&c.server.region, None).unwrap_or_default())
        }
        _ => None,
    }
}

/// The value a missing key takes. Most defaults are fixed (the key table's); three are computed
/// from other keys, and are written as the computation came out.
fn default_value(key: &Key, s: &Scenario) -> Option<toml::Value> {
    match key.path {
        // retention + 1 days, unless that does not fit in the horizon (then the headlines are
        // measured from the start, which no explicit value reproduces: left out).
        "warmup_days" => s
            .warmup_reached
            .then(|| toml::Value::String(dur(s.config.measured_from))),
        // Zone-redundant HA servers default to zone redundancy.
        "backup.redundancy" => Some(toml::Value::String(
            s.config.backup.redundancy.as_str().to_string(),
        )),
        // The paired region, when there is one.
        "restore.geo_restore_region" => {
            let region = &s.config.restore.geo_restore_region;
            (!region.is_empty()).then(|| toml::Value::String(region.clone()))
        }
        _ => key
            .default_toml()
            .and_then(|text| super::toml_value_of(&text)),
    }
}

/// Every key as the run used it, as a TOML table in the key table's order.
pub fn resolved_table(text: &str, overrides: &[Override], s: &Scenario) -> toml::Table {
    let mut given: toml::Table = toml::from_str(text).unwrap_or_default();
    for o in overrides {
        // Already applied once when the scenario was parsed, so its tables are tables; a table
        // over a table merges, as it did then.
        put(&mut given, &o.key, o.toml_value());
    }
    let mut out = toml::Table::new();
    for key in keys::ALL {
        let value = match key.path {
            // The name as validated (trimmed).
            "name" => Some(toml::Value::String(s.name.clone())),
            path => get(&given, path)
                .map(plain_zero)
                .or_else(|| default_value(key, s)),
        };
        if let Some(v) = value {
            put(&mut out, key.path, v);
        }
    }
    for extra in ["events", "sweep"] {
        if let Some(v) = given.get(extra) {
            out.insert(extra.to_string(), v.clone());
        }
    }
    out
}

/// `resolved` with `path` set to `value`, still in the key table's order (a key it lacked goes
/// where the key table puts it, not at the end).
pub(super) fn replaced(resolved: &toml::Table, path: &str, value: toml::Value) -> toml::Table {
    let mut out = toml::Table::new();
    for key in keys::ALL {
        let v = if key.path == path {
            Some(value.clone())
        } else {
            get(resolved, key.path).cloned()
        };
        if let Some(v) = v {
            put(&mut out, key.path, v);
        }
    }
    for extra in ["events", "sweep"] {
        if let Some(v) = resolved.get(extra) {
            out.insert(extra.to_string(), v.clone());
        }
    }
    out
}

/// A TOML value as JSON, keeping its type (integers stay integers) and the table's order;
/// TOML date-times become their RFC 3339 text.
pub fn to_json(value: &toml::Value) -> serde_json::Value {
    use serde_json::Value as J;
    match value {
        toml::Value::String(s) => J::String(s.clone()),
        toml::Value::Integer(i) => J::from(*i),
        toml::Value::Float(f) => serde_json::Number::from_f64(*f).map_or(J::Null, J::Number),
        toml::Value::Boolean(b) => J::Bool(*b),
        toml::Value::Datetime(d) => J::String(d.to_string()),
        toml::Value::Array(a) => J::Array(a.iter().map(to_json).collect()),
        toml::Value::Table(t) => table_json(t),
    }
}

pub fn table_json(table: &toml::Table) -> serde_json::Value {
    serde_json::Value::Object(table.iter().map(|(k, v)| (k.clone(), to_json(v))).collect())
}

/// The resolved scenario as TOML text (for report.md): a file that reruns the same run.
pub fn resolved_toml(table: &toml::Table) -> String {
    toml::to_string(table).unwrap_or_default()
}
