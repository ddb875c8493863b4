//! Everything a run writes: pure functions from results to bytes (JSON, CSV, text), plus the
//! streaming writers for run 0's event log and hourly series, and files that appear only whole.

pub mod charts;
mod csv_out;
mod files;
mod json;
mod markdown;
mod restore;
mod sweep;
mod text;

pub use csv_out::{runs_csv, summary_csv, RunZeroWriter};
pub use files::OutputDir;
pub use json::summary_json;
pub use markdown::{headlines, report_md, Headline};
pub use restore::{clock, human_duration, restore_text, RestoreReport};
pub use sweep::{merge, sweep_csv, sweep_json};
pub use text::summary_text;

use crate::montecarlo::{Replications, TargetOutcome};
use crate::scenario::Scenario;
use crate::stats::durability::{self, NinesByRedundancy};
use crate::stats::summary::{summarize, FigureSummary};
use crate::stats::Quantiles;

/// The figures of a finished Monte Carlo run, computed once and shared by every output.
#[derive(Debug, Clone)]
pub struct Analysis<'a> {
    pub scenario: &'a Scenario,
    pub reps: &'a Replications,
    /// Set when the run went on until a target precision.
    pub target: Option<TargetOutcome>,
    pub figures: Vec<FigureSummary>,
    pub rpo: Quantiles,
    /// Pooled geo data-loss window; None when no run was geo-redundant.
    pub geo_rpo: Option<Quantiles>,
    pub durability_nines: f64,
    pub durability_by_redundancy: NinesByRedundancy,
    /// Restore times pooled over all runs' hourly probes; None when no probe could restore.
    pub restore_latest: Option<Quantiles>,
    pub restore_fastest: Option<Quantiles>,
    pub restore_custom: Option<Quantiles>,
}

impl<'a> Analysis<'a> {
    pub fn new(
        scenario: &'a Scenario,
        reps: &'a Replications,
        target: Option<TargetOutcome>,
    ) -> Self {
        // Each chain solved once: the configured redundancy's nines are one of the three.
        let by_redundancy = durability::nines_by_redundancy(&scenario.durability);
        Self {
            scenario,
            reps,
            target,
            figures: summarize(&reps.metrics),
            rpo: reps.rpo.quantiles(),
            geo_rpo: (reps.geo_rpo.total_time() > 0).then(|| reps.geo_rpo.quantiles()),
            durability_nines: by_redundancy.of(scenario.config.final_redundancy()),
            durability_by_redundancy: by_redundancy,
            restore_latest: reps.restores.latest.quantiles_if_any(),
            restore_fastest: reps.restores.fastest.quantiles_if_any(),
            restore_custom: reps.restores.custom.quantiles_if_any(),
        }
    }

    pub fn figure(&self, name: &str) -> &FigureSummary {
        crate::stats::summary::figure(&self.figures, name)
    }
}
