//! A fleet's CSV files: the bill, one row per server, per recovery and per regional outage.

use super::*;

fn csv_bytes(header: &[impl AsRef<str>], rows: impl Iterator<Item = Vec<String>>) -> Vec<u8> {
    crate::report::csv_out::csv_bytes(|w| {
        w.write_record(header)?;
        for row in rows {
            w.write_record(&row)?;
        }
        Ok(())
    })
}

/// The bill of the fleet, of each region and of each group: the whole run's (`period`
/// "steady" where every group behind it has a full backup set within the horizon and is
/// measured from then on, "from-start" where none has and every one's average includes the
/// empty start, "mixed" where some have: each group then counts over its own period), then each
/// calendar month (its cost, GB-months and mean storage).
pub fn bill_csv(fleet: &Fleet, summary: &FleetSummary) -> Vec<u8> {
    let steady = |in_scope: &dyn Fn(&crate::scenario::fleet::FleetGroup) -> bool| {
        let (mut full, mut short) = (false, false);
        for g in fleet.groups.iter().filter(|g| in_scope(g)) {
            if g.scenario.warmup_reached {
                full = true;
            } else {
                short = true;
            }
        }
        match (full, short) {
            (_, false) => "steady",
            (false, true) => "from-start",
            (true, true) => "mixed",
        }
    };
    let mut rows: Vec<Vec<String>> = Vec::new();
    // A month's days and whether the run covers it only in part; empty for the steady state.
    let mut push = |scope: &str,
                    name: &str,
                    period: &str,
                    days: Option<(f64, bool)>,
                    b: &crate::fleet::BillSummary| {
        let mut row = vec![scope.to_string(), name.to_string(), period.to_string()];
        match days {
            Some((d, partial)) => row.extend([num(d), partial.to_string()]),
            None => row.extend([String::new(), String::new()]),
        }
        row.extend(cells(&b.cost_per_month));
        row.extend(cells(&b.billable_gb_month));
        row.extend(cells(&b.mean_storage_gb));
        rows.push(row);
    };
    push("fleet", "all", steady(&|_| true), None, &summary.fleet);
    for (name, b) in &summary.regions {
        let period = steady(&|g| fleet.regions[g.home].name == *name);
        push("region", name, period, None, b);
    }
    for g in &summary.groups {
        push(
            "group",
            &g.name,
            steady(&|f| f.name == g.name),
            None,
            &g.bill,
        );
    }
    for m in &summary.months {
        let days = Some((m.days_simulated, m.partial));
        push("fleet", "all", &m.month, days, &m.fleet);
        for (name, b) in &m.regions {
            push("region", name, &m.month, days, b);
        }
        for (name, b) in &m.groups {
            push("group", name, &m.month, days, b);
        }
    }
    let columns = header(
        &["scope", "name", "period", "days_simulated", "partial"],
        &["cost_per_month", "billable_gb_month", "mean_storage_gb"],
        &[],
    );
    csv_bytes(&columns, rows.into_iter())
}

/// One row per server: its group and region, its figures averaged over runs.
pub fn servers_csv(fleet: &Fleet, summary: &FleetSummary) -> Vec<u8> {
    let mut names = Vec::new();
    for g in &fleet.groups {
        for i in 0..g.count {
            names.push((g.name.as_str(), i, fleet.regions[g.home].name.as_str()));
        }
    }
    csv_bytes(
        &[
            "server",
            "group",
            "index_in_group",
            "region",
            "cost_per_month",
            "mean_storage_gb",
            "rpo_p95_s",
            "restore_latest_p95_s",
            "downtime_hours",
            "data_lost_s",
            "recoveries",
        ],
        summary.servers_mean.iter().zip(names).enumerate().map(
            |(i, (s, (group, index, region)))| {
                vec![
                    i.to_string(),
                    group.to_string(),
                    index.to_string(),
                    region.to_string(),
                    num(s.cost_per_month),
                    num(s.mean_storage_gb),
                    num(s.rpo_p95_s),
                    s.restore_latest_p95_s.map_or(String::new(), num),
                    num(s.downtime_hours),
                    num(s.data_lost_s),
                    num(s.recoveries),
                ]
            },
        ),
    )
}

fn server_names(fleet: &Fleet) -> Vec<(String, String)> {
    fleet
        .groups
        .iter()
        .flat_map(|g| {
            (0..g.count).map(move |_| (g.name.clone(), fleet.regions[g.home].name.clone()))
        })
        .collect()
}

/// One row per recovery of every server in every run.
pub fn recoveries_csv(fleet: &Fleet, runs: &[FleetRun]) -> Vec<u8> {
    let names = server_names(fleet);
    let start = fleet.start;
    csv_bytes(
        &[
            "run",
            "server",
            "group",
            "region",
            "kind",
            "started",
            "started_s",
            "outcome",
            "wait_s",
            "restore_s",
            "downtime_s",
            "data_lost_s",
        ],
        runs.iter().flat_map(|r| {
            let names = &names;
            r.recoveries.iter().map(move |x| {
                let (group, region) = &names[x.server as usize];
                vec![
                    r.run.to_string(),
                    x.server.to_string(),
                    group.clone(),
                    region.clone(),
                    x.kind.clone(),
                    timestamp(start, x.started),
                    x.started.to_string(),
                    x.outcome.clone(),
                    num(x.wait_s),
                    num(x.restore_s),
                    num(x.downtime_s),
                    num(x.data_lost_s),
                ]
            })
        }),
    )
}

/// One row per regional outage of every run.
pub fn outages_csv(fleet: &Fleet, runs: &[FleetRun]) -> Vec<u8> {
    let start = fleet.start;
    csv_bytes(
        &[
            "run",
            "region",
            "started",
            "started_s",
            "outage_hours",
            "servers_affected",
            "hours_to_50pct",
            "hours_to_90pct",
            "hours_to_99pct",
            "hours_to_100pct",
            "geo_restored",
            "back_with_region",
            "data_lost_s_mean",
            "geo_restored_data_lost_s_mean",
            "geo_restored_data_lost_s_max",
            "wait_s_mean",
            "wait_s_max",
        ],
        runs.iter().flat_map(|r| {
            r.outages.iter().map(move |o| {
                let to = |share: f64| o.hours_to(share).map_or(String::new(), num);
                vec![
                    r.run.to_string(),
                    fleet.regions[o.region].name.clone(),
                    timestamp(start, o.start),
                    o.start.to_string(),
                    num(o.hours),
                    o.affected.to_string(),
                    to(0.5),
                    to(0.9),
                    to(0.99),
                    to(1.0),
                    o.geo_restored.to_string(),
                    o.region_returned.to_string(),
                    num(o.data_lost_s_mean),
                    num(o.geo_restored_data_lost_s_mean),
                    num(o.geo_restored_data_lost_s_max),
                    num(o.wait_s_mean),
                    num(o.wait_s_max),
                ]
            })
        }),
    )
}
