//! Replications of a fleet: in each run every server is simulated on its own (in parallel, a
//! chunk at a time, folded in fleet order), then the servers' restores are replayed through the
//! shared regions' lines, and the run is boiled down to a record — the bills, each group's
//! figures, each regional outage's recovery, each server's figures and every recovery. The
//! summary across runs is a function of those records in run order alone, so shards of runs
//! merge to the same bytes as one whole run.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::engine::{SimTime, Streams, HOUR};
use crate::model::fleet::{one_per_stretch_down, region_outages, work_out_lines, ServerLines};
use crate::model::{simulate_in_fleet, RecoveryKind, RecoveryOutcome, RecoveryRecord, RunOutcome};
use crate::scenario::fleet::Fleet;
use crate::stats::{mean_ci95, nearest_rank, Estimate, LogHistogram, Sawtooth};

/// Servers simulated at once before their outcomes are folded: bounds what is held.
mod record_check;

const CHUNK: usize = 256;

/// Storage and its bill, summed over servers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Bill {
    pub cost_per_month: f64,
    pub billable_gb_month: f64,
    pub mean_storage_gb: f64,
}

impl Bill {
    fn add_month(&mut self, m: &crate::model::MonthBill) {
        self.cost_per_month += m.cost;
        self.billable_gb_month += m.billable_gb_month;
        self.mean_storage_gb += m.mean_storage_gb;
    }

    fn add(&mut self, o: &RunOutcome) {
        let s = &o.metrics.storage;
        self.cost_per_month += s.cost_per_month;
        self.billable_gb_month += s.billable_gb_month;
        self.mean_storage_gb += s.mean_storage_gb;
    }
}

/// One group in one run: its bill, and its data-loss windows and restore times pooled over its
/// servers.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GroupRun {
    pub bill: Bill,
    pub rpo_p95_s: f64,
    pub rpo_max_s: f64,
    pub restore_latest_p50_s: Option<f64>,
    pub restore_latest_p95_s: Option<f64>,
    /// Per server.
    pub downtime_hours: f64,
    pub recoveries: f64,
}

/// One server in one run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct ServerRun {
    pub cost_per_month: f64,
    pub mean_storage_gb: f64,
    pub rpo_p95_s: f64,
    pub restore_latest_p95_s: Option<f64>,
    pub downtime_hours: f64,
    pub data_lost_s: f64,
    pub recoveries: f64,
}

/// One recovery of one server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FleetRecovery {
    pub server: u32,
    pub kind: String,
    pub started: SimTime,
    pub outcome: String,
    pub wait_s: f64,
    pub restore_s: f64,
    pub downtime_s: f64,
    pub data_lost_s: f64,
}

/// One regional outage in one run, and how its servers came back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutageRun {
    pub region: usize,
    pub start: SimTime,
    pub hours: f64,
    /// Servers of the region that were serving when it went down.
    pub affected: u32,
    /// Hours from the outage until each of them served again (by a geo-restore, or the region's
    /// return), ascending.
    #[serde(deserialize_with = "read_back::serving_hours")]
    pub serving_hours: Vec<f64>,
    pub geo_restored: u32,
    /// Back only because the region returned: no geo-redundant backups, or the region came
    /// back before the restore was done.
    pub region_returned: u32,
    /// Writes lost per affected server: those back with the region lost none.
    pub data_lost_s_mean: f64,
    /// Writes lost by the geo-restored alone (not yet copied to the pair): their mean and the
    /// worst; 0 when none was geo-restored.
    pub geo_restored_data_lost_s_mean: f64,
    pub geo_restored_data_lost_s_max: f64,
    pub wait_s_mean: f64,
    pub wait_s_max: f64,
}

impl OutageRun {
    /// Hours until `share` of the affected servers were serving again.
    pub fn hours_to(&self, share: f64) -> Option<f64> {
        if self.serving_hours.is_empty() {
            return None;
        }
        Some(*nearest_rank(&self.serving_hours, share))
    }
}

