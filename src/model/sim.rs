//! One simulated server over the horizon: the backup service (B1–B7) acting on a fluid write
//! load, the retained backups and what they cost (S1–S6), and the restores it would need
//! (R1–R3, R5–R7) for incidents and zone outages (O2, O3).
//!
//! Heap events exist only for things that happen at irregular times: snapshots and their retries,
//! bursts, long transactions, on-demand requests, server actions, incidents, outages and restores.
//! Log backups run on a fixed grid, so the loop walks that grid between heap events instead of
//! queueing 288 events a day.

use std::collections::VecDeque;

use serde::Serialize;

use super::billing::{Billing, MonthBill};
use super::config::{
    Config, HighAvailability, MysqlVersion, Redundancy, ServerAction, GEO_LAG_CAP,
};
use super::observer::{EventRecord, Observer, Sample};
use super::recovery::{RecoveryKind, RecoveryOutcome, RecoveryRecord};
use super::restore::{estimate, Breakdown, RestoreSlots, RestoreWork};
use super::retention_ledger::{LedgerState, RetentionLedger, RetentionRow};
use super::storage::{BackupStore, LogBackup, Snapshot, SnapshotKind};
use super::workload::LoadProfile;
use crate::engine::{EventQueue, Purpose, SimTime, Stream, Streams, DAY, HOUR};
use crate::stats::{LogHistogram, Quantiles, Sawtooth};

/// A deleted server can be restored for this long; then its backups are gone (R5).
pub const DELETED_SERVER_RESTORE_WINDOW: SimTime = 5 * DAY;

const YEAR: f64 = 365.0 * DAY as f64;

#[derive(Debug, Clone, Copy, PartialEq)]
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
    UnsafeSession,
    Incident,
    /// The damage of an incident is noticed and a restore to just before it is requested.
    IncidentRestore {
        damage_at: SimTime,
    },
    ZoneOutage,
    /// The primary region goes down (O1), for a sampled or scripted time.
    RegionOutage {
        duration: Option<SimTime>,
    },
    RegionRecovered,
    /// Another tenant's restore arrives in a region (`Region::Home` or `Region::GeoTarget`).
    BackgroundRestore {
        surge: bool,
        region: Region,
    },
    /// A restore holding a slot in that region finishes.
    RestoreDone {
        region: Region,
    },
    /// A restore planned at an outage reaches the region once the outage has been noticed.
    SubmitDelayedRestore,
}

/// The two regions whose restore slots matter: the server's own, and where geo-restores go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Region {
    Home = 0,
    GeoTarget = 1,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Running,
    Stopped,
    Deleted,
}

impl State {
    fn label(self, region_down: bool) -> &'static str {
        match self {
            State::Running if region_down => "region-down",
            State::Running => "running",
            State::Stopped => "stopped",
            State::Deleted => "deleted",
        }
    }
}

/// Where a point-in-time restore should land.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RestoreTarget {
    /// The moment of the request (in practice the last backed-up point before it).
    Latest,
    /// The newest full snapshot: no log replay at all.
    Fastest,
    /// A chosen moment inside the recovery window.
    At(SimTime),
}

/// A planned point-in-time restore, without waiting for a slot.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RestorePlan {
    pub requested_at: SimTime,
    /// The point asked for (for latest, the request time).
    pub target: SimTime,
    /// The point the restored server will hold: the target, or earlier when no backup reaches
    /// it or an unsafe session (R7) forced an earlier point.
    pub effective_target: SimTime,
    pub base_snapshot_at: SimTime,
    pub base_snapshot_gb: f64,
    pub replay_gb: f64,
    pub breakdown: Breakdown,
    /// Writes between the effective target and the request that the restored server lacks.
    pub data_loss_seconds: f64,
    /// Attempts that failed on a foreign-key violation replayed from the binlog (R7).
    pub failed_attempts: u32,
    /// How much earlier than asked the restore had to land because of those failures.
    pub extra_loss_seconds: f64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RestoreRefusal {
    /// The target lies outside [earliest, latest] restore point.
    OutOfWindow { earliest: SimTime, latest: SimTime },
    /// No snapshot had been taken yet.
    NoBackups,
    /// The server was deleted and its 5-day restore window has closed (R5).
    Purged { deleted_at: SimTime },
    /// The primary region is down: only a geo-restore can bring the server back (O1).
    RegionDown,
    /// A geo-restore needs geo-redundant backup storage.
    NotGeoRedundant,
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
    /// Storage, allowance and bill are time-averages after the warm-up (`measured_from`): the
    /// steady state, not the filling start.
    pub mean_storage_gb: f64,
    /// The most storage used at any moment of the run.
    pub peak_storage_gb: f64,
    /// Time-average of the free allowance (zero while stopped or deleted).
    pub mean_free_allowance_gb: f64,
    /// Time-average of the storage above the allowance: GB billed per 30-day month.
    pub billable_gb_month: f64,
    pub cost_per_month: f64,
    /// The bill of each calendar month the run touches.
    pub monthly: Vec<MonthBill>,
    /// What the same history would cost at each retention from 1 to 35 days.
    pub retention: Vec<RetentionRow>,
    /// The longest retention whose steady state bills nothing (0: even one day bills), and the
    /// longest measured (the horizon must pass retention + 1 days); None below two days.
    pub max_free_retention_days: Option<u32>,
    pub retention_measured_up_to_days: u32,
    /// New backup data per running day (all copies), the first full snapshot excluded.
    pub daily_backup_gb: f64,
    /// Free allowance / daily backup usage (S6); None when nothing is written.
    pub free_retention_days: Option<f64>,
    pub rpo_seconds: Quantiles,
    /// Restore time to the latest, fastest and a random custom point, probed every hour while
    /// the server runs (no slot contention; R7 failures included); None when no hour had one.
    pub restore_latest_seconds: Option<Quantiles>,
    pub restore_fastest_seconds: Option<Quantiles>,
    pub restore_custom_seconds: Option<Quantiles>,
    /// Mean seconds per phase of those probes.
    pub restore_latest_breakdown: Breakdown,
    pub restore_fastest_breakdown: Breakdown,
    pub restore_custom_breakdown: Breakdown,
    pub incidents: u64,
    pub zone_outages: u64,
    /// Restores actually run for incidents and zone outages (through the region's slots).
    pub recoveries: u64,
    /// Mean over those: time from request to a running server, the wait for a slot, and the
    /// writes the restored server lacks.
    pub recovery_seconds_mean: f64,
    pub recovery_queue_seconds_mean: f64,
    pub recovery_data_loss_seconds_mean: f64,
    /// Restore attempts that failed on an unsafe session (R7), and the extra loss they caused.
    pub failed_restores: u64,
    pub extra_loss_seconds_mean: f64,
    /// Zone outages absorbed by a zone-redundant HA failover, and their total downtime.
    pub failovers: u64,
    pub downtime_hours: f64,
    /// Data-loss window against what had reached the paired region (D3); None when not geo.
    pub geo_rpo_seconds: Option<Quantiles>,
    pub region_outages: u64,
    /// Regional outages recovered by a geo-restore, its mean time from the outage to a running
    /// server (noticing, waiting for a slot, restoring, capped at the outage) and the writes lost.
    pub geo_restores: u64,
    pub geo_recovery_seconds_mean: f64,
    pub geo_data_loss_seconds_mean: f64,
    /// Outages (zone or region) that ended before their restore did: nothing was lost.
    pub came_back_first: u64,
    /// Hours a regional outage left the server with no way back (no geo-redundant backups), and
    /// the mean writes at risk at the moment each outage began.
    pub unrecoverable_hours: f64,
    pub region_data_at_risk_seconds_mean: f64,
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
    pub peak_restores_waiting: usize,
}

