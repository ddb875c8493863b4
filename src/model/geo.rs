//! Geo replication (D3): each backup reaches the paired region after a random lag (at most an
//! hour). A point is restorable there only once it and every backup before it have arrived, so
//! one slow copy holds back the ones behind it. The geo data-loss window — writing time since
//! the newest point the paired region holds — is measured exactly, like the local one.

use std::collections::VecDeque;

use crate::engine::{SimTime, Stream};
use crate::model::config::GEO_LAG_CAP;
use crate::stats::Sawtooth;

/// Whether the geo window is being measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Not geo-redundant, or geo-redundant while nothing is being written yet.
    Idle,
    /// Writes go on: the window grows and drops as copies arrive.
    Measuring,
    /// Writes stopped at `since` (stop, deletion, regional outage).
    Paused { since: SimTime },
}

/// Whether anything has reached the paired region: before that a geo-restore has nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Seed {
    Empty,
    Seeded,
}

#[derive(Debug, Clone)]
pub struct GeoReplication {
    draws: Stream,
    lag_mean: f64,
    /// Backups on their way: (ready, point, binlog mark); `ready` never decreases.
    pending: VecDeque<(SimTime, SimTime, f64)>,
    ready_max: SimTime,
    /// The newest point restorable from the paired region, and its binlog mark.
    point: SimTime,
    mark: f64,
    segment_start: SimTime,
    phase: Phase,
    seed: Seed,
    /// Pauses in writing since the geo point (start, end).
    pauses: VecDeque<(SimTime, SimTime)>,
    sawtooth: Sawtooth,
}

impl GeoReplication {
    /// `measuring` when the server starts out geo-redundant.
    pub fn new(lag_mean: f64, measuring: bool, draws: Stream) -> Self {
        Self {
            draws,
            lag_mean,
            pending: VecDeque::new(),
            ready_max: 0,
            point: 0,
            mark: 0.0,
            segment_start: 0,
            phase: if measuring {
                Phase::Measuring
            } else {
                Phase::Idle
            },
            seed: Seed::Empty,
            pauses: VecDeque::new(),
            sawtooth: Sawtooth::new(),
        }
    }

    /// Backups up to `point` leave for the paired region at `sent` and arrive after a random
    /// lag, never before anything sent earlier.
    pub fn send(&mut self, sent: SimTime, point: SimTime, mark: f64) {
        let lag = self
            .draws
            .exponential(self.lag_mean)
            .round()
            .min(GEO_LAG_CAP as f64) as SimTime;
        self.ready_max = self.ready_max.max(sent + lag);
        self.pending.push_back((self.ready_max, point, mark));
    }

    /// Backups that reach the paired region by `t` move the geo restorable point forward; each
    /// stretch between moves is one segment of the geo data-loss window.
    pub fn arrivals_until(&mut self, t: SimTime) {
        while let Some(&(ready, point, mark)) = self.pending.front() {
            if ready > t {
                break;
            }
            self.pending.pop_front();
            self.seed = Seed::Seeded;
            let ready = ready.max(self.segment_start);
            if self.phase == Phase::Measuring {
                let (from, to) = (self.window(self.segment_start), self.window(ready));
                self.sawtooth.add_segment(from, to);
                self.segment_start = ready;
            }
            self.point = point;
            self.mark = mark;
            while self.pauses.front().is_some_and(|&(_, end)| end <= point) {
                self.pauses.pop_front();
            }
        }
    }

    /// The geo data-loss window at `t`: seconds of writing since the newest point the paired
    /// region holds, not counting pauses (stops, regional outages), when nothing was written.
    fn window(&self, t: SimTime) -> SimTime {
        let paused: SimTime = self
            .pauses
            .iter()
            .map(|&(start, end)| (end.min(t) - start.max(self.point)).max(0))
            .sum();
        t - self.point - paused
    }

    /// Writes stop at `now`: the window stops being measured.
    pub fn pause(&mut self, now: SimTime) {
        if self.phase == Phase::Measuring {
            let (from, to) = (self.window(self.segment_start), self.window(now));
            self.sawtooth.add_segment(from, to);
            self.phase = Phase::Paused { since: now };
        }
    }

    /// Writes resume at `now` (binlog at `mark`). Nothing was written while paused, so once
    /// what was sent before has arrived the paired region holds everything up to now.
    pub fn resume(&mut self, now: SimTime, mark: f64) {
        if let Phase::Paused { since } = self.phase {
            self.pauses.push_back((since, now));
        }
        self.phase = Phase::Measuring;
        self.segment_start = now;
        if self.pending.is_empty() {
            self.point = now;
            self.mark = mark;
            self.pauses.clear();
        } else {
            self.pending.push_back((self.ready_max, now, mark));
        }
    }

    /// D2: local becomes geo at `now`. Nothing is in the paired region yet: what is retained
    /// (up to `point`) is copied over like a new backup, and until it arrives a geo-restore has
    /// nothing to use. Measuring starts now if writes are going on.
    pub fn enable(&mut self, now: SimTime, point: SimTime, mark: f64, writing: bool) {
        self.seed = Seed::Empty;
        self.point = point;
        self.mark = mark;
        self.send(now, point, mark);
        if writing {
            self.phase = Phase::Measuring;
            self.segment_start = now;
        }
    }

    /// The primary region came back after `outage` seconds: copies in flight stood still and
    /// arrive as much later, so the window never runs backwards.
    pub fn delay_in_flight(&mut self, outage: SimTime) {
        for entry in &mut self.pending {
            entry.0 += outage;
        }
        if !self.pending.is_empty() {
            self.ready_max += outage;
        }
    }

    /// The newest point the paired region holds, once anything has arrived.
    pub fn restorable_point(&self) -> Option<SimTime> {
        (self.seed == Seed::Seeded).then_some(self.point)
    }

    /// The geo window's distribution; None when it was never measured (not geo-redundant).
    pub fn quantiles_if_any(&self) -> Option<crate::stats::Quantiles> {
        (self.sawtooth.total_time() > 0).then(|| self.sawtooth.quantiles())
    }

    pub fn into_sawtooth(self) -> Sawtooth {
        self.sawtooth
    }
}
