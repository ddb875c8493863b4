//! The database's size and growth from the server's own storage metrics: a straight line through
//! `data_storage_used`, or through `storage_used` less `binlog_storage_used`, or (an upper
//! bound) through `storage_used` alone.

use chrono::{DateTime, FixedOffset};

use super::gb_text;
use super::metrics::{Metrics, Series, BINLOG, DATA, STORAGE};
use crate::engine::DAY;
use crate::stats::lsq::line_fit;

/// The database as the metrics show it.
#[derive(Debug, Clone, PartialEq)]
pub struct Database {
    /// GB at the reference time given to `fit`.
    pub size_gb: f64,
    pub size_se: f64,
    /// GB per day (never below 0: the scenario's growth cannot be negative).
    pub growth: f64,
    pub growth_se: f64,
    /// Which metrics it comes from.
    pub metric: String,
}

/// Size (at `at`) and growth from the best metric there is, with what was assumed; None (and
/// a warning) when the export has none of them.
pub fn fit(
    metrics: &Metrics,
    at: DateTime<FixedOffset>,
    warnings: &mut Vec<String>,
) -> Option<Database> {
    let (points, metric) = if let Some(data) = &metrics.data {
        (points(data, |t| data.at(t)), DATA.to_string())
    } else if let (Some(storage), Some(binlog)) = (&metrics.storage, &metrics.binlog) {
        let less_binlog = |t| Some(storage.at(t)? - binlog.at(t)?);
        (
            points(storage, less_binlog),
            format!("{STORAGE} − {BINLOG}"),
        )
    } else if let Some(storage) = &metrics.storage {
        warnings.push(format!(
            "no {DATA}: the database size comes from {STORAGE}, which also counts binlog and other files on the server's disk, so it is an upper bound; export {DATA} for the database alone"
        ));
        (points(storage, |t| storage.at(t)), STORAGE.to_string())
    } else {
        warnings.push(format!(
            "no {DATA} or {STORAGE}: server.db_size_gb and server.db_growth_gb_per_day are kept from the scenario (the size as the metrics begin, grown to the calibrated start), since the backup storage cannot tell the database from the binlog it keeps, and the fitted binlog rate leans on them; export {DATA} as well"
        ));
        return None;
    };
    let series = metrics.data.as_ref().or(metrics.storage.as_ref())?;
    let per_day = (DAY / series.step.max(1)).max(1) as f64;
    let at_days = |t: DateTime<FixedOffset>| (t - at).num_seconds() as f64 / DAY as f64;
    let line: Vec<(f64, f64)> = points.iter().map(|&(t, gb)| (at_days(t), gb)).collect();
    let Some(fitted) = line_fit(&line, per_day) else {
        warnings.push(format!(
            "{metric} has too few points for a line; server.db_size_gb and server.db_growth_gb_per_day are kept from the scenario"
        ));
        return None;
    };
    let mut growth = fitted.slope;
    if growth < 0.0 {
        warnings.push(format!(
            "{metric} shrinks by {} GB a day; backsim's database only grows, so the growth is set to 0",
            gb_text(-growth, 2)
        ));
        growth = 0.0;
    }
    if fitted.intercept <= 0.0 {
        warnings.push(format!(
            "{metric} gives a database of {} GB; server.db_size_gb and server.db_growth_gb_per_day are kept from the scenario",
            gb_text(fitted.intercept, 2)
        ));
        return None;
    }
    Some(Database {
        size_gb: fitted.intercept,
        size_se: fitted.intercept_se,
        growth,
        growth_se: fitted.slope_se,
        metric,
    })
}

/// (time, GB) at each point of `grid` where `value` has one.
fn points(
    grid: &Series,
    value: impl Fn(DateTime<FixedOffset>) -> Option<f64>,
) -> Vec<(DateTime<FixedOffset>, f64)> {
    (0..grid.gb.len())
        .filter_map(|i| {
            let t = grid.start + chrono::Duration::seconds(i as i64 * grid.step);
            value(t).map(|gb| (t, gb))
        })
        .collect()
}