/// Everything one run of the fleet measured.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FleetRun {
    pub run: u64,
    pub fleet: Bill,
    #[serde(deserialize_with = "read_back::groups")]
    pub groups: Vec<GroupRun>,
    #[serde(deserialize_with = "read_back::regions")]
    pub regions: Vec<Bill>,
    /// Each calendar month's bill (the month's cost, GB-months and mean storage) of the fleet,
    /// of each region and of each group.
    #[serde(deserialize_with = "read_back::months")]
    pub months: Vec<Bill>,
    #[serde(deserialize_with = "read_back::region_months")]
    pub region_months: Vec<Vec<Bill>>,
    #[serde(deserialize_with = "read_back::group_months")]
    pub group_months: Vec<Vec<Bill>>,
    pub outages: Vec<OutageRun>,
    #[serde(deserialize_with = "read_back::servers")]
    pub servers: Vec<ServerRun>,
    pub recoveries: Vec<FleetRecovery>,
    pub peak_restores_waiting: u64,
}

/// A run's lists read back from a shard (by merge), each refused past what a fleet holds
/// before it is built: a list of `[]` or of `0` costs many times its text (outages and
/// recoveries, whose entries are longer as text than in memory, are bounded by the file).
mod read_back {
    use super::{Bill, GroupRun, ServerRun};
    use crate::bounded::{list, List};
    use crate::scenario::fleet::MAX_SERVERS;
    use serde::de::{Deserializer, SeqAccess, Visitor};

    /// horizon_days is at most 36,500: its calendar months, and one begun at each end.
    pub const MOST_MONTHS: usize = 36_500 / 28 + 2;
    const REGIONS: &str = "there are no more regions";
    const MONTHS: &str = "no run spans more months";
    const SERVERS: &str = "a fleet holds no more servers, and a group one at least";

    fn most_regions() -> usize {
        crate::model::regions::known_regions().count()
    }

    pub fn groups<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<GroupRun>, D::Error> {
        list(d, "groups", MAX_SERVERS as usize, SERVERS)
    }
    pub fn servers<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<ServerRun>, D::Error> {
        list(d, "servers", MAX_SERVERS as usize, SERVERS)
    }
    pub fn regions<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Bill>, D::Error> {
        list(d, "regions", most_regions(), REGIONS)
    }
    pub fn months<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Bill>, D::Error> {
        list(d, "months", MOST_MONTHS, MONTHS)
    }
    pub fn region_months<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Vec<Bill>>, D::Error> {
        d.deserialize_seq(Nested {
            outer: List::new("region_months", most_regions(), REGIONS),
        })
    }
    pub fn group_months<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Vec<Bill>>, D::Error> {
        d.deserialize_seq(Nested {
            outer: List::new("group_months", MAX_SERVERS as usize, SERVERS),
        })
    }

    /// A list of lists of months.
    struct Nested<'a> {
        outer: List<'a, Vec<Bill>>,
    }

    impl<'de> Visitor<'de> for Nested<'_> {
        type Value = Vec<Vec<Bill>>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            write!(f, "a list of lists of months for `{}`", self.outer.key)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::new();
            while let Some(months) =
                seq.next_element_seed(List::<Bill>::new(self.outer.key, MOST_MONTHS, MONTHS))?
            {
                if out.len() == self.outer.most {
                    return Err(self.outer.too_long());
                }
                out.push(months);
            }
            Ok(out)
        }
    }

    /// Hours until each affected server served again: one per server at most.
    pub fn serving_hours<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<f64>, D::Error> {
        list(d, "serving_hours", MAX_SERVERS as usize, SERVERS)
    }
}

/// A server by its place: its group and its index in the group.
#[derive(Debug, Clone, Copy)]
struct Place {
    group: usize,
    index: u32,
}

