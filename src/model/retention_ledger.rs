//! What the same backup history would cost at every retention from 1 to 35 days (S2–S4), in
//! one pass: retention changes only what is pruned, never what is written.
//!
//! Under retention R, the backups kept at time t are those younger than R + 1 days, unless the
//! start of the recovery window (t − R days) has no snapshot since then: its base snapshot and
//! everything after it stay. So the storage is W(t) − Z(t − (R + 1) days), where W counts every
//! GB ever written and Z(x) — the same function for every R — what is gone once x has aged out
//! (the backups up to x, less the full-size top-up of the oldest snapshot kept). Z is recorded
//! at every hour boundary and read back (R + 1) days later, so each retention costs one
//! subtraction an hour and memory holds 37 days of hourly values whatever the horizon.

use std::collections::VecDeque;

use serde::Serialize;

use crate::engine::{SimTime, DAY, HOUR};

/// The longest retention the service allows (S1): the table runs from 1 day to this.
pub const MAX_RETENTION_DAYS: usize = 35;
/// Z is read (R + 1) days after its hour, at most 36 days back, and is final a day after it:
/// a ring of hours (a power of two, so that wrapping is a mask) holding 42 days.
const RING_HOURS: usize = 1024;
/// Hours go through the table a day at a time: for each retention, a day's levels read a
/// contiguous day of Z, a loop the compiler vectorises.
const BLOCK_HOURS: usize = 24;

/// Storage above the allowance by less than this is rounding, not a bill (a kilobyte): a level
/// summed upload by upload lands a few ulps off one that equals the allowance exactly.
pub(crate) const BILLING_NOISE_GB: f64 = 1e-6;

/// GB billed at a level of `used` against `allowance`.
pub(crate) fn billable_gb(used: f64, allowance: f64) -> f64 {
    let above = used - allowance;
    if above > BILLING_NOISE_GB {
        above
    } else {
        0.0
    }
}

#[derive(Debug, Clone, Copy)]
struct ShadowSnapshot {
    time: SimTime,
    /// Everything written strictly before the snapshot's second.
    written_before: f64,
    /// Full size minus incremental size: what it adds once it is the oldest kept.
    top_up: f64,
}

/// An hour boundary whose Z is not final yet: that needs the snapshots of the day after it.
#[derive(Debug, Clone, Copy)]
struct PendingHour {
    at: SimTime,
    written_upto: f64,
    last_snapshot: Option<ShadowSnapshot>,
}

/// How the server bills at an hour boundary.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum LedgerState {
    /// Running: backups age out, the allowance applies.
    Running { allowance_gb: f64 },
    /// Stopped: nothing ages out and nothing is free (B7, S4).
    Stopped,
    /// Deleted: the backups are held for a restore and billed to nobody; the hour is left out
    /// of every retention's figures.
    Deleted,
}

/// One retention's figures over its own steady state (after its retention + 1 days).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct RetentionRow {
    pub retention_days: u32,
    pub hours: u64,
    pub mean_storage_gb: f64,
    pub peak_storage_gb: f64,
    pub billable_gb_month: f64,
    pub cost_per_month: f64,
}

/// Every retention's hourly sums, retention (i + 1) days at index i.
#[derive(Debug, Clone)]
struct RetentionSums {
    storage_gb_hours: [f64; MAX_RETENTION_DAYS],
    billable_gb_hours: [f64; MAX_RETENTION_DAYS],
    peak_gb: [f64; MAX_RETENTION_DAYS],
    hours: [u64; MAX_RETENTION_DAYS],
}

#[derive(Debug, Clone)]
pub struct RetentionLedger {
    written: f64,
    second: SimTime,
    written_before_second: f64,
    snapshots: VecDeque<ShadowSnapshot>,
    pending: VecDeque<PendingHour>,
    /// Z at hour boundaries by hour number modulo the ring; the first day is repeated past the
    /// end so that any day's worth is one slice.
    gone: Box<[f64; RING_HOURS + BLOCK_HOURS]>,
    /// The hours of the current day not yet in the sums.
    day: DayBlock,
    /// Sum, least and greatest Z of each whole day, by day number modulo the ring.
    gone_days: Box<[DaySpread; DAY_RING]>,
    sums: Box<RetentionSums>,
    /// While stopped nothing changes: the storage of each retention as the stop found it.
    frozen: Option<[f64; MAX_RETENTION_DAYS]>,
}

