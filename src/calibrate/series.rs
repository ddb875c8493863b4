//! One metric of the export on its regular time grid, in GB.

use chrono::{DateTime, FixedOffset, SecondsFormat};

use crate::engine::{SimTime, DAY, HOUR};

/// One point of the backtest: the metric and the calibrated simulation at the same instant.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BacktestPoint {
    pub time: DateTime<FixedOffset>,
    pub observed_gb: Option<f64>,
    pub simulated_gb: f64,
}

/// One metric on a regular time grid, in GB.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub metric: &'static str,
    pub start: DateTime<FixedOffset>,
    /// Seconds between points.
    pub step: SimTime,
    /// One value per step from `start`; None where the export has none.
    pub gb: Vec<Option<f64>>,
}

impl Series {
    /// (seconds after `start`, GB) for every point with a value.
    pub fn points(&self) -> impl Iterator<Item = (SimTime, f64)> + '_ {
        self.gb
            .iter()
            .enumerate()
            .filter_map(|(i, v)| v.map(|gb| (i as SimTime * self.step, gb)))
    }

    pub fn span_days(&self) -> f64 {
        (self.gb.len().saturating_sub(1) as SimTime * self.step) as f64 / DAY as f64
    }

    pub fn missing(&self) -> usize {
        self.gb.iter().filter(|v| v.is_none()).count()
    }

    /// The value at an instant on this series' grid.
    pub fn at(&self, time: DateTime<FixedOffset>) -> Option<f64> {
        let offset = (time - self.start).num_seconds();
        if offset < 0 || offset % self.step != 0 {
            return None;
        }
        self.gb
            .get((offset / self.step) as usize)
            .copied()
            .flatten()
    }

    /// Sub-hourly series keep their points on the hour: the simulation samples hourly.
    pub(super) fn hourly(mut self) -> Series {
        if self.step < HOUR && HOUR % self.step == 0 {
            let every = (HOUR / self.step) as usize;
            self.gb = self.gb.into_iter().step_by(every).collect();
            self.step = HOUR;
        }
        self
    }
}

/// "PT1H", "PT5M", "P1D": how the export names an interval.
pub fn iso_interval(seconds: SimTime) -> String {
    match seconds {
        s if s > 0 && s % DAY == 0 => format!("P{}D", s / DAY),
        s if s > 0 && s % HOUR == 0 => format!("PT{}H", s / HOUR),
        s if s > 0 && s % 60 == 0 => format!("PT{}M", s / 60),
        s => format!("PT{s}S"),
    }
}

pub fn timestamp(t: DateTime<FixedOffset>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// A grid may hold this many empty steps per point given (an export with gaps is usual; one
/// that is nearly all gap is not a series).
const MOST_EMPTY_PER_POINT: SimTime = 10;

/// Place the points on their regular grid: the commonest gap between neighbours is the step.
pub(super) fn grid(
    metric: &'static str,
    mut points: Vec<(DateTime<FixedOffset>, Option<f64>)>,
) -> Result<Series, (String, String)> {
    let key = || format!("{metric}.timeseries[0].data");
    points.sort_by_key(|p| p.0);
    if points.iter().filter(|p| p.1.is_some()).count() < 3 {
        return Err((
            key(),
            "has fewer than three values; export the metric over days, with --aggregation Average"
                .into(),
        ));
    }
    let mut gaps: Vec<SimTime> = points
        .windows(2)
        .map(|w| (w[1].0 - w[0].0).num_seconds())
        .collect();
    if gaps.contains(&0) {
        return Err((key(), "lists the same time twice".into()));
    }
    gaps.sort_unstable();
    let step = gaps
        .chunk_by(|a, b| a == b)
        .max_by_key(|run| run.len())
        .map_or(HOUR, |run| run[0]);
    let start = points[0].0;
    let last = (points[points.len() - 1].0 - start).num_seconds();
    // One wrong timestamp (a year 9999) would stretch the grid over millennia and its memory
    // with it: a grid mostly empty is refused, naming the widest gap, where the error lies.
    let slots = last / step + 1;
    if slots > MOST_EMPTY_PER_POINT * points.len() as SimTime + 1_000 {
        let (before, after) = points
            .windows(2)
            .map(|w| (w[0].0, w[1].0))
            .max_by_key(|(a, b)| *b - *a)
            .expect("three points or more");
        return Err((
            key(),
            format!(
                "jumps from {} to {}: {} points spread over {slots} steps of its {} grid, mostly empty; a timestamp is probably wrong",
                timestamp(before),
                timestamp(after),
                points.len(),
                iso_interval(step)
            ),
        ));
    }
    let mut gb = vec![None; slots as usize];
    for (time, value) in points {
        let offset = (time - start).num_seconds();
        if offset % step != 0 {
            return Err((
                key(),
                format!(
                    "has a point at {} off its {} grid; export with a fixed --interval",
                    timestamp(time),
                    iso_interval(step)
                ),
            ));
        }
        gb[(offset / step) as usize] = value;
    }
    Ok(Series {
        metric,
        start,
        step,
        gb,
    })
}