/// The restore-time distributions of one run, for pooling across runs.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RestoreDistributions {
    pub latest: LogHistogram,
    pub fastest: LogHistogram,
    pub custom: LogHistogram,
}

#[derive(Debug, Clone)]
pub struct RunOutcome {
    pub metrics: RunMetrics,
    /// The exact data-loss-window distribution of this run, for pooling across runs.
    pub rpo: Sawtooth,
    /// The same against the paired region (empty when not geo).
    pub geo_rpo: Sawtooth,
    pub restores: RestoreDistributions,
    /// Every incident and outage of the run and how it ended.
    pub recoveries: Vec<RecoveryRecord>,
}

/// Simulate one replication. `observer`, when given, hears every event and an hourly sample.
pub fn simulate(
    config: &Config,
    streams: &Streams,
    observer: Option<&mut dyn Observer>,
) -> RunOutcome {
    let mut sim = Sim::new(config, streams, observer);
    sim.run_until(config.horizon, false);
    sim.finish()
}

/// Replay replication `streams` of the scenario up to `request_at`, then plan one restore
/// (`backsim restore`).
pub fn what_if_restore(
    config: &Config,
    streams: &Streams,
    request_at: SimTime,
    target: RestoreTarget,
    geo: bool,
) -> Result<WhatIf, RestoreRefusal> {
    let mut sim = Sim::new(config, streams, None);
    sim.run_until(request_at.min(config.horizon), true);
    if geo && sim.redundancy != Redundancy::Geo {
        return Err(RestoreRefusal::NotGeoRedundant);
    }
    let plan = sim.plan_restore(request_at, target, geo)?;
    Ok(WhatIf {
        plan,
        region_down: sim.region_down,
    })
}

/// Restore time to each of `points` (local, no slot wait), as seen at `request_at`: the
/// sawtooth over a few days that shows where the fastest points are. Points outside the
/// recovery window get None.
pub fn restore_profile(
    config: &Config,
    streams: &Streams,
    request_at: SimTime,
    points: &[SimTime],
) -> Vec<(SimTime, Option<Breakdown>)> {
    let mut sim = Sim::new(config, streams, None);
    sim.run_until(request_at.min(config.horizon), true);
    points
        .iter()
        .map(|&p| {
            let plan = sim.plan_restore(request_at, RestoreTarget::At(p), false);
            (p, plan.ok().map(|plan| plan.breakdown))
        })
        .collect()
}

/// One replication replayed once, with a restore to `target` planned at each of `requests`
/// (ascending): how the restore time of one target varies with the moment it is asked for.
pub fn plan_over_requests(
    config: &Config,
    streams: &Streams,
    requests: &[SimTime],
    target: RestoreTarget,
    geo: bool,
) -> Vec<(SimTime, Result<RestorePlan, RestoreRefusal>)> {
    let mut sim = Sim::new(config, streams, None);
    requests
        .iter()
        .map(|&request| {
            sim.run_until(request.min(config.horizon), true);
            let plan = if geo && sim.redundancy != Redundancy::Geo {
                Err(RestoreRefusal::NotGeoRedundant)
            } else {
                sim.plan_restore(request, target, geo)
            };
            (request, plan)
        })
        .collect()
}

/// A planned what-if restore and the circumstances it was planned in.
#[derive(Debug, Clone, PartialEq)]
pub struct WhatIf {
    pub plan: RestorePlan,
    /// The primary region was down at the request: a geo-restore comes up locally redundant (R4).
    pub region_down: bool,
}

/// A job holding or waiting for a restore slot in the region.
#[derive(Debug, Clone, PartialEq)]
enum RestoreJob {
    Background { duration: SimTime },
    Own(OwnRestore),
}

/// One of the server's own recoveries, waiting for or holding a slot.
#[derive(Debug, Clone, PartialEq)]
struct OwnRestore {
    kind: RecoveryKind,
    plan: RestorePlan,
    region: Region,
    /// When the trouble began.
    started: SimTime,
    /// When the zone or region comes back on its own (None for an incident).
    back_at: Option<SimTime>,
}

