//! The bound on other tenants' restores that outages bring into a region's line: each is
//! worked out one by one (tens of nanoseconds each), so a single server's run and a fleet's
//! both refuse a scenario that would bring more than a run can work through.

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
