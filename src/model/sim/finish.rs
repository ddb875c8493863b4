//! The end of the horizon: every unit's tallies gathered into the run's figures.

use super::event::{Event, TroubleEvent};
use super::{FleetServerRun, Sim};
use crate::engine::SimTime;
use crate::model::backups;
use crate::model::metrics::{EngineStats, RunMetrics, RunOutcome};
use crate::model::recovery::Recoveries;

impl Sim<'_, '_> {
    pub(super) fn finish(mut self) -> RunOutcome {
        // Restores still waiting for a slot when the run ends are worked out past it (behind
        // the other tenants, who keep arriving), so that every server an outage hit has its
        // recovery, and the downtime counted stops at the horizon.
        self.request_restores_noticed_late();
        self.start_due_restores(SimTime::MAX);
        let (mut outcome, recoveries) = self.finish_all_but_recoveries();
        outcome.metrics.recoveries = recoveries.figures();
        outcome.recoveries = recoveries.into_records();
        outcome
    }

    /// A server of a fleet: its recoveries end once the fleet has worked out the lines.
    pub(super) fn finish_in_fleet(mut self) -> FleetServerRun {
        self.request_restores_noticed_late();
        let requests = self.regions.take_requests();
        let (outcome, recoveries) = self.finish_all_but_recoveries();
        FleetServerRun {
            outcome,
            recoveries,
            requests,
        }
    }

    /// Troubles that struck before the horizon but are noticed after it (the detection delay
    /// runs past the end): their restores are requested when they would have been, from the
    /// backups as the run left them, so that every incident and outage has its recovery. The
    /// run's other events past the horizon stay unhandled.
    fn request_restores_noticed_late(&mut self) {
        while let Some((at, event)) = self.queue.pop() {
            if let Event::Trouble(
                trouble @ (TroubleEvent::IncidentNoticed { .. }
                | TroubleEvent::SubmitDelayedRestore),
            ) = event
            {
                self.start_due_restores(at);
                self.now = at;
                self.on_trouble(trouble);
            }
        }
    }

    fn finish_all_but_recoveries(mut self) -> (RunOutcome, Recoveries) {
        let horizon = self.cfg.horizon;
        if self.active() {
            // The tooth still open at the horizon counts for the time it lasted.
            self.rpo.close(horizon, self.load.written_gb());
        }
        self.geo.pause(horizon);
        self.ledger.finish();
        let lt = &self.cfg.long_term;
        let mut storage = self.billing.figures(
            &self.ledger,
            self.cfg.cost.price_per_gb_month,
            (lt.vault_price_per_gb_month, lt.export_price_per_gb_month),
            self.cfg.server.provisioned_storage_gb,
        );
        storage.long_term = storage.long_term.map(|f| self.vault.complete(f));
        let metrics = RunMetrics {
            backups: backups::figures(
                &self.snapshots,
                &self.logs,
                horizon,
                self.server.running(),
                self.server.writes_stopped_at(),
            ),
            storage,
            rpo_seconds: self.rpo.quantiles(),
            geo_rpo_seconds: self.geo.quantiles_if_any(),
            restore: self.probes.figures(),
            recoveries: Recoveries::new().figures(),
            engine: EngineStats {
                events: self.events,
                peak_queue_len: self.queue.peak_len(),
                peak_retained_backups: self.store.peak_items(),
                rpo_distinct_lengths: self.rpo.distinct_lengths(),
                peak_restores_waiting: self.regions.peak_waiting(),
            },
        };
        let outcome = RunOutcome {
            metrics,
            rpo: self.rpo.into_sawtooth(),
            geo_rpo: self.geo.into_sawtooth(),
            restores: self.probes.into_distributions(),
            recoveries: Vec::new(),
        };
        (outcome, self.recoveries)
    }
}
