//! The headline answers report.md leads with.

use super::*;

/// One headline answer: its key in summary.json, what it means, its value and unit.
pub struct Headline {
    pub key: &'static str,
    pub label: &'static str,
    pub value: f64,
    pub unit: String,
    pub ci95: Option<[f64; 2]>,
    /// The runs, when every one gave this same value: its interval of no width is no certainty.
    pub same_in_all_runs: Option<usize>,
}

/// The answers report.md leads with, in the order a design review reads them.
pub fn headlines(a: &Analysis<'_>) -> Vec<Headline> {
    let currency = a.scenario.config.cost.currency.clone();
    let row = |key, label, value, unit: &str| Headline {
        key,
        label,
        value,
        unit: unit.to_string(),
        ci95: None,
        same_in_all_runs: None,
    };
    let mut rows = vec![
        row(
            "rpo_seconds.p50",
            "Data-loss window, median",
            a.rpo.p50,
            "s",
        ),
        row(
            "rpo_seconds.p95",
            "Data-loss window, 95th percentile",
            a.rpo.p95,
            "s",
        ),
        row("rpo_seconds.max", "Data-loss window, worst", a.rpo.max, "s"),
    ];
    if let Some(g) = a.geo_rpo {
        rows.push(row(
            "geo_rpo_seconds.p50",
            "Geo data-loss window, median",
            g.p50,
            "s",
        ));
        rows.push(row(
            "geo_rpo_seconds.max",
            "Geo data-loss window, worst (a copy's delay, up to the documented hour, plus the log interval before it)",
            g.max,
            "s",
        ));
    }
    for (key, label, q) in [
        (
            "restore_seconds.latest.p50",
            "Restore to the latest point, median",
            a.restore_latest.map(|q| q.p50),
        ),
        (
            "restore_seconds.latest.p95",
            "Restore to the latest point, 95th percentile",
            a.restore_latest.map(|q| q.p95),
        ),
        (
            "restore_seconds.fastest.p50",
            "Restore to the fastest point, median",
            a.restore_fastest.map(|q| q.p50),
        ),
        (
            "restore_seconds.custom.p50",
            "Restore to a custom point, median",
            a.restore_custom.map(|q| q.p50),
        ),
    ] {
        if let Some(v) = q {
            rows.push(row(key, label, v, "s"));
        }
    }
    rows.extend([
        row(
            "durability_nines",
            "Durability of the backups (configured redundancy)",
            a.durability_nines,
            "nines",
        ),
        row(
            "durability_nines_by_redundancy.local",
            "Durability with local redundancy",
            a.durability_by_redundancy.local,
            "nines",
        ),
        row(
            "durability_nines_by_redundancy.zone",
            "Durability with zone redundancy",
            a.durability_by_redundancy.zone,
            "nines",
        ),
        row(
            "durability_nines_by_redundancy.geo",
            "Durability with geo redundancy",
            a.durability_by_redundancy.geo,
            "nines",
        ),
    ]);
    let present = |name: Figure| a.mean_over_events(name);
    if a.figure(Figure::RegionOutages).estimate.mean > 0.0 {
        if let Some(v) = present(Figure::GeoRecoveryMean) {
            rows.push(row(
                "region_outages.mean_geo_recovery_seconds",
                "Regional outage: back by geo-restore after",
                v,
                "s",
            ));
        }
        if let Some(v) = present(Figure::GeoDataLossMean) {
            rows.push(row(
                "region_outages.mean_geo_data_loss_seconds",
                "Regional outage: writes lost (not yet replicated)",
                v,
                "s",
            ));
        }
        if let Some(v) = present(Figure::RegionDataAtRiskMean) {
            rows.push(row(
                "region_outages.mean_data_at_risk_seconds",
                "Regional outage: writes not yet in any backup when it began",
                v,
                "s",
            ));
        }
        rows.push(row(
            "region_outages.unrecoverable_hours",
            "Regional outage: hours with no way back, per run",
            a.figure(Figure::UnrecoverableHours).estimate.mean,
            "h",
        ));
    }
    if let Some(v) = present(Figure::RecoveryMean) {
        rows.push(row(
            "recoveries.mean_seconds",
            "Incident or zone-outage restore, request to running server",
            v,
            "s",
        ));
    }
    if let Some(v) = present(Figure::RecoveryDataLossMean) {
        rows.push(row(
            "recoveries.mean_data_loss_seconds",
            "Incident or zone-outage restore: writes lost",
            v,
            "s",
        ));
    }
    let with_ci = |key, label, figure: Figure, unit: &str| {
        let f = a.figure(figure);
        Headline {
            key,
            label,
            value: f.estimate.mean,
            unit: unit.to_string(),
            ci95: f.estimate.ci95,
            same_in_all_runs: f.estimate.same_in_every_run().then_some(f.estimate.n),
        }
    };
    rows.push(with_ci(
        "backup_storage_gb.mean",
        "Backup storage used, mean",
        Figure::StorageMean,
        "GB",
    ));
    rows.push(row(
        "backup_storage_gb.peak",
        "Backup storage used, peak (the highest of any run)",
        a.figure(Figure::StoragePeak).max,
        "GB",
    ));
    rows.push(row(
        "backup_storage_gb.free_allowance",
        "Free allowance while running",
        a.scenario.config.server.provisioned_storage_gb,
        "GB",
    ));
    rows.push(with_ci(
        "billable_gb_month.mean",
        "Billable storage",
        Figure::BillableGbMonth,
        "GB-month",
    ));
    rows.push(with_ci(
        "cost_per_month.mean",
        "Backup storage cost",
        Figure::CostPerMonth,
        &format!("{currency}/month"),
    ));
    if let Some(m) = a.last_full_month() {
        rows.push(Headline {
            key: "last_full_month.cost",
            label: "Backup storage cost, last full calendar month",
            value: m.cost.mean,
            unit: format!("{currency} ({})", m.month),
            ci95: m.cost.ci95,
            same_in_all_runs: m.cost.same_in_every_run().then_some(m.cost.n),
        });
    }
    if let Some(days) = a.max_free_retention_days() {
        rows.push(row(
            "max_free_retention_days",
            "Longest retention that bills nothing (simulated)",
            days as f64,
            if days == 1 { "day" } else { "days" },
        ));
    }
    let free = a.figure(Figure::FreeRetentionDays);
    if free.estimate.n > 0 {
        rows.push(row(
            "free_retention_days",
            "Free retention by the documentation's rule of thumb (allowance ÷ daily backup data)",
            free.estimate.mean,
            "days",
        ));
    }
    rows
}
