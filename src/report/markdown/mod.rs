//! One run's report.md: the headline answers first, then each part of the run, then where it
//! came from.

use std::fmt::Write;

mod escape;
mod headlines;

use escape::{cell, quoted_line};
pub(in crate::report) use escape::{code_text, literal};
pub use headlines::{headlines, Headline};

use super::numbers;
use super::restore::human_duration;
use super::Analysis;
use crate::analysis::Figure;
use crate::analysis::{scripted_events, LoadEcho};

/// How the backups themselves fared, as the run's text gives it: the answers to a version or
/// load question (failed snapshots, the 5.7 event scheduler) belong in the review document too.
fn backup_health(out: &mut String, a: &Analysis<'_>) {
    let _ = writeln!(
        out,
        "## Backup health
"
    );
    let _ = writeln!(
        out,
        "| figure (counts are per run) | mean of the runs | 95% CI | summary.json `figures` key |"
    );
    let _ = writeln!(out, "|---|---|---|---|");
    let mut figures = vec![
        Figure::Snapshots,
        Figure::SnapshotFailures,
        Figure::Retries,
        Figure::ExtraSnapshots,
        Figure::LogBackups,
        Figure::LogBackupFailures,
        Figure::OnDemand,
        Figure::OnDemandRefused,
        Figure::DailyBackupGb,
    ];
    if a.scenario.config.server.mysql_version == crate::model::MysqlVersion::V5_7 {
        figures.push(Figure::SchedulerOff);
    }
    for f in figures {
        let e = &a.figure(f).estimate;
        let (value, ci) = numbers::value_and_interval(e.mean, e.ci95);
        // As in the run's text: the headline among these says when every run gave it, the
        // counts a schedule fixes do not.
        let ci = match e.same_in_every_run() && crate::analysis::HEADLINE.contains(&f) {
            true => numbers::same_in_all(e.n),
            false => ci,
        };
        let unit = match f.unit() {
            crate::analysis::Unit::PerRun => String::new(),
            _ => format!(" {}", literal(&f.unit().label(""))),
        };
        let _ = writeln!(
            out,
            "| {} | {value}{unit} | {ci} | `{}` |",
            f.label(),
            f.name()
        );
    }
    let _ = writeln!(
        out,
        "\nThe longest gap between two snapshots was {:.1} h (the worst run; `max_snapshot_gap_hours`).\n",
        a.figure(Figure::MaxSnapshotGap).max
    );
}

/// The bill per calendar month; with long-term retention or exports, their cost beside the
/// backup storage's, and the three together.
fn monthly_bill(out: &mut String, a: &Analysis<'_>) {
    let c = &a.scenario.config;
    let currency = literal(&c.cost.currency);
    let long_term = a.long_term.is_some();
    let (vault, exports) = (c.long_term.enabled, !c.long_term.exports.is_empty());
    let _ = writeln!(out, "## Monthly bill\n");
    let mut header = format!(
        "| month | days | mean storage (GB) | billable (GB-month) | cost ({currency}) | 95% CI |"
    );
    if vault {
        header.push_str(&format!(" vault (GB) | vault ({currency}) |"));
    }
    if exports {
        header.push_str(&format!(" exports ({currency}) |"));
    }
    if long_term {
        header.push_str(&format!(" total ({currency}) | 95% CI |"));
    }
    let _ = writeln!(out, "{header}");
    let columns = header.matches(" |").count();
    let _ = writeln!(out, "|{}", "---|".repeat(columns));
    for m in &a.monthly {
        let (cost, ci) = numbers::value_and_interval(m.cost.mean, m.cost.ci95);
        let mut row = format!(
            "| {}{} | {} | {} | {} | {cost} | {ci} |",
            m.month,
            if m.partial { " (part)" } else { "" },
            numbers::sig(m.days_simulated, 4),
            numbers::sig(m.mean_storage_gb.mean, 4),
            numbers::sig(m.billable_gb_month.mean, 4),
        );
        if let Some(lt) = m.long_term.as_ref().filter(|_| long_term) {
            if vault {
                row.push_str(&format!(
                    " {} | {} |",
                    numbers::sig(lt.mean_vault_gb.mean, 4),
                    numbers::sig(lt.vault_cost.mean, 4)
                ));
            }
            if exports {
                row.push_str(&format!(" {} |", numbers::sig(lt.export_cost.mean, 4)));
            }
            let (total, ci) = numbers::value_and_interval(lt.total_cost.mean, lt.total_cost.ci95);
            row.push_str(&format!(" {total} | {ci} |"));
        }
        let _ = writeln!(out, "{row}");
    }
    let _ = writeln!(out);
}

