use std::fmt::Write;

use super::numbers;
use super::restore::human_duration;
use super::Analysis;
use crate::analysis::{scripted_events, LoadEcho, Spread};
use crate::analysis::{Figure, HEADLINE};
use crate::stats::rule_of_three;

fn long_term_text(out: &mut String, a: &Analysis<'_>, lt: &crate::analysis::LongTermSummary) {
    let c = &a.scenario.config;
    let cur = &c.cost.currency;
    let with_ci = |e: &crate::stats::Estimate| numbers::estimate(e, 1.0, false);
    let _ = writeln!(out, "Long-term retention and exports (previews)");
    if c.long_term.enabled {
        let _ = writeln!(
            out,
            "  vault              {} copies at the end of the run ({} made), {} GB on average, peak {} GB",
            numbers::count(lt.copies_kept.mean),
            numbers::count(lt.copies_made.mean),
            numbers::sig(lt.mean_vault_gb.mean, 4),
            numbers::sig(lt.peak_vault_gb, 4)
        );
        let _ = writeln!(
            out,
            "  vault cost         {} {cur}/month, the average {}, at {} {cur}/GB-month",
            with_ci(&lt.vault_cost_per_month),
            measured_stretch(a),
            numbers::sig(c.long_term.vault_price_per_gb_month, 4)
        );
    }
    if let Some((month, m)) = a
        .last_full_month()
        .and_then(|m| m.long_term.as_ref().map(|lt| (m, lt)))
    {
        let vault = if c.long_term.enabled {
            format!("vault {} {cur}, ", with_ci(&m.vault_cost))
        } else {
            String::new()
        };
        let with = if c.long_term.exports.is_empty() {
            "backup storage"
        } else {
            "backup storage and exports"
        };
        let _ = writeln!(
            out,
            "  last full month    {}: {vault}{} {cur} in all with {with} (bill.csv)",
            month.month,
            with_ci(&m.total_cost)
        );
    }
    if let Some(fill) = &lt.fill {
        if fill.still_filling {
            let _ = writeln!(
                out,
                "  still filling      {} of up to {} copies after the run: the vault reaches its full size after {} ({}), so its cost keeps rising past the {} days simulated",
                numbers::count(lt.copies_kept.mean),
                fill.copies_at_most,
                fill.full_after,
                fill.full_after_key,
                numbers::sig(a.scenario.horizon_days, 6)
            );
        } else if fill.server_deleted {
            let _ = writeln!(
                out,
                "  full size          up to {} copies, after {} ({}); the server is deleted during the run, so no copy comes after that and those kept age out",
                fill.copies_at_most, fill.full_after, fill.full_after_key
            );
        } else {
            let _ = writeln!(
                out,
                "  full size          up to {} copies, reached after {} ({}), within the run: the last full month's vault cost is the running one",
                fill.copies_at_most, fill.full_after, fill.full_after_key
            );
        }
    }
    match lt.oldest_point_s {
        Some(t) => {
            let _ = writeln!(
                out,
                "  oldest point       {}: the furthest back a restore reaches; a point older than the {}-day recovery window comes from the newest long-term copy at or before it (backsim restore --at TIME)",
                super::clock(a.scenario.start, t),
                c.final_retention_days()
            );
        }
        None => {
            let _ = writeln!(out, "  oldest point       none kept");
        }
    }
    if !c.long_term.exports.is_empty() {
        let _ = writeln!(
            out,
            "  exports            {} made, {} refused; {} GB on average; {} {cur}/month",
            numbers::count(lt.exports.mean),
            numbers::count(lt.exports_refused.mean),
            numbers::sig(lt.mean_export_gb.mean, 4),
            with_ci(&lt.export_cost_per_month)
        );
    }
    let _ = writeln!(out, "  {}\n", lt.preview);
}

/// The readable summary printed after a run.
/// The `--set`s a readable output ran with, as a line ("" without any): a table pasted
/// elsewhere must not pass for the scenario file's own figures.
pub fn overrides_line(overrides: &[String]) -> String {
    if overrides.is_empty() {
        String::new()
    } else {
        format!("Overrides: --set {}\n", overrides.join(" --set "))
    }
}

