//! The metrics export of `az monitor metrics list` (JSON): `value[]` holds one metric each, with
//! `name.value`, `unit` and `timeseries[].data[] {timeStamp, average, maximum, minimum, total}`.
//! Only the storage metrics calibration reads are kept, each as a regular series in GB.
//! `backup_storage_used` is required and its problems are errors; a problem with an optional
//! metric is a warning, and that metric is left out.

use chrono::DateTime;
use serde_json::Value;

use super::series::grid;
pub use super::series::{iso_interval, timestamp, Series};
use crate::engine::{SimTime, DAY, HOUR};
use crate::error::{InputError, Origin};

pub const BACKUP: &str = "backup_storage_used";
pub const STORAGE: &str = "storage_used";
pub const DATA: &str = "data_storage_used";
pub const BINLOG: &str = "binlog_storage_used";

/// The service's storage metrics count bytes; backsim's GB is 2³⁰ of them, as the portal shows.
pub const BYTES_PER_GB: f64 = 1_073_741_824.0;

/// Calibration needs a few daily snapshots and the growth between them.
pub const MIN_DAYS: f64 = 3.0;
/// The longest span fitted: the simulation runs a full backup set (up to the longest retention
/// and two days) and up to a day more before the first point, all within the horizon a scenario
/// may have; a longer one was refused as a horizon_days the user never wrote.
pub const MAX_DAYS: f64 = {
    use crate::scenario::keys::{Kind, HORIZON_DAYS, RETENTION};
    let (Kind::Number { max: horizon, .. }, Kind::Integer { max: retention, .. }) =
        (HORIZON_DAYS.kind, RETENTION.kind)
    else {
        panic!("horizon_days is a number and backup.retention_days an integer")
    };
    horizon - retention as f64 - 3.0
};
/// Coarser points cannot show the daily snapshot against the growth between snapshots.
pub const MAX_STEP: SimTime = 6 * HOUR;
/// More missing points than this share and the series says too little.
const MAX_MISSING_SHARE: f64 = 0.25;
/// No server's storage stays below a megabyte (an empty MySQL data directory alone is larger):
/// a metric that does was converted to GB (or MB) before it was saved, whatever its unit says.
const MIN_PLAUSIBLE_BYTES: f64 = 1e6;

/// The metrics calibration reads, and what was wrong with the optional ones.
#[derive(Debug, Clone, PartialEq)]
pub struct Metrics {
    /// Hourly or up to six-hourly: the fit compares the simulation with it point by point.
    pub backup: Series,
    pub storage: Option<Series>,
    pub data: Option<Series>,
    pub binlog: Option<Series>,
    pub warnings: Vec<String>,
    /// The server the metrics are of, from a metric's resource id (`…/flexibleServers/NAME/…`),
    /// with the field it was read from.
    pub server: Option<(String, String)>,
    /// The export's file, which errors about its values name.
    pub origin: Origin,
}

/// The server named by a resource id: the segment after `flexibleServers` (or `servers`).
fn server_of(id: &str) -> Option<&str> {
    let mut segments = id.split('/');
    segments
        .find(|s| s.eq_ignore_ascii_case("flexibleServers") || s.eq_ignore_ascii_case("servers"))?;
    segments.next().filter(|name| !name.is_empty())
}

