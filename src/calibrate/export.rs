//! Writing series in the layout `az monitor metrics list` prints, one data point per line: what
//! `synthetic` produces from a simulation, and what the tests feed to `calibrate`.

use std::fmt::Write;

use chrono::{DateTime, Duration, FixedOffset, SecondsFormat};

use super::metrics::{iso_interval, BYTES_PER_GB};
use crate::engine::SimTime;

/// One metric to write: its name, the portal's label for it, and a value (GB) per step.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportSeries {
    pub metric: String,
    pub label: String,
    pub unit: String,
    pub gb: Vec<Option<f64>>,
}

impl ExportSeries {
    pub fn bytes(metric: &str, label: &str, gb: Vec<Option<f64>>) -> Self {
        Self {
            metric: metric.into(),
            label: label.into(),
            unit: "Bytes".into(),
            gb,
        }
    }
}

fn quoted(text: &str) -> String {
    serde_json::to_string(text).expect("a string serialises")
}

/// The export's JSON text: every series starts at `start` with one point per `step` seconds,
/// values as averages in bytes; a missing value is a point with its time only, as the service
/// writes a gap.
pub fn export_json(
    resource_id: &str,
    region: &str,
    start: DateTime<FixedOffset>,
    step: SimTime,
    series: &[ExportSeries],
) -> String {
    let points = series.iter().map(|s| s.gb.len()).max().unwrap_or(0);
    let at = |i: usize| {
        (start + Duration::seconds(i as i64 * step)).to_rfc3339_opts(SecondsFormat::Secs, false)
    };
    let end = at(points);
    let mut out = String::new();
    let _ = writeln!(out, "{{\n  \"cost\": 0,");
    let _ = writeln!(out, "  \"interval\": {},", quoted(&iso_interval(step)));
    let _ = writeln!(
        out,
        "  \"namespace\": \"Microsoft.DBforMySQL/flexibleServers\",\n  \"resourceregion\": {},",
        quoted(region)
    );
    let _ = writeln!(
        out,
        "  \"timespan\": {},",
        quoted(&format!("{}/{end}", at(0)))
    );
    let _ = writeln!(out, "  \"value\": [");
    for (k, s) in series.iter().enumerate() {
        let _ = writeln!(out, "    {{\n      \"errorCode\": \"Success\",");
        let _ = writeln!(
            out,
            "      \"id\": {},",
            quoted(&format!(
                "{resource_id}/providers/Microsoft.Insights/metrics/{}",
                s.metric
            ))
        );
        let _ = writeln!(
            out,
            "      \"name\": {{ \"localizedValue\": {}, \"value\": {} }},",
            quoted(&s.label),
            quoted(&s.metric)
        );
        let _ = writeln!(
            out,
            "      \"timeseries\": [\n        {{\n          \"data\": ["
        );
        for (i, v) in s.gb.iter().enumerate() {
            let comma = if i + 1 < s.gb.len() { "," } else { "" };
            let _ = match v {
                Some(gb) => writeln!(
                    out,
                    "            {{ \"average\": {:.0}, \"timeStamp\": {} }}{comma}",
                    gb * BYTES_PER_GB,
                    quoted(&at(i))
                ),
                None => writeln!(
                    out,
                    "            {{ \"timeStamp\": {} }}{comma}",
                    quoted(&at(i))
                ),
            };
        }
        let _ = writeln!(
            out,
            "          ],\n          \"metadatavalues\": []\n        }}\n      ],"
        );
        let comma = if k + 1 < series.len() { "," } else { "" };
        let _ = writeln!(
            out,
            "      \"type\": \"Microsoft.Insights/metrics\",\n      \"unit\": {}\n    }}{comma}",
            quoted(&s.unit)
        );
    }
    let _ = writeln!(out, "  ]\n}}");
    out
}
