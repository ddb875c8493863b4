//! Reactions to troubles (O1–O3, R4, R5, R7): incidents restored to just before the damage,
//! zone outages failed over or restored, regional outages geo-restored or waited out, and the
//! restores that queue for a region's slots with everyone else's.

use super::event::{Event, TroubleEvent};
use super::Sim;
use crate::engine::{SimTime, HOUR};
use crate::model::arrivals::Arrival;
use crate::model::config::HighAvailability;
use crate::model::recovery::{OwnRestore, RecoveryKind, RecoveryOutcome};
use crate::model::region::{RegionId, Started};
use crate::model::restore::{RestorePlan, RestoreTarget};
use crate::model::server::ServerState;

impl Sim<'_, '_> {
    pub(super) fn on_trouble(&mut self, event: TroubleEvent) {
        match event {
            TroubleEvent::PurgeDeleted => {
                self.store.purge();
                self.record("backups-purged", || {
                    "the deleted server's restore window has closed".to_string()
                });
            }
            TroubleEvent::UnsafeSession => {
                self.schedule_next(Arrival::UnsafeSession);
                if self.active() {
                    self.unsafe_moments.push_back(self.now);
                    self.record("unsafe-session", || {
                        "rows written with foreign_key_checks off: replay past here fails".into()
                    });
                }
            }
            TroubleEvent::Incident => {
                self.schedule_next(Arrival::Incident);
                if self.active() {
                    self.recoveries.counters.incidents += 1;
                    let damage_at = self.now;
                    self.queue.schedule(
                        self.now + self.cfg.restore.detection_delay,
                        Event::Trouble(TroubleEvent::IncidentNoticed { damage_at }),
                    );
                    self.record("incident", || {
                        "bad write or dropped table: restore to just before it".into()
                    });
                }
            }
            TroubleEvent::IncidentNoticed { damage_at } => {
                if self.server.deleted_at().is_none() {
                    let (earliest, _) = self.backups().window_at(self.now);
                    let target = RestoreTarget::At((damage_at - 1).max(earliest));
                    self.recover_incident(damage_at, target);
                }
            }
            TroubleEvent::ZoneOutage => {
                self.schedule_next(Arrival::ZoneOutage);
                if self.active() {
                    self.zone_outage();
                }
            }
            TroubleEvent::RegionOutage { duration } => {
                let duration = match duration {
                    Some(d) => d,
                    // Taken into an earlier outage that it overlapped: its draws are made.
                    None if self.next_random_outage != Some(self.now) => return,
                    None => {
                        self.schedule_next(Arrival::RegionOutage);
                        self.random_outage_length()
                    }
                };
                if self.active() {
                    let end = self.overlapping_outages_end(self.now + duration);
                    self.region_outage(end - self.now);
                } else if self.server.state() == ServerState::Stopped && !self.region_down() {
                    let end = self.overlapping_outages_end(self.now + duration);
                    self.region_outage_while_stopped(end);
                }
            }
            TroubleEvent::RegionRecovered => {
                let outage = self.regions.home_comes_back(self.now);
                self.region_back_for_a_start = None;
                self.geo.delay_in_flight(outage);
                if self.server.running() {
                    self.resume_writes();
                }
                self.record("region-recovered", String::new);
            }
            TroubleEvent::SubmitDelayedRestore => {
                if let Some(job) = self.recoveries.next_delayed() {
                    self.submit_restore(job);
                }
            }
        }
    }