impl RestoreJob {
    fn region(&self) -> Option<Region> {
        match self {
            RestoreJob::Own(own) => Some(own.region),
            RestoreJob::Background { .. } => None,
        }
    }
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
    incident_draws: Stream,
    outage_draws: Stream,
    restore_draws: Stream,
    background_draws: Stream,
    surge_draws: Stream,
    unsafe_draws: Stream,
    geo_draws: Stream,
    region_draws: Stream,
    state: State,
    redundancy: Redundancy,
    /// The primary region is down: no writes, no backups, no local restore.
    region_down: bool,
    /// When writes last stopped, while they are stopped.
    writes_stopped_at: Option<SimTime>,
    /// When the server was down, for counting downtime once however troubles overlap.
    down_intervals: Vec<(f64, f64)>,
    region_outage_started: SimTime,
    /// Backups on their way to the paired region: (ready, point, binlog mark). A point is usable
    /// there only once it and everything before it have arrived, so `ready` never decreases.
    geo_pending: VecDeque<(SimTime, SimTime, f64)>,
    geo_ready_max: SimTime,
    /// The newest point restorable from the paired region, and its binlog mark.
    geo_point: SimTime,
    geo_mark: f64,
    geo_segment_start: SimTime,
    geo_measuring: bool,
    /// Something has reached the paired region: before that a geo-restore has nothing to use.
    geo_seeded: bool,
    /// Pauses in writing since the geo point (start, end), and the start of the current one.
    geo_pauses: VecDeque<(SimTime, SimTime)>,
    geo_paused_at: Option<SimTime>,
    geo_rpo: Sawtooth,
    deleted_at: Option<SimTime>,
    active_bursts: u32,
    active_long_txns: u32,
    /// Binlog GB written since creation.
    binlog_written_gb: f64,
    /// Binlog written since the last successful log backup, GB.
    pending_log_gb: f64,
    binlog_since_snapshot_gb: f64,
    /// The newest instant a restore could bring back: last log backup, snapshot or (re)start.
    last_restorable_point: SimTime,
    last_restorable_mark: f64,
    /// A snapshot has succeeded: before that nothing can be restored, and the data-loss window
    /// is the writing time since creation (log backups alone restore nothing).
    has_snapshot: bool,
    /// The data-loss window is `window_offset` + (t − `window_since`) while writes go on.
    window_since: SimTime,
    window_offset: SimTime,
    next_log_tick: SimTime,
    store: BackupStore,
    /// Set from the first failed attempt until a snapshot succeeds (B3, and B5's scheduler-off time).
    failing_since: Option<SimTime>,
    retry_scheduled: bool,
    extra_scheduled: bool,
    missed_daily: bool,
    last_snapshot: Option<SimTime>,
    on_demand_taken: u32,
    /// Moments when a session wrote rows breaking a foreign key (R7), within the retained window.
    unsafe_moments: VecDeque<SimTime>,
    /// Restore slots of the home region and of the geo-restore target region.
    slots: [RestoreSlots<RestoreJob>; 2],
    /// Restores planned but not yet requested, in request order (all wait the same delay).
    delayed_restores: VecDeque<RestoreJob>,
    observer: Option<&'o mut dyn Observer>,
    /// Binlog GB per second (multiplier 1) in the hour ending at the second value.
    hour_rate: (f64, SimTime),
    next_sample: SimTime,
    next_probe: SimTime,
    /// Widest data-loss window reached since the last hourly sample.
    widest_window_since_sample: SimTime,
    expired: Vec<SimTime>,
    acc: Accumulators,
    billing: Billing,
    ledger: RetentionLedger,
    next_ledger_hour: SimTime,
    recoveries: Vec<RecoveryRecord>,
    rpo: Sawtooth,
    restores: RestoreDistributions,
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
    running_seconds: SimTime,
    /// Logical GB of logs and incremental snapshots (not the first full one).
    daily_usage_written_gb: f64,
    latest_breakdown: Breakdown,
    fastest_breakdown: Breakdown,
    custom_breakdown: Breakdown,
    incidents: u64,
    zone_outages: u64,
    extra_loss_seconds: f64,
    region_outages: u64,
    unrecoverable_seconds: f64,
    region_data_at_risk_seconds: f64,
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
            incident_draws: streams.stream(Purpose::Incidents),
            outage_draws: streams.stream(Purpose::Outages),
            restore_draws: streams.stream(Purpose::Restores),
            background_draws: streams.stream(Purpose::BackgroundRestores),
            surge_draws: streams.stream(Purpose::SurgeRestores),
            unsafe_draws: streams.stream(Purpose::UnsafeSessions),
            geo_draws: streams.stream(Purpose::GeoReplication),
            region_draws: streams.stream(Purpose::RegionOutages),
            state: State::Running,
            redundancy: cfg.backup.redundancy,
            region_down: false,
            writes_stopped_at: None,
            down_intervals: Vec::new(),
            region_outage_started: 0,
            geo_pending: VecDeque::new(),
            geo_ready_max: 0,
            geo_point: 0,
            geo_mark: 0.0,
            geo_segment_start: 0,
            geo_seeded: false,
            geo_pauses: VecDeque::new(),
            geo_paused_at: None,
            geo_measuring: cfg.backup.redundancy == Redundancy::Geo,
            geo_rpo: Sawtooth::new(),
            deleted_at: None,
            active_bursts: 0,
            active_long_txns: 0,
            binlog_written_gb: 0.0,
            pending_log_gb: 0.0,
            binlog_since_snapshot_gb: 0.0,
            last_restorable_point: 0,
            last_restorable_mark: 0.0,
            has_snapshot: false,
            window_since: 0,
            window_offset: 0,
            next_log_tick: cfg.backup.log_backup_interval,
            store: BackupStore::new(),
            failing_since: None,
            retry_scheduled: false,
            extra_scheduled: false,
            missed_daily: false,
            last_snapshot: None,
            on_demand_taken: 0,
            unsafe_moments: VecDeque::new(),
            slots: [
                RestoreSlots::new(cfg.restore.slots_per_region),
                RestoreSlots::new(cfg.restore.slots_per_region),
            ],
            delayed_restores: VecDeque::new(),
            observer,
            hour_rate: (0.0, SimTime::MIN + HOUR),
            next_sample: 0,
            next_probe: HOUR,
            widest_window_since_sample: 0,
            expired: Vec::new(),
            acc: Accumulators::default(),
            billing: Billing::new(&cfg.months, cfg.measured_from),
            ledger: RetentionLedger::new(),
            next_ledger_hour: 0,
            recoveries: Vec::new(),
            rpo: Sawtooth::new(),
            restores: RestoreDistributions::default(),
        };
        // B1: the first snapshot is taken when the server is created, then one a day.
        sim.queue.schedule(0, Event::DailySnapshot);
        for event in [
            Event::BurstStart,
            Event::LongTxnStart,
            Event::UnsafeSession,
            Event::Incident,
            Event::ZoneOutage,
            Event::RegionOutage { duration: None },
            Event::BackgroundRestore {
                surge: false,
                region: Region::Home,
            },
        ] {
            sim.schedule_next_arrival(event);
        }
        for &at in &cfg.backup.on_demand {
            sim.queue.schedule(at, Event::OnDemand);
        }
        for &(at, action) in &cfg.events {
            let event = match action {
                ServerAction::RegionOutage { duration } => Event::RegionOutage {
                    duration: Some(duration),
                },
                other => Event::Action(other),
            };
            sim.queue.schedule(at, event);
        }
        sim
    }

    /// The server takes writes and backups: running, and its region is up.
    fn active(&self) -> bool {
        self.state == State::Running && !self.region_down
    }

    /// Run every log tick up to `limit` and every heap event before it (or at it too, when
    /// `events_at_limit`), then bring time to `limit`.
    fn run_until(&mut self, limit: SimTime, events_at_limit: bool) {
        let interval = self.cfg.backup.log_backup_interval;
        loop {
            // Log-backup ticks up to and including the next heap event's time come first; a tick
            // may itself schedule an event (an extra snapshot) at its own time. A tick due
            // exactly at the limit still runs (30 days hold 8,640 log backups).
            let next_event = self.queue.peek_time().unwrap_or(SimTime::MAX);
            if self.next_log_tick <= next_event.min(limit) {
                let tick = self.next_log_tick;
                self.advance_to(tick);
                self.log_tick();
                self.next_log_tick += interval;
                continue;
            }
            if next_event > limit || (next_event == limit && !events_at_limit) {
                break;
            }
            let (time, event) = self.queue.pop().expect("peeked an event");
            self.advance_to(time);
            self.handle(event);
            self.acc.events += 1;
        }
        self.advance_to(limit);
    }

    // ---- time and the fluid load -------------------------------------------------------------

    fn burst_factor(&self) -> f64 {
        if self.active_bursts > 0 {
            self.cfg.workload.burst_multiplier
        } else {
            1.0
        }
    }

    /// Binlog GB (at burst multiplier 1) written from now to `t`. Most calls stay inside the
    /// current hour, where the rate is constant: those use the cached rate.
    fn binlog_volume(&mut self, t: SimTime) -> f64 {
        let (rate, until) = self.hour_rate;
        if self.now >= until - HOUR && t <= until {
            return (t - self.now) as f64 * rate;
        }
        let volume = self.profile.volume(self.now, t);
        let hour_end = self.profile.hour_end(t);
        self.hour_rate = (self.profile.gb_per_hour_at(t) / HOUR as f64, hour_end);
        volume
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
            _ => self.store.used_gb() * self.redundancy.storage_factor(),
        }
    }

    fn advance_to(&mut self, t: SimTime) {
        if t <= self.now {
            return;
        }
        self.geo_arrivals_until(t);
        // The state is constant over [now, t): hourly samples and restore probes read it as is.
        while self.next_probe < t {
            self.probe_restores(self.next_probe);
            self.next_probe += HOUR;
        }
        while self.next_ledger_hour < t {
            let state = match self.state {
                State::Running => LedgerState::Running {
                    allowance_gb: self.free_allowance_gb(),
                },
                State::Stopped => LedgerState::Stopped,
                State::Deleted => LedgerState::Deleted,
            };
            let factor = self.redundancy.storage_factor();
            self.ledger.hour(self.next_ledger_hour, state, factor);
            self.next_ledger_hour += HOUR;
        }
        if self.observer.is_some() {
            // A sample shows the instant as it is just before anything due at it happens (the
            // backup due on the hour has not run yet), so the data-loss window is visible.
            while self.next_sample <= t && self.next_sample < self.cfg.horizon {
                let sample = self.sample_at(self.next_sample);
                if let Some(obs) = self.observer.as_mut() {
                    obs.sample(sample);
                }
                self.widest_window_since_sample = 0;
                self.next_sample += HOUR;
            }
        }
        let dt = t - self.now;
        if self.active() {
            let gb = self.binlog_volume(t) * self.burst_factor();
            self.binlog_written_gb += gb;
            self.pending_log_gb += gb;
            self.binlog_since_snapshot_gb += gb;
            self.acc.running_seconds += dt;
        }
        let used = self.storage_gb();
        let allowance = self.free_allowance_gb();
        self.billing.accrue(self.now, t, used, allowance);
        self.now = t;
    }

    /// The data-loss window at `t` while writes go on.
    fn window_at(&self, t: SimTime) -> SimTime {
        self.window_offset + (t - self.window_since)
    }

    fn sample_at(&self, time: SimTime) -> Sample {
        let running = self.active();
        let used = self.storage_gb();
        let allowance = self.free_allowance_gb();
        Sample {
            time,
            state: self.state.label(self.region_down),
            region_up: !self.region_down,
            storage_gb: used,
            free_allowance_gb: allowance,
            billable_gb: (used - allowance).max(0.0),
            binlog_gb_per_hour: if running {
                self.profile.gb_per_hour_at(time) * self.burst_factor()
            } else {
                0.0
            },
            rpo_seconds: if running {
                self.window_at(time) as f64
            } else {
                0.0
            },
            rpo_max_seconds: if running {
                self.widest_window_since_sample.max(self.window_at(time)) as f64
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

    /// A new restorable point at `t` (or writes stop there): the data-loss window that grew
    /// since the previous one is one tooth of the RPO sawtooth. Until a snapshot exists nothing
    /// is restorable, so the window does not drop: it carries on from where it was.
    fn close_tooth(&mut self, t: SimTime) {
        let width = self.window_at(t);
        self.widest_window_since_sample = self.widest_window_since_sample.max(width);
        self.rpo.add_segment(self.window_offset, width);
        self.window_offset = if self.has_snapshot { 0 } else { width };
        self.window_since = t;
        self.last_restorable_point = t;
        self.last_restorable_mark = self.binlog_written_gb;
    }

    fn prune(&mut self) {
        // B7: a stopped server keeps every backup it had until it is started again; a deleted
        // one keeps them for its restore window.
        if self.state == State::Running {
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
        let used = self.storage_gb();
        self.billing.note_level(used);
    }

    // ---- log backups (B2) --------------------------------------------------------------------

    fn log_tick(&mut self) {
        self.acc.events += 1;
        if self.active() {
            // Drawn on every tick whenever log backups can fail, so that sweep points with
            // different (non-zero) chances stay aligned; the stream serves nothing else, so
            // skipping it when they cannot fail costs no alignment.
            let p = self.cfg.backup.log_backup_failure_prob;
            if p > 0.0 && self.log_draws.uniform() < p {
                self.acc.log_backup_failures += 1;
                let pending = self.pending_log_gb;
                self.record("log-backup-failed", || {
                    format!("{pending:.3} GB waits for the next log backup")
                });
            } else {
                self.upload_log();
            }
            // B4: a fast-growing binlog earns an extra snapshot.
            if self.extra_snapshot_due() && !self.extra_scheduled {
                self.extra_scheduled = true;
                self.queue.schedule(self.now, Event::ExtraSnapshot);
            }
        }
        self.prune();
    }

    fn extra_snapshot_due(&self) -> bool {
        self.binlog_since_snapshot_gb >= self.cfg.backup.extra_snapshot_binlog_gb
            && self.failing_since.is_none()
    }

    fn upload_log(&mut self) {
        let gb = self.pending_log_gb;
        self.ledger.record(self.now, gb, None);
        self.store.add_log(LogBackup {
            time: self.now,
            gb,
            binlog_mark: self.binlog_written_gb,
        });
        self.acc.daily_usage_written_gb += gb;
        self.pending_log_gb = 0.0;
        self.acc.log_backups += 1;
        self.close_tooth(self.now);
        self.replicate(self.now);
    }

    // ---- geo replication (D3) ----------------------------------------------------------------

    /// A new backup starts its trip to the paired region.
    fn replicate(&mut self, point: SimTime) {
        if self.redundancy == Redundancy::Geo {
            self.send_to_pair(point, point, self.binlog_written_gb);
        }
    }

    /// Backups up to `point` leave for the paired region at `sent` and arrive after a random
    /// lag, never before anything sent earlier.
    fn send_to_pair(&mut self, sent: SimTime, point: SimTime, mark: f64) {
        let lag = self
            .geo_draws
            .exponential(self.cfg.backup.geo_lag_mean)
            .round()
            .min(GEO_LAG_CAP as f64) as SimTime;
        self.geo_ready_max = self.geo_ready_max.max(sent + lag);
        self.geo_pending
            .push_back((self.geo_ready_max, point, mark));
    }

    /// Backups that reach the paired region by `t` move the geo restorable point forward; each
    /// stretch between moves is one segment of the geo data-loss window.
    fn geo_arrivals_until(&mut self, t: SimTime) {
        // Copies in flight come from the primary region: while it is down they stand still,
        // and finish once it is back.
        if self.region_down {
            return;
        }
        while let Some(&(ready, point, mark)) = self.geo_pending.front() {
            if ready > t {
                break;
            }
            self.geo_pending.pop_front();
            self.geo_seeded = true;
            let ready = ready.max(self.geo_segment_start);
            if self.geo_measuring {
                let (from, to) = (
                    self.geo_window(self.geo_segment_start),
                    self.geo_window(ready),
                );
                self.geo_rpo.add_segment(from, to);
                self.geo_segment_start = ready;
            }
            self.geo_point = point;
            self.geo_mark = mark;
            while self
                .geo_pauses
                .front()
                .is_some_and(|&(_, end)| end <= point)
            {
                self.geo_pauses.pop_front();
            }
        }
    }

    /// The geo data-loss window at `t`: seconds of writing since the newest point the paired
    /// region holds, not counting pauses (stops, regional outages), when nothing was written.
    fn geo_window(&self, t: SimTime) -> SimTime {
        let paused: SimTime = self
            .geo_pauses
            .iter()
            .map(|&(start, end)| (end.min(t) - start.max(self.geo_point)).max(0))
            .sum();
        t - self.geo_point - paused
    }

    /// Writes stop (stop, delete, regional outage): the geo window stops being measured.
    fn geo_pause(&mut self) {
        if self.geo_measuring {
            let (from, to) = (
                self.geo_window(self.geo_segment_start),
                self.geo_window(self.now),
            );
            self.geo_rpo.add_segment(from, to);
            self.geo_measuring = false;
            self.geo_paused_at = Some(self.now);
        }
    }

    /// Writes resume. Nothing was written while paused, so once what was sent before has
    /// arrived the paired region holds everything up to now.
    fn geo_resume(&mut self) {
        if self.redundancy != Redundancy::Geo {
            return;
        }
        if let Some(start) = self.geo_paused_at.take() {
            self.geo_pauses.push_back((start, self.now));
        }
        self.geo_measuring = true;
        self.geo_segment_start = self.now;
        if self.geo_pending.is_empty() {
            self.geo_point = self.now;
            self.geo_mark = self.binlog_written_gb;
            self.geo_pauses.clear();
        } else {
            self.geo_pending
                .push_back((self.geo_ready_max, self.now, self.binlog_written_gb));
        }
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
        self.ledger.record(now, incremental_gb, Some(full_gb));
        self.has_snapshot = true;
        self.store.add_snapshot(Snapshot {
            time: now,
            full_gb,
            incremental_gb,
            kind,
            binlog_mark: self.binlog_written_gb,
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
        self.replicate(now);
        // Pruning runs where backups change (here and at every log tick), never at unrelated
        // events, so that adding incidents to a scenario cannot move its storage figures.
        self.prune();
        self.record("snapshot", || {
            format!(
                "{}: full {full_gb:.1} GB, incremental {incremental_gb:.2} GB",
                kind.as_str()
            )
        });
    }

    // ---- restores (R1–R3, R5, R7) ------------------------------------------------------------

    /// Binlog mark at `t` (≤ the last restorable point), interpolated inside the log backup that
    /// covers it: the binlog rate is taken as even within one log interval.
    fn binlog_mark_at(&self, t: SimTime, base: &Snapshot) -> f64 {
        if t >= self.last_restorable_point {
            return self.last_restorable_mark;
        }
        let (before, after) = self.store.logs_around(t);
        let (t0, m0) = match before {
            Some(l) if l.time > base.time => (l.time, l.binlog_mark),
            _ => (base.time, base.binlog_mark),
        };
        let (t1, m1) = match after {
            Some(l) => (l.time, l.binlog_mark),
            None => (self.last_restorable_point, self.last_restorable_mark),
        };
        if t1 <= t0 {
            return m0;
        }
        m0 + (m1 - m0) * (t - t0) as f64 / (t1 - t0) as f64
    }

    /// The last moment before `request` that writes happened: the request itself while the
    /// server takes writes, else when they stopped (stop, deletion, regional outage).
    fn writes_until(&self, request: SimTime) -> SimTime {
        self.writes_stopped_at.map_or(request, |t| t.min(request))
    }

    /// The recovery window at `request`: [creation or request − retention, last backed-up point].
    fn restore_window(&self, request: SimTime) -> (SimTime, SimTime) {
        // Anchored where writes stopped: a stopped (B7) or deleted (R5) server can still be
        // restored to any point of the window it had then.
        let earliest = (self.writes_until(request) - self.cfg.backup.window()).max(0);
        (earliest, self.last_restorable_point.min(request))
    }

    /// Plan a restore at `request`. A geo-restore reads only what had reached the paired region
    /// and adds the cross-region copy; a local one is impossible while the region is down.
    fn plan_restore(
        &self,
        request: SimTime,
        target: RestoreTarget,
        geo: bool,
    ) -> Result<RestorePlan, RestoreRefusal> {
        if let Some(deleted_at) = self.deleted_at {
            if request >= deleted_at + DELETED_SERVER_RESTORE_WINDOW {
                return Err(RestoreRefusal::Purged { deleted_at });
            }
        }
        if self.region_down && !geo {
            return Err(RestoreRefusal::RegionDown);
        }
        let (earliest, local_latest) = self.restore_window(request);
        if geo && !self.geo_seeded {
            return Err(RestoreRefusal::NoBackups);
        }
        let latest = if geo {
            self.geo_point.min(local_latest)
        } else {
            local_latest
        };
        let wanted = match target {
            RestoreTarget::Latest => request,
            RestoreTarget::Fastest => {
                let snap = self
                    .store
                    .base_snapshot_for(latest)
                    .ok_or(RestoreRefusal::NoBackups)?;
                let breakdown = estimate(
                    &self.cfg.restore,
                    &self.cfg.server,
                    RestoreWork {
                        snapshot_gb: snap.full_gb,
                        replay_gb: 0.0,
                        cross_region: geo,
                    },
                );
                return Ok(RestorePlan {
                    requested_at: request,
                    target: snap.time,
                    effective_target: snap.time,
                    base_snapshot_at: snap.time,
                    base_snapshot_gb: snap.full_gb,
                    replay_gb: 0.0,
                    breakdown,
                    data_loss_seconds: (self.writes_until(request) - snap.time).max(0) as f64,
                    failed_attempts: 0,
                    extra_loss_seconds: 0.0,
                });
            }
            RestoreTarget::At(t) => {
                if t < earliest || t > request {
                    return Err(RestoreRefusal::OutOfWindow { earliest, latest });
                }
                t
            }
        };
        let mut point = wanted.min(latest);
        let mut wasted = Breakdown::default();
        let mut failed_attempts = 0;
        loop {
            let base = *self
                .store
                .base_snapshot_for(point)
                .ok_or(RestoreRefusal::NoBackups)?;
            let work = |to: SimTime| RestoreWork {
                snapshot_gb: base.full_gb,
                replay_gb: (self.binlog_mark_at(to, &base) - base.binlog_mark).max(0.0),
                cross_region: geo,
            };
            // R7: replaying past a session that broke a foreign key with the checks off fails;
            // the only way out is a point before it.
            let first_unsafe = self
                .unsafe_moments
                .iter()
                .find(|&&u| u > base.time && u <= point);
            if let Some(&u) = first_unsafe {
                failed_attempts += 1;
                wasted.add(&estimate(&self.cfg.restore, &self.cfg.server, work(u)));
                point = u - 1;
                continue;
            }
            let final_work = work(point);
            let mut breakdown = estimate(&self.cfg.restore, &self.cfg.server, final_work);
            breakdown.add(&wasted);
            return Ok(RestorePlan {
                requested_at: request,
                target: wanted,
                effective_target: point,
                base_snapshot_at: base.time,
                base_snapshot_gb: base.full_gb,
                replay_gb: final_work.replay_gb,
                breakdown,
                data_loss_seconds: (self.writes_until(request) - point).max(0) as f64,
                failed_attempts,
                extra_loss_seconds: (wanted.min(latest) - point) as f64,
            });
        }
    }

    /// Hourly what-if restores while the server runs: to the latest point, the fastest point and
    /// a random point of the recovery window.
    fn probe_restores(&mut self, at: SimTime) {
        // Drawn every hour, running or not, to keep the stream aligned across sweep points.
        let u = self.restore_draws.uniform();
        if !self.active() {
            return;
        }
        let (earliest, _) = self.restore_window(at);
        let custom = earliest + ((at - earliest) as f64 * u) as SimTime;
        for (i, target) in [
            RestoreTarget::Latest,
            RestoreTarget::Fastest,
            RestoreTarget::At(custom),
        ]
        .into_iter()
        .enumerate()
        {
            if let Ok(plan) = self.plan_restore(at, target, false) {
                let total = plan.breakdown.total();
                let (hist, sum) = match i {
                    0 => (&mut self.restores.latest, &mut self.acc.latest_breakdown),
                    1 => (&mut self.restores.fastest, &mut self.acc.fastest_breakdown),
                    _ => (&mut self.restores.custom, &mut self.acc.custom_breakdown),
                };
                hist.add(total);
                sum.add(&plan.breakdown);
            }
        }
    }

    /// Send a restore to a region's slots; it starts now or waits its turn.
    fn submit_restore(&mut self, region: Region, job: RestoreJob) {
        if let Some(job) = self.slots[region as usize].arrive(self.now, job) {
            self.start_restore(region, self.now, job);
        }
    }

    fn start_restore(&mut self, region: Region, arrived: SimTime, job: RestoreJob) {
        let duration = match job {
            RestoreJob::Background { duration } => duration,
            RestoreJob::Own(own) => self.start_own_restore(own, self.now - arrived),
        };
        self.queue
            .schedule(self.now + duration.max(1), Event::RestoreDone { region });
    }

    /// One of the server's recoveries gets its slot after waiting `waited` seconds: it runs
    /// until done, or until the zone or region comes back on its own, when the original server
    /// (with all its data) serves again first and the restore is called off. Returns how long
    /// it holds the slot.
    fn start_own_restore(&mut self, own: OwnRestore, waited: SimTime) -> SimTime {
        let plan = &own.plan;
        let total = plan.breakdown.total();
        let done_at = self.now as f64 + total;
        let came_back_first = own.back_at.filter(|&back| (back as f64) < done_at);
        let (outcome, downtime, lost, held) = match came_back_first {
            Some(back) => (
                RecoveryOutcome::CameBackFirst,
                (back - own.started) as f64,
                0.0,
                (back - self.now).max(0),
            ),
            None => (
                RecoveryOutcome::Restored,
                done_at - own.started as f64,
                plan.data_loss_seconds,
                total.ceil() as SimTime,
            ),
        };
        if own.kind != RecoveryKind::Incident {
            self.add_downtime(own.started, own.started as f64 + downtime);
        }
        self.recoveries.push(RecoveryRecord {
            kind: own.kind,
            started: own.started,
            restore_point: (outcome == RecoveryOutcome::Restored).then_some(plan.effective_target),
            data_lost_s: lost,
            wait_s: waited as f64,
            restore_s: total.min((held.max(0)) as f64),
            downtime_s: downtime,
            outcome,
            // Called off before it got that far, a restore fails no attempt.
            failed_attempts: if outcome == RecoveryOutcome::Restored {
                plan.failed_attempts
            } else {
                0
            },
        });
        if outcome == RecoveryOutcome::Restored {
            self.acc.extra_loss_seconds += plan.extra_loss_seconds;
        }
        let kind = own.kind.as_str();
        let (replay, failed, extra) = (
            plan.replay_gb,
            plan.failed_attempts,
            plan.extra_loss_seconds,
        );
        self.record("restore-started", || {
            let mut text = format!(
                "{kind}: waited {waited} s for a slot, runs {total:.0} s (replay {replay:.2} GB)"
            );
            match outcome {
                RecoveryOutcome::CameBackFirst => text.push_str(&format!(
                    "; the {} comes back first, after {downtime:.0} s down: called off, nothing lost",
                    if kind == "zone-outage" { "zone" } else { "region" }
                )),
                _ => text.push_str(&format!(", loses {lost:.0} s of writes")),
            }
            if kind == "region-outage" && outcome == RecoveryOutcome::Restored {
                text.push_str("; comes up locally redundant while the primary region is down (R4)");
            }
            if failed > 0 {
                text.push_str(&format!(
                    "; {failed} attempt(s) failed on an unsafe session, landing {extra:.0} s earlier"
                ));
            }
            text
        });
        held
    }

    /// A trouble that no restore answers: a failover, or nothing to restore from.
    fn record_recovery_without_restore(
        &mut self,
        kind: RecoveryKind,
        outcome: RecoveryOutcome,
        downtime: f64,
    ) {
        self.recoveries.push(RecoveryRecord {
            kind,
            started: self.now,
            restore_point: None,
            data_lost_s: 0.0,
            wait_s: 0.0,
            restore_s: 0.0,
            downtime_s: downtime,
            outcome,
            failed_attempts: 0,
        });
    }

    /// An incident noticed now: restore to just before the damage at `damage_at`.
    fn recover_incident(&mut self, damage_at: SimTime, target: RestoreTarget) {
        match self.plan_restore(self.now, target, false) {
            Ok(plan) => self.submit_restore(
                Region::Home,
                RestoreJob::Own(OwnRestore {
                    kind: RecoveryKind::Incident,
                    plan,
                    region: Region::Home,
                    started: damage_at,
                    back_at: None,
                }),
            ),
            Err(refusal) => {
                self.record_recovery_without_restore(
                    RecoveryKind::Incident,
                    RecoveryOutcome::Unrecoverable,
                    0.0,
                );
                self.record("restore-impossible", || format!("incident: {refusal:?}"))
            }
        }
    }

    /// The server is down over [from, until): counted once however many troubles overlap, and
    /// never past the horizon.
    fn add_downtime(&mut self, from: SimTime, until: f64) {
        let until = until.min(self.cfg.horizon as f64);
        if until > from as f64 {
            self.down_intervals.push((from as f64, until));
        }
    }

    /// Seconds covered by the union of the down intervals.
    fn downtime_seconds(&self) -> f64 {
        let mut spans = self.down_intervals.clone();
        spans.sort_by(|a, b| a.0.total_cmp(&b.0));
        let (mut total, mut reach) = (0.0, f64::NEG_INFINITY);
        for (from, until) in spans {
            let start = from.max(reach);
            if until > start {
                total += until - start;
            }
            reach = reach.max(until);
        }
        total
    }

    /// Plan a restore now and request it once the trouble has been noticed; the trouble itself
    /// ends at `back_at`.
    fn recover_later(
        &mut self,
        kind: RecoveryKind,
        plan: RestorePlan,
        region: Region,
        back_at: SimTime,
    ) {
        self.delayed_restores.push_back(RestoreJob::Own(OwnRestore {
            kind,
            plan,
            region,
            started: self.now,
            back_at: Some(back_at),
        }));
        self.queue.schedule(
            self.now + self.cfg.restore.detection_delay,
            Event::SubmitDelayedRestore,
        );
    }

    // ---- the event handlers ------------------------------------------------------------------

    fn handle(&mut self, event: Event) {
        match event {
            Event::DailySnapshot => {
                // Unsafe moments older than every retained snapshot can no longer matter.
                let oldest = self.store.snapshots().next().map_or(self.now, |s| s.time);
                while self.unsafe_moments.front().is_some_and(|&u| u < oldest) {
                    self.unsafe_moments.pop_front();
                }
                if self.state != State::Deleted {
                    self.queue.schedule(self.now + DAY, Event::DailySnapshot);
                }
                match self.state {
                    State::Running if self.region_down => self.missed_daily = true,
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
                    if self.active() {
                        self.acc.retries += 1;
                        self.attempt_snapshot(SnapshotKind::Retry);
                    } else {
                        self.missed_daily = true;
                    }
                }
            }
            Event::ExtraSnapshot => {
                self.extra_scheduled = false;
                // Checked again: another snapshot at the same moment may have made it moot.
                if self.active() && self.extra_snapshot_due() {
                    self.attempt_snapshot(SnapshotKind::Extra);
                }
            }
            Event::CatchUpSnapshot => {
                if self.active() && !self.retry_scheduled {
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
            Event::UnsafeSession => {
                self.schedule_next_arrival(Event::UnsafeSession);
                if self.active() {
                    self.unsafe_moments.push_back(self.now);
                    self.record("unsafe-session", || {
                        "rows written with foreign_key_checks off: replay past here fails".into()
                    });
                }
            }
            Event::Incident => {
                self.schedule_next_arrival(Event::Incident);
                if self.active() {
                    self.acc.incidents += 1;
                    let damage_at = self.now;
                    self.queue.schedule(
                        self.now + self.cfg.restore.detection_delay,
                        Event::IncidentRestore { damage_at },
                    );
                    self.record("incident", || {
                        "bad write or dropped table: restore to just before it".into()
                    });
                }
            }
            Event::IncidentRestore { damage_at } => {
                if self.state != State::Deleted {
                    let (earliest, _) = self.restore_window(self.now);
                    let target = RestoreTarget::At((damage_at - 1).max(earliest));
                    self.recover_incident(damage_at, target);
                }
            }
            Event::ZoneOutage => {
                self.schedule_next_arrival(Event::ZoneOutage);
                if self.active() {
                    self.zone_outage();
                }
            }
            Event::BackgroundRestore { surge, region } => {
                if !surge {
                    self.schedule_next_arrival(event);
                }
                let mean = self.cfg.restore.background_restore_duration as f64;
                let duration = self.background_draws.exponential(mean).round() as SimTime;
                self.submit_restore(region, RestoreJob::Background { duration });
            }
            Event::SubmitDelayedRestore => {
                if let Some(job) = self.delayed_restores.pop_front() {
                    let region = job.region().unwrap_or(Region::Home);
                    self.submit_restore(region, job);
                }
            }
            Event::RestoreDone { region } => {
                if let Some((arrived, job)) = self.slots[region as usize].finish() {
                    self.start_restore(region, arrived, job);
                }
            }
            Event::RegionOutage { duration } => {
                let duration = match duration {
                    Some(d) => d,
                    None => {
                        self.schedule_next_arrival(event);
                        let o = &self.cfg.outages;
                        let hours = self
                            .region_draws
                            .lognormal(o.region_outage_hours, o.region_outage_cv);
                        (hours * HOUR as f64).round().max(1.0) as SimTime
                    }
                };
                if self.active() {
                    self.region_outage(duration);
                }
            }
            Event::RegionRecovered => {
                self.region_down = false;
                // Copies in flight stood still while the region was down: they arrive as much
                // later as the outage lasted, so the geo window never runs backwards.
                let outage = self.now - self.region_outage_started;
                for entry in &mut self.geo_pending {
                    entry.0 += outage;
                }
                if !self.geo_pending.is_empty() {
                    self.geo_ready_max += outage;
                }
                if self.state == State::Running {
                    self.resume_writes();
                }
                self.record("region-recovered", String::new);
            }
        }
    }

    /// O2: zone-redundant HA fails over; without it the server comes back by a restore to the
    /// latest point, in a region crowded by everyone else's restores.
    fn zone_outage(&mut self) {
        self.acc.zone_outages += 1;
        let hours = self.cfg.outages.zone_outage_hours;
        if self.cfg.server.ha == HighAvailability::ZoneRedundant {
            let s = self.cfg.restore.failover;
            self.add_downtime(self.now, (self.now + s) as f64);
            self.record_recovery_without_restore(
                RecoveryKind::ZoneOutage,
                RecoveryOutcome::FailedOver,
                s as f64,
            );
            self.record("zone-outage", || {
                format!("zone-redundant HA failed over in {s} s, no data lost")
            });
            return;
        }
        self.record("zone-outage", || {
            format!("{hours} h outage, no zone-redundant HA: restore to the latest point")
        });
        self.surge_background_restores(hours * HOUR as f64, Region::Home);
        // The data the restore can bring back is fixed now (the last backup before the outage);
        // the request reaches the region once the outage has been noticed, amid everyone else's.
        let back_at = self.now + (hours * HOUR as f64).round() as SimTime;
        match self.plan_restore(self.now, RestoreTarget::Latest, false) {
            Ok(plan) => self.recover_later(RecoveryKind::ZoneOutage, plan, Region::Home, back_at),
            Err(refusal) => {
                let down = (back_at - self.now) as f64;
                self.add_downtime(self.now, back_at as f64);
                self.record_recovery_without_restore(
                    RecoveryKind::ZoneOutage,
                    RecoveryOutcome::Unrecoverable,
                    down,
                );
                self.record("restore-impossible", || format!("zone-outage: {refusal:?}"))
            }
        }
    }

    /// O1: the primary region is down. With geo-redundant backups the server is geo-restored
    /// into the paired region from what had replicated (R4), amid everyone else's restores;
    /// without them there is no way back until the region returns.
    fn region_outage(&mut self, duration: SimTime) {
        self.acc.region_outages += 1;
        let at_risk = self.now - self.last_restorable_point;
        self.acc.region_data_at_risk_seconds += at_risk as f64;
        // Writes stop: close the open windows as at a stop.
        self.close_tooth(self.now);
        self.geo_pause();
        self.writes_stopped_at = Some(self.now);
        self.region_down = true;
        self.region_outage_started = self.now;
        self.queue
            .schedule(self.now + duration, Event::RegionRecovered);
        let hours = duration as f64 / HOUR as f64;
        if self.redundancy == Redundancy::Geo {
            match self.plan_restore(self.now, RestoreTarget::Latest, true) {
                Ok(plan) => {
                    let loss = plan.data_loss_seconds;
                    self.record("region-outage", || {
                        format!("{hours:.1} h: geo-restore from the paired region, {loss:.0} s of writes had not replicated")
                    });
                    self.surge_background_restores(duration as f64, Region::GeoTarget);
                    let back_at = self.now + duration;
                    self.recover_later(
                        RecoveryKind::RegionOutage,
                        plan,
                        Region::GeoTarget,
                        back_at,
                    );
                }
                Err(refusal) => {
                    self.no_way_back(duration);
                    self.record("restore-impossible", || {
                        format!("region-outage: {refusal:?}")
                    });
                }
            }
        } else {
            self.no_way_back(duration);
            self.record("region-outage", || {
                format!("{hours:.1} h with no recovery path: backups are not geo-redundant; {at_risk} s of writes at risk")
            });
        }
    }

    /// A regional outage with nothing to geo-restore from: the server waits for its region.
    fn no_way_back(&mut self, duration: SimTime) {
        self.acc.unrecoverable_seconds += duration as f64;
        self.add_downtime(self.now, (self.now + duration) as f64);
        self.record_recovery_without_restore(
            RecoveryKind::RegionOutage,
            RecoveryOutcome::Unrecoverable,
            duration as f64,
        );
    }

    /// Writes resume after a stop or a regional outage: nothing was written meanwhile, so the
    /// data-loss windows restart at zero, and a missed daily snapshot is caught up.
    fn resume_writes(&mut self) {
        self.writes_stopped_at = None;
        self.last_restorable_point = self.now;
        self.last_restorable_mark = self.binlog_written_gb;
        self.window_since = self.now;
        self.geo_resume();
        if (self.missed_daily || self.failing_since.is_some()) && !self.retry_scheduled {
            self.missed_daily = false;
            self.queue.schedule(self.now, Event::CatchUpSnapshot);
        }
    }

    /// Other tenants' extra restores during an outage of `seconds`, scheduled up front.
    fn surge_background_restores(&mut self, seconds: f64, region: Region) {
        let r = &self.cfg.restore;
        let rate_per_second =
            r.background_restores_per_hour * (r.outage_restore_surge - 1.0) / HOUR as f64;
        if rate_per_second <= 0.0 {
            return;
        }
        let mut t = 0.0;
        loop {
            t += self.surge_draws.exponential(1.0 / rate_per_second);
            if t >= seconds {
                break;
            }
            self.queue.schedule(
                self.now + t.round() as SimTime,
                Event::BackgroundRestore {
                    surge: true,
                    region,
                },
            );
        }
    }

    fn schedule_next_arrival(&mut self, event: Event) {
        let w = &self.cfg.workload;
        let o = &self.cfg.outages;
        let r = &self.cfg.restore;
        let (mean_gap, stream) = match event {
            Event::BurstStart => (DAY as f64 / w.bursts_per_day, &mut self.burst_draws),
            Event::LongTxnStart => (DAY as f64 / w.long_txn_per_day, &mut self.long_txn_draws),
            Event::UnsafeSession => (
                DAY as f64 / r.unsafe_sessions_per_day,
                &mut self.unsafe_draws,
            ),
            Event::Incident => (YEAR / o.incidents_per_year, &mut self.incident_draws),
            Event::ZoneOutage => (YEAR / o.zone_outages_per_year, &mut self.outage_draws),
            Event::RegionOutage { .. } => {
                (YEAR / o.region_outages_per_year, &mut self.region_draws)
            }
            Event::BackgroundRestore { .. } => (
                HOUR as f64 / r.background_restores_per_hour,
                &mut self.background_draws,
            ),
            _ => unreachable!("only Poisson arrivals are scheduled here"),
        };
        if mean_gap.is_finite() {
            let gap = stream.exponential(mean_gap).round() as SimTime;
            let at = self.now.saturating_add(gap.max(1));
            if at < self.cfg.horizon {
                self.queue.schedule(at, event);
            }
        }
    }

    fn on_demand(&mut self) {
        let refusal = match self.state {
            State::Running if self.region_down => Some("the region is down".to_string()),
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
                // A clean stop flushes the binlog: nothing written before it is at risk. (With
                // the region down there is nothing new to flush, and nowhere to flush it.)
                if self.active() {
                    self.upload_log();
                }
                self.geo_pause();
                if self.writes_stopped_at.is_none() {
                    self.writes_stopped_at = Some(self.now);
                }
                self.state = State::Stopped;
                self.record("server-stopped", || {
                    "no backups and no free allowance until started".into()
                });
            }
            (State::Stopped, ServerAction::Start) => {
                self.state = State::Running;
                if !self.region_down {
                    self.resume_writes();
                }
                self.record("server-started", String::new);
            }
            (State::Running | State::Stopped, ServerAction::EnableGeo) => {
                // D2: local → geo. What is already retained starts replicating now.
                self.redundancy = Redundancy::Geo;
                // Nothing is in the paired region yet: the retained backups are copied over
                // like any new backup, and until they arrive a geo-restore has nothing to use.
                self.geo_seeded = false;
                self.geo_point = self.last_restorable_point;
                self.geo_mark = self.last_restorable_mark;
                self.send_to_pair(
                    self.now,
                    self.last_restorable_point,
                    self.last_restorable_mark,
                );
                if self.active() {
                    self.geo_measuring = true;
                    self.geo_segment_start = self.now;
                }
                self.record("geo-enabled", || {
                    "backup storage is now geo-redundant (counted twice)".into()
                });
            }
            (State::Running | State::Stopped, ServerAction::Delete) => {
                if self.active() {
                    self.close_tooth(self.now);
                }
                self.geo_pause();
                if self.writes_stopped_at.is_none() {
                    self.writes_stopped_at = Some(self.now);
                }
                self.state = State::Deleted;
                self.deleted_at = Some(self.now);
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
        self.prune();
    }

    fn finish(mut self) -> RunOutcome {
        if self.active() {
            // The tooth still open at the horizon counts for the time it lasted.
            self.close_tooth(self.cfg.horizon);
        }
        self.geo_pause();
        let acc = &self.acc;
        let mut max_gap = acc.max_snapshot_gap;
        if self.state == State::Running {
            max_gap = max_gap.max(self.cfg.horizon - self.last_snapshot.unwrap_or(0));
        }
        let (mean_storage_gb, mean_free_allowance_gb, billable_gb_month) =
            self.billing.measured().means();
        let price = self.cfg.cost.price_per_gb_month;
        let factor = self.redundancy.storage_factor();
        let running_days = acc.running_seconds as f64 / DAY as f64;
        let daily_backup_gb = if running_days > 0.0 {
            acc.daily_usage_written_gb * factor / running_days
        } else {
            0.0
        };
        let free_retention_days = (daily_backup_gb > 0.0)
            .then(|| self.cfg.server.provisioned_storage_gb / daily_backup_gb);
        let mean_breakdown = |b: &Breakdown, h: &LogHistogram| {
            b.scaled(if h.count() > 0 {
                1.0 / h.count() as f64
            } else {
                0.0
            })
        };
        let records = &self.recoveries;
        let mean_of = |pick: &dyn Fn(&RecoveryRecord) -> Option<f64>| {
            let values: Vec<f64> = records.iter().filter_map(pick).collect();
            if values.is_empty() {
                0.0
            } else {
                values.iter().sum::<f64>() / values.len() as f64
            }
        };
        let local_restored = |r: &RecoveryRecord| {
            r.kind != RecoveryKind::RegionOutage && r.outcome == RecoveryOutcome::Restored
        };
        let geo_restored = |r: &RecoveryRecord| {
            r.kind == RecoveryKind::RegionOutage && r.outcome == RecoveryOutcome::Restored
        };
        let count = |pick: &dyn Fn(&RecoveryRecord) -> bool| {
            records.iter().filter(|r| pick(r)).count() as u64
        };
        let recoveries = count(&local_restored);
        let (free, measured) = self.ledger.max_free_retention().unzip();
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
            mean_storage_gb,
            peak_storage_gb: self.billing.peak_gb(),
            mean_free_allowance_gb,
            billable_gb_month,
            cost_per_month: billable_gb_month * price,
            monthly: self.billing.months(price),
            retention: self.ledger.rows(price),
            max_free_retention_days: free,
            retention_measured_up_to_days: measured.unwrap_or(0),
            daily_backup_gb,
            free_retention_days,
            rpo_seconds: self.rpo.quantiles(),
            restore_latest_seconds: self.restores.latest.quantiles_if_any(),
            restore_fastest_seconds: self.restores.fastest.quantiles_if_any(),
            restore_custom_seconds: self.restores.custom.quantiles_if_any(),
            restore_latest_breakdown: mean_breakdown(&acc.latest_breakdown, &self.restores.latest),
            restore_fastest_breakdown: mean_breakdown(
                &acc.fastest_breakdown,
                &self.restores.fastest,
            ),
            restore_custom_breakdown: mean_breakdown(&acc.custom_breakdown, &self.restores.custom),
            incidents: acc.incidents,
            zone_outages: acc.zone_outages,
            recoveries,
            recovery_seconds_mean: mean_of(&|r| {
                local_restored(r).then_some(r.wait_s + r.restore_s)
            }),
            recovery_queue_seconds_mean: mean_of(&|r| local_restored(r).then_some(r.wait_s)),
            recovery_data_loss_seconds_mean: mean_of(&|r| {
                local_restored(r).then_some(r.data_lost_s)
            }),
            failed_restores: records.iter().map(|r| r.failed_attempts as u64).sum(),
            extra_loss_seconds_mean: if recoveries > 0 {
                acc.extra_loss_seconds / recoveries as f64
            } else {
                0.0
            },
            failovers: count(&|r| r.outcome == RecoveryOutcome::FailedOver),
            downtime_hours: self.downtime_seconds() / HOUR as f64,
            geo_rpo_seconds: (self.geo_rpo.total_time() > 0).then(|| self.geo_rpo.quantiles()),
            region_outages: acc.region_outages,
            geo_restores: count(&geo_restored),
            geo_recovery_seconds_mean: mean_of(&|r| geo_restored(r).then_some(r.downtime_s)),
            geo_data_loss_seconds_mean: mean_of(&|r| geo_restored(r).then_some(r.data_lost_s)),
            came_back_first: count(&|r| r.outcome == RecoveryOutcome::CameBackFirst),
            unrecoverable_hours: acc.unrecoverable_seconds / HOUR as f64,
            region_data_at_risk_seconds_mean: if acc.region_outages > 0 {
                acc.region_data_at_risk_seconds / acc.region_outages as f64
            } else {
                0.0
            },
            engine: EngineStats {
                events: acc.events,
                peak_queue_len: self.queue.peak_len(),
                peak_retained_backups: self.store.peak_items(),
                rpo_distinct_lengths: self.rpo.distinct_lengths(),
                peak_restores_waiting: self.slots[0]
                    .peak_waiting()
                    .max(self.slots[1].peak_waiting()),
            },
        };
        RunOutcome {
            metrics,
            rpo: self.rpo,
            geo_rpo: self.geo_rpo,
            restores: self.restores,
            recoveries: self.recoveries,
        }
    }
}