pub fn summary_text(a: &Analysis<'_>) -> String {
    let s = a.scenario;
    let c = &s.config;
    let mut out = String::new();
    // Significant figures, the interval's precision for its mean, counts whole where they
    // are, and no interval where every run gave the same.
    let ci = |name: Figure| {
        let f = a.figure(name);
        numbers::estimate(
            &f.estimate,
            1.0,
            name.unit() == crate::analysis::Unit::PerRun,
        )
    };
    // A headline every run gave alike says so: "0 GB-month" alone reads as certain. The other
    // figures are left plain, most of them fixed by the scenario (the snapshots a schedule
    // takes), where the note would only repeat itself; summary.json and summary.csv mark all.
    let same = |name: Figure| {
        let e = &a.figure(name).estimate;
        match e.same_in_every_run() && HEADLINE.contains(&name) {
            true => format!(" ({})", numbers::same_in_all(e.n)),
            false => String::new(),
        }
    };
    let _ = writeln!(
        out,
        "backsim · {} · MySQL {} · {} GB provisioned · {}-day retention, {} redundancy",
        s.name,
        c.server.mysql_version.as_str(),
        c.server.provisioned_storage_gb,
        c.retention_label(),
        c.redundancy_label()
    );
    let _ = writeln!(
        out,
        "{} run{} × {} days, seed {}",
        a.reps.len(),
        if a.reps.len() == 1 { "" } else { "s" },
        s.horizon_days,
        s.seed
    );
    let load = LoadEcho::of(&c.workload);
    let _ = writeln!(
        out,
        "Load: {:.1} GB/day of binlog on average before bursts (busiest day {:.1}, quietest {:.1}; peak hour {:.2} GB){}",
        load.mean_gb_per_day,
        load.busiest_day_gb,
        load.quietest_day_gb,
        load.peak_hour_gb,
        if load.bursts_per_day > 0.0 {
            format!(
                "; {:.2} bursts a day at ×{} bring the mean to about {:.1} GB/day",
                load.bursts_per_day, load.burst_multiplier, load.mean_with_bursts_gb_per_day
            )
        } else {
            String::new()
        }
    );
    let events = scripted_events(s);
    if !events.is_empty() {
        let listed: Vec<String> = events
            .iter()
            .map(|e| match (e.hours, e.retention_days) {
                (Some(h), _) => format!("{} {} ({h} h)", e.at, e.action),
                (_, Some(d)) => format!("{} {} ({d} days)", e.at, e.action),
                _ => format!("{} {}", e.at, e.action),
            })
            .collect();
        let _ = writeln!(out, "Scripted: {}", listed.join("; "));
    }
    out.push_str(&overrides_line(&a.provenance.overrides));
    let _ = writeln!(out);
    let r = a.rpo;
    let _ = writeln!(out, "Data-loss window (RPO, time-weighted, all runs)");
    let _ = writeln!(
        out,
        "  p50 {:.0} s   p95 {:.0} s   p99 {:.0} s   max {:.0} s   mean {:.1} s",
        r.p50, r.p95, r.p99, r.max, r.mean
    );
    if r.max > 2.0 * r.p99 {
        // A maximum far above the 99th percentile looks like an error; it is a rare stretch.
        // Only run 0 writes events.csv: point at it only when the worst is run 0's.
        let worst_run = a
            .reps
            .metrics
            .iter()
            .position(|m| m.rpo_seconds.max >= r.max);
        let whose = match worst_run {
            Some(0) | None => "events.csv of run 0 shows when".to_string(),
            Some(i) => format!(
                "the worst is run {i}'s (runs.csv, rpo_max_s; only run 0 writes events.csv)"
            ),
        };
        let _ = writeln!(
            out,
            "  the max is rare (under 1% of the time): the window keeps growing until the first snapshot succeeds (nothing is restorable before it; one that fails at creation is retried after {}) and while log backups fail; {whose}",
            crate::scenario::keys::dur(c.backup.retry_interval)
        );
    }
    let _ = writeln!(out);
    if let Some(g) = a.geo_rpo {
        let _ = writeln!(out, "Data-loss window against the paired region (geo)");
        let _ = writeln!(
            out,
            "  p50 {:.0} s   p95 {:.0} s   p99 {:.0} s   max {:.0} s   mean {:.1} s",
            g.p50, g.p95, g.p99, g.max, g.mean
        );
        // The service speaks of up to an hour of loss: a worst case past it reads as an error
        // unless said where it is printed.
        if g.max > 3_600.0 {
            let interval = crate::scenario::keys::dur(c.backup.log_backup_interval);
            let _ = writeln!(
                out,
                "  the documented hour counts from each log backup's upload, and a log backup holds writes up to {interval} older: so the worst is up to an hour and {interval}"
            );
        }
        let _ = writeln!(out);
    }
    let d = a.durability_by_redundancy;
    let _ = writeln!(
        out,
        "Durability: {:.1} nines a year ({} redundancy); local {:.1}, zone {:.1}, geo {:.1}\n",
        a.durability_nines,
        c.redundancy_label(),
        d.local,
        d.zone,
        d.geo
    );
    let _ = writeln!(
        out,
        "Restore time (a what-if restore at a random moment of every hour, no waiting for a slot, failed attempts included)"
    );
    for (label, q, phases) in [
        ("latest ", a.restore_latest, Some("latest")),
        ("fastest", a.restore_fastest, None),
        ("custom ", a.restore_custom, None),
    ] {
        let Some(q) = q else {
            let _ = writeln!(
                out,
                "  {label}  none: no restore could be planned at any hour of the run"
            );
            continue;
        };
        let _ = write!(
            out,
            "  {label}  p50 {}   p95 {}   max {}",
            human_duration(q.p50),
            human_duration(q.p95),
            human_duration(q.max)
        );
        if phases.is_some() {
            let _ = write!(
                out,
                "   (mean: provision {}, hydrate {}, replay {})",
                human_duration(a.figure(Figure::RestoreLatestProvision).estimate.mean),
                human_duration(a.figure(Figure::RestoreLatestHydrate).estimate.mean),
                human_duration(a.figure(Figure::RestoreLatestReplay).estimate.mean)
            );
        }
        let _ = writeln!(out);
    }
    let _ = writeln!(out);
    let downtime = a.figure(Figure::DowntimeHours).estimate.mean;
    if a.recoveries.is_empty() && downtime > 0.0 {
        // A stopped server asked to start while its region is down waits for the region: down,
        // with no recovery to list.
        let _ = writeln!(
            out,
            "Downtime: {downtime:.2} h per run with no recovery to list (a stopped server asked to start while its region was down waited for the region)\n"
        );
    }
    if !a.recoveries.is_empty() {
        let _ = writeln!(
            out,
            "Recoveries (every incident and outage of every run, in recoveries.csv)"
        );
        for r in &a.recoveries {
            let outcomes: Vec<String> = r
                .outcomes
                .iter()
                .map(|(outcome, n)| format!("{n} {outcome}"))
                .collect();
            let _ = writeln!(
                out,
                "  {:<14} {:.2} per run: {}",
                r.kind.as_str(),
                r.per_run,
                outcomes.join(", ")
            );
            for (label, spread) in [
                ("writes lost", r.data_lost_s),
                ("slot wait", r.wait_s),
                ("restore", r.restore_s),
                ("downtime", r.downtime_s),
            ] {
                if let Some(Spread { p50, p95, max }) = spread {
                    let _ = writeln!(
                        out,
                        "    {label:<12} p50 {}   p95 {}   max {}",
                        human_duration(p50),
                        human_duration(p95),
                        human_duration(max)
                    );
                }
            }
        }
        let _ = writeln!(
            out,
            "  failed restores    {:.2} per run (unsafe sessions, R7); down in zone and region outages {:.2} h per run (restores after incidents: above)",
            a.figure(Figure::FailedRestores).estimate.mean,
            downtime
        );
        if let Some(at_risk) = a.mean_over_events(Figure::RegionDataAtRiskMean) {
            let _ = writeln!(
                out,
                "  writes at risk     {} when a regional outage begins (not yet in any backup)",
                human_duration(at_risk)
            );
        }
        let unrecoverable = a.figure(Figure::UnrecoverableHours).estimate.mean;
        if unrecoverable > 0.0 {
            let _ = writeln!(
                out,
                "  no way back        {unrecoverable:.2} h per run (without geo-redundant backups the server waits for its region)"
            );
        }
        let _ = writeln!(out);
    }
    let cur = &c.cost.currency;
    let measured = if c.measured_from > 0 {
        format!(
            "steady state from day {:.1}, once the backup set is full",
            a.measured_from_days()
        )
    } else if s.warmup_reached {
        "measured from the start (warmup_days = 0)".to_string()
    } else {
        format!(
            "measured from the start: the horizon ends before the backup set is full on day {}, so the mean and cost understate the running cost; raise horizon_days past it",
            numbers::sig(c.backup_set_full_at() as f64 / crate::engine::DAY as f64, 6)
        )
    };
    let _ = writeln!(out, "Backup storage ({measured}; every month in bill.csv)");
    let _ = writeln!(
        out,
        "  mean used          {} GB{}",
        ci(Figure::StorageMean),
        same(Figure::StorageMean)
    );
    let _ = writeln!(
        out,
        "  peak used          {} GB (the highest of any run)",
        numbers::sig(a.figure(Figure::StoragePeak).max, 4)
    );
    let _ = writeln!(
        out,
        "  free allowance     {} GB (while running)",
        numbers::sig(c.server.provisioned_storage_gb, 4)
    );
    let _ = writeln!(
        out,
        "  billable           {} GB-month{}",
        ci(Figure::BillableGbMonth),
        same(Figure::BillableGbMonth)
    );
    let _ = writeln!(
        out,
        "  cost               {} {cur}/month{} at {} {cur}/GB-month{}",
        ci(Figure::CostPerMonth),
        same(Figure::CostPerMonth),
        c.cost.price_per_gb_month,
        if is_the_shipped_price(c.cost.price_per_gb_month) {
            " (backsim's example price: set cost.price_per_gb_month to your region's)"
        } else {
            ""
        }
    );
    if let Some(m) = a.last_full_month() {
        let _ = writeln!(
            out,
            "  last full month    {}: {} {cur}{}",
            m.month,
            numbers::estimate(&m.cost, 1.0, false),
            if m.cost.same_in_every_run() {
                format!(" ({})", numbers::same_in_all(m.cost.n))
            } else {
                String::new()
            }
        );
    }
    let _ = writeln!(
        out,
        "  new backup data    {} GB/day{}\n",
        ci(Figure::DailyBackupGb),
        same(Figure::DailyBackupGb)
    );
    let _ = writeln!(out, "Free retention");
    match (a.max_free_retention_days(), a.retention.len()) {
        (None, _) => {
            // A deleted server's hours bill nobody and are left out of every retention's
            // figures: deleted early, a long horizon still measures none.
            let why = if horizon_measures(c.horizon) >= 1 {
                "the server is deleted before a day of retention could be measured (its hours after deletion bill nobody)"
            } else {
                "the horizon is too short (a retention needs retention + 1 days)"
            };
            let _ = writeln!(out, "  simulated          not measured: {why}");
        }
        (Some(0), _) => {
            // The usual cause: a stop or a deletion, during which there is no allowance.
            let allowance = a.figure(Figure::FreeAllowanceMean).estimate.mean;
            let why = if allowance < c.server.provisioned_storage_gb * (1.0 - 1e-9) {
                "; the server is stopped or deleted for part of the run, and then no storage is free"
            } else {
                ""
            };
            let _ = writeln!(
                out,
                "  simulated          none: even 1 day of retention is billed{why} (retention.csv has each retention's cost)"
            );
        }
        (Some(days), measured) => {
            let beyond = if days as usize == measured && measured < crate::model::MAX_RETENTION_DAYS
            {
                let span = if measured < horizon_measures(c.horizon) {
                    "the server's life before its deletion"
                } else {
                    "the horizon"
                };
                format!(
                    " (longer ones not measured: {span} covers retention up to {measured} day{})",
                    if measured == 1 { "" } else { "s" }
                )
            } else {
                String::new()
            };
            // The next retention's bill says whether the line is a cliff or a rounding: it may
            // be billed only a few minutes after a retried snapshot.
            let next = a
                .retention
                .iter()
                .find(|r| r.retention_days == days + 1)
                .map_or(String::new(), |r| {
                    format!(
                        "; {} days: {} {} a month, billed in {} of {} runs",
                        days + 1,
                        super::numbers::sig(r.cost_per_month.mean, 2),
                        c.cost.currency,
                        r.runs_billed,
                        r.runs
                    )
                });
            let _ = writeln!(
                out,
                "  simulated          up to {days} day{} of retention bill nothing{beyond}{next} (retention.csv)",
                if days == 1 { "" } else { "s" }
            );
        }
    }
    let free = a.figure(Figure::FreeRetentionDays);
    if free.estimate.n > 0 {
        let _ = writeln!(
            out,
            "  rule of thumb      {:.1} days = allowance ÷ new backup data per day (the documentation's arithmetic: it leaves out the full snapshot and the extra day kept){}\n",
            free.estimate.mean,
            if free.estimate.mean > crate::model::MAX_RETENTION_DAYS as f64 {
                "; beyond the 35 days of retention the service allows"
            } else {
                ""
            }
        );
    } else {
        let _ = writeln!(out, "  rule of thumb      no backup data written\n");
    }
    if let Some(lt) = &a.long_term {
        long_term_text(&mut out, a, lt);
    }
    let _ = writeln!(out, "Backup health (per run)");
    let _ = writeln!(out, "  snapshots          {}", ci(Figure::Snapshots));
    let _ = writeln!(out, "  failed attempts    {}", ci(Figure::SnapshotFailures));
    let _ = writeln!(out, "  retries            {}", ci(Figure::Retries));
    let _ = writeln!(out, "  extra snapshots    {}", ci(Figure::ExtraSnapshots));
    let _ = writeln!(out, "  log backups        {}", ci(Figure::LogBackups));
    let _ = writeln!(out, "  on-demand taken    {}", ci(Figure::OnDemand));
    let _ = writeln!(out, "  on-demand refused  {}", ci(Figure::OnDemandRefused));
    let _ = writeln!(
        out,
        "  longest snapshot gap {:.1} h (worst run)",
        a.figure(Figure::MaxSnapshotGap).max
    );
    if c.server.mysql_version == crate::model::MysqlVersion::V5_7 {
        let _ = writeln!(out, "  event scheduler off {} h", ci(Figure::SchedulerOff));
    }
    out
}