/// The greatest of `(written - gone) * weight` over a day's hours. Kept in four lanes that the
/// compiler turns into vector registers; a maximum is exact, so the lanes give the same value
/// as one pass in order.
fn greatest_level(written: &[f64; BLOCK_HOURS], gone: &[f64], weight: f64) -> f64 {
    const LANES: usize = 4;
    let mut lanes = [f64::NEG_INFINITY; LANES];
    for (w, z) in written
        .chunks_exact(LANES)
        .zip(gone[..BLOCK_HOURS].chunks_exact(LANES))
    {
        for k in 0..LANES {
            let level = (w[k] - z[k]) * weight;
            lanes[k] = if level > lanes[k] { level } else { lanes[k] };
        }
    }
    lanes.into_iter().fold(f64::NEG_INFINITY, f64::max)
}

/// How many retentions (1 day up) a day's hours count for: retention R is measured from day
/// R + 1 (days numbered from 0), once its R + 1 days have passed.
pub fn retentions_measured_on_day(day: usize) -> usize {
    day.saturating_sub(1).min(MAX_RETENTION_DAYS)
}

/// Days of Z kept as a day's spread: a retention reads at most 37 days back.
const DAY_RING: usize = 64;

/// Sum, least and greatest of a day's hourly values.
#[derive(Debug, Clone, Copy, Default)]
struct DaySpread {
    sum: f64,
    least: f64,
    greatest: f64,
}

impl DaySpread {
    fn of(values: &[f64]) -> Self {
        let mut spread = DaySpread {
            sum: 0.0,
            least: f64::INFINITY,
            greatest: f64::NEG_INFINITY,
        };
        for &v in values {
            spread.sum += v;
            spread.least = spread.least.min(v);
            spread.greatest = spread.greatest.max(v);
        }
        spread
    }
}

/// A day's hour boundaries, as the table will read them.
#[derive(Debug, Clone)]
struct DayBlock {
    /// The day's number.
    day: u64,
    len: usize,
    at: [SimTime; BLOCK_HOURS],
    written: [f64; BLOCK_HOURS],
    factor: [f64; BLOCK_HOURS],
    allowance: [f64; BLOCK_HOURS],
    stopped: [bool; BLOCK_HOURS],
    any_stopped: bool,
}

impl DayBlock {
    /// All 24 hours of the day, running throughout at one allowance and one copy count.
    fn is_uniform_whole_day(&self) -> bool {
        self.len == BLOCK_HOURS
            && self.at[0] % DAY == 0
            && !self.any_stopped
            && (1..BLOCK_HOURS)
                .all(|k| self.factor[k] == self.factor[0] && self.allowance[k] == self.allowance[0])
    }

    fn new() -> Self {
        Self {
            day: 0,
            len: 0,
            at: [0; BLOCK_HOURS],
            written: [0.0; BLOCK_HOURS],
            factor: [0.0; BLOCK_HOURS],
            allowance: [0.0; BLOCK_HOURS],
            stopped: [false; BLOCK_HOURS],
            any_stopped: false,
        }
    }
}

impl Default for RetentionLedger {
    fn default() -> Self {
        Self::new()
    }
}

impl RetentionLedger {
    pub fn new() -> Self {
        Self {
            written: 0.0,
            second: SimTime::MIN,
            written_before_second: 0.0,
            snapshots: VecDeque::new(),
            pending: VecDeque::new(),
            gone: Box::new([0.0; RING_HOURS + BLOCK_HOURS]),
            day: DayBlock::new(),
            gone_days: Box::new([DaySpread::default(); DAY_RING]),
            sums: Box::new(RetentionSums {
                storage_gb_hours: [0.0; MAX_RETENTION_DAYS],
                billable_gb_hours: [0.0; MAX_RETENTION_DAYS],
                peak_gb: [0.0; MAX_RETENTION_DAYS],
                hours: [0; MAX_RETENTION_DAYS],
            }),
            frozen: None,
        }
    }

