//! A fleet's outputs: the readable summary, fleet.json (the summary and where it came from),
//! fleet_runs.json (every run's record, what `merge` joins), fleet_bill.csv, fleet_servers.csv,
//! fleet_recoveries.csv, fleet_outages.csv and fleet_recovery.png.

use serde::Serialize;

use super::charts;
use super::csv_out::{cells, header, num, timestamp};
use super::numbers::{estimate, sig};
use crate::engine::DAY;
use crate::fleet::{serving_share, FleetRun, FleetSummary, Spread};
use crate::scenario::fleet::Fleet;

/// Where a fleet's results came from.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct FleetProvenance {
    pub backsim_version: String,
    pub command_line: String,
    pub overrides: Vec<String>,
    pub fleet_file: String,
    pub fleet_sha256: String,
}

/// What a fleet output folder (or a shard of one) records about its runs: enough for `merge`.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct FleetRecord {
    pub fleet: String,
    pub seed: u64,
    /// Runs of the whole fleet (all shards together).
    pub runs: u32,
    pub servers: u64,
    /// Which shard this is (1-based) of how many.
    pub shard: [usize; 2],
    pub provenance: FleetProvenance,
    pub records: Vec<FleetRun>,
}

pub fn summary_json(
    fleet: &Fleet,
    summary: &FleetSummary,
    provenance: &FleetProvenance,
) -> Vec<u8> {
    let mut out = serde_json::to_vec_pretty(&serde_json::json!({
        "fleet": fleet.name,
        "seed": fleet.seed,
        "runs": summary.runs,
        "servers": summary.servers,
        "horizon_days": fleet.horizon_days,
        "currency": fleet.currency(),
        "groups_defined": fleet.groups.iter().map(|g| serde_json::json!({
            "name": g.name,
            "count": g.count,
            "region": fleet.regions[g.home].name,
            "geo_restore_region": fleet.regions[g.target].name,
            "source": g.source,
            "measured_from_days": g.scenario.config.measured_from as f64 / DAY as f64,
            "warmup_reached": g.scenario.warmup_reached,
        })).collect::<Vec<_>>(),
        "regions": fleet.regions.iter().map(|r| serde_json::json!({
            "name": r.name,
            "restore_slots": r.spec.slots,
            "other_restores_per_hour": r.spec.others_per_hour,
            "other_restores_every_day": r.spec.everyday,
            "outage_restore_surge": r.spec.surge_factor,
            "region_outages_per_year": r.outages_per_year,
            "region_outage_hours": r.outage_hours,
        })).collect::<Vec<_>>(),
        "summary": {
            "fleet": summary.fleet,
            "regions": summary.regions.iter().map(|(n, b)| serde_json::json!({"region": n, "bill": b})).collect::<Vec<_>>(),
            "groups": summary.groups,
            "months": summary.months,
            "regional_outages": summary.outages,
        },
        "provenance": provenance,
    }))
    .expect("JSON of plain values");
    out.push(b'\n');
    out
}

pub fn record_json(record: &FleetRecord) -> Vec<u8> {
    let mut out = serde_json::to_vec(record).expect("JSON of plain values");
    out.push(b'\n');
    out
}

fn csv_bytes(header: &[impl AsRef<str>], rows: impl Iterator<Item = Vec<String>>) -> Vec<u8> {
    super::csv_out::csv_bytes(|w| {
        w.write_record(header)?;
        for row in rows {
            w.write_record(&row)?;
        }
        Ok(())
    })
}

/// The bill of the fleet, of each region and of each group: the steady state (`period`
/// "steady"), then each calendar month (its cost, GB-months and mean storage).
pub fn bill_csv(summary: &FleetSummary) -> Vec<u8> {
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
    push("fleet", "all", "steady", None, &summary.fleet);
    for (name, b) in &summary.regions {
        push("region", name, "steady", None, b);
    }
    for g in &summary.groups {
        push("group", &g.name, "steady", None, &g.bill);
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
                    num(o.wait_s_mean),
                    num(o.wait_s_max),
                ]
            })
        }),
    )
}