/// Simulate run `run` of the fleet (on the current rayon pool).
pub fn simulate_run(fleet: &Fleet, run: u64) -> FleetRun {
    let horizon = fleet.groups[0].scenario.config.horizon;
    let run_streams = Streams::for_replication(fleet.seed, run);
    let outages: Vec<Vec<(SimTime, SimTime)>> = fleet
        .regions
        .iter()
        .enumerate()
        .map(|(i, r)| region_outages(r, i as u32, &run_streams, horizon))
        .collect();
    let places: Vec<Place> = fleet
        .groups
        .iter()
        .enumerate()
        .flat_map(|(g, group)| (0..group.count).map(move |index| Place { group: g, index }))
        .collect();
    let months = fleet.groups[0].scenario.config.months.len();
    let mut out = FleetRun {
        run,
        groups: vec![GroupRun::default(); fleet.groups.len()],
        regions: vec![Bill::default(); fleet.regions.len()],
        months: vec![Bill::default(); months],
        region_months: vec![vec![Bill::default(); months]; fleet.regions.len()],
        group_months: vec![vec![Bill::default(); months]; fleet.groups.len()],
        ..FleetRun::default()
    };
    let mut pooled: Vec<(Sawtooth, LogHistogram)> = (0..fleet.groups.len())
        .map(|_| (Sawtooth::default(), LogHistogram::default()))
        .collect();
    let mut lines: Vec<ServerLines> = Vec::with_capacity(places.len());
    for chunk in places.chunks(CHUNK) {
        let runs: Vec<_> = chunk
            .par_iter()
            .map(|p| {
                let group = &fleet.groups[p.group];
                let streams = Streams::for_server(fleet.seed, run, p.group as u32, p.index);
                simulate_in_fleet(&group.scenario.config, &streams, &outages[group.home])
            })
            .collect();
        for (p, server) in chunk.iter().zip(runs) {
            let group = &fleet.groups[p.group];
            let o = &server.outcome;
            out.fleet.add(o);
            out.regions[group.home].add(o);
            out.groups[p.group].bill.add(o);
            for (m, bill) in o.metrics.storage.monthly.iter().enumerate() {
                out.months[m].add_month(bill);
                out.region_months[group.home][m].add_month(bill);
                out.group_months[p.group][m].add_month(bill);
            }
            pooled[p.group].0.merge(&o.rpo);
            pooled[p.group].1.merge(&o.restores.latest);
            // Places come group by group: a group's spreads are read once its last server is
            // in, and let go, so that a fleet of many small groups holds a few at a time
            // (tens of KB each) rather than all of them.
            if p.index + 1 == group.count {
                let (rpo, restores) = std::mem::take(&mut pooled[p.group]);
                let q = rpo.quantiles();
                let g = &mut out.groups[p.group];
                g.rpo_p95_s = q.p95;
                g.rpo_max_s = q.max;
                let latest = restores.quantiles_if_any();
                g.restore_latest_p50_s = latest.map(|q| q.p50);
                g.restore_latest_p95_s = latest.map(|q| q.p95);
            }
            let s = &o.metrics;
            out.servers.push(ServerRun {
                cost_per_month: s.storage.cost_per_month,
                mean_storage_gb: s.storage.mean_storage_gb,
                rpo_p95_s: s.rpo_seconds.p95,
                restore_latest_p95_s: s.restore.latest_seconds.map(|q| q.p95),
                ..ServerRun::default()
            });
            lines.push(ServerLines {
                home: group.home,
                target: group.target,
                requests: server.requests,
                recoveries: server.recoveries,
            });
        }
    }
    let worked = work_out_lines(&fleet.regions, &run_streams, horizon, &mut lines);
    out.peak_restores_waiting = worked.peak_waiting;
    // One row per stretch a region was down; a server's outage belongs to the stretch it began
    // in (it begins later than the stretch when the server was stopped at the stretch's start).
    let outage_index: Vec<(usize, SimTime, SimTime)> = outages
        .iter()
        .enumerate()
        .flat_map(|(r, list)| {
            one_per_stretch_down(list)
                .into_iter()
                .map(move |(s, l)| (r, s, l))
        })
        .collect();
    let mut by_outage: Vec<Vec<(u32, RecoveryRecord)>> = vec![Vec::new(); outage_index.len()];
    for (i, (p, server)) in places.iter().zip(lines).enumerate() {
        let group = &fleet.groups[p.group];
        let downtime_hours = server.recoveries.downtime_seconds() / 3600.0;
        let records = server.recoveries.into_records();
        let row = &mut out.servers[i];
        row.downtime_hours = downtime_hours;
        row.recoveries = records.len() as f64;
        // Folded from +0: a float sum of nothing is -0, which the records then showed.
        row.data_lost_s = records.iter().fold(0.0, |lost, r| lost + r.data_lost_s);
        out.groups[p.group].downtime_hours += downtime_hours / group.count as f64;
        out.groups[p.group].recoveries += records.len() as f64 / group.count as f64;
        for r in records {
            if r.kind == RecoveryKind::RegionOutage {
                if let Some(k) = outage_index.iter().position(|&(region, start, length)| {
                    region == group.home && (start..=start + length).contains(&r.started)
                }) {
                    by_outage[k].push((i as u32, r));
                }
            }
            out.recoveries.push(FleetRecovery {
                server: i as u32,
                kind: r.kind.as_str().to_string(),
                started: r.started,
                outcome: r.outcome.as_str(r.kind).to_string(),
                wait_s: r.wait_s,
                restore_s: r.restore_s,
                downtime_s: r.downtime_s,
                data_lost_s: r.data_lost_s,
            });
        }
    }
    for ((region, start, length), hit) in outage_index.into_iter().zip(by_outage) {
        out.outages.push(outage_run(region, start, length, &hit));
    }
    out
}

