//! One group as written (a `[[group]]` table or an inventory row) and how it becomes a full
//! scenario, each error naming the group and the key.

use super::*;
use std::sync::Arc;

/// One group as written, before it is a scenario.
pub(super) struct GroupSpec {
    pub(super) name: String,
    pub(super) count: u32,
    pub(super) region: String,
    pub(super) base: Option<PathBuf>,
    pub(super) keys: Vec<(String, toml::Value)>,
    pub(super) source: String,
    /// How errors name it: `group "small"`, `row 3 ("db-7")`.
    pub(super) label: String,
    pub(super) origin: Origin,
    pub(super) position: Option<(usize, usize)>,
    /// Where the keys it sets were written, where known more closely than `position` (an
    /// inventory row's cells).
    pub(super) cells: Vec<(String, (usize, usize))>,
    /// A [[group]] table's fleet file and its place among the groups: its `set` keys are found
    /// there when an error needs one (looked up then, not for every key of every group).
    pub(super) table: Option<(Arc<str>, usize)>,
}

impl GroupSpec {
    /// Where `key` was set for this group: its cell or its line under `[group.set]`, or else
    /// the group.
    fn position_of(&self, key: &str) -> Option<(usize, usize)> {
        self.cells
            .iter()
            .find(|(k, _)| k == key)
            .map(|&(_, at)| at)
            .or_else(|| {
                // A scenario key under [group.set] (dotted, or quoted whole), else one of the
                // group's own (name, region…).
                let (text, i) = self.table.as_ref()?;
                [
                    format!("group[{i}].set.{key}"),
                    format!("group[{i}].set.\"{key}\""),
                    format!("group[{i}].{key}"),
                ]
                .iter()
                .find_map(|path| crate::scenario::spans::exact_line_col(text, path))
            })
            .or_else(|| self.place())
    }

    /// The group's own place: its inventory row, or its `[[group]]` header, found when an
    /// error needs it (found for every group as it was read, it made a large file quadratic:
    /// 22,000 groups took 49 s).
    fn place(&self) -> Option<(usize, usize)> {
        self.position.or_else(|| {
            let (text, i) = self.table.as_ref()?;
            nth_position(text, "[[group]]", *i)
        })
    }
}

/// Why a scenario key cannot be set for one group, if it cannot: the fleet shares its regions
/// (their slots, other tenants and outages) and its runs, horizon, seed and start, and the group
/// has its own region and name.
fn not_for_one_group(key: &str) -> Option<String> {
    if let Some((region_key, _)) = REGION_KEYS.iter().find(|(_, s)| *s == key) {
        return Some(format!(
            "a region's setting, shared by every server there: set it as {region_key} under [regions.NAME] (or in [defaults] for every region)"
        ));
    }
    not_a_default(key)
}

/// Why a scenario key cannot be set in `[defaults]` either, if it cannot: the fleet-wide
/// settings and each group's region and name are set elsewhere, and win over the defaults, so
/// a default of theirs would be dropped without a word. (A region's key may be a default: it
/// is every region's.)
pub(super) fn not_a_default(key: &str) -> Option<String> {
    if SHARED_KEYS.contains(&key) {
        return Some(format!(
            "a fleet-wide setting: set {key} at the top of the fleet file"
        ));
    }
    match key {
        "server.region" => Some("the group's own region key sets it: region = \"NAME\"".into()),
        "name" => Some("the group's own name key sets it: name = \"NAME\"".into()),
        _ => None,
    }
}

pub(super) fn group_from_toml(
    i: usize,
    t: &toml::Table,
    text: &Arc<str>,
    origin: &Origin,
    folder: &Path,
) -> Result<GroupSpec, InputError> {
    let label = format!("group {}", i + 1);
    let fail = |key: &str, message: String| InputError {
        origin: origin.clone(),
        key: Some(format!("group[{}].{key}", i + 1)),
        position: crate::scenario::spans::exact_line_col(text, &format!("group[{i}].{key}"))
            .or_else(|| nth_position(text, "[[group]]", i)),
        message,
    };
    const GROUP_KEYS: [&str; 5] = ["name", "count", "region", "scenario", "set"];
    for key in t.keys() {
        if !GROUP_KEYS.contains(&key.as_str()) {
            let hint = closest(key, &GROUP_KEYS)
                .map_or(String::new(), |k| format!("did you mean `{k}`? "));
            return Err(fail(
                key,
                format!("unknown group key; {hint}a group has name, count, region, scenario and set (a table of scenario keys)"),
            ));
        }
    }
    let name = match t.get("name") {
        Some(toml::Value::String(s)) => s.clone(),
        _ => {
            return Err(fail(
                "name",
                "is required: a string naming the group".into(),
            ))
        }
    };
    let count = match t.get("count") {
        None => 1,
        Some(toml::Value::Integer(n)) if (1..=MAX_SERVERS as i64).contains(n) => *n as u32,
        Some(got) => {
            return Err(fail(
                "count",
                format!("expected a whole number of servers from 1 to {MAX_SERVERS}, got {got}"),
            ))
        }
    };
    let region = match t.get("region") {
        Some(toml::Value::String(s)) => s.clone(),
        _ => {
            return Err(fail(
                "region",
                "is required: the region the group's servers run in".into(),
            ))
        }
    };
    let base = match t.get("scenario") {
        None => None,
        Some(toml::Value::String(s)) => Some(folder.join(s)),
        Some(_) => {
            return Err(fail(
                "scenario",
                "expected the path of a scenario file".into(),
            ))
        }
    };
    let keys = match t.get("set") {
        None => Vec::new(),
        Some(toml::Value::Table(set)) => flatten("", set),
        Some(_) => return Err(fail("set", "expected a table of scenario keys".into())),
    };
    for (key, _) in &keys {
        if let Some(problem) = not_for_one_group(key) {
            return Err(fail(&format!("set.{key}"), problem));
        }
    }
    Ok(GroupSpec {
        name: name.clone(),
        count,
        region,
        base,
        keys,
        source: format!("{label} ({})", display(origin)),
        label: format!("group \"{name}\""),
        origin: origin.clone(),
        position: None,
        cells: Vec::new(),
        table: Some((Arc::clone(text), i)),
    })
}

