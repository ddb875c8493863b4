//! Recoveries (O1–O3): what each trouble cost, one record per incident, zone outage and
//! regional outage.

use std::collections::VecDeque;

use serde::Serialize;

use super::region::RegionId;
use super::restore::RestorePlan;
use crate::engine::SimTime;

/// What went wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RecoveryKind {
    /// A bad write or dropped table (O3): restored to just before it.
    Incident,
    /// The server's availability zone went down (O2).
    ZoneOutage,
    /// The primary region went down (O1).
    RegionOutage,
}

impl RecoveryKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RecoveryKind::Incident => "incident",
            RecoveryKind::ZoneOutage => "zone-outage",
            RecoveryKind::RegionOutage => "region-outage",
        }
    }

    pub const ALL: [RecoveryKind; 3] = [
        RecoveryKind::Incident,
        RecoveryKind::ZoneOutage,
        RecoveryKind::RegionOutage,
    ];
}

/// How it ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RecoveryOutcome {
    /// A restore brought a new server up.
    Restored,
    /// Zone-redundant HA failed over to the standby: no restore, no loss.
    FailedOver,
    /// The zone or region returned before the restore finished: the original server (with all
    /// its data) was serving again first, and the restore was called off.
    CameBackFirst,
    /// Nothing could bring the server back: it waited for its region (no geo-redundant
    /// backups) or had no backup to restore from.
    Unrecoverable,
}

impl RecoveryOutcome {
    pub fn as_str(self, kind: RecoveryKind) -> &'static str {
        match (self, kind) {
            (RecoveryOutcome::Restored, _) => "restored",
            (RecoveryOutcome::FailedOver, _) => "failed over",
            (RecoveryOutcome::CameBackFirst, RecoveryKind::ZoneOutage) => "zone came back first",
            (RecoveryOutcome::CameBackFirst, _) => "region came back first",
            // No restore was possible: the server waits for its region or zone with its data;
            // after an incident with nothing to restore from, the damage stays.
            (RecoveryOutcome::Unrecoverable, RecoveryKind::RegionOutage) => "waited for the region",
            (RecoveryOutcome::Unrecoverable, RecoveryKind::ZoneOutage) => "waited for the zone",
            (RecoveryOutcome::Unrecoverable, RecoveryKind::Incident) => "unrecoverable",
        }
    }
}

/// One trouble and its recovery.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct RecoveryRecord {
    pub kind: RecoveryKind,
    /// When the trouble began (the damage, or the outage).
    pub started: SimTime,
    /// The point the restored server holds; None when nothing was restored.
    pub restore_point: Option<SimTime>,
    /// Writes the service lost for good: those after the restore point (0 when the original
    /// server came back with its data).
    pub data_lost_s: f64,
    /// Waiting for a restore slot in the target region.
    pub wait_s: f64,
    /// The restore itself (provision, hydrate, replay, transfer; failed attempts included), as
    /// far as it ran.
    pub restore_s: f64,
    /// From the trouble's start until the server, or its replacement, was serving again.
    pub downtime_s: f64,
    pub outcome: RecoveryOutcome,
    /// Restore attempts that failed on an unsafe session (R7).
    pub failed_attempts: u32,
}

/// One of the server's own recoveries, waiting for or holding a slot.
#[derive(Debug, Clone, PartialEq)]
pub struct OwnRestore {
    pub kind: RecoveryKind,
    pub plan: RestorePlan,
    pub region: RegionId,
    /// When the trouble began.
    pub started: SimTime,
    /// When the zone or region comes back on its own (None for an incident).
    pub back_at: Option<SimTime>,
}

/// What the troubles of a run have counted.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct TroubleCounters {
    pub incidents: u64,
    pub zone_outages: u64,
    pub region_outages: u64,
    /// Hours with no way back (regional outage, no geo-redundant backups), in seconds.
    pub unrecoverable_seconds: f64,
    /// Writes not yet in any backup when each regional outage began, summed.
    pub at_risk_seconds: f64,
    /// How much earlier than asked the completed restores landed (R7), summed.
    pub extra_loss_seconds: f64,
}

