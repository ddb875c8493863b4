//! Fleet files: groups of servers, each a count of one scenario in one region, plus what the
//! fleet shares (seed, runs, horizon, the regions' restore slots, other tenants and outages).
//! A fleet is a TOML file with `[[group]]` tables and/or an inventory CSV (one row per server
//! or per group, as `backsim import` writes from a server list); a CSV can also stand alone.
//!
//! Every group becomes a full scenario: the group's base scenario file (or the defaults), then
//! the fleet's `[defaults]`, then the group's own keys, then the fleet-wide settings and the
//! group's region. So a group is validated exactly as a scenario is, and an error names the
//! group (or the CSV row) and the key.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, FixedOffset};

use super::{parse_one, Override, Scenario};
use crate::error::{InputError, Origin};
use crate::model::fleet::FleetRegion;
use crate::model::region::RegionSpec;
use crate::model::{geo_restore_target, known_region, ServerAction};

mod checks;
mod groups;
mod inventory;
mod outages;
mod places;
mod regions;

use crate::scenario::spans::line_col;
use groups::{flatten, group_from_toml, group_scenario, spec_error, GroupSpec};
use inventory::inventory;
pub use inventory::INVENTORY_KEYS;
use outages::scripted_outages;
use places::{defaults_position, display, key_position, nth_position};
use regions::{fleet_region, region_overrides, REGION_KEYS};

/// The most servers one fleet may hold: memory and time grow with it.
pub const MAX_SERVERS: u64 = 1_000_000;

/// Keys of the fleet file itself.
const FLEET_KEYS: [&str; 11] = [
    "name",
    "seed",
    "runs",
    "horizon_days",
    "start",
    "warmup_days",
    "inventory",
    "defaults",
    "regions",
    "group",
    "outage",
];

/// Fleet-wide settings that every group's scenario takes.
const SHARED_KEYS: [&str; 5] = ["seed", "runs", "horizon_days", "start", "warmup_days"];

#[derive(Debug, Clone)]
pub struct FleetGroup {
    pub name: String,
    pub count: u32,
    /// Its region and its geo-restore target, as indexes into the fleet's regions.
    pub home: usize,
    pub target: usize,
    pub scenario: Scenario,
    /// Where it was defined ("group 2 of fleet.toml", "row 5 of servers.csv").
    pub source: String,
}

#[derive(Debug, Clone)]
pub struct Fleet {
    pub name: String,
    /// The comment at the top of the file: the question the fleet asks.
    pub question: String,
    pub seed: u64,
    pub runs: u32,
    pub horizon_days: f64,
    pub start: DateTime<FixedOffset>,
    pub groups: Vec<FleetGroup>,
    pub regions: Vec<FleetRegion>,
    /// What the reader should know about how the file was read (columns ignored).
    pub notes: Vec<String>,
    /// sha256 of the file's text, in hex: which file the runs ran (merge checks it).
    pub sha256: String,
}

impl Fleet {
    pub fn servers(&self) -> u64 {
        self.groups.iter().map(|g| g.count as u64).sum()
    }

    pub fn currency(&self) -> &str {
        &self.groups[0].scenario.config.cost.currency
    }

    /// sha256 of the fleet as built: every group's settings and region, every region's. The
    /// file's own sha256 leaves out what it reads beside it (an inventory, base scenarios),
    /// which can change while its text does not.
    pub fn fingerprint(&self) -> String {
        let mut built = String::new();
        for g in &self.groups {
            built.push_str(&format!(
                "{:?}|{}|{}|{}|{:?}\n",
                g.name, g.count, g.home, g.target, g.scenario.config
            ));
        }
        for r in &self.regions {
            built.push_str(&format!("{r:?}\n"));
        }
        super::sha256_hex(&built)
    }
}

/// Whether `path` names a fleet rather than one scenario: an inventory CSV, or TOML with
/// `[[group]]` tables or an `inventory`.
pub fn is_fleet_file(path: &Path) -> bool {
    if path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("csv"))
    {
        return true;
    }
    if super::is_stdin(path) {
        return false;
    }
    // Read within the scenario bound, so that a path to an endless file fails as it does for
    // a scenario instead of being read for ever here.
    super::read_text(path)
        .ok()
        .and_then(|text| text.parse::<toml::Table>().ok())
        .is_some_and(|t| names_a_fleet(&t))
}

