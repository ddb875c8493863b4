//! The snapshot schedule (B1, B3–B6): one a day from creation, retried every `retry_interval`
//! after a failure until one succeeds, extra ones when the binlog piles up, on-demand ones up to
//! the limit. It decides when to attempt and whether an attempt fails; taking the snapshot is
//! the simulation's (it touches the store, the windows and the bill).

use super::store::SnapshotKind;
use crate::engine::{SimTime, Stream};
use crate::model::config::{BackupConfig, MysqlVersion};

/// A timer the schedule has set: a heap event is on its way, or none is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Timer {
    Idle,
    Armed,
}

/// Whether a snapshot that came due could be tried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Due {
    OnTime,
    /// One came due while the server could not take it (stopped, region down): caught up as
    /// soon as writes resume.
    Overdue,
}

/// Whether the server can take a snapshot when one comes due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Availability {
    Active,
    RegionDown,
    Stopped,
    Deleted,
}

/// How an attempt went.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Attempt {
    Succeeded,
    /// It failed; a retry is to be timed for `retry_at` unless one already is.
    Failed {
        retry_at: Option<SimTime>,
        blocked_by_long_txn: bool,
        load: f64,
        failure_prob: f64,
    },
}

/// What the schedule has counted.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct SnapshotCounters {
    pub taken: u64,
    pub failures: u64,
    pub retries: u64,
    pub extra: u64,
    pub on_demand: u64,
    pub on_demand_refused: u64,
    pub max_gap: SimTime,
    /// MySQL 5.7: seconds the event scheduler was off for snapshots (B5).
    pub scheduler_off: SimTime,
}

#[derive(Debug, Clone)]
pub struct Snapshots {
    draws: Stream,
    version: MysqlVersion,
    failure_prob: f64,
    failure_load_exponent: f64,
    retry_interval: SimTime,
    extra_threshold_gb: f64,
    duration: SimTime,
    on_demand_limit: u32,
    /// From the first failed attempt until one succeeds (B3, and B5's scheduler-off time).
    failing_since: Option<SimTime>,
    /// Seconds of the failing run the server spent without writes (stopped, deleted, its
    /// region down): the event scheduler is off only for a server that runs.
    failing_while_stopped: SimTime,
    /// What the failing run's retries stand in for: the kind whose attempt failed first, or
    /// today's scheduled snapshot once it came due meanwhile. A retry that succeeds is counted
    /// as that kind, so scheduled and extra snapshots add up to those taken.
    retries_stand_for: SnapshotKind,
    retry: Timer,
    extra: Timer,
    due: Due,
    since_snapshot_gb: f64,
    last: Option<SimTime>,
    on_demand_taken: u32,
    counters: SnapshotCounters,
}

impl Snapshots {
    pub fn new(backup: &BackupConfig, version: MysqlVersion, draws: Stream) -> Self {
        Self {
            draws,
            version,
            failure_prob: backup.snapshot_failure_prob,
            failure_load_exponent: backup.failure_load_exponent,
            retry_interval: backup.retry_interval,
            extra_threshold_gb: backup.extra_snapshot_binlog_gb,
            duration: backup.snapshot_duration,
            on_demand_limit: backup.on_demand_limit,
            failing_since: None,
            failing_while_stopped: 0,
            retries_stand_for: SnapshotKind::Scheduled,
            retry: Timer::Idle,
            extra: Timer::Idle,
            due: Due::OnTime,
            since_snapshot_gb: 0.0,
            last: None,
            on_demand_taken: 0,
            counters: SnapshotCounters::default(),
        }
    }

    pub fn add_binlog(&mut self, gb: f64) {
        self.since_snapshot_gb += gb;
    }

