//! The retained log backups, kept as runs: log backups on the regular grid with equal sizes are
//! one entry (an hour of them, typically), so a year walks hours instead of 5-minute backups and
//! memory holds a few hundred entries for a retention window.

use std::collections::VecDeque;

use crate::engine::{SimTime, HOUR};

/// One log backup: when it ran, the binlog it uploaded, and the binlog written since creation
/// up to its end (the mark a restore replays to).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LogBackup {
    pub time: SimTime,
    pub gb: f64,
    pub binlog_mark: f64,
}

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
    /// Runs ever removed from the front: `runs[i]` is run number `removed + i` of the server.
    removed: u64,
    /// For each hour from `first_hour` on, the number of the first run that ends at or after
    /// the hour starts, so that finding the run around a moment is one lookup and a step or two
    /// (a probe asks every hour). Bounded like the runs: hours leave as their runs do.
    first_run_of_hour: VecDeque<u64>,
    first_hour: i64,
}

impl LogRuns {
    pub fn push(&mut self, run: LogRun) {
        if run.count == 0 {
            return;
        }
        self.count += run.count as usize;
        self.gb += run.count as f64 * run.gb;
        let number = self.removed + self.runs.len() as u64;
        if self.first_run_of_hour.is_empty() {
            // Hours the runs still held cover go unindexed (a lookup there walks from the front).
            self.first_hour = self.runs.back().map_or(run.start.div_euclid(HOUR), |r| {
                r.last_time().div_euclid(HOUR) + 1
            });
        }
        // Every hour that starts at or before this run's last log and has no run yet is this one's.
        let last_hour = run.last_time().div_euclid(HOUR);
        while self.first_hour + (self.first_run_of_hour.len() as i64) <= last_hour {
            self.first_run_of_hour.push_back(number);
        }
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
                self.removed += 1;
            } else {
                front.first_mark += n as f64 * front.gb;
                front.start = front.time(n);
                front.count -= n;
            }
        }
        // Hours whose first run has gone: a lookup there starts at the front anyway.
        while self
            .first_run_of_hour
            .front()
            .is_some_and(|&number| number < self.removed)
        {
            self.first_run_of_hour.pop_front();
            self.first_hour += 1;
        }
        self.gb -= dropped;
        // A sum that has lost all its terms is exactly zero, whatever rounding said.
        if self.count == 0 {
            self.gb = 0.0;
        }
        dropped
    }

    pub fn clear(&mut self) {
        self.removed += self.runs.len() as u64;
        self.runs.clear();
        self.first_run_of_hour.clear();
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

    /// Index of the first run whose last log was taken at or after `t`: from the first run
    /// that ends in or after `t`'s hour, a step or two forward.
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
        // t's hour has an entry: the last run ends in or after it.
        let hour = t.div_euclid(HOUR) - self.first_hour;
        let mut i = usize::try_from(hour)
            .ok()
            .and_then(|h| self.first_run_of_hour.get(h))
            .map_or(0, |&number| number.saturating_sub(self.removed) as usize);
        while self.runs[i].last_time() < t {
            i += 1;
        }
        i
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

    /// Runs that end in the same hour, the first of them gone: a lookup in that hour still
    /// finds the one left, not the run pushed next.
    #[test]
    fn an_hour_shared_with_a_run_gone() {
        let mut logs = LogRuns::default();
        logs.push(run(300, 1));
        logs.push(run(600, 1));
        logs.push(run(1_200, 2));
        logs.drop_until(300);
        logs.push(run(36_000, 2));
        let time = |l: Option<LogBackup>| l.map(|l| l.time);
        let (before, after) = logs.around(1_000);
        assert_eq!((time(before), time(after)), (Some(600), Some(1_200)));
        let (before, after) = logs.around(1_500);
        assert_eq!((time(before), time(after)), (Some(1_200), Some(1_500)));
        let (before, after) = logs.around(1_501);
        assert_eq!((time(before), time(after)), (Some(1_500), Some(36_000)));
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

        /// The same after logs age out from the front, all of them at times, and new ones come
        /// after gaps of up to days: the hour index follows the runs.
        #[test]
        fn around_matches_a_flat_search_as_logs_come_and_go(
            steps in proptest::collection::vec((0i64..300, 1u32..14, 0i64..600), 1..60),
            probes in proptest::collection::vec(0i64..40_000, 1..20),
        ) {
            let mut logs = LogRuns::default();
            let mut t = 0;
            for (gap, count, drop_behind) in steps {
                t += gap * gap * 7 + 1;
                logs.push(run(t, count));
                t += count as i64 * 300;
                logs.drop_until(t - drop_behind * 30);
                let flat: Vec<LogBackup> = logs.iter().collect();
                // Around every retained log, the hour before the first, and a few anywhere.
                let near_logs = flat.iter().flat_map(|l| [l.time - 1, l.time, l.time + 1]);
                let before_first = flat.first().map(|l| l.time - 3_599);
                let anywhere = probes.iter().map(|p| t - p * 30);
                for p in near_logs.chain(before_first).chain(anywhere) {
                    let i = flat.partition_point(|l| l.time < p);
                    let want = (i.checked_sub(1).map(|j| flat[j]), flat.get(i).copied());
                    prop_assert_eq!(logs.around(p), want);
                }
            }
        }
    }
}