    /// A backup of `written_gb` (logical GB: a log, or a snapshot's incremental size) at `time`;
    /// a snapshot also gives its full size.
    pub fn record(&mut self, time: SimTime, written_gb: f64, full_gb: Option<f64>) {
        if time != self.second {
            self.second = time;
            self.written_before_second = self.written;
        }
        if let Some(full) = full_gb {
            self.snapshots.push_back(ShadowSnapshot {
                time,
                written_before: self.written_before_second,
                top_up: full - written_gb,
            });
        }
        self.written += written_gb;
    }

    /// `count` log backups of `gb` each, the last at `last` (the first of a folded stretch is
    /// recorded on its own).
    pub fn record_regular(&mut self, last: SimTime, gb: f64, count: u64) {
        if count == 0 {
            return;
        }
        self.written += (count - 1) as f64 * gb;
        self.second = last;
        self.written_before_second = self.written;
        self.written += gb;
    }

    /// The hour boundary `at` (every event at it already handled); `factor` counts the copies
    /// (S5).
    pub fn hour(&mut self, at: SimTime, state: LedgerState, factor: f64) {
        let day = (at / DAY) as u64;
        if self.day.len > 0 && self.day.day != day {
            self.flush_day();
        }
        self.pending.push_back(PendingHour {
            at,
            written_upto: self.written,
            last_snapshot: self.snapshots.back().copied(),
        });
        while self.pending.front().is_some_and(|p| p.at + DAY <= at) {
            let p = self.pending.pop_front().expect("checked non-empty");
            let z = self.gone_at(&p);
            let slot = Self::slot(p.at);
            self.gone[slot] = z;
            if slot < BLOCK_HOURS {
                self.gone[slot + RING_HOURS] = z;
            }
        }
        // Snapshots older than two days are needed only as the last one before an hour.
        while self.snapshots.len() > 1 && self.snapshots[1].time <= at - 2 * DAY {
            self.snapshots.pop_front();
        }
        let allowance = match state {
            LedgerState::Running { allowance_gb } => allowance_gb,
            LedgerState::Stopped => 0.0,
            // A deleted server bills nothing under any retention: its hours would only dilute
            // each retention's mean, and a retention measured after the deletion alone would
            // look free. Deletion is for good, so the hours left out are the run's last and a
            // day's hours stay contiguous.
            LedgerState::Deleted => return,
        };
        let b = &mut self.day;
        let k = b.len;
        b.day = day;
        b.at[k] = at;
        b.written[k] = self.written;
        b.factor[k] = factor;
        b.allowance[k] = allowance;
        b.stopped[k] = state == LedgerState::Stopped;
        b.any_stopped |= b.stopped[k];
        b.len += 1;
        if b.len == BLOCK_HOURS {
            self.flush_day();
        }
    }

    /// Everything recorded so far goes into the table (at the end of the run).
    pub fn finish(&mut self) {
        self.flush_day();
    }

    /// The day's hours into every measured retention's sums: a retention is measured from the
    /// day after its retention + 1 days have passed.
    fn flush_day(&mut self) {
        let len = self.day.len;
        if len == 0 {
            return;
        }
        let day = self.day.day as usize;
        let measured = retentions_measured_on_day(day);
        // The newest whole day of Z this day reads is final now.
        if day >= 2 {
            let from = ((day - 2) * 24) & (RING_HOURS - 1);
            self.gone_days[(day - 2) & (DAY_RING - 1)] =
                DaySpread::of(&self.gone[from..from + BLOCK_HOURS]);
        }
        if self.day.any_stopped {
            self.flush_hour_by_hour(measured);
        } else if self.day.is_uniform_whole_day() {
            self.flush_whole_day(measured);
        } else {
            self.frozen = None;
            let b = &self.day;
            let first_hour = (b.at[0] / HOUR) as usize;
            let s = &mut *self.sums;
            // One index across the day's parallel arrays reads better than a five-way zip.
            #[allow(clippy::needless_range_loop)]
            for i in 0..measured {
                let from = first_hour.wrapping_sub((i + 2) * 24) & (RING_HOURS - 1);
                let gone = &self.gone[from..from + len];
                let (mut storage, mut billable, mut peak) =
                    (s.storage_gb_hours[i], s.billable_gb_hours[i], s.peak_gb[i]);
                for k in 0..len {
                    let used = (b.written[k] - gone[k]) * b.factor[k];
                    let excess = used - b.allowance[k];
                    storage += used;
                    billable += if excess > BILLING_NOISE_GB {
                        excess
                    } else {
                        0.0
                    };
                    peak = if used > peak { used } else { peak };
                }
                s.storage_gb_hours[i] = storage;
                s.billable_gb_hours[i] = billable;
                s.peak_gb[i] = peak;
                s.hours[i] += len as u64;
            }
        }
        self.day.len = 0;
        self.day.any_stopped = false;
    }