/// How a restore that got its slot will go.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Started {
    pub outcome: RecoveryOutcome,
    pub downtime: f64,
    pub lost: f64,
    /// How long it holds the slot.
    pub held: SimTime,
}

/// The recoveries of one server: restores planned and not yet requested, every record, and
/// the stretches when the server was down.
#[derive(Debug, Clone, Default)]
pub struct Recoveries {
    records: Vec<RecoveryRecord>,
    down_intervals: Vec<(f64, f64)>,
    /// Planned at the trouble, requested once it is noticed (all wait the same delay).
    delayed: VecDeque<OwnRestore>,
    pub counters: TroubleCounters,
}

impl Recoveries {
    pub fn new() -> Self {
        Self::default()
    }

    /// The server is down over [from, until): counted once however many troubles overlap, and
    /// never past `horizon`.
    pub fn add_downtime(&mut self, from: SimTime, until: f64, horizon: SimTime) {
        let until = until.min(horizon as f64);
        if until > from as f64 {
            self.down_intervals.push((from as f64, until));
        }
    }

    /// Seconds covered by the union of the down intervals.
    pub fn downtime_seconds(&self) -> f64 {
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

    /// A trouble that no restore answers at `now`: a failover, or nothing to restore from.
    pub fn without_restore(
        &mut self,
        now: SimTime,
        kind: RecoveryKind,
        outcome: RecoveryOutcome,
        downtime: f64,
    ) {
        self.records.push(RecoveryRecord {
            kind,
            started: now,
            restore_point: None,
            data_lost_s: 0.0,
            wait_s: 0.0,
            restore_s: 0.0,
            downtime_s: downtime,
            outcome,
            failed_attempts: 0,
        });
    }

    pub fn delay(&mut self, job: OwnRestore) {
        self.delayed.push_back(job);
    }

    pub fn next_delayed(&mut self) -> Option<OwnRestore> {
        self.delayed.pop_front()
    }

    /// One of the server's recoveries gets its slot at `now` after waiting `waited` seconds: it
    /// runs until done, or until the zone or region comes back on its own, when the original
    /// server (with all its data) serves again first and the restore is called off.
    pub fn start(
        &mut self,
        own: &OwnRestore,
        now: SimTime,
        waited: SimTime,
        horizon: SimTime,
    ) -> Started {
        let plan = &own.plan;
        let total = plan.breakdown.total();
        let done_at = now as f64 + total;
        let came_back_first = own.back_at.filter(|&back| (back as f64) < done_at);
        let started = match came_back_first {
            Some(back) => Started {
                outcome: RecoveryOutcome::CameBackFirst,
                downtime: (back - own.started) as f64,
                lost: 0.0,
                held: (back - now).max(0),
            },
            None => Started {
                outcome: RecoveryOutcome::Restored,
                downtime: done_at - own.started as f64,
                lost: plan.data_loss_seconds,
                held: total.ceil() as SimTime,
            },
        };
        if own.kind != RecoveryKind::Incident {
            self.add_downtime(own.started, own.started as f64 + started.downtime, horizon);
        }
        let restored = started.outcome == RecoveryOutcome::Restored;
        // A restore whose zone or region came back while it still waited was called off then:
        // it waited until the return, not for the slot it would have had.
        let requested = now - waited;
        let waited = match came_back_first {
            Some(back) => waited.min((back - requested).max(0)),
            None => waited,
        };
        self.records.push(RecoveryRecord {
            kind: own.kind,
            started: own.started,
            restore_point: restored.then_some(plan.effective_target),
            data_lost_s: started.lost,
            wait_s: waited as f64,
            restore_s: total.min((started.held.max(0)) as f64),
            downtime_s: started.downtime,
            outcome: started.outcome,
            // Called off before it got that far, a restore fails no attempt.
            failed_attempts: if restored { plan.failed_attempts } else { 0 },
        });
        if restored {
            self.counters.extra_loss_seconds += plan.extra_loss_seconds;
        }
        started
    }

    pub fn figures(&self) -> RecoveryFigures {
        let records = &self.records;
        let trouble = self.counters;
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
        let per = |sum: f64, n: u64| if n > 0 { sum / n as f64 } else { 0.0 };
        let recoveries = count(&local_restored);
        RecoveryFigures {
            incidents: trouble.incidents,
            zone_outages: trouble.zone_outages,
            recoveries,
            recovery_seconds_mean: mean_of(&|r| {
                local_restored(r).then_some(r.wait_s + r.restore_s)
            }),
            recovery_queue_seconds_mean: mean_of(&|r| local_restored(r).then_some(r.wait_s)),
            recovery_data_loss_seconds_mean: mean_of(&|r| {
                local_restored(r).then_some(r.data_lost_s)
            }),
            failed_restores: records.iter().map(|r| r.failed_attempts as u64).sum(),
            extra_loss_seconds_mean: per(trouble.extra_loss_seconds, recoveries),
            failovers: count(&|r| r.outcome == RecoveryOutcome::FailedOver),
            downtime_hours: self.downtime_seconds() / 3600.0,
            region_outages: trouble.region_outages,
            geo_restores: count(&geo_restored),
            geo_recovery_seconds_mean: mean_of(&|r| geo_restored(r).then_some(r.downtime_s)),
            geo_data_loss_seconds_mean: mean_of(&|r| geo_restored(r).then_some(r.data_lost_s)),
            zone_came_back_first: count(&|r| {
                r.kind == RecoveryKind::ZoneOutage && r.outcome == RecoveryOutcome::CameBackFirst
            }),
            region_came_back_first: count(&|r| {
                r.kind == RecoveryKind::RegionOutage && r.outcome == RecoveryOutcome::CameBackFirst
            }),
            unrecoverable_hours: trouble.unrecoverable_seconds / 3600.0,
            region_data_at_risk_seconds_mean: per(trouble.at_risk_seconds, trouble.region_outages),
        }
    }

    pub fn into_records(self) -> Vec<RecoveryRecord> {
        self.records
    }
}

/// Incidents, outages and how the server came back (O1–O3, R4, R7).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct RecoveryFigures {
    pub incidents: u64,
    pub zone_outages: u64,
    /// Restores completed for incidents and zone outages (through the region's slots).
    pub recoveries: u64,
    /// Mean over those: time from request to a running server, the wait for a slot, and the
    /// writes the restored server lacks.
    pub recovery_seconds_mean: f64,
    pub recovery_queue_seconds_mean: f64,
    pub recovery_data_loss_seconds_mean: f64,
    /// Restore attempts that failed on an unsafe session (R7), and the extra loss they caused.
    pub failed_restores: u64,
    pub extra_loss_seconds_mean: f64,
    /// Zone outages absorbed by a zone-redundant HA failover, and the server's total downtime.
    pub failovers: u64,
    pub downtime_hours: f64,
    pub region_outages: u64,
    /// Regional outages recovered by a geo-restore, its mean time from the outage to a running
    /// server (noticing, waiting for a slot, restoring) and the writes lost.
    pub geo_restores: u64,
    pub geo_recovery_seconds_mean: f64,
    pub geo_data_loss_seconds_mean: f64,
    /// Zone and regional outages that ended before their restore did: nothing was lost.
    pub zone_came_back_first: u64,
    pub region_came_back_first: u64,
    /// Hours a regional outage left the server with no way back (no geo-redundant backups), and
    /// the mean writes at risk at the moment each outage began.
    pub unrecoverable_hours: f64,
    pub region_data_at_risk_seconds_mean: f64,
}
