//! Whether a run's record read back from a shard (by `merge`, which trusts nothing it reads)
//! could have come from the fleet it names.

use super::{Bill, FleetRun};
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
        // regions' bills added up (an edited one was printed as a 300-digit cost).
        let amount = |v: f64| v.is_finite() && v >= 0.0;
        let bill_ok = |b: &Bill| {
            amount(b.cost_per_month) && amount(b.billable_gb_month) && amount(b.mean_storage_gb)
        };
        let bills = std::iter::once(&self.fleet)
            .chain(&self.regions)
            .chain(self.groups.iter().map(|g| &g.bill))
            .chain(&self.months)
            .chain(self.region_months.iter().flatten())
            .chain(self.group_months.iter().flatten());
        let servers_ok = self.servers.iter().all(|v| {
            [
                v.cost_per_month,
                v.mean_storage_gb,
                v.rpo_p95_s,
                v.downtime_hours,
                v.data_lost_s,
                v.recoveries,
            ]
            .into_iter()
            .chain(v.restore_latest_p95_s)
            .all(amount)
        });
        let added: f64 = self.regions.iter().map(|r| r.cost_per_month).sum();
        let adds_up = (added - self.fleet.cost_per_month).abs()
            <= 1e-6 * self.fleet.cost_per_month.abs().max(1.0);
        if !(bills.into_iter().all(bill_ok) && servers_ok && adds_up) {
            return Err(format!(
                "run {run} holds a bill or a server's figure no run gives (negative, not finite, or a fleet cost of {} that is not its regions' {added})",
                self.fleet.cost_per_month
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
