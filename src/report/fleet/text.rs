//! A fleet's readable summary and its report.md.

use super::*;

fn hours(s: &Option<Spread>) -> String {
    match s {
        Some(s) => format!(
            "{} h (p95 {}, max {})",
            sig(s.p50, 3),
            sig(s.p95, 3),
            sig(s.max, 3)
        ),
        None => "-".to_string(),
    }
}

/// The readable summary.
pub fn text(fleet: &Fleet, summary: &FleetSummary, overrides: &[String]) -> String {
    let cur = fleet.currency();
    let mut out = String::new();
    let days = fleet.horizon_days;
    out.push_str(&format!(
        "backsim fleet · {} · {} in {}, {}\n{} × {} days, seed {}\n",
        fleet.name,
        counted(summary.servers as usize, "server"),
        counted(fleet.groups.len(), "group"),
        counted(summary.regions.len(), "region"),
        counted(summary.runs, "run"),
        days,
        fleet.seed
    ));
    if !overrides.is_empty() {
        // The fleet lays them over every group's own settings: a group's 32 vCores become the
        // --set's 4, which the table below must not seem to hide.
        out.push_str(&format!(
            "Overrides, over every group's own settings: --set {}\n",
            overrides.join(" --set ")
        ));
    }
    out.push('\n');
    let unsteady = not_warmed_up(fleet);
    out.push_str(&format!(
        "Backup storage bill ({}): {} {cur}/month for the fleet, {} GB-month billable, {} GB stored on average\n",
        if unsteady.is_empty() {
            "steady state"
        } else {
            "NOT all steady state"
        },
        estimate(&summary.fleet.cost_per_month, 1.0, false),
        estimate(&summary.fleet.billable_gb_month, 1.0, false),
        estimate(&summary.fleet.mean_storage_gb, 1.0, false),
    ));
    for (name, b) in &summary.regions {
        out.push_str(&format!(
            "  {name:<16} {} {cur}/month\n",
            estimate(&b.cost_per_month, 1.0, false)
        ));
    }
    if let Some(note) = unsteady_note(fleet, &unsteady) {
        out.push_str(&format!("  {note}\n"));
    }
    out.push('\n');
    // Columns as wide as their longest entry: group and region names are the user's.
    let widest = |of: fn(&crate::fleet::GroupSummary) -> &str, least: usize| {
        summary
            .groups
            .iter()
            .map(|g| of(g).chars().count())
            .fold(least, usize::max)
    };
    let name_width = widest(|g| &g.name, 16);
    let region_width = widest(|g| &g.region, 8);
    out.push_str(&format!(
        "{:<name_width$} {:>7}  {:<region_width$} {:>36}  {:>9}  {:>11}  {:>15}\n",
        "group", "servers", "region", "cost/month", "RPO p95", "restore p95", "outage h/server"
    ));
    for g in &summary.groups {
        let [rpo, restore, down] = group_cells(g);
        out.push_str(&format!(
            "{:<name_width$} {:>7}  {:<region_width$} {:>36}  {:>9}  {:>11}  {:>15}\n",
            g.name,
            g.count,
            g.region,
            format!("{} {cur}", estimate(&g.bill.cost_per_month, 1.0, false)),
            rpo,
            restore,
            down,
        ));
    }
    out.push_str(&format!(
        "(outage h/server: hours each server of the group was down in outages over a run of {days} days, mean of runs; RPO p95: the data-loss window against the server's own region's backups, where a geo-restore loses more: see the regional outages)\n"
    ));
    out.push('\n');
    if summary.outages.iter().all(|o| o.outages == 0) {
        out.push_str(
            "Regional outages: none in any run (raise region_outages_per_year, or script one).\n",
        );
    } else {
        out.push_str("Regional outages: time until the region's servers serve again (over outages: median, p95, max)\n");
        for o in summary.outages.iter().filter(|o| o.outages > 0) {
            out.push_str(&format!(
                "  {}: {} {}, {} {} hit on average; {} geo-restored, {} back only with the region\n    50%: {}\n    90%: {}\n    99%: {}\n   100%: {}\n    slot wait of those geo-restored, each outage's mean: {}\n    writes lost by those geo-restored, each outage's mean: {}\n",
                o.region,
                o.outages,
                if o.outages == 1 { "outage" } else { "outages" },
                sig(o.affected_mean, 3),
                if o.affected_mean == 1.0 { "server" } else { "servers" },
                sig(o.geo_restored_mean, 3),
                sig(o.region_returned_mean, 3),
                hours(&o.hours_to_50),
                hours(&o.hours_to_90),
                hours(&o.hours_to_99),
                hours(&o.hours_to_100),
                o.wait_s_mean
                    .as_ref()
                    // Those back only with the region waited for no slot: nobody geo-restored
                    // means no wait to show, not a wait of zero.
                    .filter(|_| o.geo_restored_mean > 0.0)
                    .map_or("- (none geo-restored)".to_string(), |s| format!(
                        "median {} h, p95 {} h",
                        sig(s.p50 / 3600.0, 3),
                        sig(s.p95 / 3600.0, 3)
                    )),
                lost_by_the_geo_restored(o),
            ));
        }
    }
    out
}

