//! The log backups of a quiet stretch, folded. Between heap events, inside one hour of constant
//! load, with nothing that can fail or expire a snapshot, every backup after the first uploads
//! the same binlog and lets the oldest logs go. Once the first has run as usual, the rest of the
//! stretch is worked out at once: the new logs stored as one run, the aged ones dropped
//! together, storage and bill summed tick by tick from a small table of what each tick drops,
//! the data-loss teeth added as a batch.

use super::event::{Event, SnapshotEvent};
use super::Sim;
use crate::engine::{SimTime, HOUR};
use crate::model::backups::log_runs::LogRun;
use crate::model::restore::Backups;
use crate::model::retention_ledger::billable_gb;

/// The most backups a stretch folds: an hour of one-minute backups.
const MOST: usize = 60;

/// A quiet stretch: `count` log backups `interval` apart after `start` (a tick just handled).
#[derive(Debug, Clone, Copy)]
struct Stretch {
    start: SimTime,
    count: u64,
    interval: SimTime,
    /// Backups are kept this long (retention + 1 days)…
    keep_for: SimTime,
    /// …unless the window start's base snapshot (this one, throughout) still needs them.
    base: Option<SimTime>,
}

impl Stretch {
    fn tick(&self, k: u64) -> SimTime {
        self.start + k as SimTime * self.interval
    }

    fn last(&self) -> SimTime {
        self.tick(self.count)
    }

    /// Logs taken at or before this have gone by the last tick (its prune boundary).
    fn dropped_until(&self) -> SimTime {
        let age_cut = self.last() - self.keep_for;
        self.base.map_or(age_cut, |b| age_cut.min(b - 1))
    }

    /// The tick (1-based) at which a log taken at `t` ages out: the first whose age cutoff
    /// reaches it (the base rule only ever holds logs back past the last tick).
    fn drop_tick(&self, t: SimTime) -> u64 {
        let behind = t - self.start + self.keep_for;
        if behind <= self.interval {
            1
        } else {
            ((behind + self.interval - 1) / self.interval) as u64
        }
    }
}

impl Sim<'_, '_> {
    /// Right after a log backup, handle those due up to `end` (no later than the next heap
    /// event) in one step, when nothing irregular can happen among them; says whether it did.
    pub(super) fn fold_ticks(&mut self, end: SimTime) -> bool {
        match self.quiet_stretch(end) {
            Some(stretch) => {
                self.fold(stretch);
                true
            }
            None => false,
        }
    }

    /// The stretch of log backups after the one just handled that can be folded, if any.
    fn quiet_stretch(&mut self, end: SimTime) -> Option<Stretch> {
        let start = self.now;
        let interval = self.logs.interval();
        if self.logs.next_tick() != start + interval
            || !self.active()
            || self.logs.can_fail()
            || !self.rpo.regular()
        {
            return None;
        }
        // The ledger reads the state right after the backup due on the hour, when the next
        // stretch begins (a sample, right before it, is taken by the stretch itself; a restore
        // probe inside it, by `probe_inside`). And a stretch stops at any change of rate or
        // bill.
        let mut last_allowed = end
            .min((start / HOUR + 1) * HOUR)
            .min(self.load.rate_end(start))
            .min(self.billing.next_boundary(start) - 1);
        let (keep_for, window) = (self.retention.keep_for(), self.retention.window());
        // One base snapshot for the window start throughout, and no snapshot ages out: the
        // stretch stops short of the backup at which either would happen, which then runs on
        // its own (refusing the whole hour instead left one in 24 hours unfolded).
        let (base, next_base) = self.store.window_base_at(start + interval - window);
        last_allowed = last_allowed.min(next_base.saturating_add(window - 1));
        if let Some(oldest) = self.store.oldest_snapshot_time() {
            if base.is_none_or(|b| b > oldest) {
                last_allowed = last_allowed.min(oldest + keep_for - 1);
            }
        }
        let count = (last_allowed - start).max(0) / interval;
        let count = count.min(MOST as SimTime);
        if count < 2 {
            return None;
        }
        let stretch = Stretch {
            start,
            count: count as u64,
            interval,
            keep_for,
            base,
        };
        // The limits above make these hold; checked again as the rules they stand for.
        if next_base <= stretch.last() - window
            || self
                .store
                .oldest_snapshot_time()
                .is_some_and(|s| s <= stretch.dropped_until())
        {
            return None;
        }
        Some(stretch)
    }

