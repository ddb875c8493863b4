//! `calibrate --metrics`: the server's load, snapshot change ratio and database fitted to its
//! backup storage, with what each value rests on and how well the result replays the metric.

use chrono::{DateTime, Duration, FixedOffset, SecondsFormat};

use super::database::{self, Database};
use super::fit::{search, solve, uncertainty, Db, Search, Solved};
use super::method_check::{self, refits_to, shape_moves, Refit};
use super::metrics::{Metrics, Series, BACKUP};
use super::plausible::{check_fits, plausible};
use super::shapes::{self, Pattern, Shape};
use super::window::{Candidate, Window};
use super::FittedKey;
use crate::engine::{DAY, HOUR};
use crate::error::{InputError, Origin};
use crate::scenario::{keys, Scenario};

pub use super::series::BacktestPoint;

#[derive(Debug, Clone)]
pub struct WorkloadFit {
    pub keys: Vec<FittedKey>,
    pub fitted: Candidate,
    /// Mean absolute percentage error of the simulated backup storage over the observed points.
    pub mape_pct: f64,
    pub points: usize,
    pub backtest: Vec<BacktestPoint>,
    pub warnings: Vec<String>,
}

/// A backtest further off than this (mean absolute percentage error) is a poor fit, said so.
const POOR_FIT_PCT: f64 = 10.0;

/// How uncertain (relative) the change ratio may come out before the series is judged unable
/// to tell it from the binlog rate.
const RATIO_RESOLVED: f64 = 0.2;

/// Fit the scenario (`text`, already validated as `scenario`) to `metrics`, then check the
/// method on the answer: the calibrated simulation's own storage, fitted again, should give the
/// same values back. What it moves is an error the standard errors cannot show (they take the
/// load shapes, and the snapshot's unseen hours, as exact), so each key says it, and a move
/// larger than a standard error is a warning.
pub fn fit(
    text: &str,
    origin: &Origin,
    scenario: &Scenario,
    metrics: &Metrics,
) -> Result<WorkloadFit, InputError> {
    plausible(origin, scenario, metrics)?;
    let mut first = fit_once(text, origin, scenario, metrics)?;
    let replayed = method_check::replayed(metrics, &first.backtest);
    let check = match fit_once(text, origin, scenario, &replayed) {
        Ok(again) => Some(Refit::of(
            again.found.best.candidate,
            again.pattern.as_ref(),
        )),
        Err(e) => {
            first.warnings.push(format!(
                "the method check (fitting the calibrated simulation's own storage again) could not run: {}; the ± take the load shapes as exact",
                e.message
            ));
            None
        }
    };
    let fit = Fit {
        window: &first.window,
        solved: &first.found.best,
        se: first.se.as_deref(),
        ratio_fitted: first.ratio_fitted,
        db: first.database.as_ref(),
        pattern: first.pattern.as_ref(),
        refit: check.as_ref(),
    };
    let keys = keys_of(&fit);
    let c = first.found.best.candidate;
    let ratio_fitted = matches!(first.ratio_fitted, RatioFit::Fitted);
    first.warnings.extend(method_check::understated(
        &c,
        check.as_ref(),
        first.se.as_deref(),
        ratio_fitted,
    ));
    if let Some(p) = &first.pattern {
        first.warnings.extend(method_check::shape_warnings(
            p,
            c.binlog_gb_per_day,
            check.as_ref(),
        ));
    }
    Ok(WorkloadFit {
        keys,
        fitted: first.found.best.candidate,
        mape_pct: first.mape_pct,
        points: first.points,
        backtest: first.backtest,
        warnings: first.warnings,
    })
}

/// One fit, before its keys are written.
struct Fitting {
    window: Window,
    pattern: Option<Pattern>,
    found: Search,
    se: Option<Vec<f64>>,
    ratio_fitted: RatioFit,
    database: Option<Database>,
    mape_pct: f64,
    points: usize,
    backtest: Vec<BacktestPoint>,
    warnings: Vec<String>,
}