fn outage_run(
    region: usize,
    start: SimTime,
    length: SimTime,
    hit: &[(u32, RecoveryRecord)],
) -> OutageRun {
    let mut serving: Vec<f64> = hit
        .iter()
        .map(|(_, r)| r.downtime_s / HOUR as f64)
        .collect();
    serving.sort_by(f64::total_cmp);
    let n = hit.len().max(1) as f64;
    let geo = |r: &RecoveryRecord| r.outcome == RecoveryOutcome::Restored;
    let geo_restored: Vec<&RecoveryRecord> =
        hit.iter().map(|(_, r)| r).filter(|r| geo(r)).collect();
    let waits: Vec<f64> = geo_restored.iter().map(|r| r.wait_s).collect();
    let lost: Vec<f64> = geo_restored.iter().map(|r| r.data_lost_s).collect();
    OutageRun {
        region,
        start,
        hours: length as f64 / HOUR as f64,
        affected: hit.len() as u32,
        serving_hours: serving,
        geo_restored: geo_restored.len() as u32,
        region_returned: (hit.len() - geo_restored.len()) as u32,
        data_lost_s_mean: hit.iter().map(|(_, r)| r.data_lost_s).sum::<f64>() / n,
        geo_restored_data_lost_s_mean: if lost.is_empty() {
            0.0
        } else {
            lost.iter().sum::<f64>() / lost.len() as f64
        },
        geo_restored_data_lost_s_max: lost.iter().copied().fold(0.0, f64::max),
        wait_s_mean: if waits.is_empty() {
            0.0
        } else {
            waits.iter().sum::<f64>() / waits.len() as f64
        },
        wait_s_max: waits.iter().copied().fold(0.0, f64::max),
    }
}

/// Runs `range` of the fleet, in order; `on_done` after each.
pub fn simulate_runs(
    fleet: &Fleet,
    range: impl Iterator<Item = u64>,
    on_done: &(dyn Fn() + Sync),
) -> Vec<FleetRun> {
    range
        .map(|run| {
            let r = simulate_run(fleet, run);
            on_done();
            r
        })
        .collect()
}

/// A figure across runs, with the distribution over regional outages where it is one.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Spread {
    pub p50: f64,
    pub p95: f64,
    pub max: f64,
    pub n: usize,
}