/// A TOML document that describes a fleet: `[[group]]` tables or an `inventory`.
pub(super) fn names_a_fleet(table: &toml::Table) -> bool {
    table.contains_key("group") || table.contains_key("inventory")
}

/// Read a fleet file (TOML, or an inventory CSV when its name ends in .csv); `overrides`
/// (`--set`) apply to every group, after everything else.
pub fn load_fleet(path: &Path, overrides: &[Override]) -> Result<Fleet, InputError> {
    load_fleet_named(path, path, overrides)
}

/// A fleet file read at `path` (and the files it names, beside it there) but named as `named`,
/// the same file seen from another folder: merge finds the file the shards ran from elsewhere,
/// and the groups' sources must say it as the shards did for the merge to write their bytes.
pub fn load_fleet_named(
    path: &Path,
    named: &Path,
    overrides: &[Override],
) -> Result<Fleet, InputError> {
    let text = super::read_input(path, "fleet file")?;
    let sha256 = super::sha256_hex(&text);
    Ok(Fleet {
        sha256,
        ..fleet_from_text(path, named, text, overrides)?
    })
}

fn fleet_from_text(
    path: &Path,
    named: &Path,
    text: String,
    overrides: &[Override],
) -> Result<Fleet, InputError> {
    let origin = super::origin_of(named);
    let folder = path.parent().unwrap_or(Path::new("")).to_path_buf();
    let named_folder = named.parent().unwrap_or(Path::new(""));
    // An inventory piped in has no name to tell it by: its header does.
    let is_csv = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("csv"))
        || (super::is_stdin(path) && crate::scenario::toml_errors::looks_like_csv(&text));
    if is_csv {
        let stem = if super::is_stdin(path) {
            "inventory".to_string()
        } else {
            path.file_stem()
                .map_or("fleet".to_string(), |s| s.to_string_lossy().into_owned())
        };
        super::portable_name(&stem).map_err(|problem| InputError {
            origin: origin.clone(),
            key: None,
            position: None,
            message: format!(
                "an inventory's file name names the fleet and its output folder (output/<name>-fleet/), so it {problem}; got {}: rename the file",
                super::names::shown_name(&stem)
            ),
        })?;
        let mut notes = Vec::new();
        let groups = inventory(&text, &origin, &mut notes)?;
        return build(
            FleetHead {
                name: stem,
                question: String::new(),
                shared: Vec::new(),
                defaults: Vec::new(),
                regions: BTreeMap::new(),
                every_region: Vec::new(),
                set_regions: Vec::new(),
                outages: Vec::new(),
                notes,
                origin,
                text: String::new(),
            },
            groups,
            overrides,
        );
    }
    let table: toml::Table = toml::from_str(&text).map_err(|e| {
        let position = e.span().map(|s| line_col(&text, s.start));
        InputError {
            origin: origin.clone(),
            key: None,
            position,
            message: crate::scenario::toml_errors::with_format_hint(
                format!("not a valid TOML fleet file: {}", e.message().trim()),
                &text,
            ),
        }
    })?;
    // A key where it is set; a table (`regions.mars`, `group`) where it opens.
    let at = |key: &str| {
        key_position(&text, key.rsplit('.').next().unwrap_or(key))
            .or_else(|| nth_position(&text, &format!("[{key}]"), 0))
            .or_else(|| nth_position(&text, &format!("[[{key}]]"), 0))
    };
    let fail = |key: &str, message: String| InputError {
        origin: origin.clone(),
        key: Some(key.to_string()),
        position: at(key),
        message,
    };
    for key in table.keys() {
        if !FLEET_KEYS.contains(&key.as_str()) {
            // A scenario given to `fleet`: its tables are scenario tables.
            if crate::scenario::keys::ALL
                .iter()
                .any(|k| k.path.split('.').next() == Some(key.as_str()))
            {
                return Err(InputError {
                    origin: origin.clone(),
                    key: Some(key.clone()),
                    position: nth_position(&text, &format!("[{key}]"), 0).or(at(key)),
                    message: format!("unknown key: `{key}` belongs to a scenario, which `backsim run FILE` runs; in a fleet, scenario keys go under [defaults] or [group.set], or a group names its scenario file (scenario = \"FILE\")"),
                });
            }
            let hint = closest(key, &FLEET_KEYS)
                .map_or(format!("a fleet file has {}", FLEET_KEYS.join(", ")), |k| {
                    format!("did you mean `{k}`?")
                });
            return Err(fail(key, format!("unknown key; {hint}")));
        }
    }
    let name = match table.get("name") {
        Some(toml::Value::String(s)) => s.trim().to_string(),
        Some(_) => return Err(fail("name", "expected a string".into())),
        None => {
            return Err(fail(
                "name",
                "is required: every fleet needs a name, e.g. name = \"fleet-400\"".into(),
            ))
        }
    };
    super::portable_name(&name).map_err(|problem| {
        fail(
            "name",
            format!(
                "names the output folder (output/<name>-fleet/), so it {problem}; got {}",
                super::names::shown_name(&name)
            ),
        )
    })?;
    let shared: Vec<(String, toml::Value)> = SHARED_KEYS
        .iter()
        .filter_map(|k| table.get(*k).map(|v| (k.to_string(), v.clone())))
        .collect();
    let defaults = match table.get("defaults") {
        None => Vec::new(),
        Some(toml::Value::Table(t)) => flatten("", t),
        Some(_) => return Err(fail("defaults", "expected a table of scenario keys".into())),
    };
    for (key, _) in &defaults {
        if let Some(problem) = groups::not_a_default(key) {
            return Err(InputError {
                origin: origin.clone(),
                key: Some(format!("defaults.{key}")),
                position: defaults_position(&text, key),
                message: problem,
            });
        }
    }
    let mut regions = BTreeMap::new();
    match table.get("regions") {
        None => {}
        Some(toml::Value::Table(t)) => {
            for (region, keys) in t {
                let canonical =
                    known_region(region).map_err(|e| fail(&format!("regions.{region}"), e))?;
                let toml::Value::Table(keys) = keys else {
                    return Err(fail(
                        &format!("regions.{region}"),
                        "expected a table of region keys".into(),
                    ));
                };
                let mut mapped = Vec::new();
                for (key, value) in keys {
                    let Some((_, scenario_key)) = REGION_KEYS.iter().find(|(k, _)| k == key) else {
                        let names: Vec<&str> = REGION_KEYS.iter().map(|(k, _)| *k).collect();
                        let hint = closest(key, &names)
                            .map_or(String::new(), |k| format!("did you mean `{k}`? "));
                        return Err(fail(
                            &format!("regions.{region}.{key}"),
                            format!(
                                "unknown region key; {hint}a region takes {}",
                                names.join(", ")
                            ),
                        ));
                    };
                    mapped.push((scenario_key.to_string(), value.clone()));
                }
                regions.insert(canonical.to_string(), mapped);
            }
        }
        Some(_) => return Err(fail("regions", "expected [regions.NAME] tables".into())),
    }
    let mut groups = Vec::new();
    let mut notes = Vec::new();
    if let Some(inv) = table.get("inventory") {
        let file = match inv {
            toml::Value::String(file) if !file.is_empty() => file,
            _ => return Err(fail("inventory", "expected the path of a CSV file".into())),
        };
        let csv_path = folder.join(file);
        // A file that cannot be read at all is the key's fault (named where it is set); one read
        // but wrong inside points at its own line.
        let csv_text =
            super::read_input(&csv_path, "inventory file").map_err(|e| match e.position {
                None => fail(
                    "inventory",
                    format!("{}: {}", csv_path.display(), e.message),
                ),
                Some(_) => e,
            })?;
        let named_csv = named_folder.join(file);
        groups.extend(inventory(&csv_text, &Origin::File(named_csv), &mut notes)?);
    }
    match table.get("group") {
        None => {}
        Some(toml::Value::Array(items)) => {
            let text: std::sync::Arc<str> = std::sync::Arc::from(text.as_str());
            for (i, item) in items.iter().enumerate() {
                let toml::Value::Table(t) = item else {
                    return Err(fail("group", "expected [[group]] tables".into()));
                };
                groups.push(group_from_toml(i, t, &text, &origin, &folder)?);
            }
        }
        Some(_) => return Err(fail("group", "expected [[group]] tables".into())),
    }
    let outages = scripted_outages(&table, &text, &origin)?;
    build(
        FleetHead {
            name,
            question: super::leading_comment(&text),
            shared,
            defaults,
            regions,
            every_region: Vec::new(),
            set_regions: Vec::new(),
            outages,
            notes,
            origin,
            text,
        },
        groups,
        overrides,
    )
}

