//! One simulated server over the horizon: the backup service (B1–B7) acting on a fluid write
//! load, with the retained backups and what they cost (S1–S6).
//!
//! Heap events exist only for things that happen at irregular times: snapshots and their retries,
//! bursts, long transactions, on-demand requests and server actions. Log backups run on a fixed
//! grid, so the loop walks that grid between heap events instead of queueing 288 events a day.

use serde::Serialize;

use super::config::{Config, MysqlVersion, ServerAction};
use super::observer::{EventRecord, Observer, Sample};
use super::storage::{BackupStore, LogBackup, Snapshot, SnapshotKind};
use super::workload::LoadProfile;
use crate::engine::{EventQueue, Purpose, SimTime, Stream, Streams, DAY, HOUR};
use crate::stats::{Quantiles, Sawtooth};

/// A deleted server can be restored for this long; then its backups are gone (R5).
pub const DELETED_SERVER_RESTORE_WINDOW: SimTime = 5 * DAY;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Event {
    DailySnapshot,
    SnapshotRetry,
    ExtraSnapshot,
    CatchUpSnapshot,
    OnDemand,
    BurstStart,
    BurstEnd,
    LongTxnStart,
    LongTxnEnd,
    Action(ServerAction),
    PurgeDeleted,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Running,
    Stopped,
    Deleted,
}

impl State {
    fn as_str(self) -> &'static str {
        match self {
            State::Running => "running",
            State::Stopped => "stopped",
            State::Deleted => "deleted",
        }
    }
}

/// What one replication measured.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunMetrics {
    pub snapshots: u64,
    pub snapshot_failures: u64,
    pub retries: u64,
    pub extra_snapshots: u64,
    pub log_backups: u64,
    pub log_backup_failures: u64,
    pub on_demand: u64,
    pub on_demand_refused: u64,
    pub max_snapshot_gap_hours: f64,
    /// MySQL 5.7 only: hours the event scheduler was off for snapshots (B5).
    pub event_scheduler_off_hours: f64,
    pub mean_storage_gb: f64,
    pub peak_storage_gb: f64,
    /// Time-average of the free allowance (zero while stopped or deleted).
    pub mean_free_allowance_gb: f64,
    /// Time-average of the storage above the allowance: GB billed per 30-day month.
    pub billable_gb_month: f64,
    pub cost_per_month: f64,
    /// New backup data per running day (all copies), the first full snapshot excluded.
    pub daily_backup_gb: f64,
    /// Free allowance / daily backup usage (S6); None when nothing is written.
    pub free_retention_days: Option<f64>,
    pub rpo_seconds: Quantiles,
    pub engine: EngineStats,
}

/// How much work the run took and how much it held at once: the memory bound is checked on these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct EngineStats {
    /// Heap events plus log-backup ticks handled.
    pub events: u64,
    pub peak_queue_len: usize,
    pub peak_retained_backups: usize,
    pub rpo_distinct_lengths: usize,
}

#[derive(Debug, Clone)]
pub struct RunOutcome {
    pub metrics: RunMetrics,
    /// The exact data-loss-window distribution of this run, for pooling across runs.
    pub rpo: Sawtooth,
}

/// Simulate one replication. `observer`, when given, hears every event and an hourly sample.
pub fn simulate(
    config: &Config,
    streams: &Streams,
    observer: Option<&mut dyn Observer>,
) -> RunOutcome {
    let mut sim = Sim::new(config, streams, observer);
    sim.run();
    sim.finish()
}

