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
        // Amounts a run can produce: finite, not negative, and a fleet bill that is its
        // regions' bills added up (an edited one was printed as a 300-digit cost). The first
        // figure that is not is named, with its value as a person reads it.
        let amount = |v: f64| v.is_finite() && v >= 0.0;
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
            for (figure, v) in [
                ("cost_per_month", b.cost_per_month),
                ("billable_gb_month", b.billable_gb_month),
                ("mean_storage_gb", b.mean_storage_gb),
            ] {
                if !amount(v) {
                    return Err(format!(
                        "run {run}: {whose} has {figure} {}, which no run gives (negative or not finite)",
                        readable(v)
                    ));
                }
            }
        }
        // The first of a group's or server's figures (None: not measured) that no run gives.
        let impossible = |figures: &[(&'static str, Option<f64>)]| {
            figures
                .iter()
                .find_map(|&(f, v)| v.filter(|&v| !amount(v)).map(|v| (f, v)))
        };
        for (i, g) in self.groups.iter().enumerate() {
            let figures = [
                ("rpo_p95_s", Some(g.rpo_p95_s)),
                ("rpo_max_s", Some(g.rpo_max_s)),
                ("restore_latest_p50_s", g.restore_latest_p50_s),
                ("restore_latest_p95_s", g.restore_latest_p95_s),
                ("downtime_hours", Some(g.downtime_hours)),
                ("recoveries", Some(g.recoveries)),
            ];
            if let Some((figure, v)) = impossible(&figures) {
                return Err(format!(
                    "run {run}: group {i} has {figure} {}, which no run gives (negative or not finite)",
                    readable(v)
                ));
            }
        }
        for (i, v) in self.servers.iter().enumerate() {
            let figures = [
                ("cost_per_month", Some(v.cost_per_month)),
                ("mean_storage_gb", Some(v.mean_storage_gb)),
                ("rpo_p95_s", Some(v.rpo_p95_s)),
                ("downtime_hours", Some(v.downtime_hours)),
                ("data_lost_s", Some(v.data_lost_s)),
                ("recoveries", Some(v.recoveries)),
                ("restore_latest_p95_s", v.restore_latest_p95_s),
            ];
            if let Some((figure, v)) = impossible(&figures) {
                return Err(format!(
                    "run {run}: server {i} has {figure} {}, which no run gives (negative or not finite)",
                    readable(v)
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

/// A figure as a person reads it in a message: huge or tiny ones in scientific notation, not
/// as hundreds of digits.
fn readable(v: f64) -> String {
    if v != 0.0 && v.is_finite() && !(1e-6..1e15).contains(&v.abs()) {
        format!("{v:e}")
    } else {
        format!("{v}")
    }
}