/// What the fleet file says beside its groups.
struct FleetHead {
    name: String,
    question: String,
    shared: Vec<(String, toml::Value)>,
    defaults: Vec<(String, toml::Value)>,
    regions: BTreeMap<String, Vec<(String, toml::Value)>>,
    /// Region keys `--set` for every region, applied after each region's own.
    every_region: Vec<(String, toml::Value)>,
    /// `--set regions.NAME.KEY=VALUE`s, as (region, key, value): errors about them name them.
    set_regions: Vec<(String, String, String)>,
    notes: Vec<String>,
    /// `[[outage]]`: (region, start, length), in every run.
    outages: Vec<(String, i64, i64)>,
    origin: Origin,
    /// The fleet file's text (empty for an inventory), for placing errors found after parsing.
    text: String,
}

/// The one of `names` that `key` was most likely meant to be, if any is close.
fn closest<'n>(key: &str, names: &[&'n str]) -> Option<&'n str> {
    super::spelling::closest(key, names.iter().map(|&n| (n, n)), 0.8)
}

fn build(
    head: FleetHead,
    specs: Vec<GroupSpec>,
    overrides: &[Override],
) -> Result<Fleet, InputError> {
    if specs.is_empty() {
        return Err(InputError {
            origin: head.origin.clone(),
            key: Some("group".into()),
            position: None,
            message: "a fleet needs at least one [[group]] or an inventory".into(),
        });
    }
    let total: u64 = specs.iter().map(|g| g.count as u64).sum();
    if total > MAX_SERVERS {
        // Placed at the largest group's count, the one most likely to be cut.
        let largest = specs.iter().max_by_key(|g| g.count).expect("not empty");
        return Err(spec_error(
            largest,
            "count",
            format!(
                "the fleet's groups add up to {total} servers: a fleet holds at most {MAX_SERVERS}"
            ),
        ));
    }
    let (head, overrides) = &region_overrides(head, overrides)?;
    let mut groups: Vec<FleetGroup> = Vec::new();
    let mut seen: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    let mut region_names: Vec<String> = Vec::new();
    let mut targets: Vec<String> = Vec::new();
    // Regional outages scripted in groups' scenarios: (region, start, length).
    let mut group_outages: Vec<(String, crate::engine::SimTime, crate::engine::SimTime)> =
        Vec::new();
    for spec in &specs {
        // By name through a map: a scan of the groups so far made a large inventory quadratic.
        if let Some(earlier) = seen.get(spec.name.as_str()).map(|&i| &groups[i]) {
            return Err(spec_error(
                spec,
                "name",
                format!(
                    "\"{}\" names another group too ({})",
                    spec.name, earlier.source
                ),
            ));
        }
        let region = known_region(&spec.region).map_err(|e| spec_error(spec, "region", e))?;
        let mut scenario = group_scenario(head, spec, region, overrides)?;
        // A region goes down for every server in it at once, and their restores share its
        // slots: one scripted in a group's scenario becomes an outage of its region, as an
        // [[outage]] would (kept in the group, it hit that group's servers alone, uncounted).
        scenario.config.events.retain(|&(at, action)| match action {
            ServerAction::RegionOutage { duration } => {
                // Scripted in several places, overlapping, it is one outage of the region.
                group_outages.push((region.to_string(), at, duration));
                false
            }
            _ => true,
        });
        // One clock and one set of runs for the whole fleet: a group whose own scenario file
        // set another start or horizon ran on it unnoticed, its outages and months misplaced.
        if let Some(first) = groups.first() {
            let first: &Scenario = &first.scenario;
            let differs = [
                (
                    "start",
                    first.start != scenario.start,
                    first.start.to_rfc3339(),
                ),
                (
                    "horizon_days",
                    first.horizon_days != scenario.horizon_days,
                    first.horizon_days.to_string(),
                ),
                ("runs", first.runs != scenario.runs, first.runs.to_string()),
                ("seed", first.seed != scenario.seed, first.seed.to_string()),
                // The fleet's bill sums every group's: in one currency.
                (
                    "cost.currency",
                    first.config.cost.currency != scenario.config.cost.currency,
                    first.config.cost.currency.clone(),
                ),
            ]
            .into_iter()
            .find(|(_, differs, _)| *differs);
            if let Some((key, _, theirs)) = differs {
                return Err(spec_error(
                    spec,
                    key,
                    format!(
                        "differs from the first group's ({theirs}): a fleet runs every group on one start, horizon, seed and runs, and bills in one currency; set {key} once for the fleet (at the top of the file, or in [defaults])"
                    ),
                ));
            }
        }
        let target = geo_restore_target(region, Some(&scenario.config.restore.geo_restore_region))
            .unwrap_or_else(|_| scenario.config.restore.geo_restore_region.clone());
        if !region_names.iter().any(|r| r == region) {
            region_names.push(region.to_string());
        }
        targets.push(target);
        seen.insert(spec.name.as_str(), groups.len());
        groups.push(FleetGroup {
            name: spec.name.clone(),
            count: spec.count,
            home: 0,
            target: 0,
            scenario,
            source: spec.source.clone(),
        });
    }
    for target in &targets {
        if !region_names.contains(target) {
            region_names.push(target.clone());
        }
    }
    for (group, target) in groups.iter_mut().zip(&targets) {
        let home = &group.scenario.config.server.region;
        group.home = region_names.iter().position(|r| r == home).expect("listed");
        group.target = region_names
            .iter()
            .position(|r| r == target)
            .expect("listed");
    }
    let mut regions = Vec::new();
    for (i, name) in region_names.iter().enumerate() {
        regions.push(fleet_region(head, &group_outages, &groups, i, name)?);
    }
    checks::whole_fleet(&groups, &regions, &region_names, head)?;
    let mut notes = head.notes.clone();
    notes.extend(unswept(&groups));
    let first = &groups[0].scenario;
    Ok(Fleet {
        name: head.name.clone(),
        question: head.question.clone(),
        seed: first.seed,
        runs: first.runs,
        horizon_days: first.horizon_days,
        start: first.start,
        groups,
        regions,
        notes,
        sha256: String::new(),
    })
}

/// A `[sweep]` grid reaching groups (from their scenario file, `set`, [defaults] or `--set`) is
/// for `backsim sweep`: like `run`, the fleet runs each group as written, and says so once.
fn unswept(groups: &[FleetGroup]) -> Option<String> {
    let swept: Vec<&FleetGroup> = groups
        .iter()
        .filter(|g| !g.scenario.sweep.is_empty())
        .collect();
    let first = swept.first()?;
    let mut keys: Vec<&str> = swept
        .iter()
        .flat_map(|g| g.scenario.sweep.iter().map(|(k, _)| k.as_str()))
        .collect();
    keys.sort_unstable();
    keys.dedup();
    let whose = match swept.len() {
        n if n == groups.len() && n > 1 => "every group".to_string(),
        1 => format!("group {:?}", first.name),
        n => format!("{n} groups ({:?} first)", first.name),
    };
    Some(format!(
        "a [sweep] grid ({}) reaches {whose} (from a scenario file, a group's set, [defaults] or --set); it is for `backsim sweep`: the fleet runs each group as written, without it",
        keys.join(", ")
    ))
}