/// What a geo-restore cost in writes (those not yet copied to the pair): each outage's mean
/// over its geo-restored servers, and the worst server of any outage.
fn lost_by_the_geo_restored(o: &crate::fleet::OutageSummary) -> String {
    match (
        &o.geo_restored_data_lost_s_mean,
        &o.geo_restored_data_lost_s_max,
    ) {
        (Some(mean), Some(worst)) => format!(
            "median {} min, p95 {} min; the worst server {} min",
            sig(mean.p50 / 60.0, 3),
            sig(mean.p95 / 60.0, 3),
            sig(worst.max / 60.0, 3)
        ),
        _ => "- (none geo-restored)".to_string(),
    }
}

/// A group's data-loss window, restore time and outage downtime as the text and report.md
/// print them.
fn group_cells(g: &crate::fleet::GroupSummary) -> [String; 3] {
    [
        format!("{} min", sig(g.rpo_p95_s.mean / 60.0, 3)),
        g.restore_latest_p95_s
            .as_ref()
            .map_or("-".to_string(), |e| {
                format!("{} h", sig(e.mean / 3600.0, 3))
            }),
        sig(g.downtime_hours_per_server.mean, 3),
    ]
}

/// "1 server", "400 servers".
fn counted(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// The groups whose backup set is not full before the horizon ends: their figures are
/// averages from the start, so they understate what the group costs once it is running.
fn not_warmed_up(fleet: &Fleet) -> Vec<&crate::scenario::fleet::FleetGroup> {
    fleet
        .groups
        .iter()
        .filter(|g| !g.scenario.warmup_reached)
        .collect()
}

/// What to say of those groups, if any.
fn unsteady_note(fleet: &Fleet, groups: &[&crate::scenario::fleet::FleetGroup]) -> Option<String> {
    if groups.is_empty() {
        return None;
    }
    let names: Vec<String> = groups
        .iter()
        .map(|g| {
            format!(
                "{} (its backup set fills on day {})",
                g.name,
                sig(g.scenario.config.backup.keep_for() as f64 / DAY as f64, 3)
            )
        })
        .collect();
    Some(format!(
        "measured from the start, not in steady state: the {}-day horizon ends before the backup set is full for {}; these averages include the empty start and understate the running cost: raise horizon_days",
        fleet.horizon_days,
        names.join(", ")
    ))
}

/// Text for a Markdown table cell or line, shown as written: no HTML, no link or image, no
/// table break (the same escaping as a run's report.md).
fn md(text: &str) -> String {
    crate::report::markdown::literal(text)
}

/// report.md for a fleet: the question, the bill, the groups, the regional outages, the files.
pub fn report_md(
    fleet: &Fleet,
    summary: &FleetSummary,
    provenance: &FleetProvenance,
    chart_drawn: bool,
) -> String {
    let cur = md(fleet.currency());
    let mut out = format!("# Fleet {}\n\n", md(&fleet.name));
    if !fleet.question.is_empty() {
        for line in fleet.question.lines() {
            out.push_str(&format!("> {}\n", md(line)));
        }
        out.push('\n');
    }
    out.push_str(&format!(
        "{} in {} and {}; {} runs × {} days, seed {}. Each server has its own backups, load and incidents; a regional outage takes down every server of its region at once, and every restore queues for its target region's slots with the other tenants' (steady-state bill: from each group's warm-up on).\n\n",
        counted(summary.servers as usize, "server"),
        counted(fleet.groups.len(), "group"),
        counted(summary.regions.len(), "region"),
        summary.runs,
        fleet.horizon_days,
        fleet.seed
    ));
    if let Some(note) = unsteady_note(fleet, &not_warmed_up(fleet)) {
        out.push_str(&format!("**{}.**\n\n", md(&note)));
    }
    out.push_str("## Backup storage bill\n\n| scope | cost per month | billable GB-month | stored GB |\n|---|---|---|---|\n");
    let mut bill_row = |scope: String, b: &crate::fleet::BillSummary| {
        out.push_str(&format!(
            "| {scope} | {} {cur} | {} | {} |\n",
            estimate(&b.cost_per_month, 1.0, false),
            estimate(&b.billable_gb_month, 1.0, false),
            estimate(&b.mean_storage_gb, 1.0, false)
        ));
    };
    bill_row("**fleet**".into(), &summary.fleet);
    for (name, b) in &summary.regions {
        bill_row(format!("region {}", md(name)), b);
    }
    for g in &summary.groups {
        bill_row(format!("group {}", md(&g.name)), &g.bill);
    }
    out.push_str("\n| month | days | fleet cost |\n|---|---|---|\n");
    for m in &summary.months {
        out.push_str(&format!(
            "| {}{} | {} | {} {cur} |\n",
            m.month,
            if m.partial { " (part)" } else { "" },
            sig(m.days_simulated, 3),
            estimate(&m.fleet.cost_per_month, 1.0, false)
        ));
    }
    out.push_str("\n## Groups\n\n| group | servers | region | data-loss window p95 | restore to latest p95 | down in outages per server |\n|---|---|---|---|---|---|\n");
    for g in &summary.groups {
        let [rpo, restore, down] = group_cells(g);
        out.push_str(&format!(
            "| {} | {} | {} | {rpo} | {restore} | {down} h |\n",
            md(&g.name),
            g.count,
            md(&g.region),
        ));
    }
    out.push_str("\n## Regional outages\n\nHours from the outage until a share of the region's servers serve again (over all outages of all runs: median, p95, max). A server is back by its geo-restore, or when the region returns if that comes first.\n\n| region | outages | servers hit | 50% | 90% | 99% | 100% | geo-restored | back with the region | slot wait of the geo-restored, each outage's mean (median) | writes lost by the geo-restored, each outage's mean (median; the worst server) |\n|---|---|---|---|---|---|---|---|---|---|---|\n");
    for o in &summary.outages {
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
            md(&o.region),
            o.outages,
            sig(o.affected_mean, 3),
            hours(&o.hours_to_50),
            hours(&o.hours_to_90),
            hours(&o.hours_to_99),
            hours(&o.hours_to_100),
            sig(o.geo_restored_mean, 3),
            sig(o.region_returned_mean, 3),
            o.wait_s_mean
                .as_ref()
                .filter(|_| o.geo_restored_mean > 0.0)
                .map_or("-".to_string(), |s| format!("{} h", sig(s.p50 / 3600.0, 3))),
            match (
                &o.geo_restored_data_lost_s_mean,
                &o.geo_restored_data_lost_s_max
            ) {
                (Some(mean), Some(worst)) => format!(
                    "{} min; {} min",
                    sig(mean.p50 / 60.0, 3),
                    sig(worst.max / 60.0, 3)
                ),
                _ => "-".to_string(),
            }
        ));
    }
    if chart_drawn {
        out.push_str("\n![servers serving again](fleet_recovery.png)\n");
    }
    out.push_str("\n## Files\n\n- `fleet_bill.csv`: the bill of the fleet, each region, each group and each month\n- `fleet_servers.csv`: one row per server, its figures averaged over runs\n- `fleet_recoveries.csv`: every recovery of every server in every run\n- `fleet_outages.csv`: every regional outage of every run and how its servers came back\n- `fleet.json`: all of the above in one file; `fleet_runs.json`: each run's record (what `backsim merge` joins)\n\n");
    out.push_str(&format!(
        "## Provenance\n\nbacksim {}, `{}`, fleet file `{}` (sha256 `{}`)\n",
        md(&provenance.backsim_version),
        crate::report::markdown::code_text(&provenance.command_line),
        crate::report::markdown::code_text(&provenance.fleet_file),
        provenance.fleet_sha256
    ));
    out
}
