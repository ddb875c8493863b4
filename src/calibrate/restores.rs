//! Restore speed from timed test restores. The restore model (R3) is linear in the provisioning
//! time and in the hours a GB takes to hydrate and to replay per vCore:
//! `seconds = provision + snapshot_gb/vcores · h + replay_gb·slowdown/vcores · q`, with
//! `h = 3600 / hydrate_rate` and `q = 3600 / replay_rate`. Non-negative least squares fits as
//! many of the three as the measurements can carry: replay first (it is the slow part), then
//! hydration, then provisioning; the others keep the scenario's values.

use super::FittedKey;
use crate::engine::{SimTime, DAY};
use crate::model::load::LoadProfile;
use crate::model::restore::estimate::replay_slowdown;
use crate::model::{RestoreConfig, ServerConfig, WallClock, WorkloadConfig};
use crate::scenario::keys::{self, dur, Kind};
use crate::scenario::{MeasuredRestore, Replayed};
use crate::stats::lsq::{least_squares, nnls, standard_errors};

/// One measured restore against the fitted model.
#[derive(Debug, Clone, PartialEq)]
pub struct Residual {
    pub target: &'static str,
    pub measured_minutes: f64,
    pub fitted_minutes: f64,
}

#[derive(Debug, Clone)]
pub struct RestoreFit {
    pub keys: Vec<FittedKey>,
    pub residuals: Vec<Residual>,
    /// Which rates were fitted and which kept, in words.
    pub summary: String,
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Unknown {
    Replay,
    Hydrate,
    Provision,
}

impl Unknown {
    fn key(self) -> &'static keys::Key {
        match self {
            Unknown::Replay => &keys::REPLAY,
            Unknown::Hydrate => &keys::HYDRATE,
            Unknown::Provision => &keys::PROVISION,
        }
    }
}

/// The binlog an `after_snapshot` restore point replays: what the load writes in that long
/// after the daily snapshot (taken at the scenario's time of day), by its daily and weekly
/// shape, averaged over the days of the week. A flat mean rate missed the shape: 14 hours
/// after a 03:00 snapshot replay the busy day, not 14/24 of an average one.
#[derive(Debug, Clone)]
pub struct SnapshotBinlog {
    profile: LoadProfile,
    pub gb_per_day: f64,
    /// The load was fitted to the server's metrics, not taken from the scenario as written.
    pub fitted: bool,
}

impl SnapshotBinlog {
    pub fn new(workload: &WorkloadConfig, clock: WallClock) -> Self {
        Self {
            profile: LoadProfile::new(workload, clock),
            gb_per_day: workload.binlog_gb_per_day,
            fitted: false,
        }
    }

    /// GB written in the `seconds` after a daily snapshot, mean over the week's seven.
    pub fn after_snapshot(&self, seconds: SimTime) -> f64 {
        let total: f64 = (0..7)
            .map(|day| self.profile.volume(day * DAY, day * DAY + seconds))
            .sum();
        total / 7.0
    }
}

/// The three terms of one measurement: seconds per unit of provision, h and q.
fn terms(
    m: &MeasuredRestore,
    server: &ServerConfig,
    restore: &RestoreConfig,
    binlog: &SnapshotBinlog,
) -> [f64; 3] {
    let replay_gb = match m.replayed {
        Replayed::Nothing => 0.0,
        Replayed::Gb(gb) => gb,
        Replayed::After(seconds) => binlog.after_snapshot(seconds),
    };
    let slowdown = replay_slowdown(restore, server);
    let v = m.vcores as f64;
    [1.0, m.database_gb / v, replay_gb * slowdown / v]
}

/// The unknowns to fit, most wanted first, as many as the measurements allow and their
/// columns can tell apart.
fn choose(columns: &[Vec<f64>; 3], n: usize) -> Vec<Unknown> {
    let mut wanted: Vec<Unknown> = [Unknown::Replay, Unknown::Hydrate, Unknown::Provision]
        .into_iter()
        .filter(|u| columns[index(*u)].iter().any(|v| *v > 0.0))
        .take(n)
        .collect();
    while wanted.len() > 1 {
        let cols: Vec<Vec<f64>> = wanted.iter().map(|u| columns[index(*u)].clone()).collect();
        let b = vec![1.0; columns[0].len()];
        if least_squares(&cols, &b).is_some() {
            break;
        }
        wanted.pop();
    }
    wanted
}

