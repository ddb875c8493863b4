//! Whether a run's record read back from a shard (by `merge`, which trusts nothing it reads)
//! could have come from the fleet it names.

use super::FleetRun;
use crate::engine::SimTime;
use crate::scenario::fleet::Fleet;

impl FleetRun {
    /// Whether a record read back from a shard (by `merge`, which trusts nothing it reads) fits
    /// `fleet`: one entry per group, region, server and month, recoveries of its servers and
    /// outages of its regions, inside the run.
    pub fn check_fits(&self, fleet: &Fleet) -> Result<(), String> {
        let months = fleet.groups[0].scenario.config.months.len();
        let (groups, regions) = (fleet.groups.len(), fleet.regions.len());
        let horizon = fleet.groups[0].scenario.config.horizon;
        let run = self.run;
        let counts = [
            ("groups", self.groups.len(), groups),
            ("regions", self.regions.len(), regions),
            ("servers", self.servers.len(), fleet.servers() as usize),
            ("months", self.months.len(), months),
            ("region_months", self.region_months.len(), regions),
            ("group_months", self.group_months.len(), groups),
        ];
        for (what, got, expected) in counts {
            if got != expected {
                return Err(format!("run {run} has {got} {what}, the fleet {expected}"));
            }
        }
        if let Some(m) = self
            .region_months
            .iter()
            .chain(&self.group_months)
            .find(|m| m.len() != months)
        {
            return Err(format!(
                "run {run} has a region or group with {} months, the fleet {months}",
                m.len()
            ));
        }
        // Every number a run can produce: finite, not negative and at most MOST_FIGURE, so
        // that no figure reads as hundreds of digits and no sum or sum of squares over every
        // run and server overflows (1e308 was taken, and its mean's CI became [null, null]).
        // The first figure that is not is named, with its value as a person reads it.
        let bills = std::iter::once(("the fleet's bill".to_string(), &self.fleet))
            .chain(
                self.regions
                    .iter()
                    .enumerate()
                    .map(|(i, b)| (format!("region {i}'s bill"), b)),
            )
            .chain(
                self.groups
                    .iter()
                    .enumerate()
                    .map(|(i, g)| (format!("group {i}'s bill"), &g.bill)),
            )
            .chain(
                self.months
                    .iter()
                    .enumerate()
                    .map(|(m, b)| (format!("month {m}'s bill"), b)),
            )
            .chain(self.region_months.iter().enumerate().flat_map(|(i, ms)| {
                ms.iter()
                    .enumerate()
                    .map(move |(m, b)| (format!("region {i}'s month {m}"), b))
            }))
            .chain(self.group_months.iter().enumerate().flat_map(|(i, ms)| {
                ms.iter()
                    .enumerate()
                    .map(move |(m, b)| (format!("group {i}'s month {m}"), b))
            }));
        for (whose, b) in bills {
            impossible(
                run,
                &whose,
                &[
                    ("cost_per_month", Some(b.cost_per_month)),
                    ("billable_gb_month", Some(b.billable_gb_month)),
                    ("mean_storage_gb", Some(b.mean_storage_gb)),
                ],
            )?;
        }
        for (i, g) in self.groups.iter().enumerate() {
            let whose = format!("group {i}");
            impossible(
                run,
                &whose,
                &[
                    ("rpo_p95_s", Some(g.rpo_p95_s)),
                    ("rpo_max_s", Some(g.rpo_max_s)),
                    ("restore_latest_p50_s", g.restore_latest_p50_s),
                    ("restore_latest_p95_s", g.restore_latest_p95_s),
                    ("downtime_hours", Some(g.downtime_hours)),
                    ("recoveries", Some(g.recoveries)),
                ],
            )?;
            in_order(
                run,
                &whose,
                ("rpo_p95_s", g.rpo_p95_s),
                ("rpo_max_s", g.rpo_max_s),
            )?;
            if let (Some(p50), Some(p95)) = (g.restore_latest_p50_s, g.restore_latest_p95_s) {
                in_order(
                    run,
                    &whose,
                    ("restore_latest_p50_s", p50),
                    ("restore_latest_p95_s", p95),
                )?;
            }
        }
        // Servers come group by group: each server's window is one its group's maximum covers.
        let group_of = fleet
            .groups
            .iter()
            .enumerate()
            .flat_map(|(g, group)| std::iter::repeat_n(g, group.count as usize));
        for ((i, v), g) in self.servers.iter().enumerate().zip(group_of) {
            let whose = format!("server {i}");
            impossible(
                run,
                &whose,
                &[
                    ("cost_per_month", Some(v.cost_per_month)),
                    ("mean_storage_gb", Some(v.mean_storage_gb)),
                    ("rpo_p95_s", Some(v.rpo_p95_s)),
                    ("downtime_hours", Some(v.downtime_hours)),
                    ("data_lost_s", Some(v.data_lost_s)),
                    ("recoveries", Some(v.recoveries)),
                    ("restore_latest_p95_s", v.restore_latest_p95_s),
                ],
            )?;
            if !at_most(v.rpo_p95_s, self.groups[g].rpo_max_s) {
                return Err(format!(
                    "run {run}: server {i} has rpo_p95_s {}, above its group {g}'s rpo_max_s {}",
                    readable(v.rpo_p95_s),
                    readable(self.groups[g].rpo_max_s)
                ));
            }
        }
        for (i, r) in self.recoveries.iter().enumerate() {
            impossible(
                run,
                &format!("recovery {i}"),
                &[
                    ("wait_s", Some(r.wait_s)),
                    ("restore_s", Some(r.restore_s)),
                    ("downtime_s", Some(r.downtime_s)),
                    ("data_lost_s", Some(r.data_lost_s)),
                ],
            )?;
        }
        for (i, o) in self.outages.iter().enumerate() {
            let whose = format!("outage {i}");
            impossible(
                run,
                &whose,
                &[
                    ("hours", Some(o.hours)),
                    ("data_lost_s_mean", Some(o.data_lost_s_mean)),
                    (
                        "geo_restored_data_lost_s_mean",
                        Some(o.geo_restored_data_lost_s_mean),
                    ),
                    (
                        "geo_restored_data_lost_s_max",
                        Some(o.geo_restored_data_lost_s_max),
                    ),
                    ("wait_s_mean", Some(o.wait_s_mean)),
                    ("wait_s_max", Some(o.wait_s_max)),
                ],
            )?;
            in_order(
                run,
                &whose,
                (
                    "geo_restored_data_lost_s_mean",
                    o.geo_restored_data_lost_s_mean,
                ),
                (
                    "geo_restored_data_lost_s_max",
                    o.geo_restored_data_lost_s_max,
                ),
            )?;
            in_order(
                run,
                &whose,
                ("wait_s_mean", o.wait_s_mean),
                ("wait_s_max", o.wait_s_max),
            )?;
            // Counts of the region's servers: those serving when it went down, and of them
            // the ones back each way and each one's hours until then.
            let back = u64::from(o.geo_restored) + u64::from(o.region_returned);
            if u64::from(o.affected) > fleet.servers()
                || back > u64::from(o.affected)
                || o.serving_hours.len() > o.affected as usize
            {
                return Err(format!(
                    "run {run}: outage {i} has {} servers affected, {} geo_restored, {} region_returned and {} serving_hours: the fleet has {} servers, and no more come back than were affected",
                    o.affected,
                    o.geo_restored,
                    o.region_returned,
                    o.serving_hours.len(),
                    fleet.servers()
                ));
            }
            if let Some(&h) = o.serving_hours.iter().find(|&&h| !figure(h)) {
                return Err(format!(
                    "run {run}: outage {i} has serving_hours {}, which no run gives (negative, not finite, or above {MOST_FIGURE:e})",
                    readable(h)
                ));
            }
            if o.serving_hours.windows(2).any(|w| w[0] > w[1]) {
                return Err(format!(
                    "run {run}: outage {i}'s serving_hours are not in ascending order, as a run writes them"
                ));
            }
        }
        let added: f64 = self.regions.iter().map(|r| r.cost_per_month).sum();
        if (added - self.fleet.cost_per_month).abs()
            > 1e-6 * self.fleet.cost_per_month.abs().max(1.0)
        {
            return Err(format!(
                "run {run}: the fleet's cost_per_month {} is not its regions' added up ({})",
                readable(self.fleet.cost_per_month),
                readable(added)
            ));
        }
        let within = |t: SimTime| (0..=horizon).contains(&t);
        if let Some(r) = self
            .recoveries
            .iter()
            .find(|r| r.server as u64 >= fleet.servers() || !within(r.started))
        {
            return Err(format!(
                "run {run} has a recovery of server {} starting at {} s: the fleet has {} servers over {horizon} s",
                r.server,
                r.started,
                fleet.servers()
            ));
        }
        if let Some(o) = self.outages.iter().find(|o| {
            o.region >= regions || !within(o.start) || !(o.hours >= 0.0 && o.hours.is_finite())
        }) {
            return Err(format!(
                "run {run} has an outage of region {} at {} s lasting {} h: the fleet has {regions} regions over {horizon} s",
                o.region, o.start, o.hours
            ));
        }
        Ok(())
    }
}

