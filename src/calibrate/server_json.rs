//! A server's description as Azure gives it: the REST API's GET body (settings under
//! `properties`, `storageSizeGB`) or the command-line tool's `show` output (the same settings at
//! the top level, `storageSizeGb`). Each setting becomes a scenario key with the field it came
//! from, or the key's default and why.

use serde_json::Value;

use super::sku::sku_vcores;
use crate::model::known_region;
use crate::scenario::keys::{self, Key};

/// A scenario value as read.
#[derive(Debug, Clone, PartialEq)]
pub enum Setting {
    Text(String),
    Number(f64),
    Whole(i64),
}

impl Setting {
    pub fn toml(&self) -> String {
        match self {
            // TOML's own escaping: a name holding a quote, a backslash or a line break read
            // back as another name, or not at all.
            Setting::Text(t) => toml::Value::String(t.clone()).to_string(),
            Setting::Number(v) => keys::number_text(*v),
            Setting::Whole(v) => v.to_string(),
        }
    }

    pub fn cell(&self) -> String {
        match self {
            Setting::Text(t) => t.clone(),
            Setting::Number(v) => v.to_string(),
            Setting::Whole(v) => v.to_string(),
        }
    }
}

/// One scenario key of an imported server.
#[derive(Debug, Clone)]
pub struct Imported {
    pub key: &'static Key,
    pub value: Setting,
    /// Read from the description (false: a default, which the inventory leaves empty).
    pub from_field: bool,
    /// The field it came from, or "default: …" and why.
    pub source: String,
}

/// A server as a scenario: its name, SKU and keys in the template's order.
#[derive(Debug, Clone)]
pub struct ImportedServer {
    pub name: String,
    pub sku: String,
    pub tier: Option<String>,
    pub keys: Vec<Imported>,
    /// What the description says that backsim does not model.
    pub notes: Vec<String>,
}

impl ImportedServer {
    pub fn get(&self, key: &Key) -> Option<&Imported> {
        self.keys.iter().find(|k| k.key.path == key.path)
    }
}

/// The server states the service reports; Stopped and Stopping are the ones a plan must heed.
const KNOWN_STATES: [&str; 7] = [
    "Ready", "Starting", "Stopping", "Stopped", "Updating", "Disabled", "Dropping",
];

/// A stopped server takes no backups and has no free backup storage (B7, S4), yet the
/// scenario describes it running: said, with the event that would model it stopped.
fn stopped_note(f: &Fields<'_>, notes: &mut Vec<String>) -> Result<(), FieldError> {
    if let Some((field, v)) = f.setting(&["state"])? {
        let state = text(&field, v)?;
        if ["Stopped", "Stopping"]
            .iter()
            .any(|s| state.eq_ignore_ascii_case(s))
        {
            notes.push(format!(
                "{field} is \"{state}\": the scenario simulates the server running; a stopped server takes no backups and has no free backup storage, so to plan it as it is, add [[events]] at = \"0d\" action = \"stop\""
            ));
        } else if !KNOWN_STATES.iter().any(|s| state.eq_ignore_ascii_case(s)) {
            // A typo or a state added since: read as running, but never silently.
            notes.push(format!(
                "{field} is \"{state}\", not a state backsim knows ({}): the scenario simulates the server running",
                KNOWN_STATES.join(", ")
            ));
        }
    }
    Ok(())
}

/// A field that is wrong: its path in the JSON and what is allowed.
pub type FieldError = (String, String);

/// Where the settings sit: under `properties` (REST) or at the top (`show`).
struct Fields<'a> {
    root: &'a Value,
    rest: bool,
}

impl<'a> Fields<'a> {
    fn new(root: &'a Value) -> Self {
        Self {
            root,
            rest: root.get("properties").is_some_and(Value::is_object),
        }
    }

    /// The setting at `path` (names compared without case: `storageSizeGB` = `storageSizeGb`),
    /// with the path as this shape writes it; None when it is absent (or null). A field on the
    /// way that is there but no object is an error: taken as absent, it turned a garbled
    /// description into one of defaults without a word.
    fn setting(&self, path: &[&str]) -> Result<Option<(String, &'a Value)>, FieldError> {
        let (mut at, mut shown) = if self.rest {
            match self.root.get("properties") {
                Some(p) => (p, String::from("properties")),
                None => return Ok(None),
            }
        } else {
            (self.root, String::new())
        };
        for part in path {
            let Some(object) = at.as_object() else {
                if at.is_null() {
                    return Ok(None);
                }
                return Err((shown, format!("must be an object holding {part}, got {at}")));
            };
            let Some((name, value)) = object.iter().find(|(k, _)| k.eq_ignore_ascii_case(part))
            else {
                return Ok(None);
            };
            if !shown.is_empty() {
                shown.push('.');
            }
            shown.push_str(name);
            at = value;
        }
        Ok((!at.is_null()).then_some((shown, at)))
    }