/// The recovery chart, when some regional outage hit some server.
pub fn recovery_chart(fleet: &Fleet, runs: &[FleetRun]) -> Option<Result<Vec<u8>, String>> {
    let longest = runs
        .iter()
        .flat_map(|r| r.outages.iter())
        .filter_map(|o| o.hours_to(1.0))
        .fold(0.0, f64::max);
    if longest <= 0.0 {
        return None;
    }
    let top = longest * 1.05;
    let hours: Vec<f64> = (0..=200).map(|i| top * i as f64 / 200.0).collect();
    let regions: Vec<(String, Vec<Vec<f64>>)> = fleet
        .regions
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let curves = runs
                .iter()
                .flat_map(|x| x.outages.iter())
                .filter(|o| o.region == i && o.affected > 0)
                .map(|o| serving_share(o, &hours))
                .collect();
            (r.name.clone(), curves)
        })
        .filter(|(_, c): &(String, Vec<Vec<f64>>)| !c.is_empty())
        .collect();
    Some(charts::fleet_recovery_chart(
        &regions,
        &hours,
        &format!(
            "{}: servers serving again after a regional outage",
            fleet.name
        ),
    ))
}

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
pub fn text(fleet: &Fleet, summary: &FleetSummary) -> String {
    let cur = fleet.currency();
    let mut out = String::new();
    let days = fleet.horizon_days;
    out.push_str(&format!(
        "backsim fleet · {} · {} in {}, {}\n{} × {} days, seed {}\n\n",
        fleet.name,
        counted(summary.servers as usize, "server"),
        counted(fleet.groups.len(), "group"),
        counted(summary.regions.len(), "region"),
        counted(summary.runs, "run"),
        days,
        fleet.seed
    ));
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
    out.push('\n');
    if summary.outages.iter().all(|o| o.outages == 0) {
        out.push_str(
            "Regional outages: none in any run (raise region_outages_per_year, or script one).\n",
        );
    } else {
        out.push_str("Regional outages: time until the region's servers serve again (over outages: median, p95, max)\n");
        for o in summary.outages.iter().filter(|o| o.outages > 0) {
            out.push_str(&format!(
                "  {}: {} outages, {} servers hit on average; {} geo-restored, {} back only with the region\n    50%: {}\n    90%: {}\n    99%: {}\n   100%: {}\n    slot wait (mean per outage): {}\n",
                o.region,
                o.outages,
                sig(o.affected_mean, 3),
                sig(o.geo_restored_mean, 3),
                sig(o.region_returned_mean, 3),
                hours(&o.hours_to_50),
                hours(&o.hours_to_90),
                hours(&o.hours_to_99),
                hours(&o.hours_to_100),
                o.wait_s_mean
                    .as_ref()
                    .map_or("-".to_string(), |s| format!(
                        "{} h (p95 {} h)",
                        sig(s.p50 / 3600.0, 3),
                        sig(s.p95 / 3600.0, 3)
                    )),
            ));
        }
    }
    out
}

/// "1 server", "400 servers".
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
    super::markdown::literal(text)
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
    out.push_str("\n## Regional outages\n\nHours from the outage until a share of the region's servers serve again (over all outages of all runs: median, p95, max). A server is back by its geo-restore, or when the region returns if that comes first.\n\n| region | outages | servers hit | 50% | 90% | 99% | 100% | geo-restored | back with the region | slot wait, mean |\n|---|---|---|---|---|---|---|---|---|---|\n");
    for o in &summary.outages {
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
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
                .map_or("-".to_string(), |s| format!("{} h", sig(s.p50 / 3600.0, 3)))
        ));
    }
    if chart_drawn {
        out.push_str("\n![servers serving again](fleet_recovery.png)\n");
    }
    out.push_str("\n## Files\n\n- `fleet_bill.csv`: the bill of the fleet, each region, each group and each month\n- `fleet_servers.csv`: one row per server, its figures averaged over runs\n- `fleet_recoveries.csv`: every recovery of every server in every run\n- `fleet_outages.csv`: every regional outage of every run and how its servers came back\n- `fleet.json`: all of the above in one file; `fleet_runs.json`: each run's record (what `backsim merge` joins)\n\n");
    out.push_str(&format!(
        "## Provenance\n\nbacksim {}, `{}`, fleet file `{}` (sha256 `{}`)\n",
        md(&provenance.backsim_version),
        super::markdown::code_text(&provenance.command_line),
        super::markdown::code_text(&provenance.fleet_file),
        provenance.fleet_sha256
    ));
    out
}