fn fit_once(
    text: &str,
    origin: &Origin,
    scenario: &Scenario,
    metrics: &Metrics,
) -> Result<Fitting, InputError> {
    let mut warnings = metrics.warnings.clone();
    let backup = &metrics.backup;
    let c = &scenario.config;
    let line = database::fit(metrics, backup.start, &mut warnings);
    let db_at = |t: DateTime<FixedOffset>| {
        let days = (t - backup.start).num_seconds() as f64 / DAY as f64;
        match &line {
            Some(d) => Db {
                gb: d.size_gb + d.growth * days,
                growth: d.growth,
            },
            None => Db {
                gb: c.server.db_size_gb + c.server.db_growth_gb_per_day * days,
                growth: c.server.db_growth_gb_per_day,
            },
        }
    };
    let guess = level_guess(scenario, backup, &db_at);
    let fitted = fit_window(
        &Inputs {
            text,
            origin,
            scenario,
            backup,
            db_at: &db_at,
        },
        guess,
        &mut warnings,
    )?;
    let (w, pattern, mut found) = (fitted.window, fitted.pattern, fitted.search);
    let per_day = (DAY / backup.step) as f64;
    let ratio_fitted = settle_ratio(
        scenario,
        (&w, pattern.as_ref(), per_day),
        guess,
        &mut found,
        &db_at,
        &mut warnings,
    );
    if found.at_edge {
        warnings.push(format!(
            "workload.binlog_gb_per_day: the best rate ({:.3} GB/day) is at the edge of the range searched around {guess:.3} GB/day; check that the scenario's retention and redundancy are the server's",
            found.best.candidate.binlog_gb_per_day
        ));
    }
    let backtest = backtest(&w, backup, &found.best.candidate);
    let (mape_pct, points, ssr) = errors(&backtest);
    if mape_pct > POOR_FIT_PCT {
        warnings.push(format!(
            "backup_storage_used: the calibrated simulation misses the metric by {mape_pct:.1}% on average (see the backtest): the storage does not move the way this scenario's backups do, so treat the fitted values with care; check that the metrics are this server's and that its retention, redundancy and snapshot time are the scenario's"
        ));
    }
    let ratio_is_fitted = matches!(ratio_fitted, RatioFit::Fitted);
    let se = uncertainty(&w, &found.best, ssr, per_day, ratio_is_fitted);
    let database = line.and_then(|_| database::fit(metrics, w.next_start, &mut Vec::new()));
    check_fits(origin, scenario, &found.best.candidate, database.as_ref())?;
    Ok(Fitting {
        window: w,
        pattern,
        found,
        se,
        ratio_fitted,
        database,
        mape_pct,
        points,
        backtest,
        warnings,
    })
}

/// Whether the series tells the change ratio apart from the binlog rate (its standard error,
/// `per_day` points counting as one independent error, is small against it). If not, the
/// scenario's ratio is kept, the rate refitted with it and the reason given.
fn settle_ratio(
    scenario: &Scenario,
    (w, pattern, per_day): (&Window, Option<&Pattern>, f64),
    level: f64,
    found: &mut Search,
    db_at: &dyn Fn(DateTime<FixedOffset>) -> Db,
    warnings: &mut Vec<String>,
) -> RatioFit {
    let c = &scenario.config;
    let se = uncertainty(w, &found.best, found.best.ssr, per_day, true);
    let ratio = found.best.candidate.change_ratio;
    let retention = c.backup.retention_days;
    // With whole weeks kept, the snapshots' sum is the same every day: only the level carries
    // the ratio, and a small misfit elsewhere (a shape read a little off) moves it anywhere
    // while the standard error, made of the tiny residuals, still looks small. A 14-day
    // retention fitted 0.07 for a server at 0.6 and 88 GB/day for its 60.
    if !retention.is_multiple_of(7)
        && se
            .as_ref()
            .is_some_and(|s| s[1] <= RATIO_RESOLVED * ratio.max(0.05))
    {
        return RatioFit::Fitted;
    }
    let why = if retention.is_multiple_of(7) {
        format!("with a {retention}-day retention each day's incremental snapshot replaces one of the same weekday, so the storage shows the ratio only through its level, together with the binlog rate")
    } else if pattern.is_none() {
        "without the load's weekly shape (see workload.weekly) the daily snapshots cannot show the ratio apart from the binlog rate".to_string()
    } else {
        "the load does not change enough from weekday to weekday for the daily snapshots to show the ratio apart from the binlog rate".to_string()
    };
    warnings.push(format!(
        "backup.snapshot_change_ratio: {why}; the scenario's {} is kept and the binlog rate fitted to the storage level (set it yourself if you know it better)",
        c.backup.snapshot_change_ratio
    ));
    let binlog = found.best.candidate.binlog_gb_per_day;
    let kept = c.backup.snapshot_change_ratio;
    // The rate found with the ratio free may be far off when the ratio was not resolved (noise
    // trades one for the other): the level's guess, made at the kept ratio, is searched too.
    *found = [binlog, level]
        .map(|from| search(w, db_at(w.next_start), from, Some(kept)))
        .into_iter()
        .min_by(|a, b| a.best.ssr.total_cmp(&b.best.ssr))
        .expect("two searches");
    // The rate leans on the kept ratio: say how far, so that the standard error (which takes
    // the ratio as known) is not read as the whole uncertainty.
    let other = if kept + RATIO_NUDGE <= 1.0 {
        kept + RATIO_NUDGE
    } else {
        kept - RATIO_NUDGE
    };
    let fitted = found.best.candidate.binlog_gb_per_day;
    let nudged = search(w, db_at(w.next_start), fitted, Some(other));
    RatioFit::Kept {
        ratio: kept,
        other,
        binlog_at_other: nudged.best.candidate.binlog_gb_per_day,
    }
}