    /// A whole day at one allowance and one copy count: each retention's day is the day's W
    /// less a whole day of Z, and the spreads of both settle the bill and the peak without
    /// visiting the hours unless the allowance or the peak falls inside them.
    fn flush_whole_day(&mut self, measured: usize) {
        let b = &self.day;
        let weight = b.factor[0];
        let allowance = b.allowance[0];
        let written = DaySpread::of(&b.written);
        let first_hour = (b.at[0] / HOUR) as usize;
        let s = &mut *self.sums;
        for i in 0..measured {
            let gone = &self.gone_days[(b.day as usize - i - 2) & (DAY_RING - 1)];
            let used = (written.sum - gone.sum) * weight;
            let least = (written.least - gone.greatest) * weight;
            let greatest = (written.greatest - gone.least) * weight;
            s.storage_gb_hours[i] += used;
            let day_of_gone = || {
                let from = first_hour.wrapping_sub((i + 2) * 24) & (RING_HOURS - 1);
                &self.gone[from..from + BLOCK_HOURS]
            };
            if least - allowance > BILLING_NOISE_GB {
                s.billable_gb_hours[i] += used - BLOCK_HOURS as f64 * allowance;
            } else if greatest - allowance > BILLING_NOISE_GB {
                // Summed in a register, in the same order: the same bits without a store and
                // a reload per hour.
                let mut billable = s.billable_gb_hours[i];
                for (w, z) in b.written.iter().zip(day_of_gone()) {
                    let excess = (w - z) * weight - allowance;
                    if excess > BILLING_NOISE_GB {
                        billable += excess;
                    }
                }
                s.billable_gb_hours[i] = billable;
            }
            // `greatest` pairs the day's last W with its first Z, so it passes the peak most
            // days: the day's own greatest level is worked out on most days for most retentions.
            if greatest > s.peak_gb[i] {
                let day_peak = greatest_level(&b.written, day_of_gone(), weight);
                if day_peak > s.peak_gb[i] {
                    s.peak_gb[i] = day_peak;
                }
            }
            s.hours[i] += BLOCK_HOURS as u64;
        }
        self.frozen = None;
    }

    /// A day with a stop in it: while stopped every retention keeps the storage the stop found.
    fn flush_hour_by_hour(&mut self, measured: usize) {
        for k in 0..self.day.len {
            let (at, written, factor) = (self.day.at[k], self.day.written[k], self.day.factor[k]);
            let levels = if self.day.stopped[k] {
                let levels = match self.frozen {
                    Some(levels) => levels,
                    None => self.levels(at, written, factor),
                };
                self.frozen = Some(levels);
                levels
            } else {
                self.frozen = None;
                self.levels(at, written, factor)
            };
            let allowance = self.day.allowance[k];
            let s = &mut *self.sums;
            for (i, &used) in levels.iter().enumerate().take(measured) {
                let excess = used - allowance;
                s.storage_gb_hours[i] += used;
                s.billable_gb_hours[i] += if excess > BILLING_NOISE_GB {
                    excess
                } else {
                    0.0
                };
                s.peak_gb[i] = if used > s.peak_gb[i] {
                    used
                } else {
                    s.peak_gb[i]
                };
                s.hours[i] += 1;
            }
        }
    }