/// Read an export. `origin` names the file in errors.
pub fn parse(text: &str, origin: &Origin) -> Result<Metrics, InputError> {
    let fail = |key: String, message: String| InputError {
        origin: origin.clone(),
        key: Some(key),
        position: None,
        message,
    };
    let doc = super::json_document(text, origin).map_err(|mut e| {
        // The portal's "Download to CSV" is the other way to save metrics, and the JSON
        // parser's complaint about it ("expected ident") does not say so.
        let start = text.trim_start_matches('\u{feff}').trim_start();
        if !start.starts_with(['{', '[']) {
            e.message.push_str(
                "; the metrics must be the JSON of `az monitor metrics list` (not the portal's CSV download)",
            );
        }
        e
    })?;
    let Some(list) = doc.get("value").and_then(Value::as_array) else {
        return Err(fail(
            "value".into(),
            "expected the output of `az monitor metrics list`: an object whose \"value\" lists the metrics".into(),
        ));
    };
    let mut warnings = Vec::new();
    let server = list.iter().enumerate().find_map(|(i, entry)| {
        let name = server_of(entry.get("id")?.as_str()?)?;
        Some((name.to_string(), format!("value[{i}].id")))
    });
    let mut found: Vec<Series> = Vec::new();
    for (i, entry) in list.iter().enumerate() {
        let Some(name) = entry.pointer("/name/value").and_then(Value::as_str) else {
            return Err(fail(
                format!("value[{i}].name.value"),
                "every metric needs its name, e.g. \"backup_storage_used\"".into(),
            ));
        };
        let Some(metric) = [BACKUP, STORAGE, DATA, BINLOG]
            .into_iter()
            .find(|m| *m == name)
        else {
            continue;
        };
        if found.iter().any(|s| s.metric == metric) {
            return Err(fail(
                metric.into(),
                "appears twice; export each metric once".into(),
            ));
        }
        match series(metric, entry) {
            Ok(s) => found.push(s),
            Err((key, message)) if metric == BACKUP => return Err(fail(key, message)),
            Err((key, message)) => {
                warnings.push(format!("{key}: {message}; calibration goes on without it"))
            }
        }
    }
    let take = |name: &str, found: &mut Vec<Series>| {
        found
            .iter()
            .position(|s| s.metric == name)
            .map(|i| found.remove(i))
    };
    let Some(backup) = take(BACKUP, &mut found) else {
        return Err(fail(
            BACKUP.into(),
            "is missing: calibration fits the load to it. Export it with `az monitor metrics list --resource SERVER_ID --metrics backup_storage_used storage_used data_storage_used binlog_storage_used --interval PT1H --aggregation Average --start-time … --end-time …` over a month".into(),
        ));
    };
    let backup = check_backup(backup.hourly()).map_err(|m| fail(BACKUP.into(), m))?;
    let missing = backup.missing();
    if missing > 0 {
        let first = backup.gb.iter().position(Option::is_none).unwrap_or(0);
        warnings.push(format!(
            "{BACKUP}: {missing} of {} points have no value (the first at {}); the fit leaves them out",
            backup.gb.len(),
            timestamp(backup.start + chrono::Duration::seconds(first as i64 * backup.step))
        ));
    }
    Ok(Metrics {
        storage: take(STORAGE, &mut found),
        data: take(DATA, &mut found),
        binlog: take(BINLOG, &mut found),
        backup,
        warnings,
        server,
        origin: origin.clone(),
    })
}

/// The backup series must be long, fine and complete enough to fit.
fn check_backup(s: Series) -> Result<Series, String> {
    if s.step > MAX_STEP || s.step % HOUR != 0 || DAY % s.step != 0 {
        return Err(format!(
            "has one point every {}; calibration needs points every hour (PT1H; at most {}) to see each daily snapshot: export with --interval PT1H",
            iso_interval(s.step),
            iso_interval(MAX_STEP)
        ));
    }
    // In whole hours, which the span is: "3.0 days" for 71 hours read as enough.
    let hours = s.gb.len().saturating_sub(1) as SimTime * s.step / HOUR;
    if s.span_days() < MIN_DAYS {
        return Err(format!(
            "covers {hours} hours ({} points at {}); calibration needs at least {MIN_DAYS} days ({} hours), and a month resolves the daily and weekly load shapes: export a longer --start-time/--end-time",
            s.gb.len(),
            iso_interval(s.step),
            MIN_DAYS * 24.0
        ));
    }
    if s.span_days() > MAX_DAYS {
        return Err(format!(
            "covers {:.1} days ({} points at {}); calibration simulates at most {MAX_DAYS} days of metrics (a scenario's horizon, less a full backup set before them): export a shorter --start-time/--end-time",
            s.span_days(),
            s.gb.len(),
            iso_interval(s.step)
        ));
    }
    let share = s.missing() as f64 / s.gb.len() as f64;
    if share > MAX_MISSING_SHARE {
        return Err(format!(
            "has no value at {:.0}% of its points; calibration needs at least {:.0}% of them: export a span the server was running and reporting",
            share * 100.0,
            (1.0 - MAX_MISSING_SHARE) * 100.0
        ));
    }
    Ok(s)
}

