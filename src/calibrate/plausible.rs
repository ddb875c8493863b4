//! The checks of a calibration that need no simulation, made before any fit: whether the
//! metric is something a scenario could reproduce at all, and whether the database it shows
//! fits the server's storage (then checked again for the fitted database).

use chrono::Duration;

use super::database::{self, Database};
use super::gb_text;
use super::metrics::{Metrics, BACKUP};
use super::window::Candidate;
use crate::error::{InputError, Origin};
use crate::scenario::{keys, Scenario};

/// The calibrated database must still fit the server's provisioned storage.
pub(super) fn check_fits(
    origin: &Origin,
    scenario: &Scenario,
    c: &Candidate,
    db: Option<&Database>,
) -> Result<(), InputError> {
    let metric = db.map_or(BACKUP, |d| d.metric.as_str());
    fits_storage(origin, scenario, None, metric, c.db_gb)
}

/// The checks that need no simulation, made before any: values no scenario can reproduce were
/// refused only once the fit was done, which takes the longer the larger they are (a minute
/// and a half at 1e308 bytes), and then with all their digits.
pub(super) fn plausible(
    origin: &Origin,
    scenario: &Scenario,
    metrics: &Metrics,
) -> Result<(), InputError> {
    let c = &scenario.config;
    let backup = &metrics.backup;
    // The database only grows: at the series' last point it is at its largest.
    let last = backup.start + Duration::seconds(backup.step * (backup.gb.len() as i64 - 1));
    if let Some(d) = database::fit(metrics, last, &mut Vec::new()) {
        fits_storage(
            origin,
            scenario,
            Some(&metrics.origin),
            &d.metric,
            d.size_gb,
        )?;
    }
    // The least: once a backup set exists it holds a full snapshot of the database (the
    // oldest retained one), so backup storage below the database, most of the time, is not
    // this server's or not in bytes; the fit would drive the load to zero and miss by far.
    below_the_database(scenario, metrics)?;
    // The most the scenario could keep under any load: every retained snapshot (one a day, at
    // most the database, which fits the provisioned storage) and the logs of the retention
    // and a day more, whole weeks of them (a day of the weekly shape may carry several days'
    // binlog), at the largest rate the key allows.
    let retention = c.backup.retention_days as f64;
    let factor = c.backup.redundancy.storage_factor();
    let snapshots = retention + 2.0;
    let log_days = (snapshots / 7.0).ceil() * 7.0;
    let rate = keys::BINLOG.largest();
    let provisioned = c.server.provisioned_storage_gb;
    let bound = factor * (snapshots * provisioned + log_days * rate);
    let highest = backup.points().map(|p| p.1).fold(0.0, f64::max);
    if highest > bound {
        let twice = if factor > 1.0 {
            ", twice over for geo-redundant storage"
        } else {
            ""
        };
        return Err(InputError {
            origin: metrics.origin.clone(),
            key: Some(BACKUP.into()),
            position: None,
            message: format!(
                "reaches {} GB, more than this scenario could keep under any load: at most {bound:.0} GB, {snapshots} snapshots of its whole provisioned storage ({provisioned} GB) and {log_days} days of binlog at the most {} allows ({rate} GB/day){twice}; check that the values are this server's backup storage in bytes, as `az monitor metrics list` writes them",
                gb_text(highest, 1),
                keys::BINLOG.path
            ),
        });
    }
    Ok(())
}

/// Share of the database a median backup-storage level may fall short of it by (metric noise,
/// a set still filling at the series' start) before it is refused.
const LEAST_SHARE_OF_DATABASE: f64 = 0.9;

/// The median of the backup storage against the database at the series' start (the smallest
/// it is, as it only grows), from the metrics or, without a database metric, the scenario.
fn below_the_database(scenario: &Scenario, metrics: &Metrics) -> Result<(), InputError> {
    let c = &scenario.config;
    let backup = &metrics.backup;
    let (db_gb, from) = match database::fit(metrics, backup.start, &mut Vec::new()) {
        Some(d) => (d.size_gb, d.metric),
        None => (
            c.server.db_size_gb,
            format!("the scenario's {}", keys::DB_SIZE.path),
        ),
    };
    let mut levels: Vec<f64> = backup.points().map(|p| p.1).collect();
    if levels.is_empty() || db_gb.is_nan() || db_gb <= 0.0 {
        return Ok(());
    }
    levels.sort_unstable_by(f64::total_cmp);
    let median = levels[levels.len() / 2];
    let factor = c.backup.redundancy.storage_factor();
    let least = LEAST_SHARE_OF_DATABASE * factor * db_gb;
    if median >= least {
        return Ok(());
    }
    let database = if factor > 1.0 {
        format!(
            "the database's two geo-redundant copies (2 × {} GB, from {from})",
            gb_text(db_gb, 1)
        )
    } else {
        format!("the database ({} GB, from {from})", gb_text(db_gb, 1))
    };
    Err(InputError {
        origin: metrics.origin.clone(),
        key: Some(BACKUP.into()),
        position: None,
        message: format!(
            "is {} GB at its median, below {database}, yet every backup set holds a full snapshot of the database: check that the values are this server's backup storage in bytes, as `az monitor metrics list` writes them{}",
            gb_text(median, 1),
            if from.ends_with(keys::DB_SIZE.path) {
                format!(", and that {} is the server's", keys::DB_SIZE.path)
            } else {
                String::new()
            }
        ),
    })
}

/// A database of `gb` from `metric` must fit the scenario's provisioned storage; past the most
/// any server has, the metric's values are at fault (blamed on `metrics` when given), not the
/// scenario's setting.
fn fits_storage(
    origin: &Origin,
    scenario: &Scenario,
    metrics: Option<&Origin>,
    metric: &str,
    gb: f64,
) -> Result<(), InputError> {
    let provisioned = scenario.config.server.provisioned_storage_gb;
    if gb <= provisioned {
        return Ok(());
    }
    let most = keys::PROVISIONED.largest();
    let (origin, key, message) = match metrics {
        Some(metrics) if gb.is_nan() || gb > most => (
            metrics,
            metric,
            format!(
                "shows a database of {} GB, more than any server's storage (at most {most} GB, the most {} allows): the values are not this server's storage in bytes; export {metric} as `az monitor metrics list` writes it, without converting it",
                gb_text(gb, 1),
                keys::PROVISIONED.path
            ),
        ),
        _ => (
            origin,
            keys::PROVISIONED.path,
            format!(
                "{metric} shows a database of {} GB, more than the scenario's provisioned storage ({provisioned} GB): set {} to the server's (backsim import reads it from the server description)",
                gb_text(gb, 1),
                keys::PROVISIONED.path
            ),
        ),
    };
    Err(InputError {
        origin: origin.clone(),
        key: Some(key.into()),
        position: None,
        message,
    })
}
