//! The candidate scenario behind a fit: the user's scenario, started early enough before the
//! metrics begin that its backup set is full when they do, with the daily snapshot at the hour
//! the metrics show it, and nothing random that a metric export would not show (scripted events,
//! outages, on-demand backups, other tenants). Given the load, the change ratio and the database,
//! it simulates the backup storage at each observed point.

use chrono::{DateTime, Duration, FixedOffset, SecondsFormat};

use super::metrics::Series;
use super::shapes::Pattern;
use super::simulated::hourly;
use crate::engine::{SimTime, DAY, HOUR};
use crate::error::{InputError, Origin};
use crate::model::Config;
use crate::scenario::{self, Override, Scenario};

/// The parameters a candidate is simulated with.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Candidate {
    pub binlog_gb_per_day: f64,
    pub change_ratio: f64,
    /// The database at the calibrated scenario's start (`Window::next_start`), GB.
    pub db_gb: f64,
    pub growth: f64,
}

#[derive(Debug, Clone)]
pub struct Window {
    config: Config,
    seed: u64,
    /// The simulation's hour of each observed point, and the value observed there.
    pub observed: Vec<(usize, f64)>,
    /// The simulation's hour of the series' first point.
    pub first_hour: usize,
    /// The first simulated snapshot after the metrics end: the calibrated scenario starts there.
    pub next_start: DateTime<FixedOffset>,
    /// Days from the simulation's start to `next_start`.
    lead_days: f64,
    /// The load shapes the metric shows; the weekly one follows the candidate's rate.
    pattern: Option<Pattern>,
}

/// Why a candidate cannot be simulated: a key the scenario (with the window's changes) refuses.
fn refused(origin: &Origin, e: InputError) -> InputError {
    InputError {
        origin: origin.clone(),
        ..e
    }
}

impl Window {
    /// The window for a daily snapshot `snapshot_hour` hours after the series' start (mod 24).
    /// `pattern` holds the load shapes to simulate with, if the data gave them.
    pub fn new(
        text: &str,
        origin: &Origin,
        scenario: &Scenario,
        backup: &Series,
        snapshot_hour: SimTime,
        pattern: Option<&Pattern>,
    ) -> Result<Window, InputError> {
        let retention = scenario.config.backup.retention_days as i64;
        let clock = *scenario.start.offset();
        let first = backup.start.with_timezone(&clock);
        // Two days more than a full backup set: the set is full and pruning daily by the start.
        let start = first + Duration::hours(snapshot_hour) - Duration::days(retention + 2);
        let first_hour = ((first - start).num_seconds() / HOUR) as usize;
        let step_hours = (backup.step / HOUR) as usize;
        let observed: Vec<(usize, f64)> = backup
            .gb
            .iter()
            .enumerate()
            .filter_map(|(i, v)| v.map(|gb| (first_hour + i * step_hours, gb)))
            .collect();
        let last_hour = first_hour + (backup.gb.len() - 1) * step_hours;
        let lead = (last_hour as SimTime * HOUR) / DAY + 1;
        let horizon_hours = last_hour + 2;
        let sets = [
            (
                "start",
                format!("\"{}\"", start.to_rfc3339_opts(SecondsFormat::Secs, true)),
            ),
            ("horizon_days", format!("{}", horizon_hours as f64 / 24.0)),
            ("warmup_days", "\"0d\"".into()),
            ("runs", "1".into()),
            ("events", "[]".into()),
            ("backup.on_demand", "[]".into()),
            ("long_term.enabled", "false".into()),
            ("long_term.exports", "[]".into()),
            ("outages.region_outages_per_year", "0".into()),
            ("outages.zone_outages_per_year", "0".into()),
            ("outages.incidents_per_year", "0".into()),
            ("restore.background_restores_per_hour", "0".into()),
            ("restore.unsafe_sessions_per_day", "0".into()),
            // Each candidate sets the database's size and growth; the scenario's own, over this
            // longer window, could outgrow its storage and refuse a fit it does not enter.
            ("server.db_growth_gb_per_day", "0".into()),
        ];
        let overrides: Vec<Override> = sets
            .into_iter()
            .map(|(key, value)| Override {
                key: key.into(),
                value,
            })
            .collect();
        let mut candidate =
            scenario::parse_one(text, origin, &overrides).map_err(|e| refused(origin, e))?;
        if let Some(p) = pattern {
            candidate.config.workload.diurnal = p.diurnal.values;
        }
        Ok(Window {
            config: candidate.config,
            seed: scenario.seed,
            observed,
            first_hour,
            next_start: start + Duration::days(lead),
            lead_days: lead as f64,
            pattern: pattern.cloned(),
        })
    }

    /// The database the simulation starts with, for a database of `db_gb` at `next_start`.
    pub fn initial_db(&self, c: &Candidate) -> f64 {
        c.db_gb - c.growth * self.lead_days
    }

    /// The candidate's backup storage, every hour from the simulation's start.
    pub fn simulate_hourly(&self, c: &Candidate) -> Vec<f64> {
        let mut config = self.config.clone();
        config.workload.binlog_gb_per_day = c.binlog_gb_per_day.max(0.0);
        if let Some(weekly) = self
            .pattern
            .as_ref()
            .and_then(|p| p.weekly_read(c.binlog_gb_per_day).ok())
        {
            config.workload.weekly = weekly.values;
        }
        config.backup.snapshot_change_ratio = c.change_ratio.max(0.0);
        // A database cannot start empty: a sliver keeps the full snapshot positive.
        config.server.db_size_gb = self.initial_db(c).max(1e-3);
        config.server.db_growth_gb_per_day = c.growth.max(0.0);
        hourly(&config, self.seed).storage_gb
    }

    /// The candidate's backup storage at each observed point.
    pub fn simulate(&self, c: &Candidate) -> Vec<f64> {
        let hourly = self.simulate_hourly(c);
        self.observed
            .iter()
            .map(|&(h, _)| hourly.get(h).copied().unwrap_or(f64::NAN))
            .collect()
    }

    pub fn values(&self) -> Vec<f64> {
        self.observed.iter().map(|o| o.1).collect()
    }
}