/// One metric's entry as a series; on failure, the field at fault and what is needed.
fn series(metric: &'static str, entry: &Value) -> Result<Series, (String, String)> {
    let unit = entry.get("unit").and_then(Value::as_str).unwrap_or("");
    if !unit.eq_ignore_ascii_case("bytes") && !unit.eq_ignore_ascii_case("byte") {
        return Err((
            format!("{metric}.unit"),
            format!("is \"{unit}\"; the storage metrics are exported in \"Bytes\" (export {metric} itself, not a percentage or count)"),
        ));
    }
    let timeseries = entry
        .get("timeseries")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[]);
    let data = match timeseries {
        [] => &[][..],
        [one] => one
            .get("data")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or(&[]),
        more => {
            return Err((
                format!("{metric}.timeseries"),
                format!(
                    "is split into {} series by a dimension; export the metric without --filter or --dimension",
                    more.len()
                ),
            ))
        }
    };
    let most_storage_gb = crate::scenario::keys::PROVISIONED.largest();
    let mut points = Vec::with_capacity(data.len());
    for (i, point) in data.iter().enumerate() {
        let field = |f: &str| format!("{metric}.timeseries[0].data[{i}].{f}");
        let stamp = point
            .get("timeStamp")
            .and_then(Value::as_str)
            .ok_or_else(|| {
                (
                    field("timeStamp"),
                    "is missing; every point needs its time".to_string(),
                )
            })?;
        let time = DateTime::parse_from_rfc3339(stamp).map_err(|e| {
            (
                field("timeStamp"),
                format!("\"{stamp}\" is not an RFC 3339 time ({e})"),
            )
        })?;
        let time = crate::scenario::refuse_leap_second("timeStamp", stamp, time)
            .map_err(|e| (field("timeStamp"), e.message))?;
        let value = ["average", "maximum", "minimum"]
            .iter()
            .find_map(|a| point.get(*a).filter(|v| !v.is_null()).map(|v| (a, v)));
        let bytes = match value {
            None => None,
            Some((a, v)) => match v.as_f64() {
                // The server's own storage cannot hold more than the largest a server has: one
                // such point skewed the whole fit, and the error then blamed the scenario's
                // provisioned storage for a database of 4.65e8 GB. (Backups may hold many
                // copies: their series is bounded as a whole, in `plausible`.)
                Some(b) if metric != BACKUP && b / BYTES_PER_GB > most_storage_gb => {
                    return Err((
                        field(a),
                        format!(
                            "is {v} bytes ({} GB), more than any server's storage (at most {most_storage_gb} GB)",
                            super::gb_text(b / BYTES_PER_GB, 1),
                        ),
                    ))
                }
                Some(b) if b >= 0.0 && b.is_finite() => Some(b),
                _ => {
                    return Err((
                        field(a),
                        format!("must be a number of bytes, 0 or more, got {v}"),
                    ))
                }
            },
        };
        points.push((time, bytes));
    }
    // No value at all is left to `grid`, which says so; zeros are as implausible as GB, and a
    // series of them would fit a load of nothing with a perfect-looking backtest.
    let largest = points.iter().filter_map(|(_, b)| *b).reduce(f64::max);
    match largest {
        Some(0.0) => {
            return Err((
                metric.to_string(),
                format!(
                    "every value is 0, but a server's storage is never empty (at least 1 MB): the export holds no storage figures for it; export {metric} over a span the server was running, in bytes, as `az monitor metrics list` writes it"
                ),
            ))
        }
        Some(largest) if largest < MIN_PLAUSIBLE_BYTES => {
            return Err((
                metric.to_string(),
                format!(
                    "every value is below 1 MB (the largest is {largest}), too small for a server's storage: they look like GB, not bytes, although the unit says \"{unit}\"; export the metric in bytes, as `az monitor metrics list` writes it, without converting it"
                ),
            ))
        }
        _ => {}
    }
    let gb = points
        .into_iter()
        .map(|(time, bytes)| (time, bytes.map(|b| b / BYTES_PER_GB)))
        .collect();
    grid(metric, gb)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calibrate::export::{export_json, ExportSeries};
    use chrono::FixedOffset;

    fn start() -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339("2026-01-05T00:00:00Z").unwrap()
    }

    fn export(step: SimTime, series: &[ExportSeries]) -> String {
        export_json("/subscriptions/s/x", "eastus", start(), step, series)
    }

    fn hours(n: usize, gb: impl Fn(usize) -> Option<f64>) -> Vec<Option<f64>> {
        (0..n).map(gb).collect()
    }

    fn read(text: &str) -> Result<Metrics, InputError> {
        parse(text, &Origin::File("m.json".into()))
    }

    #[test]
    fn an_export_reads_back_in_gigabytes() {
        let text = export(
            HOUR,
            &[
                ExportSeries::bytes(
                    BACKUP,
                    "Backup Storage Used",
                    hours(96, |i| Some(100.0 + i as f64)),
                ),
                ExportSeries::bytes(DATA, "Data Storage Used", hours(96, |_| Some(50.0))),
            ],
        );
        let m = read(&text).unwrap();
        assert_eq!(m.backup.step, HOUR);
        assert_eq!(m.backup.gb.len(), 96);
        // Bytes are written whole: within a byte of the GB given.
        assert!((m.backup.gb[5].unwrap() - 105.0).abs() < 1e-8);
        assert_eq!(m.backup.span_days(), 95.0 / 24.0);
        assert!(m.data.is_some() && m.storage.is_none() && m.warnings.is_empty());
        assert_eq!(
            m.backup.at(start() + chrono::Duration::hours(2)),
            m.backup.gb[2]
        );
    }

    #[test]
    fn sub_hourly_points_are_kept_on_the_hour_and_gaps_are_warned_about() {
        let text = export(
            15 * 60,
            &[ExportSeries::bytes(
                BACKUP,
                "Backup Storage Used",
                hours(4 * 96, |i| (i != 8).then_some(i as f64)),
            )],
        );
        let m = read(&text).unwrap();
        assert_eq!((m.backup.step, m.backup.gb.len()), (HOUR, 96));
        assert_eq!(m.backup.gb[1], Some(4.0));
        assert_eq!(m.backup.gb[2], None);
        assert!(
            m.warnings[0]
                .contains("1 of 96 points have no value (the first at 2026-01-05T02:00:00Z)"),
            "{:?}",
            m.warnings
        );
    }

    #[test]
    fn each_problem_names_the_metric_and_what_is_needed() {
        let backup = |n, step| {
            export(
                step,
                &[ExportSeries::bytes(BACKUP, "B", hours(n, |_| Some(1.0)))],
            )
        };
        let e = read(&backup(30, HOUR)).unwrap_err();
        assert_eq!(e.key.as_deref(), Some(BACKUP));
        assert!(e.message.contains("at least 3 days"), "{}", e.message);
        let e = read(&backup(10, DAY)).unwrap_err();
        assert!(e.message.contains("--interval PT1H"), "{}", e.message);
        let e = read(&export(
            HOUR,
            &[ExportSeries::bytes(DATA, "D", hours(96, |_| Some(1.0)))],
        ))
        .unwrap_err();
        assert!(e.message.contains("is missing"), "{}", e.message);
        let mut percent = ExportSeries::bytes(BACKUP, "B", hours(96, |_| Some(1.0)));
        percent.unit = "Percent".into();
        let e = read(&export(HOUR, &[percent])).unwrap_err();
        assert_eq!(e.key.as_deref(), Some("backup_storage_used.unit"));
        let e = read(&export(
            HOUR,
            &[ExportSeries::bytes(
                BACKUP,
                "B",
                hours(96, |i| (i % 2 == 0).then_some(1.0)),
            )],
        ))
        .unwrap_err();
        assert!(e.message.contains("no value at 50%"), "{}", e.message);
        let e = read("{\"value\": 3}").unwrap_err();
        assert_eq!(e.key.as_deref(), Some("value"));
        assert!(read("{").unwrap_err().message.contains("not valid JSON"));
    }

    #[test]
    fn the_server_is_read_from_a_resource_id() {
        let text = export_json(
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.DBforMySQL/flexibleServers/orders-01",
            "eastus",
            start(),
            HOUR,
            &[ExportSeries::bytes(BACKUP, "B", hours(96, |_| Some(1.0)))],
        );
        let m = read(&text).unwrap();
        assert_eq!(
            m.server,
            Some(("orders-01".to_string(), "value[0].id".to_string()))
        );
        assert_eq!(
            read(&export(
                HOUR,
                &[ExportSeries::bytes(BACKUP, "B", hours(96, |_| Some(1.0)))]
            ))
            .unwrap()
            .server,
            None
        );
    }

    #[test]
    fn an_optional_metric_in_gigabytes_is_left_out_with_a_warning() {
        // Written as whole bytes: 0.0005 GB is about 537 kB, below any server's storage.
        let m = read(&export(
            HOUR,
            &[
                ExportSeries::bytes(BACKUP, "B", hours(96, |_| Some(1.0))),
                ExportSeries::bytes(DATA, "D", hours(96, |_| Some(0.0005))),
            ],
        ))
        .unwrap();
        assert!(m.data.is_none());
        assert!(
            m.warnings[0].starts_with("data_storage_used: every value is below 1 MB")
                && m.warnings[0].contains("look like GB, not bytes"),
            "{:?}",
            m.warnings
        );
    }

    #[test]
    fn a_metric_of_zeros_is_refused_or_left_out_like_one_in_gigabytes() {
        let e = read(&export(
            HOUR,
            &[ExportSeries::bytes(BACKUP, "B", hours(96, |_| Some(0.0)))],
        ))
        .unwrap_err();
        assert_eq!(e.key.as_deref(), Some(BACKUP));
        assert!(e.message.starts_with("every value is 0,"), "{}", e.message);
        let m = read(&export(
            HOUR,
            &[
                ExportSeries::bytes(BACKUP, "B", hours(96, |_| Some(1.0))),
                ExportSeries::bytes(DATA, "D", hours(96, |_| Some(0.0))),
            ],
        ))
        .unwrap();
        assert!(m.data.is_none());
        assert!(
            m.warnings[0].starts_with("data_storage_used: every value is 0,"),
            "{:?}",
            m.warnings
        );
    }

    #[test]
    fn an_optional_metric_with_the_wrong_unit_is_left_out_with_a_warning() {
        let mut data = ExportSeries::bytes(DATA, "D", hours(96, |_| Some(1.0)));
        data.unit = "Percent".into();
        let m = read(&export(
            HOUR,
            &[
                ExportSeries::bytes(BACKUP, "B", hours(96, |_| Some(1.0))),
                data,
            ],
        ))
        .unwrap();
        assert!(m.data.is_none());
        assert!(
            m.warnings[0].starts_with("data_storage_used.unit: is \"Percent\""),
            "{:?}",
            m.warnings
        );
    }
}
