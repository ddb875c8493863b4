//! Metrics as the service would report them for a simulated server: backsim's own history
//! written in the export format, so that calibration can be checked against known parameters
//! (and the bundled example calibrates to a known answer).

use chrono::Duration;

use super::export::{export_json, ExportSeries};
use super::metrics::{BACKUP, BINLOG, DATA, STORAGE};
use super::simulated::hourly;
use crate::engine::{SimTime, DAY, HOUR};
use crate::scenario::Scenario;

/// How long the simulated server keeps binlog files on its own disk (binlog_storage_used): a
/// day, an assumption of this generator only.
const BINLOG_KEPT_HOURS: usize = 24;

/// The export of the simulated server's storage metrics, hourly, from `from` seconds after the
/// scenario's start to its horizon: backup storage from replication 0 of the model, the database
/// from its size and growth, the binlog on the server's disk as the last day's binlog, and
/// storage used as the two together.
pub fn metrics_json(scenario: &Scenario, from: SimTime, resource_id: &str) -> String {
    let samples = hourly(&scenario.config, scenario.seed);
    let first = (from / HOUR).max(0) as usize;
    let hours = first..samples.storage_gb.len();
    let data: Vec<f64> = hours
        .clone()
        .map(|h| scenario.config.server.db_size_at(h as SimTime * HOUR))
        .collect();
    let binlog: Vec<f64> = hours
        .clone()
        .map(|h| {
            let kept = h.saturating_sub(BINLOG_KEPT_HOURS)..h;
            samples.binlog_gb_per_hour[kept].iter().sum()
        })
        .collect();
    let backup = samples.storage_gb[hours]
        .iter()
        .map(|&gb| Some(gb))
        .collect();
    let some = |v: &[f64]| v.iter().map(|&x| Some(x)).collect::<Vec<_>>();
    let storage: Vec<f64> = data.iter().zip(&binlog).map(|(d, b)| d + b).collect();
    export_json(
        resource_id,
        &scenario.config.server.region,
        scenario.start + Duration::seconds(first as i64 * HOUR),
        HOUR,
        &[
            ExportSeries::bytes(BACKUP, "Backup Storage Used", backup),
            ExportSeries::bytes(STORAGE, "Storage Used", some(&storage)),
            ExportSeries::bytes(DATA, "Data Storage Used", some(&data)),
            ExportSeries::bytes(BINLOG, "Binlog Storage Used", some(&binlog)),
        ],
    )
}

/// The bundled example's metrics: from two days after the backup set is full (retention + 2
/// days) to the horizon, under a resource id named after the scenario.
pub fn example_metrics(scenario: &Scenario) -> String {
    let from = (scenario.config.backup.retention_days as SimTime + 2) * DAY;
    let id = format!(
        "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/contoso-rg/providers/Microsoft.DBforMySQL/flexibleServers/{}",
        scenario.name
    );
    metrics_json(scenario, from, &id)
}
