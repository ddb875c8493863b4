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
use crate::fleet::{
    serving_share, BillSummary, FleetRun, FleetSummary, GroupSummary, MonthBills, OutageSummary,
    Spread,
};
use crate::scenario::fleet::Fleet;

/// Where a fleet's results came from.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct FleetProvenance {
    pub backsim_version: String,
    pub command_line: String,
    #[serde(deserialize_with = "crate::analysis::overrides_read_back")]
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
    #[serde(deserialize_with = "runs_read_back")]
    pub records: Vec<FleetRun>,
}

/// The runs of a record read back (by merge): at most as many as a fleet runs.
fn runs_read_back<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<FleetRun>, D::Error> {
    crate::bounded::list(
        d,
        "records",
        crate::scenario::keys::MAX_RUNS as usize,
        "no fleet runs more times",
    )
}

/// fleet.json, typed rather than built as a `serde_json::Value`: the tree of a big fleet's
/// monthly bills per group took several times the memory of the text it became.
#[derive(Serialize)]
struct SummaryJson<'a> {
    fleet: &'a str,
    seed: u64,
    runs: usize,
    servers: u64,
    horizon_days: f64,
    currency: &'a str,
    groups_defined: Vec<GroupDefinedJson<'a>>,
    /// Named as the fleet file and --set name them, so that a value found here is set there.
    regions: Vec<RegionJson<'a>>,
    summary: SummaryBodyJson<'a>,
    provenance: &'a FleetProvenance,
}

#[derive(Serialize)]
struct GroupDefinedJson<'a> {
    name: &'a str,
    count: u32,
    region: &'a str,
    geo_restore_region: &'a str,
    source: &'a str,
    measured_from_days: f64,
    warmup_reached: bool,
}

#[derive(Serialize)]
struct RegionJson<'a> {
    name: &'a str,
    slots_per_region: u32,
    background_restores_per_hour: f64,
    background_restore_minutes: f64,
    /// False for a region the fleet only restores into: there only the outage's surge of
    /// other tenants' restores is simulated.
    background_restores_simulated: bool,
    outage_restore_surge: f64,
    region_outages_per_year: f64,
    region_outage_hours: f64,
}

#[derive(Serialize)]
struct SummaryBodyJson<'a> {
    fleet: &'a BillSummary,
    regions: Vec<RegionBillJson<'a>>,
    groups: &'a [GroupSummary],
    months: &'a [MonthBills],
    regional_outages: &'a [OutageSummary],
}

#[derive(Serialize)]
struct RegionBillJson<'a> {
    region: &'a str,
    bill: &'a BillSummary,
}

pub fn summary_json(
    fleet: &Fleet,
    summary: &FleetSummary,
    provenance: &FleetProvenance,
) -> Vec<u8> {
    let json = SummaryJson {
        fleet: &fleet.name,
        seed: fleet.seed,
        runs: summary.runs,
        servers: summary.servers,
        horizon_days: fleet.horizon_days,
        currency: fleet.currency(),
        groups_defined: fleet
            .groups
            .iter()
            .map(|g| GroupDefinedJson {
                name: &g.name,
                count: g.count,
                region: &fleet.regions[g.home].name,
                geo_restore_region: &fleet.regions[g.target].name,
                source: &g.source,
                measured_from_days: g.scenario.config.measured_from as f64 / DAY as f64,
                warmup_reached: g.scenario.warmup_reached,
            })
            .collect(),
        regions: fleet
            .regions
            .iter()
            .map(|r| RegionJson {
                name: &r.name,
                slots_per_region: r.spec.slots,
                background_restores_per_hour: r.spec.others_per_hour,
                background_restore_minutes: r.spec.others_mean_seconds / 60.0,
                background_restores_simulated: r.spec.everyday,
                outage_restore_surge: r.spec.surge_factor,
                region_outages_per_year: r.outages_per_year,
                region_outage_hours: r.outage_hours,
            })
            .collect(),
        summary: SummaryBodyJson {
            fleet: &summary.fleet,
            regions: summary
                .regions
                .iter()
                .map(|(n, b)| RegionBillJson { region: n, bill: b })
                .collect(),
            groups: &summary.groups,
            months: &summary.months,
            regional_outages: &summary.outages,
        },
        provenance,
    };
    let mut out = serde_json::to_vec_pretty(&json).expect("JSON of plain values");
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
