//! One simulated server over the horizon: the loop, which knows the units but none of their
//! rules. Each unit owns its state; the loop pops heap events and hands each to the unit it is
//! for, and the reactions that cross units (a snapshot moves the store, the windows, the geo
//! copies and the bill) live in this module's other files, one concern each.
//!
//! Heap events exist only for irregular things. Log backups run on a fixed grid, so the loop
//! walks that grid between heap events instead of queueing 288 events a day.

mod advance;
mod backups;
mod event;
mod finish;
mod lifecycle;
mod ticks;
mod troubles;

use std::collections::VecDeque;

use event::{Event, LoadEvent, SnapshotEvent, TroubleEvent, VaultEvent};

use super::arrivals::{Arrival, Arrivals};
use super::backups::{BackupStore, LogBackups, Snapshots};
use super::billing::Billing;
use super::config::{Config, Retention, ServerAction};
use super::geo::GeoReplication;
use super::load::Load;
use super::metrics::RunOutcome;
use super::observer::Observer;
use super::recovery::{OwnRestore, Recoveries};
use super::region::{Desk, FleetRequest, RegionSpec, Regions};
use super::restore::{
    from_vault, plan, Backups, Breakdown, Probes, Rates, RestorePlan, RestoreRefusal,
    RestoreTarget, VaultPlan, VaultRefusal,
};
use super::retention_ledger::RetentionLedger;
use super::rpo::DataLossWindow;
use super::server::Lifecycle;
use super::vault::Vault;
use crate::engine::{EventQueue, Purpose, SimTime, Streams};

/// Simulate one replication. `observer`, when given, hears every event and an hourly sample.
pub fn simulate(
    config: &Config,
    streams: &Streams,
    observer: Option<&mut dyn Observer>,
) -> RunOutcome {
    let mut sim = Sim::new(config, streams, observer, None);
    sim.run_until(config.horizon, false);
    sim.finish()
}

/// One server of a fleet, simulated on its own: everything but how its restores fared in the
/// shared regions' lines, which the fleet works out from `requests` and finishes in
/// `recoveries`.
#[derive(Debug, Clone)]
pub struct FleetServerRun {
    pub outcome: RunOutcome,
    pub recoveries: Recoveries,
    pub requests: Vec<FleetRequest<OwnRestore>>,
}

/// Simulate one replication of a server of a fleet whose region goes down at
/// `region_outages` (start, length).
pub fn simulate_in_fleet(
    config: &Config,
    streams: &Streams,
    region_outages: &[(SimTime, SimTime)],
) -> FleetServerRun {
    let mut sim = Sim::new(config, streams, None, Some(region_outages));
    sim.run_until(config.horizon, false);
    sim.finish_in_fleet()
}

/// A planned what-if restore and the circumstances it was planned in.
#[derive(Debug, Clone, PartialEq)]
pub struct WhatIf {
    pub plan: RestorePlan,
    /// The primary region was down at the request: a geo-restore comes up locally redundant (R4).
    pub region_down: bool,
    /// The source had been deleted by the request: its backups go 5 days after (R5).
    pub source_deleted_at: Option<SimTime>,
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
    let mut sim = Sim::new(config, streams, None, None);
    sim.run_until(request_at.min(config.horizon), true);
    if geo && !sim.server.geo_redundant() {
        return Err(RestoreRefusal::NotGeoRedundant);
    }
    let plan = sim.plan_restore(request_at, target, geo)?;
    Ok(WhatIf {
        plan,
        region_down: sim.region_down(),
        source_deleted_at: sim.server.deleted_at(),
    })
}

