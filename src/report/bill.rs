//! The planner's tables: the bill per calendar month, the cost of every retention, and one row
//! per recovery.

use super::csv_out::{cells, csv_bytes, header, num, timestamp};
use super::Analysis;

/// bill.csv: one row per calendar month the horizon touches, each figure with its 95% CI.
pub fn bill_csv(a: &Analysis<'_>) -> Vec<u8> {
    csv_bytes(|w| {
        let long_term = a.long_term.is_some();
        let mut estimates = vec![
            "storage_mean_gb",
            "storage_peak_gb",
            "free_allowance_gb",
            "billable_gb_month",
            "cost",
        ];
        if long_term {
            estimates.extend(["vault_mean_gb", "vault_cost", "export_cost", "total_cost"]);
        }
        w.write_record(header(
            &[
                "month",
                "days_in_month",
                "days_simulated",
                "partial",
                "runs",
            ],
            &estimates,
            &[],
        ))?;
        for m in &a.monthly {
            let mut row = vec![
                m.month.clone(),
                num(m.days_in_month),
                num(m.days_simulated),
                m.partial.to_string(),
                m.cost.n.to_string(),
            ];
            for e in [
                &m.mean_storage_gb,
                &m.peak_storage_gb,
                &m.free_allowance_gb,
                &m.billable_gb_month,
                &m.cost,
            ] {
                row.extend(cells(e));
            }
            if let Some(lt) = m.long_term.as_ref().filter(|_| long_term) {
                for e in [
                    &lt.mean_vault_gb,
                    &lt.vault_cost,
                    &lt.export_cost,
                    &lt.total_cost,
                ] {
                    row.extend(cells(e));
                }
            }
            w.write_record(&row)?;
        }
        Ok(())
    })
}

/// retention.csv: what the same history costs at every retention the horizon could measure.
pub fn retention_csv(a: &Analysis<'_>) -> Vec<u8> {
    let c = &a.scenario.config;
    // After a "set-retention", the retention the run ends with: the one the headline measures.
    let configured = c.final_retention_days();
    csv_bytes(|w| {
        w.write_record(header(
            &["retention_days", "runs"],
            &[
                "storage_mean_gb",
                "storage_peak_gb",
                "billable_gb_month",
                "cost_per_month",
            ],
            &[
                "storage_peak_max_gb",
                "runs_billed",
                "bills_nothing",
                "configured",
            ],
        ))?;
        for r in &a.retention {
            let mut row = vec![r.retention_days.to_string(), r.runs.to_string()];
            for e in [
                &r.mean_storage_gb,
                &r.peak_storage_gb,
                &r.billable_gb_month,
                &r.cost_per_month,
            ] {
                row.extend(cells(e));
            }
            row.extend([
                num(r.peak_storage_max_gb),
                r.runs_billed.to_string(),
                (r.runs_billed == 0).to_string(),
                (r.retention_days == configured).to_string(),
            ]);
            w.write_record(&row)?;
        }
        Ok(())
    })
}

/// recoveries.csv: every incident, zone outage and regional outage of every run.
pub fn recoveries_csv(a: &Analysis<'_>) -> Vec<u8> {
    let start = a.scenario.start;
    csv_bytes(|w| {
        w.write_record([
            "run",
            "kind",
            "started",
            "started_s",
            "restore_point",
            "data_lost_s",
            "wait_s",
            "restore_s",
            "downtime_s",
            "outcome",
            "failed_attempts",
        ])?;
        for (run, r) in &a.reps.recoveries {
            w.write_record([
                run.to_string(),
                r.kind.as_str().to_string(),
                timestamp(start, r.started),
                r.started.to_string(),
                r.restore_point
                    .map_or(String::new(), |t| timestamp(start, t)),
                num(r.data_lost_s),
                num(r.wait_s),
                num(r.restore_s),
                num(r.downtime_s),
                r.outcome.as_str(r.kind).to_string(),
                r.failed_attempts.to_string(),
            ])?;
        }
        Ok(())
    })
}