struct Sim<'a, 'o> {
    cfg: &'a Config,
    profile: LoadProfile,
    now: SimTime,
    queue: EventQueue<Event>,
    burst_draws: Stream,
    long_txn_draws: Stream,
    snapshot_draws: Stream,
    log_draws: Stream,
    state: State,
    active_bursts: u32,
    active_long_txns: u32,
    /// Binlog written since the last successful log backup, GB.
    pending_log_gb: f64,
    binlog_since_snapshot_gb: f64,
    /// The newest instant a restore could bring back: last log backup, snapshot or (re)start.
    last_restorable_point: SimTime,
    next_log_tick: SimTime,
    store: BackupStore,
    /// Set from the first failed attempt until a snapshot succeeds (B3, and B5's scheduler-off time).
    failing_since: Option<SimTime>,
    retry_scheduled: bool,
    extra_scheduled: bool,
    missed_daily: bool,
    last_snapshot: Option<SimTime>,
    on_demand_taken: u32,
    observer: Option<&'o mut dyn Observer>,
    next_sample: SimTime,
    /// Widest data-loss window reached since the last hourly sample.
    widest_window_since_sample: SimTime,
    expired: Vec<SimTime>,
    acc: Accumulators,
    rpo: Sawtooth,
}

#[derive(Debug, Default)]
struct Accumulators {
    snapshots: u64,
    snapshot_failures: u64,
    retries: u64,
    extra_snapshots: u64,
    log_backups: u64,
    log_backup_failures: u64,
    on_demand: u64,
    on_demand_refused: u64,
    max_snapshot_gap: SimTime,
    scheduler_off: SimTime,
    storage_gb_seconds: f64,
    allowance_gb_seconds: f64,
    billable_gb_seconds: f64,
    peak_storage_gb: f64,
    running_seconds: SimTime,
    /// Logical GB of logs and incremental snapshots (not the first full one).
    daily_usage_written_gb: f64,
    events: u64,
}

impl<'a, 'o> Sim<'a, 'o> {
    fn new(cfg: &'a Config, streams: &Streams, observer: Option<&'o mut dyn Observer>) -> Self {
        let mut sim = Self {
            cfg,
            profile: LoadProfile::new(&cfg.workload, cfg.clock),
            now: 0,
            queue: EventQueue::new(),
            burst_draws: streams.stream(Purpose::Bursts),
            long_txn_draws: streams.stream(Purpose::LongTransactions),
            snapshot_draws: streams.stream(Purpose::SnapshotFailures),
            log_draws: streams.stream(Purpose::LogBackupFailures),
            state: State::Running,
            active_bursts: 0,
            active_long_txns: 0,
            pending_log_gb: 0.0,
            binlog_since_snapshot_gb: 0.0,
            last_restorable_point: 0,
            next_log_tick: cfg.backup.log_backup_interval,
            store: BackupStore::new(),
            failing_since: None,
            retry_scheduled: false,
            extra_scheduled: false,
            missed_daily: false,
            last_snapshot: None,
            on_demand_taken: 0,
            observer,
            next_sample: 0,
            widest_window_since_sample: 0,
            expired: Vec::new(),
            acc: Accumulators::default(),
            rpo: Sawtooth::new(),
        };
        // B1: the first snapshot is taken when the server is created, then one a day.
        sim.queue.schedule(0, Event::DailySnapshot);
        sim.schedule_next_arrival(Event::BurstStart);
        sim.schedule_next_arrival(Event::LongTxnStart);
        for &at in &cfg.backup.on_demand {
            sim.queue.schedule(at, Event::OnDemand);
        }
        for &(at, action) in &cfg.events {
            sim.queue.schedule(at, Event::Action(action));
        }
        sim
    }

    fn run(&mut self) {
        let horizon = self.cfg.horizon;
        let interval = self.cfg.backup.log_backup_interval;
        loop {
            let next_event = self.queue.peek_time().unwrap_or(SimTime::MAX).min(horizon);
            // Log-backup ticks up to and including the next heap event's time come first; a tick
            // may itself schedule an event (an extra snapshot) at its own time.
            // A log backup due exactly at the horizon still runs (30 days hold 8,640 of them).
            if self.next_log_tick <= next_event {
                let tick = self.next_log_tick;
                self.advance_to(tick);
                self.log_tick();
                self.next_log_tick += interval;
                continue;
            }
            if next_event >= horizon {
                break;
            }
            let (time, event) = self.queue.pop().expect("peeked an event");
            self.advance_to(time);
            self.handle(event);
            self.acc.events += 1;
            self.prune();
        }
        self.advance_to(horizon);
        if self.state == State::Running {
            // The tooth still open at the horizon counts for the time it lasted.
            self.close_tooth(horizon);
        }
    }