/// Replay the scenario up to `request_at`, then plan a restore of `target` (older than the
/// recovery window, or of a purged server) from the vault or the exports (previews).
pub fn what_if_vault_restore(
    config: &Config,
    streams: &Streams,
    request_at: SimTime,
    target: SimTime,
) -> Result<VaultPlan, VaultRefusal> {
    let mut sim = Sim::new(config, streams, None, None);
    sim.run_until(request_at.min(config.horizon), true);
    from_vault::plan(
        &sim.vault,
        &config.long_term,
        config.server.vcores,
        request_at,
        target,
        &sim.backups(),
    )
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
    let mut sim = Sim::new(config, streams, None, None);
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
    let mut sim = Sim::new(config, streams, None, None);
    requests
        .iter()
        .map(|&request| {
            sim.run_until(request.min(config.horizon), true);
            let plan = if geo && !sim.server.geo_redundant() {
                Err(RestoreRefusal::NotGeoRedundant)
            } else {
                sim.plan_restore(request, target, geo)
            };
            (request, plan)
        })
        .collect()
}

/// What a restore planned now would read, from the units that hold it (a free function, so
/// that the probes can borrow it while they change only themselves).
fn backups_view<'s>(
    store: &'s BackupStore,
    rpo: &DataLossWindow,
    server: &'s Lifecycle,
    region_down: bool,
    geo: &GeoReplication,
    unsafe_moments: &'s VecDeque<SimTime>,
    window: SimTime,
) -> Backups<'s> {
    Backups {
        store,
        latest_point: rpo.latest_point(),
        latest_mark: rpo.latest_mark(),
        writes_stopped_at: server.writes_stopped_at(),
        write_pauses: server.write_pauses(),
        deleted_at: server.deleted_at(),
        region_down,
        geo_point: geo.restorable_point(),
        unsafe_moments,
        window,
    }
}

struct Sim<'a, 'o> {
    cfg: &'a Config,
    now: SimTime,
    queue: EventQueue<Event>,
    observer: Option<&'o mut dyn Observer>,
    load: Load,
    server: Lifecycle,
    snapshots: Snapshots,
    logs: LogBackups,
    store: BackupStore,
    rpo: DataLossWindow,
    geo: GeoReplication,
    billing: Billing,
    ledger: RetentionLedger,
    next_ledger_hour: SimTime,
    probes: Probes,
    /// This server's restore speeds, worked out once.
    rates: Rates,
    recoveries: Recoveries,
    /// The server's region and its geo-restore target: their slots, lines and outages (its
    /// own, or a fleet's).
    regions: Desk<OwnRestore>,
    arrivals: Arrivals,
    /// Moments when a session wrote rows breaking a foreign key (R7), within the retained window.
    unsafe_moments: VecDeque<SimTime>,
    vault: Vault,
    next_sample: SimTime,
    /// Snapshots pruned at the current moment, for the event log.
    expired: Vec<SimTime>,
    /// Heap events plus log-backup ticks handled.
    events: u64,
    /// The log backup just handled, while nothing else has been since and the ones after it
    /// may still fold.
    ticked_at: Option<SimTime>,
    /// Scratch for a folded stretch: GB of old logs dropped at each of its ticks.
    fold_drops: Vec<f64>,
    /// The retention in force: the scenario's, until a "set-retention" event changes it.
    retention: Retention,
    /// Regional outages known from the start (scripted, or the fleet's), as (start, length)
    /// in order of start: an outage that begins looks ahead for those it overlaps.
    known_outages: Vec<(SimTime, SimTime)>,
    /// When the next random regional outage begins, if one is due; a queued onset at any
    /// other moment was taken into an earlier outage already.
    next_random_outage: Option<SimTime>,
    /// When the region returns from an outage that found the server stopped: a start before
    /// then waits for it.
    region_back_for_a_start: Option<SimTime>,
}

