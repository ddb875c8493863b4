//! The retained log backups, kept as runs: log backups on the regular grid with equal sizes are
//! one entry (an hour of them, typically), so a year walks hours instead of 5-minute backups and
//! memory holds a few hundred entries for a retention window.

use std::collections::VecDeque;

use super::store::LogBackup;
use crate::engine::SimTime;

/// `count` log backups at `start`, `start + interval`, …, each of `gb`; the first carries
/// binlog mark `first_mark` and each later one `gb` more (each uploads the binlog written since
/// the one before).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LogRun {
    pub start: SimTime,
    pub interval: SimTime,
    pub count: u32,
    pub gb: f64,
    pub first_mark: f64,
}

impl LogRun {
    pub fn single(log: LogBackup) -> Self {
        Self {
            start: log.time,
            interval: 1,
            count: 1,
            gb: log.gb,
            first_mark: log.binlog_mark,
        }
    }

    pub fn time(&self, i: u32) -> SimTime {
        self.start + i as SimTime * self.interval
    }

    fn last_time(&self) -> SimTime {
        self.time(self.count - 1)
    }

    fn log(&self, i: u32) -> LogBackup {
        LogBackup {
            time: self.time(i),
            gb: self.gb,
            binlog_mark: self.first_mark + i as f64 * self.gb,
        }
    }

    /// How many of its logs were taken at or before `t`.
    pub fn count_at_or_before(&self, t: SimTime) -> u32 {
        if t < self.start {
            0
        } else if t >= self.last_time() {
            self.count
        } else {
            ((t - self.start) / self.interval + 1) as u32
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct LogRuns {
    runs: VecDeque<LogRun>,
    count: usize,
    gb: f64,
}

impl LogRuns {
    pub fn push(&mut self, run: LogRun) {
        if run.count == 0 {
            return;
        }
        self.count += run.count as usize;
        self.gb += run.count as f64 * run.gb;
        self.runs.push_back(run);
    }

    pub fn gb(&self) -> f64 {
        self.gb
    }

    /// Log backups retained (not runs).
    pub fn len(&self) -> usize {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Entries held: the memory they take.
    pub fn runs(&self) -> usize {
        self.runs.len()
    }

    pub fn first_time(&self) -> Option<SimTime> {
        self.runs.front().map(|r| r.start)
    }

    /// Drop every log taken at or before `t`; returns the GB dropped.
    pub fn drop_until(&mut self, t: SimTime) -> f64 {
        let mut dropped = 0.0;
        while let Some(front) = self.runs.front_mut() {
            let n = front.count_at_or_before(t);
            if n == 0 {
                break;
            }
            let gb = n as f64 * front.gb;
            dropped += gb;
            self.count -= n as usize;
            if n == front.count {
                self.runs.pop_front();
            } else {
                front.first_mark += n as f64 * front.gb;
                front.start = front.time(n);
                front.count -= n;
            }
        }
        self.gb -= dropped;
        // A sum that has lost all its terms is exactly zero, whatever rounding said.
        if self.count == 0 {
            self.gb = 0.0;
        }
        dropped
    }

    pub fn clear(&mut self) {
        self.runs.clear();
        self.count = 0;
        self.gb = 0.0;
    }

    /// The first log backup taken at or after `t`, and the one before it.
    pub fn around(&self, t: SimTime) -> (Option<LogBackup>, Option<LogBackup>) {
        // The first run whose last log is at or after t holds the first such log.
        let i = self.first_run_ending_at_or_after(t);
        let previous_last = |i: usize| {
            i.checked_sub(1)
                .and_then(|j| self.runs.get(j))
                .map(|r| r.log(r.count - 1))
        };
        let Some(run) = self.runs.get(i) else {
            return (previous_last(i), None);
        };
        let within = run.count_at_or_before(t - 1);
        let before = if within == 0 {
            previous_last(i)
        } else {
            Some(run.log(within - 1))
        };
        (before, Some(run.log(within)))
    }

    /// Index of the first run whose last log was taken at or after `t`. Runs are spread evenly
    /// over time (about one an hour), so interpolating lands on or next to it; a binary search
    /// takes over where gaps (stops, outages) make the guess poor.
    fn first_run_ending_at_or_after(&self, t: SimTime) -> usize {
        let n = self.runs.len();
        let (Some(first), Some(last)) = (self.runs.front(), self.runs.back()) else {
            return 0;
        };
        if t <= first.last_time() {
            return 0;
        }
        if t > last.last_time() {
            return n;
        }
        let span = (last.start - first.start).max(1) as f64;
        let guess = (t - first.start) as f64 * (n - 1) as f64 / span;
        let mut i = (guess as usize).min(n - 1);
        for _ in 0..8 {
            if self.runs[i].last_time() < t {
                i += 1;
            } else if i > 0 && self.runs[i - 1].last_time() >= t {
                i -= 1;
            } else {
                return i;
            }
        }
        self.runs.partition_point(|r| r.last_time() < t)
    }

    /// The retained log backups taken at or before `t`, oldest first.
    pub fn until(&self, t: SimTime) -> impl Iterator<Item = LogBackup> + '_ {
        self.iter().take_while(move |l| l.time <= t)
    }

    /// The runs, oldest first.
    pub fn runs_iter(&self) -> impl Iterator<Item = &LogRun> + '_ {
        self.runs.iter()
    }

    /// Every retained log backup, oldest first.
    pub fn iter(&self) -> impl Iterator<Item = LogBackup> + '_ {
        self.runs
            .iter()
            .flat_map(|r| (0..r.count).map(|i| r.log(i)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn run(start: SimTime, count: u32) -> LogRun {
        LogRun {
            start,
            interval: 300,
            count,
            gb: 1.0,
            first_mark: start as f64 / 300.0,
        }
    }

    #[test]
    fn dropping_splits_runs_and_keeps_marks() {
        let mut logs = LogRuns::default();
        logs.push(run(300, 12));
        logs.push(run(3_900, 12));
        assert_eq!(logs.len(), 24);
        assert_eq!(logs.drop_until(1_500), 5.0);
        assert_eq!(logs.first_time(), Some(1_800));
        assert_eq!(logs.iter().next().unwrap().binlog_mark, 6.0);
        assert_eq!(logs.drop_until(10_000), 19.0);
        assert!(logs.is_empty());
        assert_eq!(logs.gb(), 0.0);
    }

    proptest! {
        /// Looking a time up in the runs finds what a flat list of the same logs would.
        #[test]
        fn around_matches_a_flat_search(
            gaps in proptest::collection::vec((1i64..3, 1u32..14), 1..40),
            probes in proptest::collection::vec(-1_000i64..400_000, 1..50),
        ) {
            let mut logs = LogRuns::default();
            let mut t = 0;
            for (skip, count) in gaps {
                t += skip * 700;
                logs.push(run(t, count));
                t += count as i64 * 300;
            }
            let flat: Vec<LogBackup> = logs.iter().collect();
            for p in probes {
                let i = flat.partition_point(|l| l.time < p);
                let want = (i.checked_sub(1).map(|j| flat[j]), flat.get(i).copied());
                prop_assert_eq!(logs.around(p), want);
            }
        }
    }
}
