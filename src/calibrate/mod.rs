//! Calibration from a real server: its configuration (`import`), its backup-storage metrics
//! (`metrics`, fitted by `fit`) and its timed test restores (`restores`) replace the scenario's
//! assumptions. Pure computation on texts and scenarios: the command line reads and writes the
//! files.

mod database;
pub mod export;
mod fit;
pub mod import;
mod method_check;
pub mod metrics;
mod plausible;
pub mod restores;
pub(crate) mod series;
mod server_json;
mod shapes;
mod simulated;
mod sku;
pub mod synthetic;
mod window;
pub mod workload;

/// A JSON file read whole, or the error that names where its syntax breaks. A byte-order
/// mark (as Windows editors and PowerShell's exports start a file) is skipped, as TOML's is.
fn json_document(
    text: &str,
    origin: &crate::error::Origin,
) -> Result<serde_json::Value, crate::error::InputError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    serde_json::from_str::<Distinct>(text)
        .map(|d| d.0)
        .map_err(|e| crate::error::InputError {
            origin: origin.clone(),
            key: None,
            position: Some((e.line(), e.column())),
            message: format!("not valid JSON: {e}"),
        })
}

/// A JSON value whose objects each name a key once. serde_json keeps the last of two, so a
/// description giving "name" twice was read as the second without a word, where a scenario's
/// TOML refuses the same slip.
struct Distinct(serde_json::Value);

impl<'de> serde::Deserialize<'de> for Distinct {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(DistinctVisitor).map(Distinct)
    }
}

struct DistinctVisitor;

impl<'de> serde::de::Visitor<'de> for DistinctVisitor {
    type Value = serde_json::Value;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        Ok(v.into())
    }

    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(v.into())
    }

    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(v.into())
    }

    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        Ok(v.into())
    }

    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(v.into())
    }

    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(v.into())
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(serde_json::Value::Null)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::new();
        while let Some(Distinct(v)) = seq.next_element()? {
            items.push(v);
        }
        Ok(serde_json::Value::Array(items))
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut object = serde_json::Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if object.contains_key(&key) {
                return Err(serde::de::Error::custom(format!(
                    "\"{key}\" is given twice in one object"
                )));
            }
            let Distinct(v) = map.next_value()?;
            object.insert(key, v);
        }
        Ok(serde_json::Value::Object(object))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_json_file_may_start_with_a_byte_order_mark() {
        let origin = crate::error::Origin::File("m.json".into());
        let read = super::json_document("\u{feff}{\"value\": []}", &origin).unwrap();
        assert!(read["value"].is_array());
    }

    #[test]
    fn a_key_given_twice_in_one_object_is_refused_where_it_is() {
        let origin = crate::error::Origin::File("s.json".into());
        let err =
            super::json_document("{\"name\": \"a\",\n \"name\": \"b\"}", &origin).unwrap_err();
        assert!(
            err.message.contains("\"name\" is given twice"),
            "{}",
            err.message
        );
        assert_eq!(err.position.map(|p| p.0), Some(2));
        // The same key in two objects is no repeat; numbers read as serde_json reads them.
        let ok =
            super::json_document("[{\"a\": 1}, {\"a\": 2.5e3, \"b\": null}]", &origin).unwrap();
        assert_eq!(ok, serde_json::json!([{"a": 1}, {"a": 2500.0, "b": null}]));
    }
}

/// GB as messages write them: to `decimals`, or as 9.313e298 from a million GB on, where the
/// digits of a value no server has would fill lines and say nothing more.
fn gb_text(gb: f64, decimals: usize) -> String {
    if gb.is_finite() && gb.abs() < 1e6 {
        format!("{gb:.decimals$}")
    } else {
        format!("{gb:.3e}")
    }
}

/// A key the calibration sets: its value as TOML, how sure it is, and what it rests on.
#[derive(Debug, Clone, PartialEq)]
pub struct FittedKey {
    pub path: &'static str,
    pub value: String,
    /// "±0.31 (1 s.e.)", or empty where the value has no spread to speak of.
    pub uncertainty: String,
    pub source: String,
}
