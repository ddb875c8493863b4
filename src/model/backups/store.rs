//! The retained backups and what they occupy (S2, S3, S5): snapshots (the oldest at full size,
//! the rest incremental) and log backups, pruned once they are older than retention + 1 day
//! unless a restore to some point of the recovery window still needs them.

use std::collections::VecDeque;

use crate::engine::SimTime;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SnapshotKind {
    Scheduled,
    Retry,
    Extra,
    OnDemand,
}

impl SnapshotKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SnapshotKind::Scheduled => "scheduled",
            SnapshotKind::Retry => "retry",
            SnapshotKind::Extra => "extra",
            SnapshotKind::OnDemand => "on-demand",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Snapshot {
    pub time: SimTime,
    /// The whole database at that moment: what the snapshot counts for once it is the oldest.
    pub full_gb: f64,
    /// The data changed since the previous snapshot: what it counts for while an older one exists.
    pub incremental_gb: f64,
    pub kind: SnapshotKind,
    /// Binlog GB written since the server was created, at this snapshot: the replay a restore
    /// from it needs is the difference of two marks.
    pub binlog_mark: f64,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LogBackup {
    pub time: SimTime,
    pub gb: f64,
    /// Binlog GB written since creation, up to the end of this log backup.
    pub binlog_mark: f64,
}

/// The retained backups of one server, in logical GB (one copy). Redundancy multiplies it.
#[derive(Debug, Clone, Default)]
pub struct BackupStore {
    snapshots: VecDeque<Snapshot>,
    logs: VecDeque<LogBackup>,
    /// Sum of the incremental sizes of every retained snapshot but the oldest.
    later_snapshots_gb: f64,
    logs_gb: f64,
    /// Bookkeeping for the conservation check: everything written is retained or pruned.
    written_gb: f64,
    pruned_gb: f64,
    peak_items: usize,
    /// The base snapshot of the window start found last time, and the time of the snapshot after
    /// it: the base cannot change before the window start reaches that time (pruning runs every
    /// log tick, so this saves a search each time).
    window_base: Option<(Option<SimTime>, SimTime)>,
}

impl BackupStore {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add_snapshot(&mut self, snapshot: Snapshot) {
        if !self.snapshots.is_empty() {
            self.later_snapshots_gb += snapshot.incremental_gb;
        }
        self.written_gb += snapshot.incremental_gb;
        if let Some((_, next)) = &mut self.window_base {
            *next = (*next).min(snapshot.time);
        }
        self.snapshots.push_back(snapshot);
        self.note_size();
    }

    pub fn add_log(&mut self, log: LogBackup) {
        self.logs_gb += log.gb;
        self.written_gb += log.gb;
        self.logs.push_back(log);
        self.note_size();
    }

    fn note_size(&mut self) {
        self.peak_items = self.peak_items.max(self.snapshots.len() + self.logs.len());
    }

    /// Logical GB used now (S3).
    pub fn used_gb(&self) -> f64 {
        let oldest_full = self.snapshots.front().map_or(0.0, |s| s.full_gb);
        oldest_full + self.later_snapshots_gb + self.logs_gb
    }

    pub fn snapshots(&self) -> impl Iterator<Item = &Snapshot> {
        self.snapshots.iter()
    }

    pub fn logs(&self) -> impl Iterator<Item = &LogBackup> {
        self.logs.iter()
    }

    pub fn latest_snapshot(&self) -> Option<&Snapshot> {
        self.snapshots.back()
    }

    /// The first log backup taken at or after `t`, and the one before it.
    pub fn logs_around(&self, t: SimTime) -> (Option<&LogBackup>, Option<&LogBackup>) {
        let i = self.first_log_at_or_after(t);
        let before = i.checked_sub(1).and_then(|j| self.logs.get(j));
        (before, self.logs.get(i))
    }

    /// The snapshot a restore to `point` would start from: the newest one taken at or before it.
    pub fn base_snapshot_for(&self, point: SimTime) -> Option<&Snapshot> {
        let after = self.snapshots.partition_point(|s| s.time <= point);
        after.checked_sub(1).map(|i| &self.snapshots[i])
    }

    /// Index of the first log backup taken at or after `t`. Log backups sit on a nearly regular
    /// grid, so interpolating between the first and the last lands on or next to it; a binary
    /// search takes over where gaps (stops, outages) make the guess poor.
    fn first_log_at_or_after(&self, t: SimTime) -> usize {
        let n = self.logs.len();
        let (Some(first), Some(last)) = (self.logs.front(), self.logs.back()) else {
            return 0;
        };
        if t <= first.time {
            return 0;
        }
        if t > last.time {
            return n;
        }
        let span = (last.time - first.time).max(1) as i128;
        let mut i = ((t - first.time) as i128 * (n as i128 - 1) / span) as usize;
        for _ in 0..16 {
            if i < n && self.logs[i].time < t {
                i += 1;
            } else if i > 0 && self.logs[i - 1].time >= t {
                i -= 1;
            } else {
                return i;
            }
        }
        self.logs.partition_point(|l| l.time < t)
    }

    /// Drop what has aged out at `now` (S2): backups older than `keep_for`, except those a restore
    /// to the start of the recovery window (`now - window`) needs: its base snapshot and every log
    /// after it. Returns the snapshots removed, oldest first, through `on_snapshot_pruned`.
    pub fn prune(
        &mut self,
        now: SimTime,
        keep_for: SimTime,
        window: SimTime,
        mut on_snapshot_pruned: impl FnMut(&Snapshot),
    ) {
        let age_cutoff = now - keep_for;
        // Nothing has aged out yet: the usual case, checked without searching for the base.
        let oldest = match (self.snapshots.front(), self.logs.front()) {
            (Some(s), Some(l)) => s.time.min(l.time),
            (Some(s), None) => s.time,
            (None, Some(l)) => l.time,
            (None, None) => return,
        };
        // Kept for retention + 1 day means kept while younger than that: a backup exactly that
        // old goes (so a new daily snapshot and the one it replaces never coexist).
        if oldest > age_cutoff {
            return;
        }
        let window_start = now - window;
        let base = match self.window_base {
            Some((base, next)) if window_start < next => base,
            _ => {
                let after = self.snapshots.partition_point(|s| s.time <= window_start);
                let base = after.checked_sub(1).map(|i| self.snapshots[i].time);
                let next = self.snapshots.get(after).map_or(SimTime::MAX, |s| s.time);
                self.window_base = Some((base, next));
                base
            }
        };
        // Gone: old enough, and older than the base snapshot of the window start (which stays,
        // with every log after it).
        let base = base.unwrap_or(SimTime::MAX);
        let expired = |t: SimTime| t <= age_cutoff && t < base;
        while self.snapshots.front().is_some_and(|s| expired(s.time)) {
            let gone = self.snapshots.pop_front().expect("checked non-empty");
            self.pruned_gb += gone.incremental_gb;
            // The next one becomes the oldest and now counts at full size instead.
            match self.snapshots.front() {
                Some(next) => self.later_snapshots_gb -= next.incremental_gb,
                None => self.later_snapshots_gb = 0.0,
            }
            on_snapshot_pruned(&gone);
        }
        while self.logs.front().is_some_and(|l| expired(l.time)) {
            let gone = self.logs.pop_front().expect("checked non-empty");
            self.logs_gb -= gone.gb;
            self.pruned_gb += gone.gb;
        }
        // Sums that have lost all their terms are exactly zero, whatever rounding said.
        if self.logs.is_empty() {
            self.logs_gb = 0.0;
        }
        if self.snapshots.len() <= 1 {
            self.later_snapshots_gb = 0.0;
        }
    }

    /// Everything goes (a deleted server past its restore window).
    pub fn purge(&mut self) {
        self.pruned_gb += self.retained_written_gb();
        self.snapshots.clear();
        self.logs.clear();
        self.window_base = None;
        self.later_snapshots_gb = 0.0;
        self.logs_gb = 0.0;
    }

    /// Written GB still retained, counting every snapshot at its incremental size.
    pub fn retained_written_gb(&self) -> f64 {
        self.snapshots.iter().map(|s| s.incremental_gb).sum::<f64>()
            + self.logs.iter().map(|l| l.gb).sum::<f64>()
    }

    pub fn written_gb(&self) -> f64 {
        self.written_gb
    }

    pub fn pruned_gb(&self) -> f64 {
        self.pruned_gb
    }

    /// The most backups ever retained at once: bounded by the retention window, not the horizon.
    pub fn peak_items(&self) -> usize {
        self.peak_items
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{DAY, HOUR};
    use proptest::prelude::*;

    fn snap(time: SimTime, full: f64, inc: f64) -> Snapshot {
        Snapshot {
            time,
            full_gb: full,
            incremental_gb: inc,
            kind: SnapshotKind::Scheduled,
            binlog_mark: 0.0,
        }
    }

    /// S3: the oldest retained snapshot counts at full size, the later ones incrementally.
    #[test]
    fn s3_oldest_snapshot_full_later_ones_incremental() {
        let mut store = BackupStore::new();
        store.add_snapshot(snap(0, 100.0, 100.0));
        store.add_snapshot(snap(DAY, 101.0, 10.0));
        store.add_snapshot(snap(2 * DAY, 102.0, 12.0));
        store.add_log(LogBackup {
            time: 300,
            gb: 1.0,
            binlog_mark: 1.0,
        });
        assert!((store.used_gb() - (100.0 + 10.0 + 12.0 + 1.0)).abs() < 1e-12);
        // Retention 1 day: at day 3 + 1s the first snapshot (day 0) is older than 2 days and the
        // window start (day 2 + 1s) has base snapshot day 2, so days 0 and 1 both go.
        store.prune(3 * DAY + 1, 2 * DAY, DAY, |_| {});
        assert_eq!(store.snapshots().count(), 1);
        assert!((store.used_gb() - 102.0).abs() < 1e-12);
    }

    /// S2: a snapshot older than retention + 1 day stays while it is the base of the window start.
    #[test]
    fn s2_base_of_window_start_is_kept_past_its_age() {
        let mut store = BackupStore::new();
        store.add_snapshot(snap(0, 100.0, 100.0));
        for i in 1..=(10 * 24) {
            store.add_log(LogBackup {
                time: i * HOUR,
                gb: 1.0,
                binlog_mark: i as f64,
            });
        }
        // 7-day retention, 10 days in, no snapshot since t = 0: everything is still needed.
        store.prune(10 * DAY, 8 * DAY, 7 * DAY, |_| {});
        assert_eq!(store.snapshots().count(), 1);
        assert_eq!(store.logs().count(), 240);
        // A new snapshot at day 9 does not help the window start (day 3): still all kept.
        store.add_snapshot(snap(9 * DAY, 100.0, 5.0));
        store.prune(10 * DAY, 8 * DAY, 7 * DAY, |_| {});
        assert_eq!(store.snapshots().count(), 2);
        // At day 17 the window starts at day 10 whose base is day 9: what is older ages out, and
        // the logs from day 9 on (hours 216..=240) stay, being younger than the cutoff.
        store.prune(17 * DAY, 8 * DAY, 7 * DAY, |_| {});
        assert_eq!(store.snapshots().count(), 1);
        assert_eq!(store.logs().count(), 25);
    }

    proptest! {
        /// The interpolating search agrees with a plain binary search, gaps and all.
        #[test]
        fn log_search_matches_binary_search(
            gaps in proptest::collection::vec(1i64..5_000, 1..400),
            probes in proptest::collection::vec(-1_000i64..2_000_000, 1..50),
        ) {
            let mut store = BackupStore::new();
            let mut t = 0;
            for g in gaps {
                t += g;
                store.add_log(LogBackup { time: t, gb: 1.0, binlog_mark: 0.0 });
            }
            for p in probes {
                let want = store.logs.partition_point(|l| l.time < p);
                prop_assert_eq!(store.first_log_at_or_after(p), want);
            }
        }

        /// Storage is never negative and every GB written is either retained or pruned.
        #[test]
        fn storage_conserved_and_never_negative(
            ops in proptest::collection::vec((0u8..3, 0.0f64..50.0), 1..300),
            retention in 1i64..10,
        ) {
            let mut store = BackupStore::new();
            let mut now = 0;
            for (op, gb) in ops {
                now += 2 * HOUR;
                match op {
                    0 => store.add_snapshot(snap(now, 100.0 + gb, gb)),
                    1 => store.add_log(LogBackup { time: now, gb, binlog_mark: 0.0 }),
                    _ => store.prune(now, (retention + 1) * DAY, retention * DAY, |_| {}),
                }
                prop_assert!(store.used_gb() >= 0.0);
                let balance = store.written_gb() - store.retained_written_gb() - store.pruned_gb();
                prop_assert!(balance.abs() < 1e-6 * store.written_gb().max(1.0));
            }
        }
    }
}
