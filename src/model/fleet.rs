//! A fleet: many servers, each with its own backups, storage, load and incidents, in regions
//! they share. Two things tie them together, and only these: a regional outage takes down
//! every server of its region at the same moment, and every restore — theirs and other
//! tenants' — queues for the same slots of its target region.
//!
//! A restore's wait changes nothing a server does afterwards, only how its recovery ends. So
//! each server is simulated on its own (in parallel), told its region's outages and keeping
//! its restore requests; then the requests of all servers are replayed together, in time
//! order, through the shared regions' lines, and each recovery is finished with the wait it
//! met. A fleet of one server is therefore exactly a single-server run.

use std::collections::BTreeSet;

use super::arrivals::Poisson;
use super::recovery::{OwnRestore, Recoveries};
use super::region::{FleetRequest, RegionId, RegionSpec, Regions, Started};
use crate::engine::{Purpose, SimTime, Streams, DAY};

const YEAR: f64 = 365.0 * DAY as f64;

/// One region of a fleet: its restore slots and other tenants, and how often it goes down.
#[derive(Debug, Clone, PartialEq)]
pub struct FleetRegion {
    pub name: String,
    pub spec: RegionSpec,
    pub outages_per_year: f64,
    /// Mean length of an outage, and the spread of lengths (lognormal coefficient of variation).
    pub outage_hours: f64,
    pub outage_cv: f64,
    /// Outages the plan asks about, in every run: (start, length).
    pub scripted: Vec<(SimTime, SimTime)>,
}

/// The outages of region `place` (its index in the fleet) over `horizon`, as (start, length),
/// in order of start: the scripted ones, and those drawn exactly as a single server draws its
/// region's outages (the next gap at each outage, then its length) from the run's stream of
/// that region.
pub fn region_outages(
    region: &FleetRegion,
    place: u32,
    run_streams: &Streams,
    horizon: SimTime,
) -> Vec<(SimTime, SimTime)> {
    let mut process = Poisson::new(
        run_streams.stream_of(Purpose::RegionOutages, place),
        YEAR / region.outages_per_year,
    );
    let mut outages: Vec<(SimTime, SimTime)> = Vec::new();
    let mut at = process.next(0, horizon);
    while let Some(start) = at {
        at = process.next(start, horizon);
        outages.push((start, process.length(region.outage_hours, region.outage_cv)));
    }
    outages.extend(region.scripted.iter().filter(|o| o.0 < horizon));
    outages.sort_by_key(|o| o.0);
    outages
}

/// Outages in order of start, those that overlap or touch made one (the region is down from
/// the first start to the last end), as a server's run takes them. The servers are given the
/// outages as drawn and merge them themselves: one stopped when the first begins takes the
/// next, as it would alone.
pub fn one_per_stretch_down(outages: &[(SimTime, SimTime)]) -> Vec<(SimTime, SimTime)> {
    let mut merged: Vec<(SimTime, SimTime)> = Vec::with_capacity(outages.len());
    for &(start, length) in outages {
        match merged.last_mut() {
            Some((first, merged_length)) if start <= *first + *merged_length => {
                *merged_length = (*merged_length).max(start + length - *first);
            }
            _ => merged.push((start, length)),
        }
    }
    merged
}

/// One server's part in the replay: where its restores go, what it asked for, and its
/// recoveries to finish.
#[derive(Debug, Clone)]
pub struct ServerLines {
    /// Its region and its geo-restore target, as indexes into the fleet's regions.
    pub home: usize,
    pub target: usize,
    pub requests: Vec<FleetRequest<OwnRestore>>,
    pub recoveries: Recoveries,
}

/// How the shared lines went in one run: the longest line each region had.
#[derive(Debug, Clone, PartialEq)]
pub struct LinesWorkedOut {
    pub peak_waiting: u64,
}

/// Replay every server's requests through the fleet's regions in time order (servers asking in
/// the same second in an order drawn afresh each run, each server's in the order it made
/// them), starting each restore
/// when its turn comes and finishing its recovery. An outage that several servers saw surges
/// other tenants' restores once. Restores still waiting at the horizon are worked out past it.
pub fn work_out_lines(
    regions: &[FleetRegion],
    run_streams: &Streams,
    horizon: SimTime,
    servers: &mut [ServerLines],
) -> LinesWorkedOut {
    let specs: Vec<RegionSpec> = regions.iter().map(|r| r.spec).collect();
    let mut lines: Regions<(usize, OwnRestore)> = Regions::new(&specs, run_streams);
    // After a regional outage every server there asks at the same moment: the file's order of
    // groups must not decide who gets a slot first, so each run shuffles them.
    let mut turns = run_streams.stream(Purpose::FleetTurns);
    let turn: Vec<u64> = servers
        .iter()
        .map(|_| (turns.uniform() * (1u64 << 53) as f64) as u64)
        .collect();
    let mut order: Vec<(SimTime, u64, usize, usize)> = servers
        .iter()
        .enumerate()
        .flat_map(|(s, server)| {
            let turn = turn[s];
            server.requests.iter().enumerate().map(move |(k, request)| {
                let at = match request {
                    FleetRequest::Join { at, .. } | FleetRequest::Surge { at, .. } => *at,
                };
                (at, turn, s, k)
            })
        })
        .collect();
    order.sort_unstable();
    let mut surged: BTreeSet<(SimTime, usize, u64)> = BTreeSet::new();
    for (at, _, s, k) in order {
        start_due(&mut lines, servers, at.min(horizon - 1), horizon);
        let server = &mut servers[s];
        let fleet_region = |local: RegionId| {
            if local == RegionId::HOME {
                RegionId(server.home)
            } else {
                RegionId(server.target)
            }
        };
        match std::mem::replace(
            &mut server.requests[k],
            FleetRequest::Surge {
                at,
                region: RegionId::HOME,
                seconds: 0.0,
            },
        ) {
            FleetRequest::Join { region, job, .. } => {
                let region = fleet_region(region);
                if let Some(job) = lines.join(region, at, (s, job)) {
                    let started = Started {
                        region,
                        arrived: at,
                        job,
                    };
                    begin(&mut lines, servers, at, started, horizon);
                }
            }
            FleetRequest::Surge {
                region, seconds, ..
            } => {
                let region = fleet_region(region);
                if surged.insert((at, region.0, seconds.to_bits())) {
                    lines.surge(region, at, seconds);
                }
            }
        }
    }
    // Restores still waiting when the run ends are worked out past it, as a single server's
    // are: every server an outage hit has its recovery.
    start_due(&mut lines, servers, SimTime::MAX, horizon);
    LinesWorkedOut {
        peak_waiting: lines.peak_waiting(),
    }
}

/// Start every restore whose turn comes at or before `until`; the downtime they count stops at
/// `horizon`.
fn start_due(
    lines: &mut Regions<(usize, OwnRestore)>,
    servers: &mut [ServerLines],
    until: SimTime,
    horizon: SimTime,
) {
    while let Some((now, started)) = lines.next_started(until) {
        begin(lines, servers, now, started, horizon);
    }
}

/// A server's restore gets its slot at `now`: its recovery starts, and holds the slot until done
/// (or called off).
fn begin(
    lines: &mut Regions<(usize, OwnRestore)>,
    servers: &mut [ServerLines],
    now: SimTime,
    started: Started<(usize, OwnRestore)>,
    horizon: SimTime,
) {
    let (s, own) = started.job;
    let held = servers[s]
        .recoveries
        .start(&own, now, now - started.arrived, horizon)
        .held;
    lines.hold(started.region, now + held.max(1));
}
