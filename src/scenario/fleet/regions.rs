//! The regions a fleet shares: their keys, the `--set`s that reach them, and each region's
//! restore slots, other tenants and outages.

use super::places::region_position;
use super::*;

/// A region's keys in a fleet's `[regions.NAME]` table, and the scenario key each stands for
/// (the default is the first group's value there).
pub(super) const REGION_KEYS: [(&str, &str); 7] = [
    ("slots_per_region", "restore.slots_per_region"),
    (
        "background_restores_per_hour",
        "restore.background_restores_per_hour",
    ),
    (
        "background_restore_minutes",
        "restore.background_restore_minutes",
    ),
    ("outage_restore_surge", "restore.outage_restore_surge"),
    ("region_outages_per_year", "outages.region_outages_per_year"),
    ("region_outage_hours", "outages.region_outage_hours"),
    ("region_outage_cv", "outages.region_outage_cv"),
];

/// `--set` keys that belong to the regions: `regions.NAME.KEY` for one region, and a region's
/// scenario key (`restore.slots_per_region`) for every region. Both go after the file's
/// `[regions.NAME]` tables, as `--set` overrides the file. Every key but `regions.…` also goes to
/// every group, whose scenario checks its value and records it.
pub(super) fn region_overrides(
    mut head: FleetHead,
    overrides: &[Override],
) -> Result<(FleetHead, Vec<Override>), InputError> {
    let mut rest = Vec::new();
    let mut every_region = Vec::new();
    for o in overrides {
        let refused = |message: String| InputError {
            origin: Origin::Argument(format!("--set {}={}", o.key, o.value)),
            key: Some(o.key.clone()),
            position: None,
            message,
        };
        // The fleet file's own structure is not a scenario key: `--set outage=[]` was told
        // that `outage` belongs to a fleet file, on the very command running one.
        let top = o.key.split(['.', '[']).next().unwrap_or_default();
        if ["defaults", "group", "outage", "inventory", "regions"].contains(&o.key.as_str())
            || (top != "regions" && ["defaults", "group", "outage", "inventory"].contains(&top))
        {
            return Err(refused(format!(
                "`{top}` is the fleet file's own, which --set does not change: edit the file (--set takes scenario keys for every group, and regions.NAME.KEY for a region)"
            )));
        }
        // Each group's region and name are its own: set over every group, a region moved the
        // whole fleet (and one outside it panicked), a name made every group the same.
        let within = |table: &str, key: &str| {
            o.key == table && matches!(o.toml_value(), toml::Value::Table(t) if t.contains_key(key))
        };
        if o.key == "server.region" || within("server", "region") {
            return Err(refused(
                "a group's region is its own: set it with the group's region (or the inventory's region column)".into(),
            ));
        }
        if o.key == "name" {
            return Err(refused(
                "each group's name is its own; the fleet's name is the file's name key".into(),
            ));
        }
        if let Some(path) = o.key.strip_prefix("regions.") {
            let Some((region, key)) = path.rsplit_once('.') else {
                return Err(refused(
                    "expected regions.NAME.KEY, e.g. regions.eastus.slots_per_region=32".into(),
                ));
            };
            let canonical = known_region(region).map_err(refused)?;
            let Some((_, scenario_key)) = REGION_KEYS.iter().find(|(k, _)| *k == key) else {
                let names: Vec<&str> = REGION_KEYS.iter().map(|(k, _)| *k).collect();
                let hint =
                    closest(key, &names).map_or(String::new(), |k| format!("did you mean `{k}`? "));
                return Err(refused(format!(
                    "unknown region key; {hint}a region takes {}",
                    names.join(", ")
                )));
            };
            // The value is checked here, so that a bad one is blamed on the --set.
            let probe = Override {
                key: scenario_key.to_string(),
                value: o.value.clone(),
            };
            parse_one("name = \"region\"", &head.origin, &[probe])
                .map_err(|e| refused(e.message))?;
            head.set_regions
                .push((canonical.to_string(), o.key.clone(), o.value.clone()));
            head.regions
                .entry(canonical.to_string())
                .or_default()
                .push((scenario_key.to_string(), o.toml_value()));
        } else if REGION_KEYS.iter().any(|(_, s)| *s == o.key) {
            every_region.push((o.key.clone(), o.toml_value()));
            rest.push(o.clone());
        } else {
            // A table holding region keys (`restore={slots_per_region=1}`) sets every region
            // as the dotted keys would: read for the groups alone, it left the regions as
            // they were.
            if let toml::Value::Table(table) = o.toml_value() {
                for (path, value) in flatten(&o.key, &table) {
                    if REGION_KEYS.iter().any(|(_, s)| *s == path) {
                        every_region.push((path, value));
                    }
                }
            }
            rest.push(o.clone());
        }
    }
    head.every_region = every_region;
    Ok((head, rest))
}

