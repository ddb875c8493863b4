//! What a restore plan reads: the retained backups and the server's circumstances at the
//! request, as one borrowed view (the run builds one per probe or request, the `restore`
//! command one at the chosen moment), with the questions every plan asks of them: when writes
//! stopped, what a point lacks, the recovery window and how far a replay reaches.

use std::collections::VecDeque;

use crate::engine::SimTime;
use crate::model::backups::{BackupStore, Snapshot};
use crate::model::server::WritePauses;

/// Everything a plan reads: the retained backups and the server's circumstances at the request.
#[derive(Debug, Clone, Copy)]
pub struct Backups<'a> {
    pub store: &'a BackupStore,
    /// The newest restorable instant and its binlog mark.
    pub latest_point: SimTime,
    pub latest_mark: f64,
    /// When writes stopped (stop, deletion, regional outage), while they are stopped.
    pub writes_stopped_at: Option<SimTime>,
    /// Earlier stretches without writes, which no restore loses anything in.
    pub write_pauses: &'a WritePauses,
    pub deleted_at: Option<SimTime>,
    pub region_down: bool,
    /// The newest point the paired region holds (None before anything has arrived).
    pub geo_point: Option<SimTime>,
    /// Moments a session wrote rows breaking a foreign key with the checks off (R7).
    pub unsafe_moments: &'a VecDeque<SimTime>,
    /// The recovery window: retention in seconds.
    pub window: SimTime,
}

impl Backups<'_> {
    /// The last moment before `request` that writes happened: the request itself while the
    /// server takes writes, else when they stopped.
    pub fn writes_until(&self, request: SimTime) -> SimTime {
        self.writes_stopped_at.map_or(request, |t| t.min(request))
    }

    /// The writes a restore to `point` lacks at `request`: writing time from the point to the
    /// request (or to when writes stopped), without the pauses in between. A geo-restore's
    /// point can lie before a regional outage that has ended: its hours lost nothing.
    pub fn writes_lost(&self, point: SimTime, request: SimTime) -> SimTime {
        let until = self.writes_until(request);
        let paused: SimTime = self
            .write_pauses
            .iter()
            .map(|&(start, end)| (end.min(until) - start.max(point)).max(0))
            .sum();
        (until - point - paused).max(0)
    }

    /// The recovery window at `request`: [creation or request − retention, last backed-up
    /// point]. Anchored where writes stopped: a stopped (B7) or deleted (R5) server can still be
    /// restored to any point of the window it had then.
    pub fn window_at(&self, request: SimTime) -> (SimTime, SimTime) {
        let earliest = (self.writes_until(request) - self.window).max(0);
        (earliest, self.latest_point.min(request))
    }

    /// The newest point at or before `t` (≤ the last restorable point) that a replay from
    /// `base` can reach, and its binlog mark, interpolated inside the log backup that covers it:
    /// the binlog rate is taken as even within one log interval.
    pub(super) fn reachable(&self, t: SimTime, base: &Snapshot) -> (SimTime, f64) {
        if t >= self.latest_point {
            return (t, self.latest_mark);
        }
        let (before, after) = self.store.logs_around(t);
        let (t0, m0) = match before {
            Some(l) if l.time > base.time => (l.time, l.binlog_mark),
            _ => (base.time, base.binlog_mark),
        };
        let (t1, m1) = match after {
            Some(l) => (l.time, l.binlog_mark),
            // The window last closed at a snapshot, with no log backup since `t0` yet (the next
            // is due, or those since failed): binlog written after `t0` is in no backup, so a
            // replay stops there. Nothing written since (a stop, then a start's snapshot) is
            // nothing missing.
            None if self
                .store
                .latest_snapshot()
                .is_some_and(|s| s.time == self.latest_point && s.binlog_mark > m0) =>
            {
                return (t0, m0)
            }
            None => (self.latest_point, self.latest_mark),
        };
        if t1 <= t0 {
            return (t, m0);
        }
        (t, m0 + (m1 - m0) * (t - t0) as f64 / (t1 - t0) as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{DAY, HOUR};

    /// The writes a restore lacks leave out the stretches when nothing was written: a point
    /// before a stop that has ended loses only the writing time around it.
    #[test]
    fn writes_lost_leave_out_the_pauses() {
        let store = BackupStore::new();
        let unsafe_moments = VecDeque::new();
        let pauses: WritePauses = [(10 * HOUR, 12 * HOUR), (20 * HOUR, 21 * HOUR)].into();
        let b = Backups {
            store: &store,
            latest_point: 30 * HOUR,
            latest_mark: 30.0,
            writes_stopped_at: None,
            write_pauses: &pauses,
            deleted_at: None,
            region_down: false,
            geo_point: None,
            unsafe_moments: &unsafe_moments,
            window: 7 * DAY,
        };
        // 9 h → 30 h: 21 h of wall clock, 3 h of it paused.
        assert_eq!(b.writes_lost(9 * HOUR, 30 * HOUR), 18 * HOUR);
        // A point inside a pause loses only what was written after it ended.
        assert_eq!(b.writes_lost(11 * HOUR, 13 * HOUR), HOUR);
        // While writes are stopped, nothing after the stop is lost either.
        let stopped = Backups {
            writes_stopped_at: Some(25 * HOUR),
            ..b
        };
        assert_eq!(stopped.writes_lost(19 * HOUR, 30 * HOUR), 5 * HOUR);
    }
}
