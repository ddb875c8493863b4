//! Time passing between events: the fluid load written, the storage and bill integrated, the
//! geo copies that arrive, and the hourly work (restore probes, the retention ledger, samples).

use super::Sim;
use crate::engine::{SimTime, HOUR};
use crate::model::observer::{EventRecord, Sample};
use crate::model::retention_ledger::LedgerState;
use crate::model::server::ServerState;

impl Sim<'_, '_> {
    pub(super) fn advance_to(&mut self, t: SimTime) {
        if t <= self.now {
            return;
        }
        self.hourly_until(t);
        let active = self.active();
        if active {
            let gb = self.load.write(self.now, t);
            self.logs.add_binlog(gb);
            self.snapshots.add_binlog(gb);
            self.billing.ran(self.now, t);
        }
        let (vault_gb, export_gb) = self.vault.levels_gb();
        self.billing
            .accrue_long_term(self.now, t, vault_gb, export_gb);
        let used = self.storage_gb();
        let allowance = self.free_allowance_gb();
        self.billing.accrue(self.now, t, used, allowance);
        self.now = t;
    }

    /// What falls due before `t` while the state stands as it is now: geo copies arriving, the
    /// hourly restore probes and retention ledger, and (at or before `t`) the hourly samples.
    pub(super) fn hourly_until(&mut self, t: SimTime) {
        // Copies in flight come from the primary region: while it is down they stand still.
        if !self.region_down() {
            self.geo.arrivals_until(t);
        }
        // The state is constant over [now, t): hourly samples and restore probes read it as is.
        let (active, region_down) = (self.active(), self.region_down());
        let backups = super::backups_view(
            &self.store,
            &self.rpo,
            &self.server,
            region_down,
            &self.geo,
            &self.unsafe_moments,
            self.retention.window(),
        );
        self.probes.until(t, active, &backups, &self.rates);
        while self.next_ledger_hour < t {
            let state = match self.server.state() {
                ServerState::Running => LedgerState::Running {
                    allowance_gb: self.free_allowance_gb(),
                },
                ServerState::Stopped => LedgerState::Stopped,
                ServerState::Deleted { .. } => LedgerState::Deleted,
            };
            let factor = self.server.redundancy().storage_factor();
            self.ledger.hour(self.next_ledger_hour, state, factor);
            self.next_ledger_hour += HOUR;
        }
        if self.observer.is_some() {
            // A sample shows the instant as it is just before anything due at it happens (the
            // backup due on the hour has not run yet), so the data-loss window is visible.
            while self.next_sample <= t && self.next_sample < self.cfg.horizon {
                let at = self.next_sample;
                let rpo_now = self.active().then(|| self.rpo.at(at));
                let sample = self.sample_with(at, self.storage_gb(), rpo_now);
                self.emit_sample(sample);
            }
        }
    }

    pub(super) fn free_allowance_gb(&self) -> f64 {
        self.server
            .free_allowance_gb(self.cfg.server.provisioned_storage_gb)
    }

    /// The hourly sample at `time` of the state as it stands, but for the storage and the
    /// data-loss window now (None while the server takes no writes), which the caller gives.
    pub(super) fn sample_with(
        &self,
        time: SimTime,
        storage_gb: f64,
        rpo_now: Option<SimTime>,
    ) -> Sample {
        let allowance = self.free_allowance_gb();
        let region_down = self.region_down();
        Sample {
            time,
            state: self.server.label(region_down),
            region_up: !region_down,
            storage_gb,
            free_allowance_gb: allowance,
            billable_gb: crate::model::retention_ledger::billable_gb(storage_gb, allowance),
            binlog_gb_per_hour: if rpo_now.is_some() {
                self.load.gb_per_hour_at(time)
            } else {
                0.0
            },
            rpo_seconds: rpo_now.unwrap_or(0) as f64,
            rpo_max_seconds: self.rpo.widest_since_sample().max(rpo_now.unwrap_or(0)) as f64,
            retained_snapshots: self.store.snapshots().count(),
        }
    }

    /// Hand the observer its hourly sample; the next is due an hour later.
    pub(super) fn emit_sample(&mut self, sample: Sample) {
        if let Some(obs) = self.observer.as_mut() {
            obs.sample(sample);
        }
        self.rpo.sampled();
        self.next_sample += HOUR;
    }

    /// Tell the observer, if any, what just happened.
    pub(super) fn record(&mut self, kind: &'static str, detail: impl FnOnce() -> String) {
        self.record_at(self.now, kind, detail);
    }

    /// An event at `time`, which may lie a little behind the run's clock (a restore whose
    /// turn came during a folded stretch); the storage shown is the current one.
    pub(super) fn record_at(
        &mut self,
        time: SimTime,
        kind: &'static str,
        detail: impl FnOnce() -> String,
    ) {
        if self.observer.is_some() {
            let record = EventRecord {
                time,
                kind,
                detail: detail(),
                storage_gb: self.storage_gb(),
            };
            if let Some(obs) = self.observer.as_mut() {
                obs.event(record);
            }
        }
    }
}