fn index(u: Unknown) -> usize {
    match u {
        Unknown::Provision => 0,
        Unknown::Hydrate => 1,
        Unknown::Replay => 2,
    }
}

/// Fit the scenario's restore rates to `measured`; `binlog` turns an `after_snapshot` restore
/// point into binlog replayed, and `binlog_source` says where its load comes from.
pub fn fit(
    measured: &[MeasuredRestore],
    server: &ServerConfig,
    restore: &RestoreConfig,
    binlog: &SnapshotBinlog,
    binlog_source: &str,
) -> RestoreFit {
    let rows: Vec<[f64; 3]> = measured
        .iter()
        .map(|m| terms(m, server, restore, binlog))
        .collect();
    let columns: [Vec<f64>; 3] = std::array::from_fn(|j| rows.iter().map(|r| r[j]).collect());
    let current = [
        restore.provision as f64,
        3600.0 / restore.hydrate_gb_per_hour_per_vcore,
        3600.0 / restore.replay_gb_per_hour_per_vcore,
    ];
    let free = choose(&columns, measured.len());
    let fixed: Vec<usize> = (0..3)
        .filter(|j| !free.iter().any(|u| index(*u) == *j))
        .collect();
    let rhs: Vec<f64> = measured
        .iter()
        .zip(&rows)
        .map(|(m, r)| m.seconds - fixed.iter().map(|&j| r[j] * current[j]).sum::<f64>())
        .collect();
    let free_columns: Vec<Vec<f64>> = free.iter().map(|u| columns[index(*u)].clone()).collect();
    let fit = nnls(&free_columns, &rhs);
    let mut values = current;
    if let Some(f) = &fit {
        for (u, x) in free.iter().zip(&f.x) {
            values[index(*u)] = *x;
        }
    }
    let se = fit
        .as_ref()
        .and_then(|f| standard_errors(&free_columns, f.ssr, 1.0));
    // The residuals show what the scenario written will do: a fit beyond a key's bounds is
    // written at the bound, so its misses are those of the bound, not of the raw fit.
    let mut written = values;
    for u in &free {
        written[index(*u)] = as_written(*u, values[index(*u)]);
    }
    // Without a spare measurement the fit passes through each one, unless a phase would need
    // a negative time, or a value beyond its key: then it misses, and "exact" would be wrong.
    let misses = |values: &[f64; 3]| {
        measured.iter().zip(&rows).any(|(m, r)| {
            let fitted: f64 = (0..3).map(|j| r[j] * values[j]).sum();
            (m.seconds - fitted).abs() / 60.0 >= 0.05
        })
    };
    let no_spread = match (misses(&written), misses(&values)) {
        (false, _) => EXACT,
        (true, true) => MISSED,
        (true, false) => HELD,
    };
    let residuals = measured
        .iter()
        .zip(&rows)
        .map(|(m, r)| Residual {
            target: m.target.as_str(),
            measured_minutes: m.seconds / 60.0,
            fitted_minutes: (0..3).map(|j| r[j] * written[j]).sum::<f64>() / 60.0,
        })
        .collect();
    let uses_rate = measured
        .iter()
        .any(|m| matches!(m.replayed, Replayed::After(_)));
    let mut summary = summary(&free, measured.len());
    if uses_rate {
        summary.push_str(&format!(
            "; an after_snapshot restore point replays the binlog written that long after the daily snapshot, by the load's daily and weekly shape at {:.3} GB/day ({binlog_source}; mean over the week)",
            binlog.gb_per_day
        ));
    }
    let mut out = RestoreFit {
        keys: Vec::new(),
        residuals,
        summary,
        warnings: Vec::new(),
    };
    if uses_rate && !binlog.fitted {
        out.warnings.push(format!(
            "{}: the after_snapshot restores are sized with the scenario's {:.3} GB/day of binlog, which nothing here measured: the rates fitted (and their ±) are only as right as that load; calibrate with --metrics too, or give each restore its binlog_gb",
            keys::BINLOG.path,
            binlog.gb_per_day
        ));
    }
    let origin = format!(
        "restore.measured ({} restore{}, non-negative least squares)",
        measured.len(),
        if measured.len() == 1 { "" } else { "s" }
    );
    for (k, u) in free.iter().enumerate() {
        let x = values[index(*u)];
        let x_se = se.as_ref().map(|s| s[k]);
        out.keys
            .push(key_for(*u, x, x_se, &origin, no_spread, &mut out.warnings));
    }
    out
}