/// How the change ratio was settled.
#[derive(Debug, Clone, Copy)]
enum RatioFit {
    Fitted,
    /// The scenario's ratio was kept; at `other` the rate would have come out as given.
    Kept {
        ratio: f64,
        other: f64,
        binlog_at_other: f64,
    },
}

/// How far the ratio is moved to show how the rate leans on it.
const RATIO_NUDGE: f64 = 0.1;

/// What every candidate window is built from.
struct Inputs<'a> {
    text: &'a str,
    origin: &'a Origin,
    scenario: &'a Scenario,
    backup: &'a Series,
    db_at: &'a dyn Fn(DateTime<FixedOffset>) -> Db,
}

/// The window with the daily snapshot at the right hour, its load shapes and its search.
struct Fitted {
    window: Window,
    pattern: Option<Pattern>,
    search: Search,
}

/// The snapshot's hour is read from where the changes stray, then checked against its
/// neighbours once the shapes and a first rate are known; the rate is searched at the best one.
fn fit_window(
    i: &Inputs<'_>,
    guess: f64,
    warnings: &mut Vec<String>,
) -> Result<Fitted, InputError> {
    let c = &i.scenario.config;
    let (retention, factor) = (
        c.backup.retention_days,
        c.backup.redundancy.storage_factor(),
    );
    let clock = *i.scenario.start.offset();
    let read = |hour, warnings: &mut Vec<String>| {
        shapes::read(i.backup, retention, factor, hour, clock)
            .map_err(|why| warnings.push(format!("workload.diurnal and workload.weekly: {why}")))
            .ok()
    };
    let window = |hour: i64, p: Option<&Pattern>| {
        Window::new(i.text, i.origin, i.scenario, i.backup, hour, p)
    };
    let (first_hour, stands_out) = shapes::snapshot_hour(i.backup);
    let pattern = read(first_hour, &mut Vec::new());
    let w = window(first_hour, pattern.as_ref())?;
    let first = search(&w, (i.db_at)(w.next_start), guess, None);
    let binlog = first.best.candidate.binlog_gb_per_day;
    let mut best = (first.best.ssr, first_hour);
    // A snapshot hour that stands out is checked against its neighbours; one that does not is
    // only a guess, and every hour of the day is tried.
    let others: Vec<i64> = if stands_out {
        vec![first_hour + 23, first_hour + 1]
    } else {
        warnings.push("start: the daily snapshot's hour does not stand out of the backup storage's hour-to-hour changes (noise swamps its step); it is the hour whose simulation fits the storage best".into());
        (1..24).map(|k| first_hour + k).collect()
    };
    for h in others.into_iter().map(|h| h % 24) {
        let p = read(h, &mut Vec::new());
        let w = window(h, p.as_ref())?;
        let ssr = solve(&w, (i.db_at)(w.next_start), binlog, None).ssr;
        if ssr < best.0 {
            best = (ssr, h);
        }
    }
    let hour = best.1;
    // Read once more to keep the reason why the shapes are not resolved, if they are not.
    let pattern = read(hour, warnings);
    if hour == first_hour {
        return Ok(Fitted {
            window: w,
            pattern,
            search: first,
        });
    }
    let w = window(hour, pattern.as_ref())?;
    let search = search(&w, (i.db_at)(w.next_start), binlog, None);
    Ok(Fitted {
        window: w,
        pattern,
        search,
    })
}

