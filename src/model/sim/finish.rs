//! The end of the horizon: every unit's tallies gathered into the run's figures.

use super::Sim;
use crate::model::backups;
use crate::model::metrics::{EngineStats, RunMetrics, RunOutcome};

impl Sim<'_, '_> {
    pub(super) fn finish(mut self) -> RunOutcome {
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
            self.server.redundancy().storage_factor(),
            self.cfg.server.provisioned_storage_gb,
        );
        storage.long_term = storage.long_term.map(|f| self.vault.complete(f));
        let metrics = RunMetrics {
            backups: backups::figures(&self.snapshots, &self.logs, horizon, self.server.running()),
            storage,
            rpo_seconds: self.rpo.quantiles(),
            geo_rpo_seconds: self.geo.quantiles_if_any(),
            restore: self.probes.figures(),
            recoveries: self.recoveries.figures(),
            engine: EngineStats {
                events: self.events,
                peak_queue_len: self.queue.peak_len(),
                peak_retained_backups: self.store.peak_items(),
                rpo_distinct_lengths: self.rpo.distinct_lengths(),
                peak_restores_waiting: self.regions.peak_waiting(),
            },
        };
        RunOutcome {
            metrics,
            rpo: self.rpo.into_sawtooth(),
            geo_rpo: self.geo.into_sawtooth(),
            restores: self.probes.into_distributions(),
            recoveries: self.recoveries.into_records(),
        }
    }
}