    // ---- time and the fluid load -------------------------------------------------------------

    fn burst_factor(&self) -> f64 {
        if self.active_bursts > 0 {
            self.cfg.workload.burst_multiplier
        } else {
            1.0
        }
    }

    fn load_multiplier(&self) -> f64 {
        self.profile.multiplier_at(self.now) * self.burst_factor()
    }

    fn free_allowance_gb(&self) -> f64 {
        // S4: free backup storage only while the server runs.
        match self.state {
            State::Running => self.cfg.server.provisioned_storage_gb,
            State::Stopped | State::Deleted => 0.0,
        }
    }

    /// Backup storage the owner is charged for, all copies (S3, S5). A deleted server's backups
    /// are held by the service for restore only and billed to nobody.
    fn storage_gb(&self) -> f64 {
        match self.state {
            State::Deleted => 0.0,
            _ => self.store.used_gb() * self.cfg.backup.redundancy.storage_factor(),
        }
    }

    fn advance_to(&mut self, t: SimTime) {
        if t <= self.now {
            return;
        }
        if self.observer.is_some() {
            while self.next_sample < t {
                let sample = self.sample_at(self.next_sample);
                if let Some(obs) = self.observer.as_mut() {
                    obs.sample(sample);
                }
                self.widest_window_since_sample = 0;
                self.next_sample += HOUR;
            }
        }
        let dt = t - self.now;
        if self.state == State::Running {
            let gb = self.profile.volume(self.now, t) * self.burst_factor();
            self.pending_log_gb += gb;
            self.binlog_since_snapshot_gb += gb;
            self.acc.running_seconds += dt;
        }
        let used = self.storage_gb();
        let allowance = self.free_allowance_gb();
        let dtf = dt as f64;
        self.acc.storage_gb_seconds += used * dtf;
        self.acc.allowance_gb_seconds += allowance * dtf;
        self.acc.billable_gb_seconds += (used - allowance).max(0.0) * dtf;
        self.now = t;
    }

    fn sample_at(&self, time: SimTime) -> Sample {
        let running = self.state == State::Running;
        let used = self.storage_gb();
        let allowance = self.free_allowance_gb();
        Sample {
            time,
            state: self.state.as_str(),
            storage_gb: used,
            free_allowance_gb: allowance,
            billable_gb: (used - allowance).max(0.0),
            binlog_gb_per_hour: if running {
                self.profile.gb_per_hour_at(time) * self.burst_factor()
            } else {
                0.0
            },
            rpo_seconds: if running {
                (time - self.last_restorable_point) as f64
            } else {
                0.0
            },
            rpo_max_seconds: if running {
                self.widest_window_since_sample
                    .max(time - self.last_restorable_point) as f64
            } else {
                self.widest_window_since_sample as f64
            },
            retained_snapshots: self.store.snapshots().count(),
        }
    }

    // ---- recording ---------------------------------------------------------------------------

    fn record(&mut self, kind: &'static str, detail: impl FnOnce() -> String) {
        if self.observer.is_some() {
            let record = EventRecord {
                time: self.now,
                kind,
                detail: detail(),
                storage_gb: self.storage_gb(),
            };
            if let Some(obs) = self.observer.as_mut() {
                obs.event(record);
            }
        }
    }

    /// A new restorable point at `t`: the data-loss window that was growing since the previous one
    /// is one tooth of the RPO sawtooth.
    fn close_tooth(&mut self, t: SimTime) {
        let width = t - self.last_restorable_point;
        self.widest_window_since_sample = self.widest_window_since_sample.max(width);
        self.rpo.add(width);
        self.last_restorable_point = t;
    }