/// The vault and the exports: what they hold and cost, and how far back they reach.
fn long_term(out: &mut String, a: &Analysis<'_>, lt: &crate::analysis::LongTermSummary) {
    let c = &a.scenario.config;
    let currency = literal(&c.cost.currency);
    let _ = writeln!(out, "## Long-term retention and exports\n");
    let _ = writeln!(out, "> {}\n", lt.preview);
    let _ = writeln!(
        out,
        "| answer | value | 95% CI | summary.json key |\n|---|---|---|---|"
    );
    let mut row = |label: &str, e: &crate::stats::Estimate, unit: &str, key: &str| {
        let (value, ci) = numbers::value_and_interval(e.mean, e.ci95);
        let _ = writeln!(out, "| {label} | {value}{unit} | {ci} | `{key}` |");
    };
    let per_month = format!(" {currency}/month");
    if c.long_term.enabled {
        row(
            "Vault copies kept at the end of the run",
            &lt.copies_kept,
            "",
            "long_term.copies_kept",
        );
        row(
            "Vault copies made",
            &lt.copies_made,
            "",
            "long_term.copies_made",
        );
        row(
            "Vault storage, mean after the warm-up",
            &lt.mean_vault_gb,
            " GB",
            "long_term.mean_vault_gb",
        );
        row(
            "Vault cost, mean after the warm-up",
            &lt.vault_cost_per_month,
            &per_month,
            "long_term.vault_cost_per_month",
        );
        if let Some((month, m)) = a
            .last_full_month()
            .and_then(|m| m.long_term.as_ref().map(|lt| (m, lt)))
        {
            row(
                &format!("Vault cost, last full calendar month ({})", month.month),
                &m.vault_cost,
                &format!(" {currency}"),
                "last_full_month.long_term.vault_cost",
            );
        }
    }
    if !c.long_term.exports.is_empty() {
        row("Exports made", &lt.exports, "", "long_term.exports");
        row(
            "Exports refused",
            &lt.exports_refused,
            "",
            "long_term.exports_refused",
        );
        row(
            "Export storage cost, mean after the warm-up",
            &lt.export_cost_per_month,
            &per_month,
            "long_term.export_cost_per_month",
        );
    }
    if c.long_term.enabled {
        let _ = writeln!(
            out,
            "| Vault storage, peak (the highest of any run) | {} GB |  | `long_term.peak_vault_gb` |",
            numbers::sig(lt.peak_vault_gb, 4)
        );
    }
    let _ = writeln!(
        out,
        "| Oldest point kept | {} |  | `long_term.oldest_point` |",
        lt.oldest_point_s
            .map_or("none".into(), |t| super::clock(a.scenario.start, t))
    );
    if let Some(fill) = &lt.fill {
        let _ = writeln!(
            out,
            "| Vault at its full size | up to {} copies after {} (`{}`){} |  | `long_term.fill` |",
            fill.copies_at_most,
            fill.full_after,
            fill.full_after_key,
            if fill.still_filling {
                ": not within the run, so the vault's average understates its running cost"
            } else if fill.server_deleted {
                "; the server is deleted during the run, so no copy comes after that and those kept age out"
            } else {
                ", within the run"
            }
        );
    }
    let _ = writeln!(out);
}