/// The largest figure a run gives, of any unit: a fleet's bill is at most about 1e14 (a
/// million servers, a hundred thousand GB each, at the highest price of 1,000 per GB-month),
/// and times are far below (a horizon of 100 years is 3.2e9 s). Sums and sums of squares of
/// figures this size over a million runs of a million servers stay finite.
const MOST_FIGURE: f64 = 1e15;

/// Whether `v` is a figure a run can give: finite, not negative, at most `MOST_FIGURE`.
fn figure(v: f64) -> bool {
    v.is_finite() && (0.0..=MOST_FIGURE).contains(&v)
}

/// The first of `whose` figures (None: not measured) that no run gives, refused by name.
fn impossible(run: u64, whose: &str, figures: &[(&str, Option<f64>)]) -> Result<(), String> {
    match figures
        .iter()
        .find_map(|&(f, v)| v.filter(|&v| !figure(v)).map(|v| (f, v)))
    {
        Some((f, v)) => Err(format!(
            "run {run}: {whose} has {f} {}, which no run gives (negative, not finite, or above {MOST_FIGURE:e})",
            readable(v)
        )),
        None => Ok(()),
    }
}

/// `a` at most `b`, but for rounding (a quantile interpolated between two moments of the
/// exact window may land an ulp past the maximum).
fn at_most(a: f64, b: f64) -> bool {
    a <= b + 1e-9 * b.abs().max(1.0)
}

/// Two figures that a run gives in order (a quantile and a higher one, a mean and the
/// maximum): refused, both named, when the first is above the second.
fn in_order(run: u64, whose: &str, (f, a): (&str, f64), (g, b): (&str, f64)) -> Result<(), String> {
    if at_most(a, b) {
        return Ok(());
    }
    Err(format!(
        "run {run}: {whose} has {f} {} above its {g} {}, which no run gives",
        readable(a),
        readable(b)
    ))
}

/// A figure as a person reads it in a message: huge or tiny ones in scientific notation, not
/// as hundreds of digits.
fn readable(v: f64) -> String {
    if v != 0.0 && v.is_finite() && !(1e-6..1e15).contains(&v.abs()) {
        format!("{v:e}")
    } else {
        format!("{v}")
    }
}