    /// `gb` more binlog up to `times` times, one log backup's worth at a time as `add_binlog`
    /// would add it, stopping at the backup that leaves an extra snapshot due (B4); how many.
    /// The running total stays in a register: through `self`, each addition waited on a store.
    pub fn add_binlog_repeated(&mut self, gb: f64, times: u64) -> u64 {
        let watched = (self.extra != Timer::Armed && self.failing_since.is_none())
            .then_some(self.extra_threshold_gb);
        let mut since = self.since_snapshot_gb;
        let mut added = 0;
        while added < times {
            // As `extra_due` compares, on the running total.
            if watched.is_some_and(|threshold| since >= threshold) {
                break;
            }
            since += gb;
            added += 1;
        }
        self.since_snapshot_gb = since;
        added
    }

    /// Binlog written since the last snapshot: an incremental snapshot holds the changed data.
    pub fn since_snapshot_gb(&self) -> f64 {
        self.since_snapshot_gb
    }

    /// The daily snapshot came due: which attempt to make, if any.
    pub fn daily(&mut self, availability: Availability) -> Option<SnapshotKind> {
        match availability {
            Availability::RegionDown | Availability::Stopped => {
                // B7: a stopped server takes no backups; nor does one whose region is down.
                // Today's snapshot is owed: whatever succeeds next stands in for it.
                self.due = Due::Overdue;
                self.retries_stand_for = SnapshotKind::Scheduled;
                None
            }
            Availability::Active if self.failing_since.is_none() => Some(SnapshotKind::Scheduled),
            // A retry is already on its way; it stands in for today's snapshot.
            Availability::Active => {
                self.retries_stand_for = SnapshotKind::Scheduled;
                None
            }
            Availability::Deleted => None,
        }
    }

    /// The retry timer fired.
    pub fn retry(&mut self, active: bool) -> Option<SnapshotKind> {
        self.retry = Timer::Idle;
        self.failing_since?;
        if active {
            self.counters.retries += 1;
            Some(SnapshotKind::Retry)
        } else {
            self.due = Due::Overdue;
            None
        }
    }

    /// B4: enough binlog has piled up since the last snapshot (and none is failing).
    fn extra_due(&self) -> bool {
        self.since_snapshot_gb >= self.extra_threshold_gb && self.failing_since.is_none()
    }

    /// After a log backup: whether to queue an extra snapshot now.
    pub fn queue_extra(&mut self) -> bool {
        if self.extra_due() && self.extra == Timer::Idle {
            self.extra = Timer::Armed;
            true
        } else {
            false
        }
    }

    /// The queued extra snapshot's turn. Checked again: another snapshot at the same moment may
    /// have made it moot.
    pub fn extra(&mut self, active: bool) -> Option<SnapshotKind> {
        self.extra = Timer::Idle;
        (active && self.extra_due()).then_some(SnapshotKind::Extra)
    }

    /// Writes resumed: whether a missed or failing snapshot should be caught up at once.
    pub fn catch_up_needed(&mut self) -> bool {
        if (self.due == Due::Overdue || self.failing_since.is_some()) && self.retry == Timer::Idle {
            self.due = Due::OnTime;
            true
        } else {
            false
        }
    }

    /// The catch-up's turn at `now`: none when a snapshot was taken this very second (the daily
    /// one due at a restart on the schedule has done it).
    pub fn catch_up(&self, now: SimTime, active: bool) -> Option<SnapshotKind> {
        (active && self.retry == Timer::Idle && self.last != Some(now))
            .then_some(SnapshotKind::Scheduled)
    }

    /// An on-demand request (B6): None when it may be taken, else why it is refused.
    pub fn on_demand(&mut self, availability: Availability) -> Option<String> {
        let refusal = match availability {
            Availability::RegionDown => Some("the region is down".to_string()),
            Availability::Active if self.on_demand_taken >= self.on_demand_limit => Some(format!(
                "limit of {} on-demand backups reached",
                self.on_demand_limit
            )),
            Availability::Active => None,
            Availability::Stopped => Some("the server is stopped".to_string()),
            Availability::Deleted => Some("the server is deleted".to_string()),
        };
        match refusal {
            // Refused and reported, never silently dropped.
            Some(_) => self.counters.on_demand_refused += 1,
            None => self.on_demand_taken += 1,
        }
        refusal
    }

