//! A fleet's outputs: the readable summary, fleet.json (the summary and where it came from),
//! fleet_runs.json (every run's record, what `merge` joins), fleet_bill.csv, fleet_servers.csv,
//! fleet_recoveries.csv, fleet_outages.csv and fleet_recovery.png.

use serde::Serialize;

mod csv;
mod text;

pub use csv::{bill_csv, outages_csv, recoveries_csv, servers_csv};
pub use text::{report_md, text};

use super::charts;
use super::csv_out::{cells, header, num, timestamp};
use super::numbers::{estimate, sig};
use crate::engine::DAY;
use crate::fleet::{serving_share, FleetRun, FleetSummary, Spread};
use crate::scenario::fleet::Fleet;

/// Where a fleet's results came from.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct FleetProvenance {
    pub backsim_version: String,
    pub command_line: String,
    pub overrides: Vec<String>,
    pub fleet_file: String,
    pub fleet_sha256: String,
    /// The fleet as built (`Fleet::fingerprint`): merge checks that the files the fleet file
    /// reads beside it are the ones the shards ran. Absent in records written before it.
    #[serde(default)]
    pub fleet_fingerprint: String,
}

/// What a fleet output folder (or a shard of one) records about its runs: enough for `merge`.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct FleetRecord {
    pub fleet: String,
    pub seed: u64,
    /// Runs of the whole fleet (all shards together).
    pub runs: u32,
    pub servers: u64,
    /// Which shard this is (1-based) of how many.
    pub shard: [usize; 2],
    pub provenance: FleetProvenance,
    pub records: Vec<FleetRun>,
}

pub fn summary_json(
    fleet: &Fleet,
    summary: &FleetSummary,
    provenance: &FleetProvenance,
) -> Vec<u8> {
    let mut out = serde_json::to_vec_pretty(&serde_json::json!({
        "fleet": fleet.name,
        "seed": fleet.seed,
        "runs": summary.runs,
        "servers": summary.servers,
        "horizon_days": fleet.horizon_days,
        "currency": fleet.currency(),
        "groups_defined": fleet.groups.iter().map(|g| serde_json::json!({
            "name": g.name,
            "count": g.count,
            "region": fleet.regions[g.home].name,
            "geo_restore_region": fleet.regions[g.target].name,
            "source": g.source,
            "measured_from_days": g.scenario.config.measured_from as f64 / DAY as f64,
            "warmup_reached": g.scenario.warmup_reached,
        })).collect::<Vec<_>>(),
        // Named as the fleet file and --set name them, so that a value found here is set there.
        "regions": fleet.regions.iter().map(|r| serde_json::json!({
            "name": r.name,
            "slots_per_region": r.spec.slots,
            "background_restores_per_hour": r.spec.others_per_hour,
            "background_restore_minutes": r.spec.others_mean_seconds / 60.0,
            // False for a region the fleet only restores into: there only the outage's surge
            // of other tenants' restores is simulated.
            "background_restores_simulated": r.spec.everyday,
            "outage_restore_surge": r.spec.surge_factor,
            "region_outages_per_year": r.outages_per_year,
            "region_outage_hours": r.outage_hours,
        })).collect::<Vec<_>>(),
        "summary": {
            "fleet": summary.fleet,
            "regions": summary.regions.iter().map(|(n, b)| serde_json::json!({"region": n, "bill": b})).collect::<Vec<_>>(),
            "groups": summary.groups,
            "months": summary.months,
            "regional_outages": summary.outages,
        },
        "provenance": provenance,
    }))
    .expect("JSON of plain values");
    out.push(b'\n');
    out
}

pub fn record_json(record: &FleetRecord) -> Vec<u8> {
    let mut out = serde_json::to_vec(record).expect("JSON of plain values");
    out.push(b'\n');
    out
}

/// The recovery chart, when some regional outage hit some server.
pub fn recovery_chart(fleet: &Fleet, runs: &[FleetRun]) -> Option<Result<Vec<u8>, String>> {
    let longest = runs
        .iter()
        .flat_map(|r| r.outages.iter())
        .filter_map(|o| o.hours_to(1.0))
        .fold(0.0, f64::max);
    if longest <= 0.0 {
        return None;
    }
    let top = longest * 1.05;
    let hours: Vec<f64> = (0..=200).map(|i| top * i as f64 / 200.0).collect();
    let regions: Vec<(String, Vec<Vec<f64>>)> = fleet
        .regions
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let curves = runs
                .iter()
                .flat_map(|x| x.outages.iter())
                .filter(|o| o.region == i && o.affected > 0)
                .map(|o| serving_share(o, &hours))
                .collect();
            (r.name.clone(), curves)
        })
        .filter(|(_, c): &(String, Vec<Vec<f64>>)| !c.is_empty())
        .collect();
    Some(charts::fleet_recovery_chart(
        &regions,
        &hours,
        &format!(
            "{}: servers serving again after a regional outage",
            fleet.name
        ),
    ))
}
