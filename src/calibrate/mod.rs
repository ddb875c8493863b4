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
    serde_json::from_str(text).map_err(|e| crate::error::InputError {
        origin: origin.clone(),
        key: None,
        position: Some((e.line(), e.column())),
        message: format!("not valid JSON: {e}"),
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_json_file_may_start_with_a_byte_order_mark() {
        let origin = crate::error::Origin::File("m.json".into());
        let read = super::json_document("\u{feff}{\"value\": []}", &origin).unwrap();
        assert!(read["value"].is_array());
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