    fn prune(&mut self) {
        if self.state != State::Deleted {
            let backup = &self.cfg.backup;
            let expired = &mut self.expired;
            self.store
                .prune(self.now, backup.keep_for(), backup.window(), |s| {
                    expired.push(s.time)
                });
        }
        if !self.expired.is_empty() {
            let expired = std::mem::take(&mut self.expired);
            for t in &expired {
                self.record("snapshot-expired", || format!("snapshot taken at t={t}s"));
            }
            self.expired = expired;
            self.expired.clear();
        }
        self.acc.peak_storage_gb = self.acc.peak_storage_gb.max(self.storage_gb());
    }

    // ---- log backups (B2) --------------------------------------------------------------------

    fn log_tick(&mut self) {
        self.acc.events += 1;
        if self.state == State::Running {
            // Drawn on every tick whatever the probability, so that changing it elsewhere in a
            // sweep keeps the other draws aligned (common random numbers).
            let draw = self.log_draws.uniform();
            if draw < self.cfg.backup.log_backup_failure_prob {
                self.acc.log_backup_failures += 1;
                let pending = self.pending_log_gb;
                self.record("log-backup-failed", || {
                    format!("{pending:.3} GB waits for the next log backup")
                });
            } else {
                self.upload_log();
            }
            // B4: a fast-growing binlog earns an extra snapshot.
            if self.binlog_since_snapshot_gb >= self.cfg.backup.extra_snapshot_binlog_gb
                && self.failing_since.is_none()
                && !self.extra_scheduled
            {
                self.extra_scheduled = true;
                self.queue.schedule(self.now, Event::ExtraSnapshot);
            }
        }
        self.prune();
    }

    fn upload_log(&mut self) {
        let gb = self.pending_log_gb;
        self.store.add_log(LogBackup { time: self.now, gb });
        self.acc.daily_usage_written_gb += gb;
        self.pending_log_gb = 0.0;
        self.acc.log_backups += 1;
        self.close_tooth(self.now);
    }

    // ---- snapshots (B1, B3, B4, B5, B6) ------------------------------------------------------

    fn attempt_snapshot(&mut self, kind: SnapshotKind) {
        let draw = self.snapshot_draws.uniform();
        let backup = &self.cfg.backup;
        let blocked_by_long_txn =
            self.cfg.server.mysql_version == MysqlVersion::V5_7 && self.active_long_txns > 0;
        let load = self.load_multiplier();
        let failure_prob =
            (backup.snapshot_failure_prob * load.powf(backup.failure_load_exponent)).min(1.0);
        if blocked_by_long_txn || draw < failure_prob {
            self.acc.snapshot_failures += 1;
            self.failing_since.get_or_insert(self.now);
            if !self.retry_scheduled {
                self.retry_scheduled = true;
                self.queue
                    .schedule(self.now + backup.retry_interval, Event::SnapshotRetry);
            }
            self.record("snapshot-failed", || {
                if blocked_by_long_txn {
                    format!(
                        "{}: a long transaction holds the global lock",
                        kind.as_str()
                    )
                } else {
                    format!(
                        "{}: failed at load x{load:.2} (failure chance {:.1}%)",
                        kind.as_str(),
                        failure_prob * 100.0
                    )
                }
            });
        } else {
            self.take_snapshot(kind);
        }
    }

    fn take_snapshot(&mut self, kind: SnapshotKind) {
        let now = self.now;
        let full_gb = self.cfg.server.db_size_at(now);
        let incremental_gb = if self.store.latest_snapshot().is_some() {
            (self.binlog_since_snapshot_gb * self.cfg.backup.snapshot_change_ratio).min(full_gb)
        } else {
            full_gb
        };
        if self.store.latest_snapshot().is_some() {
            self.acc.daily_usage_written_gb += incremental_gb;
        }
        self.store.add_snapshot(Snapshot {
            time: now,
            full_gb,
            incremental_gb,
            kind,
        });
        self.binlog_since_snapshot_gb = 0.0;
        self.acc.snapshots += 1;
        match kind {
            SnapshotKind::Extra => self.acc.extra_snapshots += 1,
            SnapshotKind::OnDemand => self.acc.on_demand += 1,
            SnapshotKind::Scheduled | SnapshotKind::Retry => {}
        }
        let gap = now - self.last_snapshot.unwrap_or(0);
        self.acc.max_snapshot_gap = self.acc.max_snapshot_gap.max(gap);
        self.last_snapshot = Some(now);
        let failing_since = self.failing_since.take();
        if self.cfg.server.mysql_version == MysqlVersion::V5_7 {
            // B5: the event scheduler goes off when the backup starts and comes back only when
            // one succeeds, so a run of failures keeps it off throughout.
            self.acc.scheduler_off +=
                self.cfg.backup.snapshot_duration + now - failing_since.unwrap_or(now);
        }
        self.close_tooth(now);
        self.record("snapshot", || {
            format!(
                "{}: full {full_gb:.1} GB, incremental {incremental_gb:.2} GB",
                kind.as_str()
            )
        });
    }

