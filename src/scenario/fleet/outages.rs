//! A fleet file's `[[outage]]` tables: the regional outages the plan asks about.

use super::*;

/// `[[outage]]` tables: a regional outage the plan asks about (region, at, hours), the same in
/// every run. `at` is an RFC 3339 time or an offset from the start ("200d").
pub(super) fn scripted_outages(
    table: &toml::Table,
    text: &str,
    origin: &Origin,
) -> Result<Vec<(String, i64, i64)>, InputError> {
    let Some(items) = table.get("outage") else {
        return Ok(Vec::new());
    };
    let toml::Value::Array(items) = items else {
        return Err(InputError {
            origin: origin.clone(),
            key: Some("outage".into()),
            position: key_position(text, "outage"),
            message: "expected [[outage]] tables with region, at and hours".into(),
        });
    };
    let start = crate::scenario::checks::start_time(table.get("start"))?;
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let fail = |key: &str, message: String| InputError {
            origin: origin.clone(),
            key: Some(format!("outage[{}].{key}", i + 1)),
            // The key's own line where it is written; the table's header otherwise (looked
            // up only for an error: for every table it made a long file quadratic).
            position: crate::scenario::spans::exact_line_col(text, &format!("outage[{i}].{key}"))
                .or_else(|| nth_position(text, "[[outage]]", i)),
            message,
        };
        let toml::Value::Table(t) = item else {
            return Err(fail("", "expected a table".into()));
        };
        if let Some(extra) = t
            .keys()
            .find(|k| !["region", "at", "hours"].contains(&k.as_str()))
        {
            return Err(fail(
                extra,
                "unknown key; an outage has region, at and hours".into(),
            ));
        }
        let region = match t.get("region") {
            Some(toml::Value::String(s)) => known_region(s).map_err(|e| fail("region", e))?,
            _ => {
                return Err(fail(
                    "region",
                    "is required: the region that goes down".into(),
                ))
            }
        };
        let at_text =
            match t.get("at") {
                Some(toml::Value::String(s)) => s.clone(),
                Some(toml::Value::Datetime(d)) => d.to_string(),
                _ => return Err(fail(
                    "at",
                    "is required: when it goes down (\"200d\" from the start, or an RFC 3339 time)"
                        .into(),
                )),
            };
        let at = crate::scenario::checks::parse_moment("at", &at_text, start, i64::MAX)
            .map_err(|e| fail("at", e.message))?;
        let hours = match t.get("hours") {
            Some(toml::Value::Integer(h)) if *h > 0 && *h <= 8_760 => *h as f64,
            Some(toml::Value::Float(h)) if *h > 0.0 && *h <= 8_760.0 => *h,
            Some(toml::Value::String(s)) => {
                let seconds = crate::scenario::checks::parse_duration("hours", s)
                    .map_err(|e| fail("hours", e.message))?;
                if seconds <= 0 || seconds > 8_760 * 3_600 {
                    return Err(fail(
                        "hours",
                        format!("must be from 1 s to a year, got \"{s}\""),
                    ));
                }
                seconds as f64 / 3_600.0
            }
            Some(other) => {
                return Err(fail(
                    "hours",
                    format!("must be how long it stays down, in hours (0 < hours ≤ 8,760) or as \"12h\", got {other}"),
                ))
            }
            None => return Err(fail(
                "hours",
                "is required: how long it stays down, in hours (0 < hours ≤ 8,760) or as \"12h\""
                    .into(),
            )),
        };
        out.push((
            region.to_string(),
            at,
            (hours * 3_600.0).round().max(1.0) as i64,
        ));
    }
    Ok(out)
}