    /// How the path would be written in this shape, for a missing field.
    fn path(&self, path: &[&str]) -> String {
        let joined = path.join(".");
        if self.rest {
            format!("properties.{joined}")
        } else {
            joined
        }
    }
}

fn text<'v>(field: &str, v: &'v Value) -> Result<&'v str, FieldError> {
    v.as_str()
        .ok_or_else(|| (field.to_string(), format!("must be text, got {v}")))
}

fn whole(field: &str, v: &Value, min: i64, max: i64) -> Result<i64, FieldError> {
    match v.as_f64() {
        Some(n) if n.fract() == 0.0 && (min as f64..=max as f64).contains(&n) => Ok(n as i64),
        _ => Err((
            field.to_string(),
            format!("must be a whole number from {min} to {max}, got {v}"),
        )),
    }
}

fn field_of(root: &Value, name: &str) -> Option<(String, Value)> {
    root.get(name)
        .filter(|v| !v.is_null())
        .map(|v| (name.to_string(), v.clone()))
}

fn required(root: &Value, name: &str, example: &str) -> Result<(String, Value), FieldError> {
    field_of(root, name).ok_or_else(|| {
        (
            name.to_string(),
            format!("is missing; the server description needs it, e.g. {example}"),
        )
    })
}

/// One server's description as scenario keys.
pub fn server(root: &Value) -> Result<ImportedServer, FieldError> {
    if !root.is_object() {
        return Err((
            String::new(),
            "expected a server description (a JSON object) or a list of them".into(),
        ));
    }
    // A REST body keeps its settings under `properties`: one that is there but no object
    // would otherwise send the reading to the top level, where nothing is found.
    if let Some(p) = root
        .get("properties")
        .filter(|p| !p.is_object() && !p.is_null())
    {
        return Err((
            "properties".into(),
            format!("must be an object holding the server's settings, got {p}"),
        ));
    }
    let f = Fields::new(root);
    let (name_field, name) = required(root, "name", "\"name\": \"prod-mysql-01\"")?;
    let name = text(&name_field, &name)?.to_string();
    let sku_value = root.get("sku").filter(|v| v.is_object());
    let sku = match sku_value.and_then(|s| s.get("name")) {
        Some(v) => text("sku.name", v)?.to_string(),
        None => {
            return Err((
                "sku.name".into(),
                "is missing; vCores come from it, e.g. \"Standard_D2ds_v4\"".into(),
            ))
        }
    };
    let vcores = sku_vcores(&sku).ok_or_else(|| {
        (
            "sku.name".to_string(),
            format!("\"{sku}\" is not a SKU backsim knows: expected Standard_<family B, D, E or M><vCores><features>[_v<version>], such as Standard_B1ms, Standard_D2ds_v4 or Standard_E16ds_v5"),
        )
    })?;
    let tier = sku_value
        .and_then(|s| s.get("tier"))
        .and_then(Value::as_str)
        .map(str::to_string);
    let (location_field, location) = required(root, "location", "\"location\": \"eastus\"")?;
    let location = text(&location_field, &location)?;
    let region = known_region(location).map_err(|e| (location_field.clone(), e))?;
    let mut keys = vec![Imported {
        key: &keys::NAME,
        value: Setting::Text(name.clone()),
        from_field: true,
        source: name_field,
    }];
    let mut notes = Vec::new();
    server_keys(&f, vcores, &sku, (region, location), &mut keys)?;
    backup_keys(&f, &mut keys, &mut notes)?;
    stopped_note(&f, &mut notes)?;
    keys.sort_by_key(|k| keys::ALL.iter().position(|a| a.path == k.key.path));
    Ok(ImportedServer {
        name,
        sku,
        tier,
        keys,
        notes,
    })
}

fn from(key: &'static Key, value: Setting, source: String) -> Imported {
    Imported {
        key,
        value,
        from_field: true,
        source,
    }
}

fn default(key: &'static Key, value: Setting, why: &str) -> Imported {
    Imported {
        key,
        value,
        from_field: false,
        // A documented default (7 days' retention) is not an assumption: labelled as the
        // template and report.md label it. Any other value the server did not give is one.
        source: match key.source {
            keys::Source::Documented => format!("default: documented ({why})"),
            _ => format!("default: assumption ({why})"),
        },
    }
}

fn server_keys(
    f: &Fields<'_>,
    vcores: u32,
    sku: &str,
    (region, location): (&str, &str),
    keys: &mut Vec<Imported>,
) -> Result<(), FieldError> {
    keys.push(from(
        &keys::VCORES,
        Setting::Whole(vcores as i64),
        format!("sku.name \"{sku}\""),
    ));
    keys.push(from(
        &keys::REGION,
        Setting::Text(region.to_string()),
        format!("location \"{location}\""),
    ));
    storage_keys(f, keys)?;
    keys.push(version(f)?);
    keys.push(high_availability(f)?);
    Ok(())
}

