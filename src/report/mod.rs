//! Everything a run writes: pure functions from results to bytes (JSON, CSV, text), plus the
//! streaming writers for run 0's event log and hourly series, and files that appear only whole.

mod csv_out;
mod files;
mod json;
mod restore;
mod text;

pub use csv_out::{runs_csv, summary_csv, RunZeroWriter};
pub use files::OutputDir;
pub use json::summary_json;
pub use restore::{clock, human_duration, restore_text, RestoreReport};
pub use text::summary_text;

use crate::model::Redundancy;
use crate::model::RunOutcome;
use crate::scenario::Scenario;
use crate::stats::durability::{self, Layout, NinesByRedundancy};
use crate::stats::summary::{pooled_rpo, summarize, FigureSummary};
use crate::stats::{LogHistogram, Quantiles};

/// The figures of a finished Monte Carlo run, computed once and shared by every output.
#[derive(Debug, Clone)]
pub struct Analysis<'a> {
    pub scenario: &'a Scenario,
    pub outcomes: &'a [RunOutcome],
    pub figures: Vec<FigureSummary>,
    pub rpo: Quantiles,
    /// Pooled geo data-loss window; None when no run was geo-redundant.
    pub geo_rpo: Option<Quantiles>,
    pub durability_nines: f64,
    pub durability_by_redundancy: NinesByRedundancy,
    /// Restore times pooled over all runs' hourly probes.
    pub restore_latest: Quantiles,
    pub restore_fastest: Quantiles,
    pub restore_custom: Quantiles,
}

impl<'a> Analysis<'a> {
    pub fn new(scenario: &'a Scenario, outcomes: &'a [RunOutcome]) -> Self {
        let metrics: Vec<_> = outcomes.iter().map(|o| o.metrics.clone()).collect();
        let pool = |pick: fn(&RunOutcome) -> &LogHistogram| {
            let mut all = LogHistogram::new();
            for o in outcomes {
                all.merge(pick(o));
            }
            all.quantiles()
        };
        Self {
            scenario,
            outcomes,
            figures: summarize(&metrics),
            rpo: pooled_rpo(outcomes.iter().map(|o| &o.rpo)),
            geo_rpo: outcomes
                .iter()
                .any(|o| o.geo_rpo.total_time() > 0)
                .then(|| pooled_rpo(outcomes.iter().map(|o| &o.geo_rpo))),
            durability_nines: durability::nines(
                match scenario.config.backup.redundancy {
                    Redundancy::Local => Layout::Local,
                    Redundancy::Zone => Layout::Zone,
                    Redundancy::Geo => Layout::Geo,
                },
                &scenario.durability,
            ),
            durability_by_redundancy: durability::nines_by_redundancy(&scenario.durability),
            restore_latest: pool(|o| &o.restores.latest),
            restore_fastest: pool(|o| &o.restores.fastest),
            restore_custom: pool(|o| &o.restores.custom),
        }
    }

    pub fn figure(&self, name: &str) -> &FigureSummary {
        crate::stats::summary::figure(&self.figures, name)
    }
}