impl<'a, 'o> Sim<'a, 'o> {
    /// `fleet_region_outages`, for a server of a fleet: the outages of its region, drawn by the
    /// fleet for every server there (the server draws none of its own), as (start, length).
    fn new(
        cfg: &'a Config,
        streams: &Streams,
        observer: Option<&'o mut dyn Observer>,
        fleet_region_outages: Option<&[(SimTime, SimTime)]>,
    ) -> Self {
        let b = &cfg.backup;
        let mut sim = Self {
            cfg,
            now: 0,
            queue: EventQueue::new(),
            observer,
            load: Load::new(&cfg.workload, cfg.clock),
            server: Lifecycle::new(b.redundancy),
            snapshots: Snapshots::new(
                b,
                cfg.server.mysql_version,
                streams.stream(Purpose::SnapshotFailures),
            ),
            logs: LogBackups::new(
                b.log_backup_interval,
                b.log_backup_failure_prob,
                streams.stream(Purpose::LogBackupFailures),
            ),
            store: BackupStore::new(),
            rpo: DataLossWindow::new(),
            geo: GeoReplication::new(
                b.geo_lag_mean,
                b.redundancy == super::config::Redundancy::Geo,
                streams.stream(Purpose::GeoReplication),
            ),
            billing: {
                let mut billing = Billing::new(&cfg.months, cfg.measured_from);
                billing.set_copies(b.redundancy.storage_factor());
                if cfg.long_term.any() {
                    billing.with_long_term()
                } else {
                    billing
                }
            },
            ledger: RetentionLedger::new(),
            next_ledger_hour: 0,
            probes: Probes::new(streams.stream(Purpose::Restores), cfg.measured_from),
            rates: Rates::new(&cfg.restore, &cfg.server),
            recoveries: Recoveries::new(),
            regions: match fleet_region_outages {
                None => Desk::own(Regions::new(
                    &RegionSpec::home_and_target(&cfg.restore),
                    streams,
                )),
                Some(_) => Desk::fleet(),
            },
            arrivals: Arrivals::new(cfg, streams),
            unsafe_moments: VecDeque::new(),
            vault: Vault::new(
                &cfg.long_term,
                cfg.clock,
                &cfg.months,
                b.snapshot_change_ratio,
            ),
            next_sample: 0,
            expired: Vec::new(),
            events: 0,
            ticked_at: None,
            fold_drops: Vec::new(),
            retention: Retention(cfg.backup.retention_days),
            known_outages: Vec::new(),
            region_back_for_a_start: None,
            next_random_outage: None,
        };
        // B1: the first snapshot is taken when the server is created, then one a day.
        sim.queue.schedule(0, Event::Snapshot(SnapshotEvent::Daily));
        for arrival in Arrival::ALL {
            if arrival == Arrival::RegionOutage && fleet_region_outages.is_some() {
                continue;
            }
            sim.schedule_next(arrival);
        }
        sim.known_outages = cfg
            .events
            .iter()
            .filter_map(|&(at, action)| match action {
                ServerAction::RegionOutage { duration } => Some((at, duration)),
                _ => None,
            })
            .chain(fleet_region_outages.unwrap_or(&[]).iter().copied())
            .collect();
        sim.known_outages.sort_by_key(|&(at, _)| at);
        for &(at, duration) in fleet_region_outages.unwrap_or(&[]) {
            sim.queue.schedule(
                at,
                Event::Trouble(TroubleEvent::RegionOutage {
                    duration: Some(duration),
                }),
            );
        }
        for &at in &cfg.backup.on_demand {
            sim.queue
                .schedule(at, Event::Snapshot(SnapshotEvent::OnDemand));
        }
        for &at in &cfg.long_term.exports {
            sim.queue.schedule(at, Event::Vault(VaultEvent::Export));
        }
        for &(at, action) in &cfg.events {
            let event = match action {
                ServerAction::RegionOutage { duration } => {
                    Event::Trouble(TroubleEvent::RegionOutage {
                        duration: Some(duration),
                    })
                }
                other => Event::Server(other),
            };
            sim.queue.schedule(at, event);
        }
        sim
    }

    /// Schedule the next arrival of a Poisson process, if it comes within the horizon.
    fn schedule_next(&mut self, arrival: Arrival) {
        self.schedule_next_after(arrival, self.now);
    }

    /// Schedule the arrival that follows one at `after` (now, or an outage taken in early).
    fn schedule_next_after(&mut self, arrival: Arrival, after: SimTime) {
        let event = match arrival {
            Arrival::Burst => Event::Load(LoadEvent::BurstStart),
            Arrival::LongTransaction => Event::Load(LoadEvent::LongTxnStart),
            Arrival::UnsafeSession => Event::Trouble(TroubleEvent::UnsafeSession),
            Arrival::Incident => Event::Trouble(TroubleEvent::Incident),
            Arrival::ZoneOutage => Event::Trouble(TroubleEvent::ZoneOutage),
            Arrival::RegionOutage => Event::Trouble(TroubleEvent::RegionOutage { duration: None }),
        };
        let next = self.arrivals.next(arrival, after);
        if arrival == Arrival::RegionOutage {
            self.next_random_outage = next;
        }
        if let Some(at) = next {
            self.queue.schedule(at, event);
        }
    }