    // ---- the event handlers ------------------------------------------------------------------

    fn handle(&mut self, event: Event) {
        match event {
            Event::DailySnapshot => {
                if self.state != State::Deleted {
                    self.queue.schedule(self.now + DAY, Event::DailySnapshot);
                }
                match self.state {
                    State::Running if self.failing_since.is_none() => {
                        self.attempt_snapshot(SnapshotKind::Scheduled)
                    }
                    // A retry is already on its way; it stands in for today's snapshot.
                    State::Running => {}
                    // B7: a stopped server takes no backups.
                    State::Stopped => self.missed_daily = true,
                    State::Deleted => {}
                }
            }
            Event::SnapshotRetry => {
                self.retry_scheduled = false;
                if self.failing_since.is_some() {
                    if self.state == State::Running {
                        self.acc.retries += 1;
                        self.attempt_snapshot(SnapshotKind::Retry);
                    } else {
                        self.missed_daily = true;
                    }
                }
            }
            Event::ExtraSnapshot => {
                self.extra_scheduled = false;
                if self.state == State::Running && self.failing_since.is_none() {
                    self.attempt_snapshot(SnapshotKind::Extra);
                }
            }
            Event::CatchUpSnapshot => {
                if self.state == State::Running && !self.retry_scheduled {
                    self.attempt_snapshot(SnapshotKind::Scheduled);
                }
            }
            Event::OnDemand => self.on_demand(),
            Event::BurstStart => {
                self.active_bursts += 1;
                let end = self.now + self.cfg.workload.burst_duration;
                self.queue.schedule(end, Event::BurstEnd);
                self.schedule_next_arrival(Event::BurstStart);
                let m = self.cfg.workload.burst_multiplier;
                self.record("burst-start", || format!("write load x{m}"));
            }
            Event::BurstEnd => {
                self.active_bursts -= 1;
                self.record("burst-end", String::new);
            }
            Event::LongTxnStart => {
                self.active_long_txns += 1;
                let end = self.now + self.cfg.workload.long_txn_duration;
                self.queue.schedule(end, Event::LongTxnEnd);
                self.schedule_next_arrival(Event::LongTxnStart);
                self.record("long-transaction-start", String::new);
            }
            Event::LongTxnEnd => {
                self.active_long_txns -= 1;
                self.record("long-transaction-end", String::new);
            }
            Event::Action(action) => self.server_action(action),
            Event::PurgeDeleted => {
                self.store.purge();
                self.record("backups-purged", || {
                    "the deleted server's restore window has closed".to_string()
                });
            }
        }
    }

    fn schedule_next_arrival(&mut self, event: Event) {
        let (per_day, stream) = match event {
            Event::BurstStart => (self.cfg.workload.bursts_per_day, &mut self.burst_draws),
            Event::LongTxnStart => (self.cfg.workload.long_txn_per_day, &mut self.long_txn_draws),
            _ => unreachable!("only bursts and long transactions arrive at random"),
        };
        if per_day > 0.0 {
            let gap = stream.exponential(DAY as f64 / per_day).round() as SimTime;
            let at = self.now.saturating_add(gap.max(1));
            if at < self.cfg.horizon {
                self.queue.schedule(at, event);
            }
        }
    }