/// report.md: the question, the answers, the charts, the parameters and the assumptions.
pub fn report_md(a: &Analysis<'_>, charts: &[(&str, &str)]) -> String {
    let s = a.scenario;
    let c = &s.config;
    let mut out = String::new();
    let _ = writeln!(out, "# backsim: {}\n", literal(&s.name));
    if !s.question.is_empty() {
        for line in s.question.lines() {
            let _ = writeln!(out, "> {}", quoted_line(line));
        }
        let _ = writeln!(out);
    }
    let _ = writeln!(
        out,
        "{} simulated runs of {} days each (seed {}), MySQL {}, {} GB provisioned, {}-day retention, {} backup redundancy.\n",
        a.reps.len(),
        s.horizon_days,
        s.seed,
        c.server.mysql_version.as_str(),
        c.server.provisioned_storage_gb,
        c.retention_label(),
        c.redundancy_label()
    );
    let load = LoadEcho::of(&c.workload);
    let _ = writeln!(
        out,
        "Load as simulated: {:.1} GB of binlog a day on average before bursts, {:.1} on the busiest day and {:.1} on the quietest; the busiest hour writes {:.2} GB{}.\n",
        load.mean_gb_per_day,
        load.busiest_day_gb,
        load.quietest_day_gb,
        load.peak_hour_gb,
        if load.bursts_per_day > 0.0 {
            format!(
                ", and {:.2} random bursts a day multiply the rate by {}, which brings the mean to about {:.1} GB a day",
                load.bursts_per_day, load.burst_multiplier, load.mean_with_bursts_gb_per_day
            )
        } else {
            String::new()
        }
    );
    let events = scripted_events(s);
    if !events.is_empty() {
        let _ = writeln!(out, "Scripted events:\n");
        for e in &events {
            match (e.hours, e.retention_days) {
                (Some(h), _) => {
                    let _ = writeln!(out, "- {} {} for {h} h", e.at, e.action);
                }
                (_, Some(d)) => {
                    let _ = writeln!(out, "- {} {} to {d} days", e.at, e.action);
                }
                _ => {
                    let _ = writeln!(out, "- {} {}", e.at, e.action);
                }
            }
        }
        let _ = writeln!(out);
    }
    if !a.provenance.command_line.is_empty() {
        let _ = writeln!(
            out,
            "Command: `{}`\n",
            code_text(&a.provenance.command_line)
        );
    }
    if !a.provenance.overrides.is_empty() {
        let _ = writeln!(
            out,
            "Overrides: {}\n",
            a.provenance
                .overrides
                .iter()
                .map(|o| format!("`{}`", code_text(o)))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    if let Some(t) = a.target {
        // A review reads this file, not the terminal: a precision asked for and missed says so.
        let _ = writeln!(
            out,
            "Precision: {} replications; {} ({}±{}% asked{}).\n",
            a.reps.len(),
            super::text::precision_clause(a, |name| format!("`{name}`")),
            if t.reached { "" } else { "**NOT reached**: " },
            numbers::sig(t.target * 100.0, 2),
            if t.reached {
                ""
            } else {
                ", stopped at --max-runs"
            }
        );
    }
    let _ = writeln!(
        out,
        "Storage and cost are {}.\n",
        if c.measured_from > 0 {
            format!(
                "the steady state: time-averages from day {:.1} (once the backup set is full) to the end",
                a.measured_from_days()
            )
        } else if s.warmup_reached {
            "time-averages over the whole run (warmup_days = 0)".to_string()
        } else {
            "time-averages over the whole run: the horizon ends before the backup set is full, so they understate the running cost"
                .to_string()
        }
    );
    if let Some(fill) = a
        .long_term
        .as_ref()
        .and_then(|lt| lt.fill.as_ref().map(|f| (lt, f)))
        .filter(|(_, f)| f.still_filling)
    {
        let (lt, fill) = fill;
        let _ = writeln!(
            out,
            "The vault's are not: it still fills when the run ends ({} of up to {} copies; it reaches its full size after {}, `{}`), so its average understates its running cost; the monthly bill gives it month by month.\n",
            numbers::count(lt.copies_kept.mean),
            fill.copies_at_most,
            fill.full_after,
            fill.full_after_key
        );
    }
    let _ = writeln!(out, "## Answers\n");
    let _ = writeln!(out, "| answer | value | 95% CI | summary.json key |");
    let _ = writeln!(out, "|---|---|---|---|");
    for h in headlines(a) {
        let readable = if h.unit == "s" && h.value >= 60.0 {
            format!(" ({})", human_duration(h.value))
        } else {
            String::new()
        };
        let (value, ci) = numbers::value_and_interval(h.value, h.ci95);
        let ci = h.same_in_all_runs.map_or(ci, numbers::same_in_all);
        let _ = writeln!(
            out,
            "| {} | {} {}{} | {} | `{}` |",
            h.label,
            value,
            literal(&h.unit),
            readable,
            ci,
            h.key
        );
    }
    let _ = writeln!(out);
    let currency = &c.cost.currency;
    monthly_bill(&mut out, a);
    if !a.retention.is_empty() {
        let _ = writeln!(out, "## Cost of each retention\n");
        let _ = writeln!(
            out,
            "The same backup history pruned at each retention, measured after its own retention + 1 days (all of it in retention.csv).\n"
        );
        if c.events
            .iter()
            .any(|(_, action)| *action == crate::model::ServerAction::Delete)
        {
            let _ = writeln!(
                out,
                "The server is deleted during the run: the table leaves out the hours after that (its backups are billed to nobody), so each row is the cost while the server exists, where the headline averages those hours in at nothing.\n"
            );
        }
        let _ = writeln!(
            out,
            "| retention (days) | mean storage (GB) | highest peak (GB) | cost ({}/month) | runs billed |",
            literal(currency)
        );
        let _ = writeln!(out, "|---|---|---|---|---|");
        for r in &a.retention {
            let _ = writeln!(
                out,
                "| {}{} | {:.1} | {:.1} | {:.2} | {} of {} |",
                r.retention_days,
                if r.retention_days == c.final_retention_days() {
                    " (configured)"
                } else {
                    ""
                },
                r.mean_storage_gb.mean,
                r.peak_storage_max_gb,
                r.cost_per_month.mean,
                r.runs_billed,
                r.runs
            );
        }
        let _ = writeln!(out);
    }
    if let Some(lt) = &a.long_term {
        long_term(&mut out, a, lt);
    }
    backup_health(&mut out, a);
    let downtime = a.figure(Figure::DowntimeHours).estimate.mean;
    if !a.recoveries.is_empty() || downtime > 0.0 {
        let _ = writeln!(out, "## Recoveries\n");
        // Counted with the rows below, and also where a stopped server could not start while
        // its region was down, which makes no row.
        let _ = writeln!(
            out,
            "Down in zone and region outages: {downtime:.2} h per run (`downtime_hours`){}.\n",
            if a.recoveries.is_empty() {
                ", with no recovery to list: a stopped server asked to start while its region was down waited for the region"
            } else {
                ""
            }
        );
    }
    if !a.recoveries.is_empty() {
        let _ = writeln!(
            out,
            "| kind | per run | outcomes | writes lost p50 / p95 / max | downtime p50 / p95 / max |"
        );
        let _ = writeln!(out, "|---|---|---|---|---|");
        let spread = |s: Option<crate::analysis::Spread>| {
            s.map_or(String::new(), |s| {
                format!(
                    "{} / {} / {}",
                    human_duration(s.p50),
                    human_duration(s.p95),
                    human_duration(s.max)
                )
            })
        };
        for r in &a.recoveries {
            let outcomes: Vec<String> =
                r.outcomes.iter().map(|(o, n)| format!("{n} {o}")).collect();
            let _ = writeln!(
                out,
                "| {} | {:.2} | {} | {} | {} |",
                r.kind.as_str(),
                r.per_run,
                outcomes.join(", "),
                spread(r.data_lost_s),
                spread(r.downtime_s)
            );
        }
        let _ = writeln!(out);
    }
    if !charts.is_empty() {
        let _ = writeln!(out, "## Charts\n");
        for (file, caption) in charts {
            let _ = writeln!(out, "![{caption}]({file})\n\n*{caption}*\n");
        }
    }
    let _ = writeln!(out, "## Parameters\n");
    let _ = writeln!(
        out,
        "Every scenario key as this run used it; **bold** where it differs from the default. Where the default comes from: *documented* by the service, *assumption* where the documentation is silent (replace it with your own figure), *setting* yours to choose.\n"
    );
    let _ = writeln!(out, "| key | value | source |\n|---|---|---|");
    let defaults = crate::scenario::parse(
        "name = \"defaults\"",
        crate::error::Origin::Argument(String::new()),
        &[],
    )
    .ok();
    for key in crate::scenario::keys::ALL {
        // The long-term table only matters when the scenario uses it.
        if key.table() == "long_term" && !c.long_term.any() {
            continue;
        }
        // Measured restores matter to `calibrate`, not to a run.
        if key.path == crate::scenario::keys::MEASURED.path && s.measured_restores.is_empty() {
            continue;
        }
        let value = (key.value)(s);
        // Some defaults follow other keys (the warm-up follows retention): this scenario's.
        let default = crate::scenario::computed_default(key.path, s)
            .or_else(|| defaults.as_ref().map(|d| (key.value)(d)));
        // Free text is the user's own; the other values are numbers and words backsim wrote.
        let show = |v: &str| match key.kind {
            crate::scenario::keys::Kind::Text { .. } => literal(v),
            _ => cell(v),
        };
        let shown = match default {
            Some(d) if d != value && key.path != "name" => {
                format!("**{}** (default {})", show(&value), show(&d))
            }
            _ => show(&value),
        };
        let _ = writeln!(
            out,
            "| `{}` | {shown} | {} |",
            key.path,
            key.source.as_str()
        );
    }
    let _ = writeln!(out, "\n## Assumptions\n");
    for line in [
        "Backups follow the managed service's documented behaviour: a snapshot at creation and daily, log backups every 5 minutes, failed snapshots retried every 20 minutes, retention + 1 day kept, free backup storage equal to provisioned storage while the server runs, geo-redundant storage counted twice.",
        "The write load is a fluid binlog rate (daily and weekly profile, random bursts); incremental snapshots hold `snapshot_change_ratio` GB of changed pages per GB of binlog.",
        "The data-loss window is computed exactly from the backup history, time-weighted over the time the server runs.",
        "Restore-time rates (hydration and replay per vCore, provisioning, cross-region copy, slots per region) are stated assumptions calibrated to the documented \"up to 90% faster\" fastest point; measure your own restores to replace them.",
        "Durability comes from a Markov failure model whose default rates are chosen to land at the documented floors of 11, 12 and 16 nines; the nines show how the answer moves with those rates, not a measurement.",
        "Prices are the scenario's; the shipped prices are examples.",
        "Each figure with a CI is the mean over runs with a 95% Student-t interval.",
    ] {
        let _ = writeln!(out, "- {line}");
    }
    provenance_md(&mut out, &a.provenance);
    out
}

/// A fence longer than any run of backticks in `text`, so that the text cannot close it.
fn fence_for(text: &str) -> String {
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    "`".repeat(longest.max(2) + 1)
}

/// The provenance section: what produced this report, and the scenario in full as TOML (save it
/// as a file and `backsim run` it to rerun).
pub fn provenance_md(out: &mut String, p: &crate::analysis::Provenance) {
    let _ = writeln!(out, "\n## Provenance\n");
    let _ = writeln!(out, "- backsim {}", cell(&p.backsim_version));
    if !p.command_line.is_empty() {
        let _ = writeln!(out, "- command: `{}`", code_text(&p.command_line));
    }
    let _ = writeln!(
        out,
        "- scenario: `{}`, sha256 `{}`",
        code_text(&p.scenario_file),
        p.scenario_sha256
    );
    let toml = toml::to_string(&p.scenario).unwrap_or_default();
    let fence = fence_for(&toml);
    let _ = writeln!(
        out,
        "\nEvery scenario key as this run used it, defaults included (a scenario file that reruns it):\n"
    );
    let _ = writeln!(out, "{fence}toml\n{}{fence}", toml);
}
