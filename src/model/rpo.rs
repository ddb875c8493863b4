//! The local data-loss window (RPO): for a loss at time t, t minus the newest point a restore
//! could bring back. It grows while writes go on and drops at each new restorable point; its
//! time-weighted distribution is kept exactly as a sawtooth of segments.

use crate::engine::SimTime;
use crate::stats::Sawtooth;

#[derive(Debug, Clone, Default)]
pub struct DataLossWindow {
    /// The newest instant a restore could bring back (last log backup, snapshot or restart),
    /// and the binlog mark there.
    latest_point: SimTime,
    latest_mark: f64,
    /// A snapshot has succeeded: before that nothing can be restored, and the window is the
    /// writing time since creation (log backups alone restore nothing).
    has_snapshot: bool,
    /// The window is `offset` + (t − `since`) while writes go on.
    since: SimTime,
    offset: SimTime,
    /// The widest window since the last hourly sample.
    widest_since_sample: SimTime,
    sawtooth: Sawtooth,
}

impl DataLossWindow {
    pub fn new() -> Self {
        Self::default()
    }

    /// The window at `t` while writes go on.
    pub fn at(&self, t: SimTime) -> SimTime {
        self.offset + (t - self.since)
    }

    pub fn latest_point(&self) -> SimTime {
        self.latest_point
    }

    pub fn latest_mark(&self) -> f64 {
        self.latest_mark
    }

    pub fn snapshot_taken(&mut self) {
        self.has_snapshot = true;
    }

    /// A new restorable point at `t` (or writes stop there), the binlog at `mark`: the window
    /// that grew since the previous one is one tooth of the sawtooth. Until a snapshot exists
    /// nothing is restorable, so the window does not drop: it carries on from where it was.
    pub fn close(&mut self, t: SimTime, mark: f64) {
        let width = self.at(t);
        self.widest_since_sample = self.widest_since_sample.max(width);
        self.sawtooth.add_segment(self.offset, width);
        self.offset = if self.has_snapshot { 0 } else { width };
        self.since = t;
        self.latest_point = t;
        self.latest_mark = mark;
    }

    /// `count` more restorable points, `interval` apart, the last at `t` with binlog `mark`: the
    /// regular log backups of a quiet stretch (the first point of it closed already).
    pub fn close_regular(&mut self, count: u64, interval: SimTime, t: SimTime, mark: f64) {
        if count == 0 {
            return;
        }
        debug_assert!(self.has_snapshot && self.offset == 0);
        self.widest_since_sample = self.widest_since_sample.max(interval);
        self.sawtooth.add_repeated(0, interval, count);
        self.since = t;
        self.latest_point = t;
        self.latest_mark = mark;
    }

    /// Whether every tooth from now on is a plain one (a snapshot exists, no carried window).
    pub fn regular(&self) -> bool {
        self.has_snapshot && self.offset == 0
    }

    /// Writes resume at `t` after a pause in which nothing was written: everything up to now
    /// is as restorable as it was when they stopped.
    pub fn resume(&mut self, t: SimTime, mark: f64) {
        self.latest_point = t;
        self.latest_mark = mark;
        self.since = t;
    }

    /// The widest window since the last call (for the hourly samples).
    pub fn widest_since_sample(&self) -> SimTime {
        self.widest_since_sample
    }

    pub fn sampled(&mut self) {
        self.widest_since_sample = 0;
    }

    pub fn quantiles(&self) -> crate::stats::Quantiles {
        self.sawtooth.quantiles()
    }

    pub fn into_sawtooth(self) -> Sawtooth {
        self.sawtooth
    }

    pub fn distinct_lengths(&self) -> usize {
        self.sawtooth.distinct_lengths()
    }
}