fn summary(free: &[Unknown], n: usize) -> String {
    let names: Vec<&str> = free.iter().map(|u| u.key().path).collect();
    let kept: Vec<&str> = [Unknown::Replay, Unknown::Hydrate, Unknown::Provision]
        .iter()
        .filter(|u| !free.contains(u))
        .map(|u| u.key().path)
        .collect();
    let fitted = match (n, free) {
        (1, [Unknown::Replay]) => "one measurement: the replay rate alone is fitted".to_string(),
        (1, [Unknown::Hydrate]) => {
            "one measurement, with no binlog replayed: the hydration rate alone is fitted"
                .to_string()
        }
        _ => format!("{n} measurements: fitted {}", names.join(", ")),
    };
    if kept.is_empty() {
        fitted
    } else {
        format!("{fitted}; kept from the scenario: {}", kept.join(", "))
    }
}

/// With as many measurements as unknowns the fit passes through every one: no spread to show.
const EXACT: &str = "exact fit, no spare measurement for an error";

/// As many measurements as unknowns, and still a miss: a phase would have needed a negative time.
const MISSED: &str =
    "no spare measurement for an error, and the fit still misses (see the residuals): a phase would need a negative time";

/// As many measurements as unknowns, and a miss because a fitted value lies beyond its key.
const HELD: &str =
    "no spare measurement for an error, and the fit misses (see the residuals): the value it needs lies beyond what the key allows (see the warnings)";

/// A standard error this many times its value says the measurements do not tell the phase
/// apart from the others: printing it as a number would only look precise.
const UNRESOLVED: f64 = 10.0;

/// The bounds of a rate key, in GB per hour per vCore.
fn rate_bounds(key: &keys::Key) -> (f64, f64) {
    match key.kind {
        Kind::Number { min, max, .. } => (min, max),
        _ => (0.0, f64::INFINITY),
    }
}

/// A fitted unknown `x` (seconds, or seconds per GB per vCore) as the scenario will hold it:
/// provisioning in whole seconds up to a day, a rate within its key's bounds.
fn as_written(u: Unknown, x: f64) -> f64 {
    if u == Unknown::Provision {
        return x.round().clamp(0.0, DAY as f64);
    }
    let (min, max) = rate_bounds(u.key());
    let rate = if x > 0.0 { 3600.0 / x } else { f64::INFINITY };
    3600.0 / rate.clamp(min, max)
}