/// A first binlog rate from the storage level: what the database leaves is the binlog kept
/// (retention + 1 days of logs) and the incremental snapshots (retention days at the scenario's
/// change ratio), counted once per copy.
fn level_guess(
    scenario: &Scenario,
    backup: &Series,
    db_at: &dyn Fn(DateTime<FixedOffset>) -> Db,
) -> f64 {
    let c = &scenario.config;
    let factor = c.backup.redundancy.storage_factor();
    let points: Vec<(i64, f64)> = backup.points().collect();
    let mean = points.iter().map(|p| p.1).sum::<f64>() / points.len().max(1) as f64;
    let middle = backup.start + Duration::seconds(points.last().map_or(0, |p| p.0) / 2);
    let r = c.backup.retention_days as f64;
    let kept_days = (r + 1.0) + r * c.backup.snapshot_change_ratio;
    let guess = (mean / factor - db_at(middle).gb) / kept_days;
    if guess > 0.0 {
        guess
    } else {
        1.0
    }
}

/// The calibrated simulation against the metric at each of its points.
fn backtest(w: &Window, backup: &Series, fitted: &Candidate) -> Vec<BacktestPoint> {
    let hourly = w.simulate_hourly(fitted);
    let step_hours = (backup.step / HOUR) as usize;
    (0..backup.gb.len())
        .map(|j| BacktestPoint {
            time: backup.start + Duration::seconds(j as i64 * backup.step),
            observed_gb: backup.gb[j],
            simulated_gb: hourly
                .get(w.first_hour + j * step_hours)
                .copied()
                .unwrap_or(f64::NAN),
        })
        .collect()
}

/// (MAPE in %, points compared, sum of squared errors).
fn errors(backtest: &[BacktestPoint]) -> (f64, usize, f64) {
    let pairs: Vec<(f64, f64)> = backtest
        .iter()
        .filter_map(|p| p.observed_gb.map(|o| (o, p.simulated_gb)))
        .collect();
    let ssr = pairs.iter().map(|(o, s)| (o - s).powi(2)).sum();
    let relative: Vec<f64> = pairs
        .iter()
        .filter(|(o, _)| *o > 0.0)
        .map(|(o, s)| (s - o).abs() / o)
        .collect();
    // An empty f64 sum is -0.0, which would print as "-0.000%".
    let mape = if relative.is_empty() {
        0.0
    } else {
        100.0 * relative.iter().sum::<f64>() / relative.len() as f64
    };
    (mape, pairs.len(), ssr)
}

fn key(path: &'static str, value: String, uncertainty: String, source: &str) -> FittedKey {
    FittedKey {
        path,
        value,
        uncertainty,
        source: source.to_string(),
    }
}

fn spread(se: Option<f64>, decimals: usize) -> String {
    match se {
        Some(s) if s.is_finite() => format!("±{s:.decimals$} (1 s.e.)"),
        _ => "± unknown (too few points)".into(),
    }
}

fn profile<const N: usize>(shape: &Shape<N>) -> (String, String) {
    let values: Vec<String> = shape.values.iter().map(|v| format!("{v:.3}")).collect();
    let filled = if shape.filled.is_empty() {
        String::new()
    } else {
        format!(
            "; entries {:?} unseen (the snapshot's hour), from their neighbours",
            shape.filled
        )
    };
    (
        format!("[{}]", values.join(", ")),
        format!(
            "±{:.1}% at most (1 s.e.){filled}",
            shape.max_relative_se * 100.0
        ),
    )
}

/// Everything the keys are written from.
struct Fit<'a> {
    window: &'a Window,
    solved: &'a Solved,
    se: Option<&'a [f64]>,
    ratio_fitted: RatioFit,
    db: Option<&'a Database>,
    pattern: Option<&'a Pattern>,
    /// The method check: the calibrated simulation fitted again.
    refit: Option<&'a Refit>,
}

