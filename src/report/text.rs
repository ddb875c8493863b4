use std::fmt::Write;

use super::restore::human_duration;
use super::Analysis;

/// The readable summary printed after a run.
pub fn summary_text(a: &Analysis<'_>) -> String {
    let s = a.scenario;
    let c = &s.config;
    let mut out = String::new();
    let ci = |name: &str| {
        let f = a.figure(name);
        match f.estimate.ci95 {
            Some([lo, hi]) => format!("{:.2}  (95% CI {:.2} – {:.2})", f.estimate.mean, lo, hi),
            None => format!("{:.2}", f.estimate.mean),
        }
    };
    let _ = writeln!(
        out,
        "backsim · {} · MySQL {} · {} GB provisioned · {}-day retention, {} redundancy",
        s.name,
        c.server.mysql_version.as_str(),
        c.server.provisioned_storage_gb,
        c.backup.retention_days,
        c.redundancy_label()
    );
    let _ = writeln!(
        out,
        "{} runs × {} days, seed {}\n",
        a.reps.len(),
        s.horizon_days,
        s.seed
    );
    let r = a.rpo;
    let _ = writeln!(out, "Data-loss window (RPO, time-weighted, all runs)");
    let _ = writeln!(
        out,
        "  p50 {:.0} s   p95 {:.0} s   p99 {:.0} s   max {:.0} s   mean {:.1} s\n",
        r.p50, r.p95, r.p99, r.max, r.mean
    );
    if let Some(g) = a.geo_rpo {
        let _ = writeln!(out, "Data-loss window against the paired region (geo)");
        let _ = writeln!(
            out,
            "  p50 {:.0} s   p95 {:.0} s   p99 {:.0} s   max {:.0} s   mean {:.1} s\n",
            g.p50, g.p95, g.p99, g.max, g.mean
        );
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
        "Restore time (hourly what-if restores, no waiting for a slot)"
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
                human_duration(a.figure("restore_latest_provision_s").estimate.mean),
                human_duration(a.figure("restore_latest_hydrate_s").estimate.mean),
                human_duration(a.figure("restore_latest_replay_s").estimate.mean)
            );
        }
        let _ = writeln!(out);
    }
    let _ = writeln!(out);
    let incidents = a.figure("incidents").estimate.mean;
    let zone = a.figure("zone_outages").estimate.mean;
    if incidents > 0.0 || zone > 0.0 {
        let _ = writeln!(
            out,
            "Recoveries (per run: {incidents:.2} incidents, {zone:.2} zone outages)"
        );
        let recov = a.figure("recovery_mean_s");
        if recov.estimate.n > 0 {
            let _ = writeln!(
                out,
                "  restore            {} on average, of which {} waiting for a slot",
                human_duration(recov.estimate.mean),
                human_duration(a.figure("recovery_queue_mean_s").estimate.mean)
            );
            let _ = writeln!(
                out,
                "  writes lost        {} on average per restore",
                human_duration(a.figure("recovery_data_loss_mean_s").estimate.mean)
            );
        }
        let _ = writeln!(
            out,
            "  failed restores    {:.2} per run (unsafe sessions, R7)",
            a.figure("failed_restores").estimate.mean
        );
        let _ = writeln!(
            out,
            "  HA failovers       {:.2} per run; downtime {:.2} h per run\n",
            a.figure("failovers").estimate.mean,
            a.figure("downtime_hours").estimate.mean
        );
    }
    let outages = a.figure("region_outages").estimate.mean;
    if outages > 0.0 {
        let _ = writeln!(out, "Regional outages ({outages:.2} per run)");
        let geo = a.figure("geo_recovery_mean_s");
        if geo.estimate.n > 0 {
            let _ = writeln!(
                out,
                "  geo-restore        back in {} on average, losing {} of writes that had not replicated",
                human_duration(geo.estimate.mean),
                human_duration(a.figure("geo_data_loss_mean_s").estimate.mean)
            );
        }
        let at_risk = a.figure("region_data_at_risk_mean_s");
        if at_risk.estimate.n > 0 {
            let _ = writeln!(
                out,
                "  writes at risk     {} when an outage begins (not yet in any backup)",
                human_duration(at_risk.estimate.mean)
            );
        }
        let _ = writeln!(
            out,
            "  no way back        {:.2} h per run (without geo-redundant backups the server waits for its region)\n",
            a.figure("unrecoverable_hours").estimate.mean
        );
    }
    let cur = &c.cost.currency;
    let _ = writeln!(out, "Backup storage");
    let _ = writeln!(out, "  mean used          {} GB", ci("storage_mean_gb"));
    let _ = writeln!(
        out,
        "  peak used          {:.2} GB",
        a.figure("storage_peak_gb").max
    );
    let _ = writeln!(
        out,
        "  free allowance     {:.2} GB (while running)",
        c.server.provisioned_storage_gb
    );
    let _ = writeln!(
        out,
        "  billable           {} GB-month",
        ci("billable_gb_month")
    );
    let _ = writeln!(
        out,
        "  cost               {} {cur}/month at {} {cur}/GB-month",
        ci("cost_per_month"),
        c.cost.price_per_gb_month
    );
    let _ = writeln!(out, "  new backup data    {} GB/day", ci("daily_backup_gb"));
    let free = a.figure("free_retention_days");
    if free.estimate.n > 0 {
        let _ = writeln!(
            out,
            "  free retention     {:.1} days fit in the allowance\n",
            free.estimate.mean
        );
    } else {
        let _ = writeln!(out, "  free retention     no backup data written\n");
    }
    let _ = writeln!(out, "Backup health (per run)");
    let _ = writeln!(out, "  snapshots          {}", ci("snapshots"));
    let _ = writeln!(out, "  failed attempts    {}", ci("snapshot_failures"));
    let _ = writeln!(out, "  retries            {}", ci("retries"));
    let _ = writeln!(out, "  extra snapshots    {}", ci("extra_snapshots"));
    let _ = writeln!(out, "  log backups        {}", ci("log_backups"));
    let _ = writeln!(out, "  on-demand taken    {}", ci("on_demand"));
    let _ = writeln!(out, "  on-demand refused  {}", ci("on_demand_refused"));
    let _ = writeln!(
        out,
        "  longest snapshot gap {:.1} h (worst run)",
        a.figure("max_snapshot_gap_hours").max
    );
    if c.server.mysql_version == crate::model::MysqlVersion::V5_7 {
        let _ = writeln!(
            out,
            "  event scheduler off {} h",
            ci("event_scheduler_off_hours")
        );
    }
    out
}