fn spread(mut values: Vec<f64>) -> Option<Spread> {
    let s = crate::analysis::Spread::of(&mut values)?;
    Some(Spread {
        p50: s.p50,
        p95: s.p95,
        max: s.max,
        n: values.len(),
    })
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BillSummary {
    pub cost_per_month: Estimate,
    pub billable_gb_month: Estimate,
    pub mean_storage_gb: Estimate,
}

fn bill_summary(bills: &[Bill]) -> BillSummary {
    let of = |f: fn(&Bill) -> f64| mean_ci95(&bills.iter().map(f).collect::<Vec<_>>());
    BillSummary {
        cost_per_month: of(|b| b.cost_per_month),
        billable_gb_month: of(|b| b.billable_gb_month),
        mean_storage_gb: of(|b| b.mean_storage_gb),
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupSummary {
    pub name: String,
    pub count: u32,
    pub region: String,
    pub bill: BillSummary,
    pub rpo_p95_s: Estimate,
    pub rpo_max_s: Estimate,
    pub restore_latest_p50_s: Option<Estimate>,
    pub restore_latest_p95_s: Option<Estimate>,
    pub downtime_hours_per_server: Estimate,
    pub recoveries_per_server: Estimate,
}

/// Regional outages of one region pooled over runs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutageSummary {
    pub region: String,
    pub outages: usize,
    pub affected_mean: f64,
    /// Hours until 50%, 90%, 99% and all of the affected servers served again.
    pub hours_to_50: Option<Spread>,
    pub hours_to_90: Option<Spread>,
    pub hours_to_99: Option<Spread>,
    pub hours_to_100: Option<Spread>,
    pub geo_restored_mean: f64,
    pub region_returned_mean: f64,
    pub data_lost_s_per_server: Option<Spread>,
    /// Over the outages in which any server was geo-restored: each one's mean and worst writes
    /// lost among those servers (what a geo-restore costs; the per-server mean above counts the
    /// servers back with the region too, which lost none).
    pub geo_restored_data_lost_s_mean: Option<Spread>,
    pub geo_restored_data_lost_s_max: Option<Spread>,
    pub wait_s_mean: Option<Spread>,
    pub wait_s_max: Option<Spread>,
}

/// One calendar month's bill across runs: of the fleet, each region, each group. Its
/// `cost_per_month` is the month's cost (a partial month bills only what the run covered).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MonthBills {
    pub month: String,
    /// Days of the month the run covers, and whether that is less than the whole month.
    pub days_simulated: f64,
    pub partial: bool,
    pub fleet: BillSummary,
    pub regions: Vec<(String, BillSummary)>,
    pub groups: Vec<(String, BillSummary)>,
}

/// The fleet's figures across runs, and per server.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FleetSummary {
    pub runs: usize,
    pub servers: u64,
    pub fleet: BillSummary,
    pub regions: Vec<(String, BillSummary)>,
    pub groups: Vec<GroupSummary>,
    pub months: Vec<MonthBills>,
    pub outages: Vec<OutageSummary>,
    /// Each server's figures, averaged over runs.
    pub servers_mean: Vec<ServerRun>,
}