    /// Run every log tick up to `limit` and every heap event before it (or at it too, when
    /// `events_at_limit`), then bring time to `limit`.
    fn run_until(&mut self, limit: SimTime, events_at_limit: bool) {
        let last_due = |next: SimTime| {
            if next == limit && !events_at_limit {
                limit - 1
            } else {
                next
            }
        };
        loop {
            // Log-backup ticks up to and including the next heap event's time come first; a tick
            // may itself schedule an event (an extra snapshot) at its own time. A tick due
            // exactly at the limit still runs (30 days hold 8,640 log backups).
            let next_event = self.queue.peek_time().unwrap_or(SimTime::MAX);
            let tick = self.logs.next_tick();
            // The server's restores whose turn in a line has come start before anything else
            // due then; that changes only how their recoveries end, never the server, so the
            // regions never hold up the rest of the run.
            self.start_due_restores(last_due(tick.min(next_event).min(limit)));
            if tick <= next_event.min(limit) {
                // Straight after a log backup, with nothing handled since, the next ones may
                // fold at once; otherwise the next runs on its own first.
                if self.ticked_at == Some(self.now) && self.fold_ticks(next_event.min(limit)) {
                    continue;
                }
                self.advance_to(tick);
                self.log_tick();
                self.logs.ticked();
                self.ticked_at = Some(self.now);
                // The tick may have queued an event (an extra snapshot) of its own.
                let next_event = self.queue.peek_time().unwrap_or(SimTime::MAX);
                if !self.fold_ticks(next_event.min(limit)) {
                    // Nothing the next pass does first (starting due restores) changes what
                    // can fold: it would only ask again.
                    self.ticked_at = None;
                }
                continue;
            }
            if next_event > limit || (next_event == limit && !events_at_limit) {
                break;
            }
            self.advance_to(next_event);
            self.ticked_at = None;
            let (_, event) = self.queue.pop().expect("peeked an event");
            self.handle(event);
            self.events += 1;
        }
        self.start_due_restores(last_due(limit));
        self.advance_to(limit);
    }

    /// Hand an event to the unit it is for.
    fn handle(&mut self, event: Event) {
        match event {
            Event::Snapshot(e) => self.on_snapshot_event(e),
            Event::Load(e) => self.on_load_event(e),
            Event::Server(action) => self.server_action(action),
            Event::Trouble(e) => self.on_trouble(e),
            Event::Vault(e) => self.on_vault_event(e),
        }
    }

    /// Start the server's restores whose turn comes at or before `until`, each at its moment.
    fn start_due_restores(&mut self, until: SimTime) {
        while let Some((due, started)) = self.regions.next_started(until) {
            self.start_own_restore(due, started);
        }
    }

    fn region_down(&self) -> bool {
        self.regions.home_is_down()
    }

    /// The server takes writes and backups: running, and its region is up.
    fn active(&self) -> bool {
        self.server.running() && !self.region_down()
    }

    /// Backup storage the owner is charged for now, all copies.
    fn storage_gb(&self) -> f64 {
        self.server.billed_gb(self.store.used_gb())
    }

    /// What a restore planned now would read.
    fn backups(&self) -> Backups<'_> {
        backups_view(
            &self.store,
            &self.rpo,
            &self.server,
            self.region_down(),
            &self.geo,
            &self.unsafe_moments,
            self.retention.window(),
        )
    }

    fn plan_restore(
        &self,
        request: SimTime,
        target: RestoreTarget,
        geo: bool,
    ) -> Result<RestorePlan, RestoreRefusal> {
        plan(&self.backups(), &self.rates, request, target, geo)
    }
}