    fn on_demand(&mut self) {
        let refusal = match self.state {
            State::Running if self.on_demand_taken >= self.cfg.backup.on_demand_limit => {
                Some(format!(
                    "limit of {} on-demand backups reached",
                    self.cfg.backup.on_demand_limit
                ))
            }
            State::Running => None,
            State::Stopped => Some("the server is stopped".to_string()),
            State::Deleted => Some("the server is deleted".to_string()),
        };
        match refusal {
            Some(reason) => {
                // B6: refused and reported, never silently dropped.
                self.acc.on_demand_refused += 1;
                self.record("on-demand-refused", || reason);
            }
            None => {
                self.on_demand_taken += 1;
                self.take_snapshot(SnapshotKind::OnDemand);
            }
        }
    }

    fn server_action(&mut self, action: ServerAction) {
        match (self.state, action) {
            (State::Running, ServerAction::Stop) => {
                // A clean stop flushes the binlog: nothing written before it is at risk.
                self.upload_log();
                self.state = State::Stopped;
                self.record("server-stopped", || {
                    "no backups and no free allowance until started".into()
                });
            }
            (State::Stopped, ServerAction::Start) => {
                self.state = State::Running;
                self.last_restorable_point = self.now;
                if (self.missed_daily || self.failing_since.is_some()) && !self.retry_scheduled {
                    self.missed_daily = false;
                    self.queue.schedule(self.now, Event::CatchUpSnapshot);
                }
                self.record("server-started", String::new);
            }
            (State::Running | State::Stopped, ServerAction::Delete) => {
                if self.state == State::Running {
                    self.close_tooth(self.now);
                }
                self.state = State::Deleted;
                self.queue.schedule(
                    self.now + DELETED_SERVER_RESTORE_WINDOW,
                    Event::PurgeDeleted,
                );
                self.record("server-deleted", || {
                    "backups kept 5 days for a restore, then purged".into()
                });
            }
            // Validation rejects impossible sequences; a no-op here keeps the model total.
            _ => {}
        }
    }

    fn finish(self) -> RunOutcome {
        let horizon = self.cfg.horizon as f64;
        let acc = &self.acc;
        let mut max_gap = acc.max_snapshot_gap;
        if self.state == State::Running {
            max_gap = max_gap.max(self.cfg.horizon - self.last_snapshot.unwrap_or(0));
        }
        let billable_gb_month = acc.billable_gb_seconds / horizon;
        let factor = self.cfg.backup.redundancy.storage_factor();
        let running_days = acc.running_seconds as f64 / DAY as f64;
        let daily_backup_gb = if running_days > 0.0 {
            acc.daily_usage_written_gb * factor / running_days
        } else {
            0.0
        };
        let free_retention_days = (daily_backup_gb > 0.0)
            .then(|| self.cfg.server.provisioned_storage_gb / daily_backup_gb);
        let metrics = RunMetrics {
            snapshots: acc.snapshots,
            snapshot_failures: acc.snapshot_failures,
            retries: acc.retries,
            extra_snapshots: acc.extra_snapshots,
            log_backups: acc.log_backups,
            log_backup_failures: acc.log_backup_failures,
            on_demand: acc.on_demand,
            on_demand_refused: acc.on_demand_refused,
            max_snapshot_gap_hours: max_gap as f64 / HOUR as f64,
            event_scheduler_off_hours: acc.scheduler_off as f64 / HOUR as f64,
            mean_storage_gb: acc.storage_gb_seconds / horizon,
            peak_storage_gb: acc.peak_storage_gb,
            mean_free_allowance_gb: acc.allowance_gb_seconds / horizon,
            billable_gb_month,
            cost_per_month: billable_gb_month * self.cfg.cost.price_per_gb_month,
            daily_backup_gb,
            free_retention_days,
            rpo_seconds: self.rpo.quantiles(),
            engine: EngineStats {
                events: acc.events,
                peak_queue_len: self.queue.peak_len(),
                peak_retained_backups: self.store.peak_items(),
                rpo_distinct_lengths: self.rpo.distinct_lengths(),
            },
        };
        RunOutcome {
            metrics,
            rpo: self.rpo,
        }
    }
}
