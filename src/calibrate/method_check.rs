//! The method check of `calibrate --metrics`: the calibrated simulation's own storage, fitted
//! again, should give the same values back. What it moves is an error the standard errors
//! cannot show (they take the load shapes, and the snapshot's unseen hours, as exact): each key
//! says it, and a move larger than a standard error, or a shape not given back, is a warning.

use super::metrics::Metrics;
use super::series::BacktestPoint;
use super::shapes::Pattern;
use super::window::Candidate;
use crate::scenario::keys;

/// A shape the method check moves by more than this (relative, its worst entry) is flagged.
const SHAPE_UNSTABLE: f64 = 0.1;

/// What the second fit found.
pub(super) struct Refit {
    pub(super) binlog_gb_per_day: f64,
    pub(super) change_ratio: f64,
    pub(super) diurnal: Option<[f64; 24]>,
    pub(super) weekly: Option<[f64; 7]>,
}

impl Refit {
    pub(super) fn of(c: Candidate, pattern: Option<&Pattern>) -> Self {
        Refit {
            binlog_gb_per_day: c.binlog_gb_per_day,
            change_ratio: c.change_ratio,
            diurnal: pattern.map(|p| p.diurnal.values),
            weekly: pattern
                .and_then(|p| p.weekly_read(c.binlog_gb_per_day).ok())
                .map(|w| w.values),
        }
    }
}

/// The metrics with the backup storage replaced by the calibrated simulation's, at the points
/// the metric had and the simulation reached (it gives NaN past its end).
pub(super) fn replayed(metrics: &Metrics, backtest: &[BacktestPoint]) -> Metrics {
    let mut replayed = metrics.clone();
    replayed.backup.gb = backtest
        .iter()
        .map(|p| {
            p.observed_gb
                .and(Some(p.simulated_gb))
                .filter(|v| v.is_finite())
        })
        .collect();
    replayed
}

/// The largest relative move of a shape's entries from `fitted` to `refit`.
fn largest_move(fitted: &[f64], refit: &[f64]) -> f64 {
    fitted
        .iter()
        .zip(refit)
        .map(|(f, r)| (r - f).abs() / f.abs().max(1e-9))
        .fold(0.0, f64::max)
}

/// "; its own simulation refits to X": what the method check moved a value to.
pub(super) fn refits_to(fitted: f64, value: Option<f64>, decimals: usize) -> String {
    value.map_or(String::new(), |v| {
        if format!("{v:.decimals$}") == format!("{fitted:.decimals$}") {
            "; its own simulation refits to the same value".to_string()
        } else {
            format!("; its own simulation refits to {v:.decimals$} (an error the s.e. leaves out)")
        }
    })
}

/// The largest relative move of a shape's entries under the method check, as text; `refit`
/// is None when no check ran, Some(None) when it gave no such shape back.
pub(super) fn shape_moves(fitted: &[f64], refit: Option<Option<&[f64]>>) -> String {
    match refit {
        // No method check ran (its failure is a warning of its own).
        None => String::new(),
        Some(None) => {
            "; its own simulation does not give this shape back (an error the s.e. leaves out)"
                .to_string()
        }
        Some(Some(r)) => {
            let most = largest_move(fitted, r);
            if most < 0.0005 {
                return "; its own simulation refits to the same shape".to_string();
            }
            format!(
                "; its own simulation refits with entries up to {:.1}% away (an error the s.e. leaves out)",
                most * 100.0
            )
        }
    }
}

/// Warnings for values the method check moved by more than their standard error (and more than
/// rounding): their ± understates how well the metric pins them down. `se` holds the rate's and,
/// when it was fitted, the change ratio's.
pub(super) fn understated(
    c: &Candidate,
    refit: Option<&Refit>,
    se: Option<&[f64]>,
    ratio_fitted: bool,
) -> Vec<String> {
    let (Some(refit), Some(se)) = (refit, se) else {
        return Vec::new();
    };
    let mut values = vec![(
        keys::BINLOG.path,
        c.binlog_gb_per_day,
        refit.binlog_gb_per_day,
        se[0],
    )];
    if let (true, Some(&ratio_se)) = (ratio_fitted, se.get(1)) {
        values.push((
            keys::CHANGE_RATIO.path,
            c.change_ratio,
            refit.change_ratio,
            ratio_se,
        ));
    }
    values
        .into_iter()
        // A move under a part in ten thousand is rounding, whatever a tiny s.e. says.
        .filter(|(_, fitted, again, se)| {
            let moved = (again - fitted).abs();
            moved > *se && moved > 1e-4 * fitted.abs()
        })
        .map(|(key, fitted, again, se)| {
            format!(
                "{key}: the calibrated simulation's own storage fits to {again:.4}, not {fitted:.4}: {:.1} standard errors away, so its ± understates the error (the load shapes, above all at the snapshot's unseen hours, are taken as exact)",
                (again - fitted).abs() / se
            )
        })
        .collect()
}

/// Warnings for the load shapes read at rate `binlog_gb_per_day`: a weekly one that is noise
/// (not written: the scenario's stays), and a shape the method check gives back more than
/// `SHAPE_UNSTABLE` away, or not at all, which is not one to plan with.
pub(super) fn shape_warnings(
    p: &Pattern,
    binlog_gb_per_day: f64,
    refit: Option<&Refit>,
) -> Vec<String> {
    let mut warnings = Vec::new();
    let weekly = p.weekly_read(binlog_gb_per_day);
    if let Some(again) = refit {
        let shapes = [
            (
                "workload.diurnal",
                Some(&p.diurnal.values[..]),
                again.diurnal.as_ref().map(|d| &d[..]),
            ),
            (
                "workload.weekly",
                weekly.as_ref().ok().map(|w| &w.values[..]),
                again.weekly.as_ref().map(|w| &w[..]),
            ),
        ];
        for (key, fitted, refit) in shapes {
            let Some(fitted) = fitted else { continue };
            let most = refit.map(|r| largest_move(fitted, r));
            if most.is_none_or(|m| m > SHAPE_UNSTABLE) {
                warnings.push(format!(
                    "{key}: the calibrated simulation's own storage {}, so the shape is poorly read; check that the scenario's retention and redundancy are the server's",
                    most.map_or("gives no such shape back".to_string(), |m| format!(
                        "gives it back with entries up to {:.0}% away",
                        m * 100.0
                    ))
                ));
            }
        }
    }
    if let Err(widest_se) = weekly {
        warnings.push(format!(
            "workload.weekly: the weekday-to-weekday changes of the backup storage are mostly noise (a day's share of the load comes out within ±{:.0}%), so they carry no weekly shape; the scenario's is kept (check that its retention is the server's)",
            widest_se * 100.0
        ));
    }
    warnings
}
