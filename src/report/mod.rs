//! Everything a run writes: pure functions from results to bytes (JSON, CSV, text), plus the
//! streaming writers for run 0's event log and hourly series, and files that appear only whole.

mod bill;
mod calibration;
pub mod charts;
mod compare;
mod csv_out;
pub mod fleet;
mod json;
mod markdown;
pub mod numbers;
mod output_dir;
mod plain_file;
mod restore;
mod single_file;
mod staging;
mod sweep;
mod sweep_merge;
mod text;

pub use bill::{bill_csv, recoveries_csv, retention_csv};
pub use calibration::{
    backtest_chart, backtest_csv, calibrated_scenario, calibration_text, CalibrationReport,
};
pub use compare::{compare_csv, compare_json, compare_panels, compare_text};
pub use csv_out::{runs_csv, summary_csv, RunZeroWriter};
pub use json::summary_json;
pub use markdown::{headlines, report_md, Headline};
pub use output_dir::{output_holding, OutputDir};
pub use plain_file::read_untrusted;
pub use restore::{
    clock, human_duration, restore_text, vault_restore_text, RequestSpread, RestoreReport,
    VaultRestoreReport, EXPORT_PREVIEW, LONG_TERM_PREVIEW,
};
pub use single_file::{not_a_plain_file, write_whole_file};
pub use staging::clean_up_on_interrupt;
pub use sweep::{sweep_csv, sweep_json};
pub use sweep_merge::{another_version, differences, merge, same_overrides, Merged};
pub use text::{overrides_line, precision_clause, summary_text};

pub use crate::analysis::{Analysis, Provenance};
