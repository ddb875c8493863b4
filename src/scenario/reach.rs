//! What a scenario may ask of memory and time before it runs: the recoveries its runs expect
//! (each a row held until the runs end) and the other tenants' restores its outages bring into
//! a region's line (each worked out one by one). A single server's run and a fleet's both
//! refuse a scenario past these bounds with a message that says what to lower, rather than run
//! out of memory or for hours.

use super::checks::Checked;
use super::keys;
use crate::engine::DAY;
use crate::error::InputError;
use crate::model::config::{Config, ServerAction};

/// Restores a run may bring into one region's line during outages, on average: five million
/// cost about half a second a run.
pub const MOST_SURGE_RESTORES_PER_RUN: f64 = 5e6;

/// The refusal, when `restores` a run is past the bound: `line` names whose line they join,
/// `made_of` says what the figure multiplies.
pub fn beyond_reach(restores: f64, line: &str, made_of: &str) -> Option<String> {
    (restores > MOST_SURGE_RESTORES_PER_RUN).then(|| {
        format!(
            "outages would bring about {restores:.3e} other tenants' restores into {line} each run ({made_of}), more than the {MOST_SURGE_RESTORES_PER_RUN:.0e} a run can work through in reasonable time: lower the surge, the background rate, or the outages' number or length"
        )
    })
}

/// Recoveries a scenario may expect over all its runs: each is one row of recoveries.csv, held
/// until the runs end (a few hundred bytes each), so this bounds the memory they take.
pub const MOST_RECOVERIES: f64 = 2e6;

/// The recoveries `runs` runs of `config` expect (incidents, zone and regional outages, scripted
/// outages), refused past `MOST_RECOVERIES` rather than run out of memory.
pub fn recoveries_within_reach(config: &Config, runs: u32) -> Checked<()> {
    let o = &config.outages;
    let years = config.horizon as f64 / (365.0 * DAY as f64);
    let per_run = years
        * (o.incidents_per_year + o.zone_outages_per_year + o.region_outages_per_year)
        + config.events.len() as f64;
    let all = per_run * f64::from(runs);
    if all > MOST_RECOVERIES {
        return Err(InputError::new(
            keys::INCIDENTS.path,
            format!(
                "the runs would expect about {all:.3e} recoveries ({per_run:.3e} a run × {runs} runs: incidents, zone and regional outages), more than the {MOST_RECOVERIES:.0e} whose rows recoveries.csv can hold in memory: lower the incidents or outages per year, the horizon or the runs"
            ),
        ));
    }
    Ok(())
}

/// Outages surge other tenants' restores (background rate × surge for as long as each lasts,
/// even past the horizon), and the line they form is worked out to its end: a surge of 10,000
/// through a year-long outage passed every range check and then ran for minutes a day.
pub(super) fn surges_within_reach(config: &Config) -> Checked<()> {
    let (o, r) = (&config.outages, &config.restore);
    let years = config.horizon as f64 / (365.0 * DAY as f64);
    let scripted_hours: f64 = config
        .events
        .iter()
        .map(|&(_, action)| match action {
            ServerAction::RegionOutage { duration } => duration as f64 / 3_600.0,
            _ => 0.0,
        })
        .sum();
    let outage_hours = years
        * (o.zone_outages_per_year * o.zone_outage_hours
            + o.region_outages_per_year * o.region_outage_hours)
        + scripted_hours;
    let restores = r.background_restores_per_hour * r.outage_restore_surge * outage_hours;
    let made_of = format!(
        "restore.background_restores_per_hour {} × this surge {} × {outage_hours:.0} outage hours a run",
        r.background_restores_per_hour, r.outage_restore_surge
    );
    match beyond_reach(restores, "a region's line", &made_of) {
        Some(message) => Err(InputError::new(keys::SURGE.path, message)),
        None => Ok(()),
    }
}