impl FleetSummary {
    pub fn new(fleet: &Fleet, runs: &[FleetRun]) -> Self {
        let first = &fleet.groups[0].scenario;
        let home_regions: Vec<usize> = (0..fleet.regions.len())
            .filter(|i| fleet.groups.iter().any(|g| g.home == *i))
            .collect();
        let months = first
            .config
            .months
            .iter()
            .enumerate()
            .map(|(i, m)| MonthBills {
                month: crate::analysis::month_label(first.start, m.from),
                days_simulated: (m.to - m.from) as f64 / crate::engine::DAY as f64,
                partial: m.partial(),
                fleet: bill_summary(&runs.iter().map(|r| r.months[i]).collect::<Vec<_>>()),
                regions: home_regions
                    .iter()
                    .map(|&k| {
                        let bills: Vec<Bill> = runs.iter().map(|r| r.region_months[k][i]).collect();
                        (fleet.regions[k].name.clone(), bill_summary(&bills))
                    })
                    .collect(),
                groups: (0..fleet.groups.len())
                    .map(|g| {
                        let bills: Vec<Bill> = runs.iter().map(|r| r.group_months[g][i]).collect();
                        (fleet.groups[g].name.clone(), bill_summary(&bills))
                    })
                    .collect(),
            })
            .collect();
        let groups = fleet
            .groups
            .iter()
            .enumerate()
            .map(|(g, group)| {
                let of = |f: &dyn Fn(&GroupRun) -> f64| {
                    mean_ci95(&runs.iter().map(|r| f(&r.groups[g])).collect::<Vec<_>>())
                };
                let optional = |f: &dyn Fn(&GroupRun) -> Option<f64>| {
                    let v: Vec<f64> = runs.iter().filter_map(|r| f(&r.groups[g])).collect();
                    (!v.is_empty()).then(|| mean_ci95(&v))
                };
                GroupSummary {
                    name: group.name.clone(),
                    count: group.count,
                    region: fleet.regions[group.home].name.clone(),
                    bill: bill_summary(&runs.iter().map(|r| r.groups[g].bill).collect::<Vec<_>>()),
                    rpo_p95_s: of(&|x| x.rpo_p95_s),
                    rpo_max_s: of(&|x| x.rpo_max_s),
                    restore_latest_p50_s: optional(&|x| x.restore_latest_p50_s),
                    restore_latest_p95_s: optional(&|x| x.restore_latest_p95_s),
                    downtime_hours_per_server: of(&|x| x.downtime_hours),
                    recoveries_per_server: of(&|x| x.recoveries),
                }
            })
            .collect();
        let regions = home_regions
            .iter()
            .map(|&i| {
                let r = &fleet.regions[i];
                (
                    r.name.clone(),
                    bill_summary(&runs.iter().map(|x| x.regions[i]).collect::<Vec<_>>()),
                )
            })
            .collect();
        let outages = home_regions
            .iter()
            .map(|&i| {
                let r = &fleet.regions[i];
                let hit: Vec<&OutageRun> = runs
                    .iter()
                    .flat_map(|x| x.outages.iter())
                    .filter(|o| o.region == i && o.affected > 0)
                    .collect();
                let to =
                    |share: f64| spread(hit.iter().filter_map(|o| o.hours_to(share)).collect());
                let mean = |f: &dyn Fn(&OutageRun) -> f64| {
                    if hit.is_empty() {
                        0.0
                    } else {
                        hit.iter().map(|o| f(o)).sum::<f64>() / hit.len() as f64
                    }
                };
                OutageSummary {
                    region: r.name.clone(),
                    outages: hit.len(),
                    affected_mean: mean(&|o| o.affected as f64),
                    hours_to_50: to(0.5),
                    hours_to_90: to(0.9),
                    hours_to_99: to(0.99),
                    hours_to_100: to(1.0),
                    geo_restored_mean: mean(&|o| o.geo_restored as f64),
                    region_returned_mean: mean(&|o| o.region_returned as f64),
                    data_lost_s_per_server: spread(
                        hit.iter().map(|o| o.data_lost_s_mean).collect(),
                    ),
                    geo_restored_data_lost_s_mean: spread(
                        hit.iter()
                            .filter(|o| o.geo_restored > 0)
                            .map(|o| o.geo_restored_data_lost_s_mean)
                            .collect(),
                    ),
                    geo_restored_data_lost_s_max: spread(
                        hit.iter()
                            .filter(|o| o.geo_restored > 0)
                            .map(|o| o.geo_restored_data_lost_s_max)
                            .collect(),
                    ),
                    wait_s_mean: spread(hit.iter().map(|o| o.wait_s_mean).collect()),
                    wait_s_max: spread(hit.iter().map(|o| o.wait_s_max).collect()),
                }
            })
            .collect();
        let n = runs.len().max(1) as f64;
        let count = runs.first().map_or(0, |r| r.servers.len());
        let servers_mean = (0..count)
            .map(|i| {
                let sum = |f: &dyn Fn(&ServerRun) -> f64| {
                    runs.iter().map(|r| f(&r.servers[i])).sum::<f64>() / n
                };
                let restores: Vec<f64> = runs
                    .iter()
                    .filter_map(|r| r.servers[i].restore_latest_p95_s)
                    .collect();
                ServerRun {
                    cost_per_month: sum(&|s| s.cost_per_month),
                    mean_storage_gb: sum(&|s| s.mean_storage_gb),
                    rpo_p95_s: sum(&|s| s.rpo_p95_s),
                    restore_latest_p95_s: (!restores.is_empty())
                        .then(|| restores.iter().sum::<f64>() / restores.len() as f64),
                    downtime_hours: sum(&|s| s.downtime_hours),
                    data_lost_s: sum(&|s| s.data_lost_s),
                    recoveries: sum(&|s| s.recoveries),
                }
            })
            .collect();
        Self {
            runs: runs.len(),
            servers: fleet.servers(),
            fleet: bill_summary(&runs.iter().map(|r| r.fleet).collect::<Vec<_>>()),
            regions,
            groups,
            months,
            outages,
            servers_mean,
        }
    }
}

/// For the chart: the share of an outage's servers serving again at each of `hours`.
pub fn serving_share(outage: &OutageRun, hours: &[f64]) -> Vec<f64> {
    let n = outage.serving_hours.len().max(1) as f64;
    hours
        .iter()
        .map(|&h| outage.serving_hours.partition_point(|&s| s <= h) as f64 / n)
        .collect()
}
