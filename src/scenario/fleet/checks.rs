//! Checks of the fleet as a whole, once every group and region is built: outages that would
//! hit no server or fall past the run, regions listed for nobody, and surges too large to work
//! out.

use super::{places, FleetGroup, FleetHead};
use crate::error::{InputError, Origin};
use crate::model::fleet::FleetRegion;
use crate::scenario::reach;

pub(super) fn whole_fleet(
    groups: &[FleetGroup],
    regions: &[FleetRegion],
    region_names: &[String],
    head: &FleetHead,
) -> Result<(), InputError> {
    let horizon = groups[0].scenario.config.horizon;
    // A region that only receives geo-restores is listed too, but an outage there hits no
    // server of the fleet (and the run would drop it without a word).
    // An [[outage]]'s key where it is written (i from 0), for the errors below.
    let outage_key = |i: usize, key: &str| {
        (
            Some(format!("outage[{}].{key}", i + 1)),
            crate::scenario::spans::exact_line_col(&head.text, &format!("outage[{i}].{key}")),
        )
    };
    if let Some((i, (region, _, _))) = head
        .outages
        .iter()
        .enumerate()
        .find(|(_, (r, _, _))| !groups.iter().any(|g| region_names[g.home] == *r))
    {
        let (key, position) = outage_key(i, "region");
        return Err(InputError {
            origin: head.origin.clone(),
            key,
            position,
            message: format!("no group runs in {region}: an outage there would hit no server"),
        });
    }
    if let Some((i, (region, at, _))) = head
        .outages
        .iter()
        .enumerate()
        .find(|(_, (_, at, _))| *at >= horizon)
    {
        let (key, position) = outage_key(i, "at");
        return Err(InputError {
            origin: head.origin.clone(),
            key,
            position,
            message: format!(
                "the outage of {region} {} days in is past the end of the run ({} days): raise horizon_days or move it",
                *at as f64 / crate::engine::DAY as f64,
                groups[0].scenario.horizon_days
            ),
        });
    }
    for listed in head.regions.keys() {
        if !region_names.contains(listed) {
            let from_set = head.set_regions.iter().find(|(r, _, _)| r == listed);
            return Err(InputError {
                origin: from_set.map_or(head.origin.clone(), |(_, k, v)| {
                    Origin::Argument(format!("--set {k}={v}"))
                }),
                key: Some(format!("regions.{listed}")),
                position: from_set
                    .is_none()
                    .then(|| places::region_position(&head.text, listed))
                    .flatten(),
                message: "no group runs in this region or restores into it".into(),
            });
        }
    }
    surges_within_reach(groups, regions, region_names, horizon, head)?;
    bills_within_reach(groups, head)
}

/// The most monthly bills of single groups the summary holds (fleet.json, fleet_bill.csv):
/// about a kilobyte each in memory while the files are written.
pub const MOST_GROUP_MONTHS: u64 = 500_000;
/// The most the runs' records hold together (fleet_runs.json, what `merge` joins).
pub const MOST_GROUP_MONTH_RUNS: u64 = 5_000_000;

/// Every group has a bill for every calendar month, in each run's record and in the summary:
/// memory that grows with groups × months (× runs), refused past a bound rather than run out
/// of memory partway through.
fn bills_within_reach(groups: &[FleetGroup], head: &FleetHead) -> Result<(), InputError> {
    let first = &groups[0].scenario;
    let months = first.config.months.len() as u64;
    let group_months = groups.len() as u64 * months;
    let runs = u64::from(first.runs);
    let too_many = if group_months > MOST_GROUP_MONTHS {
        Some(format!(
            "{} groups × {months} calendar months = {group_months} monthly group bills, more than the {MOST_GROUP_MONTHS} fleet.json and fleet_bill.csv can hold in memory",
            groups.len()
        ))
    } else if group_months * runs > MOST_GROUP_MONTH_RUNS {
        Some(format!(
            "{} groups × {months} calendar months × {runs} runs = {} monthly group bills, more than the {MOST_GROUP_MONTH_RUNS} the runs' records (fleet_runs.json) can hold in memory; fewer runs would do",
            groups.len(),
            group_months * runs
        ))
    } else {
        None
    };
    match too_many {
        Some(what) => Err(InputError {
            origin: head.origin.clone(),
            key: Some("group".into()),
            position: None,
            message: format!(
                "{what}: put servers alike in one group with a count (an inventory row's count column), or shorten horizon_days"
            ),
        }),
        None => Ok(()),
    }
}

/// A region's outages surge other tenants' restores into the region its servers restore in,
/// as in a single server's run, and each is worked out: the same bound on them a run.
fn surges_within_reach(
    groups: &[FleetGroup],
    regions: &[FleetRegion],
    names: &[String],
    horizon: crate::engine::SimTime,
    head: &FleetHead,
) -> Result<(), InputError> {
    let years = horizon as f64 / (365.0 * crate::engine::DAY as f64);
    let mut pairs: Vec<(usize, usize)> = groups.iter().map(|g| (g.home, g.target)).collect();
    pairs.sort_unstable();
    pairs.dedup();
    let mut into = vec![0.0; regions.len()];
    for (home, target) in pairs {
        let down = &regions[home];
        let hours = years * down.outages_per_year * down.outage_hours
            + down
                .scripted
                .iter()
                .map(|&(_, length)| length as f64 / 3_600.0)
                .sum::<f64>();
        let spec = &regions[target].spec;
        into[target] += hours * spec.others_per_hour * spec.surge_factor;
    }
    let beyond = into.iter().enumerate().find_map(|(i, &restores)| {
        let made_of =
            "its background rate × surge × the outage hours of the regions restoring there";
        reach::beyond_reach(restores, &format!("{}'s line", names[i]), made_of).map(|m| (i, m))
    });
    match beyond {
        Some((i, message)) => Err(InputError {
            origin: head.origin.clone(),
            key: Some(format!("regions.{}.outage_restore_surge", names[i])),
            position: crate::scenario::spans::exact_line_col(
                &head.text,
                &format!("regions.{}.outage_restore_surge", names[i]),
            )
            .or_else(|| places::region_position(&head.text, &names[i])),
            message,
        }),
        None => Ok(()),
    }
}