    fn fold(&mut self, mut s: Stretch) {
        let start = self.now;
        // The hourly work due before the first tick (right after the backup on the hour).
        self.hourly_until(s.tick(1));
        // Logical GB kept, and what the copies make of it (S5: geo keeps two).
        let kept_before = self.store.used_gb();
        let copies = self.server.redundancy().storage_factor();
        // The binlog is written tick by tick exactly as time passing would write it, so that
        // every decision on it (B4's threshold above all) is the same as without the fold.
        let gb = self.load.write(start, s.tick(1));
        self.snapshots.add_binlog(gb);
        let mark_first = self.load.written_gb();
        // Each copy to the paired region leaves as its backup lands, carrying the binlog mark
        // after it; they arrive (in order) as time goes on.
        let geo = self.server.geo_redundant();
        let more = self.snapshots.add_binlog_repeated(gb, s.count - 1);
        s.count = more + 1;
        if geo {
            // The marks after each backup, summed as the load sums them.
            let mut mark = mark_first;
            for k in 1..=s.count {
                if k > 1 {
                    mark += gb;
                }
                let at = s.tick(k);
                if k == s.count {
                    // What reached the paired region by the last backup, as time passing
                    // would have taken it in just before: an event due at the same instant (a
                    // regional outage on the hour) finds the clock there already and takes
                    // no arrivals of its own.
                    self.geo.arrivals_until(at);
                }
                self.geo.send(at, at, mark);
            }
        }
        self.load.write_again_times(gb, more);
        let (n, last) = (s.count, s.last());
        let mark_last = self.load.written_gb();

        // Kept from fold to fold: zeroing a whole 61-slot table every hour showed in profiles.
        let mut drops = std::mem::take(&mut self.fold_drops);
        drops.clear();
        drops.resize(n as usize + 1, 0.0);
        self.drops_per_tick(&s, &mut drops);
        // Storage after tick k: what was kept before, plus the logs uploaded, less those aged
        // out, times the copies.
        let allowance = self.free_allowance_gb();
        let held = s.interval as f64;
        let (mut kept, mut storage_gbs, mut billable_gbs, mut peak) =
            (kept_before, 0.0, 0.0, f64::MIN);
        let mut level_before_last = kept_before * copies;
        for &dropped in &drops[1..=n as usize] {
            let level = kept * copies;
            level_before_last = level;
            storage_gbs += level * held;
            billable_gbs += billable_gb(level, allowance) * held;
            kept += gb - dropped;
            let level = kept * copies;
            peak = if level > peak { level } else { peak };
        }

        if self.observer.is_some() && self.next_sample == last && last < self.cfg.horizon {
            // The hourly sample due at the last backup, of the instant just before it (as time
            // passing would take it): storage before that backup, a plain window of one
            // interval open.
            let sample = self.sample_with(last, level_before_last, Some(s.interval));
            self.emit_sample(sample);
        }
        self.ledger.record_regular(last, gb, n);
        self.store.add_logs(LogRun {
            start: s.tick(1),
            interval: s.interval,
            count: n as u32,
            gb,
            first_mark: mark_first,
        });
        self.probe_inside(&s, mark_first, gb);
        self.store.drop_logs_until(s.dropped_until());
        self.billing.wrote_regular(s.tick(1), s.interval, n, gb);
        self.billing.ran(start, last);
        let (vault_gb, export_gb) = self.vault.levels_gb();
        self.billing
            .accrue_long_term(start, last, vault_gb, export_gb);
        self.billing
            .accrue_integrals(start, last, storage_gbs, billable_gbs, allowance);
        self.billing.note_level(peak);
        self.rpo.close_regular(n, s.interval, last, mark_last);
        self.fold_drops = drops;
        self.logs.folded(n, last);
        self.events += n;
        self.now = last;
        self.ticked_at = Some(last);
        // B4: the stretch ends at the backup that brings an extra snapshot due, if one does.
        if self.snapshots.queue_extra() {
            self.queue
                .schedule(last, Event::Snapshot(SnapshotEvent::Extra));
        }
    }

    /// The restore probes due inside the stretch, each of the backups as they stand after the
    /// last backup before its moment: that backup is the newest restorable point, its binlog
    /// mark summed as the load sums it. The stretch's logs are all stored by now, but a probe
    /// reads none after its newest point, and none of those aged out before it lies after the
    /// window start's base snapshot, the oldest a probe reaches.
    fn probe_inside(&mut self, s: &Stretch, mark_first: f64, gb: f64) {
        let (active, region_down) = (self.active(), self.region_down());
        while self.probes.next_due() < s.last() {
            let at = self.probes.next_due();
            let newest = (at - s.start) / s.interval;
            let mut mark = mark_first;
            for _ in 1..newest {
                mark += gb;
            }
            let backups = Backups {
                latest_point: s.tick(newest as u64),
                latest_mark: mark,
                ..super::backups_view(
                    &self.store,
                    &self.rpo,
                    &self.server,
                    region_down,
                    &self.geo,
                    &self.unsafe_moments,
                    self.retention.window(),
                )
            };
            self.probes.until(at + 1, active, &backups, &self.rates);
        }
    }

    /// GB of old logs that age out at each tick of the stretch (1-based).
    fn drops_per_tick(&self, s: &Stretch, drops: &mut [f64]) {
        let until = s.dropped_until();
        for run in self.store.log_runs() {
            let m = run.count_at_or_before(until);
            if m == 0 {
                break;
            }
            if run.interval == s.interval {
                // Consecutive logs go at consecutive ticks: log i at tick k0 + i, those already
                // that old all at the first.
                let k0 = -(s.start - s.keep_for - run.start).div_euclid(s.interval);
                let at_first = (2 - k0).clamp(0, m as SimTime) as u32;
                drops[1] += at_first as f64 * run.gb;
                for i in at_first..m {
                    let k = (k0 + i as SimTime).min(s.count as SimTime);
                    drops[k as usize] += run.gb;
                }
            } else {
                for i in 0..m {
                    let k = s.drop_tick(run.time(i)).min(s.count);
                    drops[k as usize] += run.gb;
                }
            }
        }
    }
}