/// The key for one fitted unknown: a rate from seconds per GB per vCore (clamped to what the
/// key allows, with a warning), or the provisioning time.
fn key_for(
    u: Unknown,
    x: f64,
    se: Option<f64>,
    origin: &str,
    no_spread: &str,
    warnings: &mut Vec<String>,
) -> FittedKey {
    let key = u.key();
    let unresolved = se.is_some_and(|s| s.is_nan() || s > UNRESOLVED * x.abs());
    let uncertainty = |spread: &dyn Fn(f64) -> String| {
        match se {
        None => no_spread.to_string(),
        Some(_) if unresolved => format!(
            "± unknown: the measurements do not tell this phase apart from the others (1 s.e. over {UNRESOLVED} times the value); time restores that differ in size, binlog or vCores"
        ),
        Some(s) => spread(s),
    }
    };
    if u == Unknown::Provision {
        let seconds = x.round().clamp(0.0, DAY as f64) as i64;
        return FittedKey {
            path: key.path,
            value: format!("\"{}\"", dur(seconds)),
            uncertainty: uncertainty(&|s| format!("±{:.0}s (1 s.e.)", s)),
            source: origin.to_string(),
        };
    }
    let (min, max) = rate_bounds(key);
    let rate = if x > 0.0 { 3600.0 / x } else { f64::INFINITY };
    // Beyond either bound of the key the fit is kept at that bound, with a warning: both ends
    // alike, so the calibrated scenario is always written and valid.
    if rate > max {
        warnings.push(format!(
            "{}: the measurements leave no time for this phase, so the rate is set to the most the key allows ({max})",
            key.path
        ));
    } else if rate < min {
        warnings.push(format!(
            "{}: the measurements give this phase so much time that the rate ({rate:.3e}) is below the least the key allows; it is set to {min}",
            key.path
        ));
    }
    let rate = rate.clamp(min, max);
    FittedKey {
        path: key.path,
        value: format!("{:.3}", rate),
        // A rate is 3600/x: its relative error is x's.
        uncertainty: uncertainty(&|s| format!("±{:.3} (1 s.e.)", rate * s / x.max(1e-12))),
        source: origin.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::MeasuredTarget;

    fn scenario() -> crate::scenario::Scenario {
        crate::scenario::parse(
            "name = \"x\"\n[server]\nvcores = 4\n[restore]\nprovision_minutes = \"5m\"\nhydrate_gb_per_hour_per_vcore = 100.0\nreplay_gb_per_hour_per_vcore = 2.0\n",
            crate::error::Origin::Argument("t".into()),
            &[],
        )
        .unwrap()
    }

    /// The scenario's load (flat unless shaped) at `gb_per_day`.
    fn binlog(s: &crate::scenario::Scenario, gb_per_day: f64) -> SnapshotBinlog {
        let workload = WorkloadConfig {
            binlog_gb_per_day: gb_per_day,
            ..s.config.workload.clone()
        };
        SnapshotBinlog::new(&workload, s.config.clock)
    }

    /// By hand: a day of 24 GB at 0.5 from 00:00 to 12:00 and 1.5 after, snapshots at 03:00.
    /// 14 hours after one run to 17:00: 9 h at 0.5 and 5 h at 1.5, so 4.5 + 7.5 = 12 GB, not the
    /// 14 a flat day gives; 3 hours after: 1.5 GB, not 3.
    #[test]
    fn an_after_snapshot_point_replays_the_shaped_load() {
        let text = "name = \"x\"\nstart = \"2026-01-05T03:00:00Z\"\n[workload]\nbinlog_gb_per_day = 24\ndiurnal = [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 1.5, 1.5, 1.5, 1.5, 1.5, 1.5, 1.5, 1.5, 1.5, 1.5, 1.5, 1.5]\n";
        let s =
            crate::scenario::parse(text, crate::error::Origin::Argument("t".into()), &[]).unwrap();
        let b = SnapshotBinlog::new(&s.config.workload, s.config.clock);
        assert!((b.after_snapshot(14 * 3600) - 12.0).abs() < 1e-9);
        assert!((b.after_snapshot(3 * 3600) - 1.5).abs() < 1e-9);
        assert!((b.after_snapshot(DAY) - 24.0).abs() < 1e-9);
    }

    fn restore(gb: f64, replayed: Replayed, vcores: u32, minutes: f64) -> MeasuredRestore {
        MeasuredRestore {
            database_gb: gb,
            replayed,
            vcores,
            target: if replayed == Replayed::Nothing {
                MeasuredTarget::Fastest
            } else {
                MeasuredTarget::Custom
            },
            seconds: minutes * 60.0,
        }
    }

    fn value(fit: &RestoreFit, key: &keys::Key) -> Option<String> {
        fit.keys
            .iter()
            .find(|k| k.path == key.path)
            .map(|k| k.value.clone())
    }

    /// By hand: 100 GB on 4 vCores hydrate at 100 GB/h/vCore in 900 s; with 300 s to provision,
    /// 2520 s leave 1320 s to replay 6 GB, i.e. 880 s per GB per vCore: 3600/880 = 4.091.
    #[test]
    fn one_measurement_fits_the_replay_rate_alone() {
        let s = scenario();
        let m = [restore(100.0, Replayed::Gb(6.0), 4, 42.0)];
        let fit = fit(
            &m,
            &s.config.server,
            &s.config.restore,
            &binlog(&s, 25.0),
            "scenario",
        );
        assert_eq!(fit.keys.len(), 1);
        assert_eq!(value(&fit, &keys::REPLAY).as_deref(), Some("4.091"));
        assert!(
            fit.summary
                .starts_with("one measurement: the replay rate alone"),
            "{}",
            fit.summary
        );
        assert!((fit.residuals[0].fitted_minutes - 42.0).abs() < 1e-9);
        // A fastest restore replays nothing: only hydration can be fitted from it.
        let fit = super::fit(
            &[restore(100.0, Replayed::Nothing, 4, 20.0)],
            &s.config.server,
            &s.config.restore,
            &binlog(&s, 25.0),
            "scenario",
        );
        // 1200 s − 300 s = 900 s for 25 GB per vCore: 100 GB/h/vCore.
        assert_eq!(value(&fit, &keys::HYDRATE).as_deref(), Some("100.000"));
    }

    /// Three restores timed with provision 8 min, hydration 60 and replay 3 GB/h/vCore (plus a
    /// few per cent of noise) give the three back within 10%.
    #[test]
    fn three_measurements_fit_all_three_rates() {
        let s = scenario();
        let time = |gb: f64, replay: f64, v: f64, noise: f64| {
            (480.0 + gb / (60.0 * v) * 3600.0 + replay / (3.0 * v) * 3600.0) * noise / 60.0
        };
        let m = [
            restore(200.0, Replayed::Gb(0.5), 4, time(200.0, 0.5, 4.0, 1.02)),
            restore(50.0, Replayed::Gb(10.0), 8, time(50.0, 10.0, 8.0, 0.98)),
            restore(
                500.0,
                Replayed::After(6 * 3600),
                16,
                time(500.0, 6.0, 16.0, 1.01),
            ),
        ];
        let fit = fit(
            &m,
            &s.config.server,
            &s.config.restore,
            &binlog(&s, 24.0),
            "fitted",
        );
        let num = |k: &keys::Key| value(&fit, k).unwrap().trim_matches('"').to_string();
        let hydrate: f64 = num(&keys::HYDRATE).parse().unwrap();
        let replay: f64 = num(&keys::REPLAY).parse().unwrap();
        assert!((hydrate / 60.0 - 1.0).abs() < 0.1, "{hydrate}");
        assert!((replay / 3.0 - 1.0).abs() < 0.1, "{replay}");
        let provision = humantime::parse_duration(&num(&keys::PROVISION)).unwrap();
        assert!(
            (provision.as_secs_f64() / 480.0 - 1.0).abs() < 0.1,
            "{provision:?}"
        );
        assert!(
            fit.summary.starts_with("3 measurements: fitted"),
            "{}",
            fit.summary
        );
        assert_eq!(fit.residuals.len(), 3);
        // The 6-hour restore is sized by the scenario's load, which nothing measured: said.
        assert!(
            fit.warnings
                .iter()
                .any(|w| w.contains("which nothing here measured")),
            "{:?}",
            fit.warnings
        );
        let mut fitted = binlog(&s, 24.0);
        fitted.fitted = true;
        let with_metrics = super::fit(&m, &s.config.server, &s.config.restore, &fitted, "fitted");
        assert!(
            !with_metrics
                .warnings
                .iter()
                .any(|w| w.contains("which nothing here measured")),
            "{:?}",
            with_metrics.warnings
        );
        // Exactly as many measurements as unknowns: no spread to report.
        assert!(
            fit.keys[0].uncertainty.starts_with("exact fit"),
            "{:?}",
            fit.keys
        );
    }
}