    /// Storage under each retention at the hour boundary `at`, when `written` GB had been
    /// written. A retention the run has not reached yet has let nothing go: everything written
    /// is still there (a stop can freeze such a retention before it is measured).
    fn levels(&self, at: SimTime, written: f64, factor: f64) -> [f64; MAX_RETENTION_DAYS] {
        // Retention i + 1 reads the same hour i + 2 days back.
        let mut out = [written * factor; MAX_RETENTION_DAYS];
        let hour = (at / HOUR) as usize;
        let reachable = ((at / DAY) as usize)
            .saturating_sub(1)
            .min(MAX_RETENTION_DAYS);
        for (i, level) in out.iter_mut().enumerate().take(reachable) {
            let z = self.gone[hour.wrapping_sub((i + 2) * 24) & (RING_HOURS - 1)];
            *level = (written - z) * factor;
        }
        out
    }

    /// Where the hour boundary `at` sits in the ring.
    fn slot(at: SimTime) -> usize {
        (at / HOUR) as usize & (RING_HOURS - 1)
    }

    /// Z(x): what a retention whose age cutoff is x has let go, less the oldest kept snapshot's
    /// top-up to full size.
    fn gone_at(&self, p: &PendingHour) -> f64 {
        let after = self.snapshots.partition_point(|s| s.time <= p.at);
        let next = self.snapshots.get(after);
        // The window start (a day after x) has its base snapshot at or before x: that snapshot
        // and everything after it stay, however old.
        let base_is_old = next.is_none_or(|n| n.time > p.at + DAY);
        match p.last_snapshot {
            Some(base) if base_is_old => base.written_before - base.top_up,
            _ => p.written_upto - next.map_or(0.0, |n| n.top_up),
        }
    }

    /// The figures of each retention the run measured (from 1 day up: a retention is measured
    /// once the run has passed its retention + 1 days); `price` turns GB-months into money.
    pub fn rows(&self, price_per_gb_month: f64) -> Vec<RetentionRow> {
        debug_assert_eq!(self.day.len, 0, "finish() before reading the table");
        let s = &*self.sums;
        (0..MAX_RETENTION_DAYS)
            .take_while(|&i| s.hours[i] > 0)
            .map(|i| {
                let hours = s.hours[i] as f64;
                let billable = s.billable_gb_hours[i] / hours;
                RetentionRow {
                    retention_days: i as u32 + 1,
                    hours: s.hours[i],
                    mean_storage_gb: s.storage_gb_hours[i] / hours,
                    peak_storage_gb: s.peak_gb[i],
                    billable_gb_month: billable,
                    cost_per_month: billable * price_per_gb_month,
                }
            })
            .collect()
    }

    /// The longest retention whose steady state bills nothing (0 when even one day bills), and
    /// the longest retention measured at all; None when none was (a horizon under two days).
    pub fn max_free_retention(&self) -> Option<(u32, u32)> {
        let s = &*self.sums;
        let measured = s.hours.iter().take_while(|&&h| h > 0).count();
        if measured == 0 {
            return None;
        }
        let free = (0..measured)
            .rev()
            .find(|&i| s.billable_gb_hours[i] == 0.0)
            .map_or(0, |i| i as u32 + 1);
        let measured = measured as u32;
        Some((free, measured))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_greatest_level_is_the_plain_maximum_wherever_it_falls() {
        for at in 0..BLOCK_HOURS {
            let written: [f64; BLOCK_HOURS] = std::array::from_fn(|k| 100.0 + k as f64 * 1.5);
            let mut gone: Vec<f64> = (0..BLOCK_HOURS).map(|k| 40.0 + k as f64 * 1.75).collect();
            gone[at] -= 30.0;
            let plain = written
                .iter()
                .zip(&gone)
                .map(|(w, z)| (w - z) * 2.0)
                .fold(f64::NEG_INFINITY, f64::max);
            assert_eq!(greatest_level(&written, &gone, 2.0), plain);
            assert_eq!(plain, (written[at] - gone[at]) * 2.0);
        }
    }
}