/// The settings a server's scenario gives its region, by key.
fn region_settings(c: &crate::model::Config) -> [(&'static str, f64); 7] {
    [
        (
            "restore.slots_per_region",
            c.restore.slots_per_region as f64,
        ),
        (
            "restore.background_restores_per_hour",
            c.restore.background_restores_per_hour,
        ),
        (
            "restore.background_restore_minutes",
            c.restore.background_restore_duration as f64 / 60.0,
        ),
        (
            "restore.outage_restore_surge",
            c.restore.outage_restore_surge,
        ),
        (
            "outages.region_outages_per_year",
            c.outages.region_outages_per_year,
        ),
        ("outages.region_outage_hours", c.outages.region_outage_hours),
        ("outages.region_outage_cv", c.outages.region_outage_cv),
    ]
}

/// Region `i` of the fleet: the first group there (or restoring there) gives the defaults, the
/// fleet's `[regions.NAME]` table overrides them.
pub(super) fn fleet_region(
    head: &FleetHead,
    group_outages: &[(String, crate::engine::SimTime, crate::engine::SimTime)],
    groups: &[FleetGroup],
    i: usize,
    name: &str,
) -> Result<FleetRegion, InputError> {
    let home_of = groups.iter().find(|g| g.home == i);
    let reference = home_of
        .or_else(|| groups.iter().find(|g| g.target == i))
        .expect("every region is a home or a target");
    // The region's settings come from its first group: another group there whose own scenario
    // file gave other ones would be ignored without a word.
    // (Unless the fleet sets the key for the region, which then holds whatever they say.)
    let set_for_region = |key: &str| {
        head.regions
            .get(name)
            .into_iter()
            .flatten()
            .chain(&head.every_region)
            .any(|(k, _)| k == key)
    };
    if let Some(g) = home_of {
        let mine = region_settings(&g.scenario.config);
        for other in groups.iter().filter(|o| o.home == i) {
            let theirs = region_settings(&other.scenario.config);
            if let Some(((key, a), (_, b))) = mine
                .iter()
                .zip(&theirs)
                .find(|(a, b)| a.1 != b.1 && !set_for_region(a.0))
            {
                return Err(InputError {
                    origin: head.origin.clone(),
                    key: Some(format!("group \"{}\": {key}", other.name)),
                    position: places::group_name_position(&head.text, &other.name),
                    message: format!(
                        "{b} from its scenario, where group \"{}\" in the same region has {a}: a region's settings are the region's; give them once under [regions.{name}]",
                        g.name
                    ),
                });
            }
        }
    }
    let mut config = reference.scenario.config.clone();
    // A --set for this region alone wins over one for every region, whichever came first.
    let set_here: Vec<&str> = head
        .set_regions
        .iter()
        .filter(|(region, _, _)| region == name)
        .filter_map(|(_, key, _)| {
            let region_key = key.rsplit('.').next()?;
            REGION_KEYS
                .iter()
                .find(|(r, _)| *r == region_key)
                .map(|(_, s)| *s)
        })
        .collect();
    let keys: Vec<(String, toml::Value)> = head
        .regions
        .get(name)
        .into_iter()
        .flatten()
        .chain(
            head.every_region
                .iter()
                .filter(|(key, _)| !set_here.contains(&key.as_str())),
        )
        .cloned()
        .collect();
    if !keys.is_empty() {
        let overrides: Vec<Override> = keys
            .iter()
            .map(|(k, v)| Override {
                key: k.clone(),
                value: v.to_string(),
            })
            .collect();
        let probe = parse_one("name = \"region\"", &head.origin, &overrides).map_err(|e| {
            let key = format!(
                "regions.{name}.{}",
                e.key
                    .as_deref()
                    .and_then(|k| REGION_KEYS.iter().find(|(_, s)| *s == k).map(|(r, _)| *r))
                    .unwrap_or("?")
            );
            InputError {
                origin: head.origin.clone(),
                // The key's own line where it is written; the region's header otherwise.
                position: crate::scenario::spans::exact_line_col(&head.text, &key)
                    .or_else(|| region_position(&head.text, name)),
                key: Some(key),
                message: e.message,
            }
        })?;
        for (key, _) in &keys {
            let p = &probe.config;
            match key.as_str() {
                "restore.slots_per_region" => {
                    config.restore.slots_per_region = p.restore.slots_per_region
                }
                "restore.background_restores_per_hour" => {
                    config.restore.background_restores_per_hour =
                        p.restore.background_restores_per_hour
                }
                "restore.background_restore_minutes" => {
                    config.restore.background_restore_duration =
                        p.restore.background_restore_duration
                }
                "restore.outage_restore_surge" => {
                    config.restore.outage_restore_surge = p.restore.outage_restore_surge
                }
                "outages.region_outages_per_year" => {
                    config.outages.region_outages_per_year = p.outages.region_outages_per_year
                }
                "outages.region_outage_hours" => {
                    config.outages.region_outage_hours = p.outages.region_outage_hours
                }
                "outages.region_outage_cv" => {
                    config.outages.region_outage_cv = p.outages.region_outage_cv
                }
                _ => {}
            }
        }
    }
    let [home, target] = RegionSpec::home_and_target(&config.restore);
    let everyday = home_of.is_some();
    Ok(FleetRegion {
        name: name.to_string(),
        spec: if everyday { home } else { target },
        outages_per_year: if everyday {
            config.outages.region_outages_per_year
        } else {
            0.0
        },
        outage_hours: config.outages.region_outage_hours,
        outage_cv: config.outages.region_outage_cv,
        scripted: head
            .outages
            .iter()
            .chain(group_outages)
            .filter(|(region, _, _)| region == name)
            .map(|&(_, at, length)| (at, length))
            .collect(),
    })
}