    /// O2: zone-redundant HA fails over; without it the server comes back by a restore to the
    /// latest point, in a region crowded by everyone else's restores.
    fn zone_outage(&mut self) {
        self.recoveries.counters.zone_outages += 1;
        let hours = self.cfg.outages.zone_outage_hours;
        let horizon = self.cfg.horizon;
        if self.cfg.server.ha == HighAvailability::ZoneRedundant {
            let s = self.cfg.restore.failover;
            self.recoveries
                .add_downtime(self.now, (self.now + s) as f64, horizon);
            self.recoveries.without_restore(
                self.now,
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
        self.regions
            .surge(RegionId::HOME, self.now, hours * HOUR as f64);
        // The data the restore can bring back is fixed now (the last backup before the outage);
        // the request reaches the region once the outage has been noticed, amid everyone else's.
        let back_at = self.now + (hours * HOUR as f64).round() as SimTime;
        match self.plan_restore(self.now, RestoreTarget::Latest, false) {
            Ok(plan) => self.recover_later(RecoveryKind::ZoneOutage, plan, RegionId::HOME, back_at),
            Err(refusal) => {
                let down = (back_at - self.now) as f64;
                self.recoveries
                    .add_downtime(self.now, back_at as f64, horizon);
                self.recoveries.without_restore(
                    self.now,
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
        self.recoveries.counters.region_outages += 1;
        let at_risk = self.now - self.rpo.latest_point();
        self.recoveries.counters.at_risk_seconds += at_risk as f64;
        // Writes stop: close the open windows as at a stop.
        self.rpo.close(self.now, self.load.written_gb());
        self.geo.pause(self.now);
        self.writes_stop();
        self.regions.home_goes_down(self.now);
        self.queue.schedule(
            self.now + duration,
            Event::Trouble(TroubleEvent::RegionRecovered),
        );
        let hours = duration as f64 / HOUR as f64;
        if !self.server.geo_redundant() {
            self.no_way_back(duration);
            self.record("region-outage", || {
                format!("{hours:.1} h with no recovery path: backups are not geo-redundant; {at_risk} s of writes at risk")
            });
            return;
        }
        match self.plan_restore(self.now, RestoreTarget::Latest, true) {
            Ok(plan) => {
                let loss = plan.data_loss_seconds;
                self.record("region-outage", || {
                    format!("{hours:.1} h: geo-restore from the paired region, {loss:.0} s of writes had not replicated")
                });
                self.regions
                    .surge(RegionId::GEO_TARGET, self.now, duration as f64);
                let back_at = self.now + duration;
                self.recover_later(
                    RecoveryKind::RegionOutage,
                    plan,
                    RegionId::GEO_TARGET,
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
    }

    /// O1 for a stopped server: nothing is written and nothing is at risk, but the region is
    /// down all the same, so a start before it returns waits for it (see `server_action`).
    fn region_outage_while_stopped(&mut self, end: SimTime) {
        self.regions.home_goes_down(self.now);
        self.region_back_for_a_start = Some(end);
        self.queue
            .schedule(end, Event::Trouble(TroubleEvent::RegionRecovered));
        let hours = (end - self.now) as f64 / HOUR as f64;
        self.record("region-outage", || {
            format!("{hours:.1} h while the server is stopped: it cannot start before the region returns")
        });
    }

    fn random_outage_length(&mut self) -> SimTime {
        let o = &self.cfg.outages;
        self.arrivals
            .region_outage_length(o.region_outage_hours, o.region_outage_cv)
    }

    /// An outage beginning now and ending at `end` is one with every other that starts
    /// before it ends (scripted or random, however they chain): the region comes back when
    /// the last of them is over. Known before anything is planned, as a restore's outcome
    /// depends on when the region returns. A random one taken in makes its draws now, in the
    /// order its own onset would have made them; its queued onset then passes unnoticed, as
    /// does a scripted one (the region is down when it comes).
    fn overlapping_outages_end(&mut self, mut end: SimTime) -> SimTime {
        let first_known = self.known_outages.partition_point(|&(at, _)| at < self.now);
        loop {
            let before = end;
            while let Some(at) = self.next_random_outage.filter(|&at| at <= end) {
                self.schedule_next_after(Arrival::RegionOutage, at);
                end = end.max(at + self.random_outage_length());
            }
            for &(at, length) in &self.known_outages[first_known..] {
                if at > end {
                    break;
                }
                end = end.max(at + length);
            }
            if end == before {
                return end;
            }
        }
    }

    /// A regional outage with nothing to geo-restore from: the server waits for its region.
    fn no_way_back(&mut self, duration: SimTime) {
        // A per-run figure, like the downtime: the hours past the horizon are not the run's.
        let within_run = (self.now + duration).min(self.cfg.horizon) - self.now;
        self.recoveries.counters.unrecoverable_seconds += within_run.max(0) as f64;
        self.recoveries
            .add_downtime(self.now, (self.now + duration) as f64, self.cfg.horizon);
        self.recoveries.without_restore(
            self.now,
            RecoveryKind::RegionOutage,
            RecoveryOutcome::Unrecoverable,
            duration as f64,
        );
    }

    /// An incident noticed now: restore to just before the damage at `damage_at`.
    fn recover_incident(&mut self, damage_at: SimTime, target: RestoreTarget) {
        match self.plan_restore(self.now, target, false) {
            Ok(plan) => self.submit_restore(OwnRestore {
                kind: RecoveryKind::Incident,
                plan,
                region: RegionId::HOME,
                started: damage_at,
                back_at: None,
            }),
            Err(refusal) => {
                self.recoveries.without_restore(
                    self.now,
                    RecoveryKind::Incident,
                    RecoveryOutcome::Unrecoverable,
                    0.0,
                );
                self.record("restore-impossible", || format!("incident: {refusal:?}"))
            }
        }
    }

    /// Plan a restore now and request it once the trouble has been noticed; the trouble itself
    /// ends at `back_at`.
    fn recover_later(
        &mut self,
        kind: RecoveryKind,
        plan: RestorePlan,
        region: RegionId,
        back_at: SimTime,
    ) {
        self.recoveries.delay(OwnRestore {
            kind,
            plan,
            region,
            started: self.now,
            back_at: Some(back_at),
        });
        self.queue.schedule(
            self.now + self.cfg.restore.detection_delay,
            Event::Trouble(TroubleEvent::SubmitDelayedRestore),
        );
    }

    /// Send one of the server's restores to its region's line; it starts now or waits its turn.
    fn submit_restore(&mut self, own: OwnRestore) {
        let region = own.region;
        if let Some(own) = self.regions.join(region, self.now, own) {
            let started = Started {
                region,
                arrived: self.now,
                job: own,
            };
            self.start_own_restore(self.now, started);
        }
    }

    /// One of the server's recoveries gets its slot at `at`: it holds it until done or called
    /// off.
    pub(super) fn start_own_restore(&mut self, at: SimTime, started: Started<OwnRestore>) {
        let held = self.run_own_restore(at, &started.job, at - started.arrived);
        self.regions.hold(started.region, at + held.max(1));
    }

    /// Record one of the server's recoveries starting at `at`: returns how long it holds its
    /// slot.
    fn run_own_restore(&mut self, at: SimTime, own: &OwnRestore, waited: SimTime) -> SimTime {
        let started = self.recoveries.start(own, at, waited, self.cfg.horizon);
        let plan = &own.plan;
        let kind = own.kind.as_str();
        let total = plan.breakdown.total();
        let (replay, failed, extra) = (
            plan.replay_gb,
            plan.failed_attempts,
            plan.extra_loss_seconds,
        );
        let (outcome, downtime, lost) = (started.outcome, started.downtime, started.lost);
        if at >= self.cfg.horizon {
            // Worked out after the run ended: the recovery has its record, the event log stops
            // at the horizon.
            return started.held;
        }
        self.record_at(at, "restore-started", || {
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
        started.held
    }
}
