//! `backsim import`: a server description becomes a scenario whose every key says where its value
//! came from; a list of servers (the `list` output, or the REST list's `value`) becomes a fleet
//! inventory with one row per server. Each result is checked to be a valid scenario.

use serde_json::Value;

use super::server_json::{server, FieldError, ImportedServer};
use crate::error::{InputError, Origin};
use crate::scenario::fleet::INVENTORY_KEYS;
use crate::scenario::{self, keys};

pub use super::server_json::{Imported, Setting};
pub use super::sku::sku_vcores;

/// What a description file holds.
#[derive(Debug, Clone)]
pub enum Import {
    Server(ImportedServer),
    Fleet(Vec<ImportedServer>),
}

/// The fleet inventory's columns, in order, with the scenario key behind each: the group's own
/// (name, count, region), then those the fleet reader takes (`INVENTORY_KEYS`).
pub fn inventory_columns() -> impl Iterator<Item = (&'static str, Option<&'static keys::Key>)> {
    [
        ("name", Some(&keys::NAME)),
        ("count", None),
        ("region", Some(&keys::REGION)),
    ]
    .into_iter()
    .chain(
        INVENTORY_KEYS
            .iter()
            .map(|&(column, key)| (column, Some(key))),
    )
}

/// Read a description: one server (an object) or several (a list, or an object whose `value`
/// is one). `origin` names the file in errors.
pub fn parse(text: &str, origin: &Origin) -> Result<Import, InputError> {
    let fail = |(key, message): FieldError| InputError {
        origin: origin.clone(),
        key: (!key.is_empty()).then_some(key),
        position: None,
        message,
    };
    let doc = super::json_document(text, origin)?;
    let is_metrics = doc
        .get("value")
        .and_then(Value::as_array)
        .and_then(|list| list.first())
        .is_some_and(|item| item.get("timeseries").is_some());
    if is_metrics {
        return Err(fail((
            String::new(),
            "this is a metrics export (`az monitor metrics list`), not a server description: give it to `backsim calibrate SCENARIO --metrics FILE`".to_string(),
        )));
    }
    let (list, prefix) = match &doc {
        Value::Array(list) => (Some(list), ""),
        Value::Object(o) if !o.contains_key("name") => match o.get("value") {
            // A list response (`az mysql flexible-server list` through the REST API) whose
            // `value` is something else is a damaged list, not a server missing its name.
            Some(other) if !other.is_array() => {
                let got = match other {
                    Value::Object(_) => "an object".to_string(),
                    scalar => scalar.to_string(),
                };
                return Err(fail((
                    "value".to_string(),
                    format!(
                        "must be a list of server descriptions (`\"value\": [{{\"name\": ...}}]`), got {got}; or give one server's description"
                    ),
                )));
            }
            value => (value.and_then(Value::as_array), "value"),
        },
        _ => (None, ""),
    };
    let Some(list) = list else {
        let one = server(&doc).map_err(fail)?;
        valid(&one).map_err(fail)?;
        return Ok(Import::Server(one));
    };
    if list.is_empty() {
        return Err(fail((prefix.to_string(), "lists no servers".to_string())));
    }
    let mut servers: Vec<ImportedServer> = Vec::with_capacity(list.len());
    // Server names are unique in the service (each is a host name): a name listed twice is the
    // same server twice, which the inventory's groups could not tell apart.
    let mut seen = std::collections::HashMap::new();
    for (i, item) in list.iter().enumerate() {
        let at = |(key, message): FieldError| {
            let key = if key.is_empty() {
                format!("{prefix}[{i}]")
            } else {
                format!("{prefix}[{i}].{key}")
            };
            fail((key, message))
        };
        let one = server(item).map_err(at)?;
        valid(&one).map_err(at)?;
        if let Some(earlier) = seen.insert(one.name.clone(), i) {
            return Err(at((
                "name".to_string(),
                format!(
                    "\"{}\" is listed already ({prefix}[{earlier}]): a fleet holds each server once",
                    one.name
                ),
            )));
        }
        servers.push(one);
    }
    Ok(Import::Fleet(servers))
}

/// The imported keys must make a valid scenario; a problem is blamed on the field behind it.
fn valid(server: &ImportedServer) -> Result<(), FieldError> {
    let text = scenario_text(server, "check");
    scenario::parse(&text, Origin::Argument(String::new()), &[])
        .map(|_| ())
        .map_err(|e| {
            let key = e.key.unwrap_or_default();
            let field = keys::find(&key)
                .and_then(|k| server.get(k))
                .filter(|k| k.from_field)
                .map(|k| k.source.split(' ').next().unwrap_or_default().to_string())
                .unwrap_or_else(|| key.clone());
            (
                field,
                format!("makes an invalid scenario ({key}): {}", e.message),
            )
        })
}

/// The scenario file of one imported server, every key with the field it came from.
pub fn scenario_text(server: &ImportedServer, from: &str) -> String {
    let tier = server
        .tier
        .as_deref()
        .map(|t| format!(", tier {}", in_comment(t)))
        .unwrap_or_default();
    let mut out = format!(
        "# {}: imported by `backsim import` from {from} (SKU {}{tier}).\n\
         # Each key says where its value came from: a field of the server description, or\n\
         # \"default: …\" where the description does not say. Fit the load to the server's metrics:\n\
         #   backsim calibrate THIS_FILE --metrics METRICS.json\n",
        in_comment(&server.name),
        in_comment(&server.sku)
    );
    for note in &server.notes {
        out.push_str(&format!("# Note: {}.\n", in_comment(note)));
    }
    out.push('\n');
    let mut table = "";
    for k in &server.keys {
        if k.key.table() != table {
            table = k.key.table();
            out.push_str(&format!("\n[{table}]\n"));
        }
        out.push_str(&format!(
            "{} = {}  # {}\n",
            k.key.name(),
            k.value.toml(),
            in_comment(&k.source)
        ));
    }
    out
}

/// Text from the description as it may stand in a comment line: a line break in it would end
/// the comment and leave the rest to be read as TOML.
fn in_comment(text: &str) -> String {
    let mut shown = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() {
            shown.extend(c.escape_default());
        } else {
            shown.push(c);
        }
    }
    shown
}

/// The fleet inventory: one row per server, count 1; a cell the description does not give is
/// left empty, so that the fleet's defaults apply.
pub fn inventory_csv(servers: &[ImportedServer]) -> Vec<u8> {
    let mut out = crate::safe_csv::SafeCsv::new(Vec::new());
    let header: Vec<&str> = inventory_columns().map(|c| c.0).collect();
    out.write_record(&header).expect("writing to memory");
    for s in servers {
        let row: Vec<String> = inventory_columns()
            .map(|(_, key)| match key {
                None => "1".to_string(),
                Some(key) => s
                    .get(key)
                    .filter(|k| k.from_field)
                    .map(|k| k.value.cell())
                    .unwrap_or_default(),
            })
            .collect();
        out.write_record(&row).expect("writing to memory");
    }
    out.into_inner().expect("writing to memory")
}