    /// Try a snapshot at `now` under `load` (the multiplier in force). It fails with a chance
    /// that grows with load, and always on 5.7 while a long transaction holds the lock (B5).
    pub fn attempt(
        &mut self,
        now: SimTime,
        kind: SnapshotKind,
        load: f64,
        long_txn_open: bool,
    ) -> Attempt {
        let draw = self.draws.uniform();
        let blocked_by_long_txn = self.version == MysqlVersion::V5_7 && long_txn_open;
        let failure_prob = (self.failure_prob * load.powf(self.failure_load_exponent)).min(1.0);
        if blocked_by_long_txn || draw < failure_prob {
            self.counters.failures += 1;
            // A failing run's retries stand for the snapshot it first failed to take, unless a
            // scheduled one (a daily or a catch-up) has failed since: the day's is owed first.
            if self.failing_since.is_none() || kind == SnapshotKind::Scheduled {
                self.retries_stand_for = kind;
            }
            self.failing_since.get_or_insert(now);
            let retry_at = (self.retry == Timer::Idle).then(|| {
                self.retry = Timer::Armed;
                now + self.retry_interval
            });
            Attempt::Failed {
                retry_at,
                blocked_by_long_txn,
                load,
                failure_prob,
            }
        } else {
            Attempt::Succeeded
        }
    }

    /// A snapshot of `kind` was taken at `now`.
    pub fn taken(&mut self, now: SimTime, kind: SnapshotKind) {
        self.since_snapshot_gb = 0.0;
        self.counters.taken += 1;
        let counted_as = match kind {
            SnapshotKind::Retry => self.retries_stand_for,
            other => other,
        };
        match counted_as {
            SnapshotKind::Extra => self.counters.extra += 1,
            SnapshotKind::OnDemand => self.counters.on_demand += 1,
            SnapshotKind::Scheduled | SnapshotKind::Retry => {}
        }
        let gap = now - self.last.unwrap_or(0);
        self.counters.max_gap = self.counters.max_gap.max(gap);
        self.last = Some(now);
        let failing_since = self.failing_since.take();
        let stopped = std::mem::take(&mut self.failing_while_stopped);
        if self.version == MysqlVersion::V5_7 {
            // B5: the event scheduler goes off when the backup starts and comes back only when
            // one succeeds, so a run of failures keeps it off throughout (while the server runs).
            self.counters.scheduler_off +=
                self.duration + now - failing_since.unwrap_or(now) - stopped;
        }
    }

    /// Writes, stopped since `stopped` (the server's record), resume at `now`: a failing run's
    /// time without them is not scheduler-off time.
    pub fn writes_resumed(&mut self, now: SimTime, stopped: Option<SimTime>) {
        if let (Some(stopped), Some(since)) = (stopped, self.failing_since) {
            self.failing_while_stopped += (now - stopped.max(since)).max(0);
        }
    }

    /// The longest stretch without a snapshot, counting the one still open at `end` if the
    /// server is running then.
    pub fn max_gap(&self, end: SimTime, running: bool) -> SimTime {
        let mut gap = self.counters.max_gap;
        if running {
            gap = gap.max(end - self.last.unwrap_or(0));
        }
        gap
    }

    /// B5: seconds the event scheduler was off while the server ran, counting a run of
    /// failures still open at `end` (it is off from the first failed attempt until one
    /// succeeds, which this run never saw) up to `end` or to `writes_stopped_at`.
    pub fn scheduler_off(&self, end: SimTime, writes_stopped_at: Option<SimTime>) -> SimTime {
        let open = match self.failing_since {
            Some(since) if self.version == MysqlVersion::V5_7 => {
                let until = writes_stopped_at.map_or(end, |t| t.min(end));
                (until - since.min(until) - self.failing_while_stopped).max(0)
            }
            _ => 0,
        };
        self.counters.scheduler_off + open
    }

    pub fn counters(&self) -> SnapshotCounters {
        self.counters
    }
}
