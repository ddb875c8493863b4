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

/// The most servers a list may give: each becomes a row of the inventory, and no more rows fit
/// the file `backsim fleet` reads even at their shortest (a one-letter name, count 1, every
/// other cell empty). Every server's scenario is held until the inventory is written: 200,000
/// of them took a gigabyte.
pub const MAX_LISTED: usize = scenario::MAX_FILE_BYTES / (3 + INVENTORY_KEYS.len() + 2);

/// Read a description: one server (an object) or several (a list, or an object whose `value`
/// is one). `origin` names the file in errors.
pub fn parse(text: &str, origin: &Origin) -> Result<Import, InputError> {
    let fail = |(key, message): FieldError| InputError {
        origin: origin.clone(),
        key: (!key.is_empty()).then_some(key),
        position: None,
        message,
    };
    // Counted before the document is built: the whole list as JSON values took eight times
    // the file.
    if let Some((count, prefix)) = listed(text).filter(|&(n, _)| n > MAX_LISTED) {
        return Err(fail((
            prefix.to_string(),
            format!(
                "lists {count} servers; at most {MAX_LISTED} fit the {} KiB inventory `backsim fleet` reads (one row each): import the list in parts (one per region or resource group, say), each a fleet of its own",
                scenario::MAX_FILE_BYTES / 1024
            ),
        )));
    }
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

/// How many servers a list gives (a list, or an object without a name whose `value` is one),
/// and where: counted in one pass that keeps none of them. None for anything else, broken JSON
/// included, which the parse that follows reports.
fn listed(text: &str) -> Option<(usize, &'static str)> {
    use serde::de::{Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
    use std::fmt;

    struct Length;
    impl<'de> Visitor<'de> for Length {
        type Value = Option<usize>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("any JSON value")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut n = 0;
            while seq.next_element::<IgnoredAny>()?.is_some() {
                n += 1;
            }
            Ok(Some(n))
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            Ok(None)
        }
        fn visit_unit<E>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
            Ok(None)
        }
    }
    struct LengthOf(Option<usize>);
    impl<'de> serde::Deserialize<'de> for LengthOf {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            d.deserialize_any(Length).map(LengthOf)
        }
    }
    struct Listed;
    impl<'de> Visitor<'de> for Listed {
        type Value = Option<(usize, &'static str)>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a server description or a list of them")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
            Length.visit_seq(seq).map(|n| n.map(|n| (n, "")))
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let (mut named, mut value) = (false, None);
            while let Some(key) = map.next_key::<String>()? {
                match key.as_str() {
                    "value" => value = map.next_value::<LengthOf>()?.0,
                    _ => {
                        named |= key == "name";
                        map.next_value::<IgnoredAny>()?;
                    }
                }
            }
            Ok(value.filter(|_| !named).map(|n| (n, "value")))
        }
    }
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    serde_json::Deserializer::from_str(text)
        .deserialize_any(Listed)
        .ok()
        .flatten()
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
