//! The retained backups and what they occupy (S2, S3, S5): snapshots (the oldest at full size,
//! the rest incremental) and log backups, pruned once they are older than retention + 1 day
//! unless a restore to some point of the recovery window still needs them.

use std::collections::VecDeque;

use super::log_runs::{LogBackup, LogRun, LogRuns};
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

/// The retained backups of one server, in logical GB (one copy). Redundancy multiplies it.
#[derive(Debug, Clone, Default)]
pub struct BackupStore {
    snapshots: VecDeque<Snapshot>,
    logs: LogRuns,
    /// Sum of the incremental sizes of every retained snapshot but the oldest.
    later_snapshots_gb: f64,
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
        self.add_logs(LogRun::single(log));
    }

    /// Log backups on the grid, equal in size.
    pub fn add_logs(&mut self, run: LogRun) {
        self.written_gb += run.count as f64 * run.gb;
        self.logs.push(run);
        self.note_size();
    }

    fn note_size(&mut self) {
        self.peak_items = self.peak_items.max(self.snapshots.len() + self.logs.runs());
    }

    /// Logical GB used now (S3).
    pub fn used_gb(&self) -> f64 {
        self.snapshot_gb() + self.logs.gb()
    }

    /// Logical GB of the retained snapshots: the oldest in full, the rest incremental.
    pub fn snapshot_gb(&self) -> f64 {
        let oldest_full = self.snapshots.front().map_or(0.0, |s| s.full_gb);
        oldest_full + self.later_snapshots_gb
    }

    pub fn logs_gb(&self) -> f64 {
        self.logs.gb()
    }

    pub fn snapshots(&self) -> impl Iterator<Item = &Snapshot> {
        self.snapshots.iter()
    }

    pub fn snapshot_count(&self) -> usize {
        self.snapshots.len()
    }

    pub fn logs(&self) -> impl Iterator<Item = LogBackup> + '_ {
        self.logs.iter()
    }

    /// The retained runs of log backups, oldest first.
    pub fn log_runs(&self) -> impl Iterator<Item = &LogRun> + '_ {
        self.logs.runs_iter()
    }

    pub fn log_count(&self) -> usize {
        self.logs.len()
    }

    pub fn latest_snapshot(&self) -> Option<&Snapshot> {
        self.snapshots.back()
    }

    /// The first log backup taken at or after `t`, and the one before it.
    pub fn logs_around(&self, t: SimTime) -> (Option<LogBackup>, Option<LogBackup>) {
        self.logs.around(t)
    }

    /// The snapshot a restore to `point` would start from: the newest one taken at or before it.
    pub fn base_snapshot_for(&self, point: SimTime) -> Option<&Snapshot> {
        // Most restore points are after the newest snapshot.
        if let Some(latest) = self.snapshots.back().filter(|s| s.time <= point) {
            return Some(latest);
        }
        let after = self.snapshots.partition_point(|s| s.time <= point);
        after.checked_sub(1).map(|i| &self.snapshots[i])
    }

    /// The time of the base snapshot of the window start `window_start`, and of the snapshot
    /// after it (MAX when none): cached, as the base changes only once a day.
    fn window_base(&mut self, window_start: SimTime) -> (Option<SimTime>, SimTime) {
        match self.window_base {
            Some((base, next)) if window_start < next => (base, next),
            _ => {
                let after = self.snapshots.partition_point(|s| s.time <= window_start);
                let base = after.checked_sub(1).map(|i| self.snapshots[i].time);
                let next = self.snapshots.get(after).map_or(SimTime::MAX, |s| s.time);
                self.window_base = Some((base, next));
                (base, next)
            }
        }
    }

    /// The newest moment whose backups a prune at `now` removes (S2): older than `keep_for`,
    /// and older than the base snapshot of the window start (`now - window`), which stays with
    /// every log after it. None when nothing has aged out.
    pub fn prune_boundary(
        &mut self,
        now: SimTime,
        keep_for: SimTime,
        window: SimTime,
    ) -> Option<SimTime> {
        let age_cutoff = now - keep_for;
        // Nothing has aged out yet: the usual case, checked without searching for the base.
        let oldest = match (self.snapshots.front(), self.logs.first_time()) {
            (Some(s), Some(l)) => s.time.min(l),
            (Some(s), None) => s.time,
            (None, Some(l)) => l,
            (None, None) => return None,
        };
        // Kept for retention + 1 day means kept while younger than that: a backup exactly that
        // old goes (so a new daily snapshot and the one it replaces never coexist).
        if oldest > age_cutoff {
            return None;
        }
        let (base, _) = self.window_base(now - window);
        Some(match base {
            Some(base) => age_cutoff.min(base - 1),
            None => age_cutoff,
        })
    }

    /// Drop what has aged out at `now` (S2). Returns the snapshots removed, oldest first,
    /// through `on_snapshot_pruned`.
    pub fn prune(
        &mut self,
        now: SimTime,
        keep_for: SimTime,
        window: SimTime,
        mut on_snapshot_pruned: impl FnMut(&Snapshot),
    ) {
        let Some(boundary) = self.prune_boundary(now, keep_for, window) else {
            return;
        };
        while self.snapshots.front().is_some_and(|s| s.time <= boundary) {
            let gone = self.snapshots.pop_front().expect("checked non-empty");
            self.pruned_gb += gone.incremental_gb;
            // The next one becomes the oldest and now counts at full size instead.
            match self.snapshots.front() {
                Some(next) => self.later_snapshots_gb -= next.incremental_gb,
                None => self.later_snapshots_gb = 0.0,
            }
            on_snapshot_pruned(&gone);
        }
        self.pruned_gb += self.logs.drop_until(boundary);
        if self.snapshots.len() <= 1 {
            self.later_snapshots_gb = 0.0;
        }
    }

    /// The time of the oldest retained snapshot, if any.
    pub fn oldest_snapshot_time(&self) -> Option<SimTime> {
        self.snapshots.front().map(|s| s.time)
    }

    /// Drop the logs taken at or before `t` (the caller has checked that no snapshot goes):
    /// returns the GB dropped.
    pub fn drop_logs_until(&mut self, t: SimTime) -> f64 {
        let gb = self.logs.drop_until(t);
        self.pruned_gb += gb;
        gb
    }

    /// The window-start base snapshot's time and the next snapshot's (for a caller that prunes
    /// many ticks at once and must know the base does not change in between).
    pub fn window_base_at(&mut self, window_start: SimTime) -> (Option<SimTime>, SimTime) {
        self.window_base(window_start)
    }

    /// Everything goes (a deleted server past its restore window).
    pub fn purge(&mut self) {
        self.pruned_gb += self.retained_written_gb();
        self.snapshots.clear();
        self.logs.clear();
        self.window_base = None;
        self.later_snapshots_gb = 0.0;
    }

    /// Written GB still retained, counting every snapshot at its incremental size.
    pub fn retained_written_gb(&self) -> f64 {
        self.snapshots.iter().map(|s| s.incremental_gb).sum::<f64>() + self.logs.gb()
    }

    pub fn written_gb(&self) -> f64 {
        self.written_gb
    }

    pub fn pruned_gb(&self) -> f64 {
        self.pruned_gb
    }

    /// The most entries ever retained at once (snapshots and runs of log backups): bounded by
    /// the retention window, not the horizon.
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
