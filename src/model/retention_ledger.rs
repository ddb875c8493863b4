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
/// a ring of days (a power of two, so that wrapping is a mask) for each hour of the day.
const RING_DAYS: usize = 64;
/// Storage above the allowance by less than this is rounding, not a bill (a kilobyte).
const BILLING_NOISE_GB: f64 = 1e-6;

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
    /// Deleted: the backups are held for a restore and billed to nobody.
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

/// Every retention's hourly sums, retention (i + 1) days at index i: arrays side by side, so
/// that one hour's update of all 35 is a plain loop the compiler can vectorise.
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
    /// Z at hour boundaries: by hour of the day, then by day modulo the ring.
    gone: Vec<[f64; RING_DAYS]>,
    sums: Box<RetentionSums>,
    /// While stopped nothing changes: the storage of each retention as the stop found it.
    frozen: Option<[f64; MAX_RETENTION_DAYS]>,
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
            gone: vec![[0.0; RING_DAYS]; 24],
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
        self.pending.push_back(PendingHour {
            at,
            written_upto: self.written,
            last_snapshot: self.snapshots.back().copied(),
        });
        while self.pending.front().is_some_and(|p| p.at + DAY <= at) {
            let p = self.pending.pop_front().expect("checked non-empty");
            let z = self.gone_at(&p);
            let (hour, day) = Self::slot(p.at);
            self.gone[hour][day] = z;
        }
        // Snapshots older than two days are needed only as the last one before an hour.
        while self.snapshots.len() > 1 && self.snapshots[1].time <= at - 2 * DAY {
            self.snapshots.pop_front();
        }
        let levels = match state {
            LedgerState::Stopped => {
                let levels = match self.frozen {
                    Some(levels) => levels,
                    None => self.levels(at, factor),
                };
                self.frozen = Some(levels);
                levels
            }
            _ => {
                self.frozen = None;
                self.levels(at, factor)
            }
        };
        let (billed, allowance) = match state {
            LedgerState::Running { allowance_gb } => (true, allowance_gb),
            LedgerState::Stopped => (true, 0.0),
            LedgerState::Deleted => (false, 0.0),
        };
        let measured = ((at / DAY) as usize)
            .saturating_sub(1)
            .min(MAX_RETENTION_DAYS);
        let s = &mut *self.sums;
        let billed = if billed { 1.0 } else { 0.0 };
        // One index across five parallel arrays reads better than a five-way zip.
        #[allow(clippy::needless_range_loop)]
        for i in 0..measured {
            let used = levels[i] * billed;
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

    /// Storage under each retention at `at` (hour boundary). A retention the run has not
    /// reached yet has let nothing go: everything written is still there (a stop can freeze
    /// such a retention before it is measured).
    fn levels(&self, at: SimTime, factor: f64) -> [f64; MAX_RETENTION_DAYS] {
        // Retention i + 1 reads the same hour i + 2 days back.
        let mut out = [self.written * factor; MAX_RETENTION_DAYS];
        let (hour, day) = Self::slot(at);
        let ring = &self.gone[hour];
        let reachable = ((at / DAY) as usize)
            .saturating_sub(1)
            .min(MAX_RETENTION_DAYS);
        for (i, level) in out.iter_mut().enumerate().take(reachable) {
            *level = (self.written - ring[day.wrapping_sub(i + 2) & (RING_DAYS - 1)]) * factor;
        }
        out
    }

    /// Where the hour boundary `at` sits in the ring: hour of the day, day modulo the ring.
    fn slot(at: SimTime) -> (usize, usize) {
        (
            ((at / HOUR) % 24) as usize,
            (at / DAY) as usize & (RING_DAYS - 1),
        )
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