/// The provisioned storage, and the two sizes the description cannot give.
fn storage_keys(f: &Fields<'_>, keys: &mut Vec<Imported>) -> Result<(), FieldError> {
    let provisioned = match f.setting(&["storage", "storageSizeGB"])? {
        Some((field, v)) => {
            let gb = whole(&field, v, 20, 16_384)?;
            keys.push(from(&keys::PROVISIONED, Setting::Number(gb as f64), field));
            gb as f64
        }
        None => {
            let why = format!("{} absent", f.path(&["storage", "storageSizeGB"]));
            keys.push(default(&keys::PROVISIONED, Setting::Number(250.0), &why));
            250.0
        }
    };
    // The description has no database size; the default must still fit the storage.
    let db = if provisioned >= 200.0 {
        100.0
    } else {
        provisioned / 2.0
    };
    let why = if db == 100.0 {
        "not in the server description; calibrate fits it from data_storage_used"
    } else {
        "half the provisioned storage, not in the server description; calibrate fits it from data_storage_used"
    };
    keys.push(default(&keys::DB_SIZE, Setting::Number(db), why));
    keys.push(default(
        &keys::BINLOG,
        Setting::Number(25.0),
        "not in the server description; calibrate fits it from backup_storage_used",
    ));
    Ok(())
}

fn version(f: &Fields<'_>) -> Result<Imported, FieldError> {
    Ok(match f.setting(&["version"])? {
        Some((field, v)) => {
            let version = text(&field, v)?;
            let modelled = match version {
                v if v.starts_with("5.7") => "5.7",
                v if v.starts_with("8.") => "8.0",
                _ => {
                    return Err((
                        field,
                        format!("\"{version}\" is not a MySQL version backsim models: 5.7 or 8.x"),
                    ))
                }
            };
            let shown = if version.starts_with("8.") && !version.starts_with("8.0") {
                format!("{field} \"{version}\", modelled as 8.0")
            } else {
                format!("{field} \"{version}\"")
            };
            from(&keys::MYSQL_VERSION, Setting::Text(modelled.into()), shown)
        }
        None => default(
            &keys::MYSQL_VERSION,
            Setting::Text("8.0".into()),
            &format!("{} absent", f.path(&["version"])),
        ),
    })
}

fn high_availability(f: &Fields<'_>) -> Result<Imported, FieldError> {
    Ok(match f.setting(&["highAvailability", "mode"])? {
        Some((field, v)) => {
            let mode = text(&field, v)?;
            let ha = match mode.to_ascii_lowercase().as_str() {
                "disabled" => "none",
                "samezone" => "same-zone",
                "zoneredundant" => "zone-redundant",
                _ => {
                    return Err((
                        field,
                        format!(
                        "must be \"Disabled\", \"SameZone\" or \"ZoneRedundant\", got \"{mode}\""
                    ),
                    ))
                }
            };
            from(
                &keys::HA,
                Setting::Text(ha.into()),
                format!("{field} \"{mode}\""),
            )
        }
        None => default(
            &keys::HA,
            Setting::Text("none".into()),
            &format!("{} absent", f.path(&["highAvailability", "mode"])),
        ),
    })
}

fn backup_keys(
    f: &Fields<'_>,
    keys: &mut Vec<Imported>,
    notes: &mut Vec<String>,
) -> Result<(), FieldError> {
    keys.push(match f.setting(&["backup", "backupRetentionDays"])? {
        Some((field, v)) => from(
            &keys::RETENTION,
            Setting::Whole(whole(&field, v, 1, 35)?),
            field,
        ),
        None => default(
            &keys::RETENTION,
            Setting::Whole(7),
            &format!("{} absent", f.path(&["backup", "backupRetentionDays"])),
        ),
    });
    let zone_ha = keys
        .iter()
        .any(|k| k.key.path == keys::HA.path && k.value == Setting::Text("zone-redundant".into()));
    let local = if zone_ha { "zone" } else { "local" };
    keys.push(match f.setting(&["backup", "geoRedundantBackup"])? {
        Some((field, v)) => {
            let geo = text(&field, v)?;
            let redundancy = match geo.to_ascii_lowercase().as_str() {
                "enabled" => "geo",
                "disabled" => local,
                _ => {
                    return Err((
                        field,
                        format!("must be \"Enabled\" or \"Disabled\", got \"{geo}\""),
                    ))
                }
            };
            let why = if redundancy == "zone" {
                format!("{field} \"{geo}\" with zone-redundant HA: zone-redundant backups (D2)")
            } else {
                format!("{field} \"{geo}\"")
            };
            from(&keys::REDUNDANCY, Setting::Text(redundancy.into()), why)
        }
        None => default(
            &keys::REDUNDANCY,
            Setting::Text(local.into()),
            &format!("{} absent", f.path(&["backup", "geoRedundantBackup"])),
        ),
    });
    if let Some((field, v)) = f.setting(&["backup", "backupIntervalHours"])? {
        let hours = whole(&field, v, 1, 24 * 7)?;
        if hours != 24 {
            notes.push(format!(
                "{field} is {hours}: backsim takes one snapshot a day (B1), so the scenario keeps that"
            ));
        }
    }
    Ok(())
}