fn keys_of(f: &Fit<'_>) -> Vec<FittedKey> {
    let c = f.solved.candidate;
    let se_at = |i: usize| f.se.and_then(|s| s.get(i).copied());
    let changes = format!("{BACKUP}, its hour-to-hour changes");
    let mut out = vec![key(
        keys::START.path,
        format!(
            "\"{}\"",
            f.window
                .next_start
                .to_rfc3339_opts(SecondsFormat::Secs, true)
        ),
        String::new(),
        &format!("{BACKUP}: the daily snapshot's time, the first after the metrics end"),
    )];
    if let Some(d) = f.db {
        let at = format!("{}, at the start above", d.metric);
        out.push(key(
            keys::DB_SIZE.path,
            format!("{:.2}", c.db_gb),
            spread(Some(d.size_se), 2),
            &at,
        ));
        out.push(key(
            keys::DB_GROWTH.path,
            format!("{:.4}", c.growth),
            spread(Some(d.growth_se), 4),
            &d.metric,
        ));
    } else if c.growth > 0.0 {
        // The scenario's size stands for the day the metrics begin; the calibrated scenario
        // starts after they end, so it starts with the database grown by then, as the fit
        // itself assumed (kept as written, a growing database started days too small). A
        // database that does not grow keeps its line, and whatever it says of its source.
        out.push(key(
            keys::DB_SIZE.path,
            format!("{:.2}", c.db_gb),
            String::new(),
            "the scenario's size as the metrics begin (no database metric), grown at its server.db_growth_gb_per_day to the start above",
        ));
    }
    let leans = match f.ratio_fitted {
        RatioFit::Fitted => String::new(),
        RatioFit::Kept {
            ratio,
            other,
            binlog_at_other,
        } => {
            // Rounded to the hundredth it was moved by, and no further.
            let other = format!("{other:.2}");
            let other = other.trim_end_matches('0').trim_end_matches('.');
            format!(
                ", given the kept backup.snapshot_change_ratio {ratio} (at {other} it would be {binlog_at_other:.3}; the ± leaves that out)"
            )
        }
    };
    out.push(key(
        keys::BINLOG.path,
        format!("{:.3}", c.binlog_gb_per_day),
        spread(se_at(0), 3)
            + &refits_to(c.binlog_gb_per_day, f.refit.map(|r| r.binlog_gb_per_day), 3),
        &format!("{BACKUP}, simulated against the metric{leans}"),
    ));
    if let Some(p) = f.pattern {
        let (value, uncertainty) = profile(&p.diurnal);
        let moved = shape_moves(
            &p.diurnal.values,
            f.refit.map(|r| r.diurnal.as_ref().map(|d| &d[..])),
        );
        out.push(key(
            keys::DIURNAL.path,
            value,
            uncertainty + &moved,
            &changes,
        ));
        // An unreadable weekly shape is not written: the scenario's stays (said in a warning).
        if let Ok(weekly) = p.weekly_read(c.binlog_gb_per_day) {
            let (value, uncertainty) = profile(&weekly);
            let moved = shape_moves(
                &weekly.values,
                f.refit.map(|r| r.weekly.as_ref().map(|w| &w[..])),
            );
            out.push(key(
                keys::WEEKLY.path,
                value,
                uncertainty + &moved,
                &changes,
            ));
        }
    }
    if matches!(f.ratio_fitted, RatioFit::Fitted) {
        out.push(key(
            keys::CHANGE_RATIO.path,
            format!("{:.4}", c.change_ratio),
            spread(se_at(1), 4) + &refits_to(c.change_ratio, f.refit.map(|r| r.change_ratio), 4),
            &format!("{BACKUP}, simulated against the metric"),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_positive_observation_gives_a_mape_of_plus_zero() {
        let time = DateTime::parse_from_rfc3339("2026-01-05T00:00:00Z").unwrap();
        let point = BacktestPoint {
            time,
            observed_gb: Some(0.0),
            simulated_gb: 180.0,
        };
        let (mape, points, _) = errors(&[point, point]);
        assert_eq!(points, 2);
        assert!(mape == 0.0 && mape.is_sign_positive(), "{mape}");
    }
}