pub(super) fn spec_error(spec: &GroupSpec, key: &str, message: String) -> InputError {
    InputError {
        origin: spec.origin.clone(),
        key: Some(format!("{}: {key}", spec.label)),
        position: spec.position_of(key),
        message,
    }
}

/// The group as a full scenario: its base, the fleet's defaults, its own keys, the fleet-wide
/// settings, its region and name, then `--set`.
pub(super) fn group_scenario(
    head: &FleetHead,
    spec: &GroupSpec,
    region: &str,
    overrides: &[Override],
) -> Result<Scenario, InputError> {
    let (text, origin) = match &spec.base {
        Some(path) => (
            crate::scenario::read_text(path).map_err(|e| InputError {
                origin: spec.origin.clone(),
                key: Some(format!("{}: scenario", spec.label)),
                position: spec.place(),
                message: format!(
                    "{} (looked for at {}, beside the fleet file)",
                    e.message,
                    path.display()
                ),
            })?,
            crate::scenario::origin_of(path),
        ),
        None => (String::new(), spec.origin.clone()),
    };
    let as_override = |(key, value): &(String, toml::Value)| Override {
        key: key.clone(),
        value: value.to_string(),
    };
    let mut all: Vec<Override> = head.defaults.iter().map(as_override).collect();
    all.extend(spec.keys.iter().map(as_override));
    all.extend(head.shared.iter().map(as_override));
    all.push(Override {
        key: "server.region".into(),
        value: format!("\"{region}\""),
    });
    all.push(Override {
        key: "name".into(),
        value: toml::Value::String(spec.name.clone()).to_string(),
    });
    all.extend(overrides.iter().cloned());
    parse_one(&text, &origin, &all).map_err(|e| match e.origin {
        Origin::Argument(_) => {
            // Point where the key was set; the last setting wins, so look from the last back.
            let key = e.key.clone().unwrap_or_default();
            let is = |(k, _): &(String, toml::Value)| *k == key;
            if let Some(o) = overrides.iter().rev().find(|o| o.key == key) {
                InputError {
                    origin: Origin::Argument(format!("--set {}={}", o.key, o.value)),
                    key: Some(key),
                    position: None,
                    message: e.message,
                }
            } else if !spec.keys.iter().any(is) && head.defaults.iter().any(is) {
                InputError {
                    origin: head.origin.clone(),
                    key: Some(format!("defaults.{key}")),
                    position: defaults_position(&head.text, &key),
                    message: e.message,
                }
            } else {
                InputError {
                    origin: spec.origin.clone(),
                    position: spec.position_of(&key),
                    key: Some(format!("{}: {key}", spec.label)),
                    message: e.message,
                }
            }
        }
        // A fleet file named as a group's scenario (itself, say) fails on its [[group]] tables;
        // the mistake is the `scenario` key.
        Origin::File(_)
            if text.parse::<toml::Table>().is_ok_and(|t| names_a_fleet(&t)) =>
        {
            InputError {
                origin: spec.origin.clone(),
                key: Some(format!("{}: scenario", spec.label)),
                position: spec.position_of("scenario"),
                message: format!(
                    "{} is a fleet file ([[group]] tables or an inventory), not one server's scenario",
                    spec.base.as_deref().map_or(String::new(), |p| p.display().to_string())
                ),
            }
        }
        // A group of no scenario file (an inventory row, a [[group]] without `scenario`) sets
        // every value itself or takes the defaults: the error is the group's, at the row or
        // table, and a key it leaves unset is said to be a default (an empty cell took 100 GB
        // of database into a 32 GB server, and the message named no row).
        Origin::File(_) if spec.base.is_none() => {
            let key = e.key.clone().unwrap_or_default();
            let set_here = |k: &str| {
                spec.keys
                    .iter()
                    .chain(&head.defaults)
                    .chain(&head.shared)
                    .any(|(set, _)| set == k)
            };
            let mut message = e.message;
            if !key.is_empty() && !set_here(&key) {
                let column = inventory::INVENTORY_KEYS
                    .iter()
                    .find(|(_, k)| k.path == key)
                    .filter(|_| spec.table.is_none());
                let how = match column {
                    Some((column, _)) => format!("the row gives no {column}, so the scenario default applies: fill its {column} cell"),
                    None => "the group does not set it, so the scenario default applies: set it in the group's `set` or in the fleet's [defaults]".to_string(),
                };
                message.push_str(&format!("; {how}"));
            }
            InputError {
                origin: spec.origin.clone(),
                position: spec.position_of(&key),
                key: Some(format!("{}: {key}", spec.label)),
                message,
            }
        }
        Origin::File(_) => e,
    })
}

/// Nested tables as dotted keys: `{server = {vcores = 4}}` → `server.vcores = 4`.
pub(super) fn flatten(prefix: &str, table: &toml::Table) -> Vec<(String, toml::Value)> {
    let mut out = Vec::new();
    for (key, value) in table {
        let path = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        match value {
            toml::Value::Table(inner) if path != "sweep" => out.extend(flatten(&path, inner)),
            other => out.push((path, other.clone())),
        }
    }
    out
}