/// What `--target-ci` reached, for the run's text and report.md: how wide the headline
/// intervals came out and, apart from them, the headline figures every run gave alike. Those
/// have an interval of no width, which is no precision: the stop rule counts them as the rule
/// of three's 3/n, and this says so rather than "±0%". `name` writes a figure's name.
pub fn precision_clause(a: &Analysis<'_>, name: impl Fn(&str) -> String) -> String {
    let (same, varied): (Vec<_>, Vec<_>) = HEADLINE
        .iter()
        .map(|&f| a.figure(f))
        .filter(|f| f.estimate.n > 0)
        .partition(|f| f.estimate.same_in_every_run());
    let mut parts = Vec::new();
    if !varied.is_empty() || same.is_empty() {
        let widest = if varied.is_empty() {
            a.target.map_or(0.0, |t| t.worst)
        } else {
            varied
                .iter()
                .map(|f| f.estimate.relative_precision())
                .fold(0.0, f64::max)
        };
        parts.push(format!(
            "headline 95% CIs within ±{}% of their means",
            numbers::sig(widest * 100.0, 2)
        ));
    }
    if let Some(fewest) = same.iter().map(|f| f.estimate.n).min() {
        let names: Vec<String> = same.iter().map(|f| name(f.figure.name())).collect();
        let names = match names.split_last() {
            Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
            _ => names.concat(),
        };
        let runs = if same.iter().all(|f| f.estimate.n == fewest) {
            format!("all {} runs", numbers::count(fewest as f64))
        } else {
            format!("every run that had it (at least {fewest})")
        };
        parts.push(format!(
            "{names} the same in {runs}: counted as ±{}%, the share of runs that may still give another value (3/{fewest}, the rule of three, 95%)",
            numbers::sig(rule_of_three(fewest) * 100.0, 2)
        ));
    }
    parts.join("; ")
}

/// The longest retention a run of `horizon` seconds measures if the server lives throughout:
/// what its last day counts for. Fewer measured means the server was deleted.
fn horizon_measures(horizon: crate::engine::SimTime) -> usize {
    let last_day = (horizon - 1).max(0) / crate::engine::DAY;
    crate::model::retentions_measured_on_day(last_day as usize)
}

/// The price is the one backsim ships, an example rather than any region's list price.
fn is_the_shipped_price(price: f64) -> bool {
    matches!(
        crate::scenario::keys::find("cost.price_per_gb_month").map(|k| &k.kind),
        Some(crate::scenario::keys::Kind::Number { default, .. }) if *default == price
    )
}

/// Where the headline averages start, for a label: "from day 36" after the warm-up.
fn measured_stretch(a: &Analysis<'_>) -> String {
    if a.scenario.config.measured_from > 0 {
        format!("from day {}", numbers::sig(a.measured_from_days(), 6))
    } else {
        "over the whole run".to_string()
    }
}
