//! What `backsim calibrate` writes: the calibrated scenario (the user's file with each fitted key
//! set in place and commented), the backtest as CSV and PNG, and the readable summary.

use std::fmt::Write;

use chrono::{DateTime, Duration, FixedOffset};
use plotters::prelude::*;

use super::charts::{err, frame, legend, line_key, render, span, whole, PALETTE};
use super::numbers::fixed;
use crate::calibrate::restores::RestoreFit;
use crate::calibrate::series::timestamp;
use crate::calibrate::workload::{BacktestPoint, WorkloadFit};
use crate::calibrate::FittedKey;
use crate::scenario::edit::{set_keys, KeyEdit};

/// Where the calibration's inputs came from, for the file's header and the summary.
#[derive(Debug, Clone)]
pub struct CalibrationReport<'a> {
    pub scenario: &'a str,
    /// backsim's version and the sha256 of the scenario and metrics read.
    pub provenance: String,
    pub metrics: Option<&'a str>,
    pub workload: Option<&'a WorkloadFit>,
    pub restores: Option<&'a RestoreFit>,
    /// The scenario's settings the storage fit takes as they are (retention, redundancy): a
    /// wrong one fits as well, absorbed into the load.
    pub given: Vec<(&'static str, String)>,
    /// The files written, in order.
    pub written: Vec<String>,
}

const HEADER: &str = "# Calibrated by `backsim calibrate`";

/// The scenario `text` with every fitted key set in place, each with its uncertainty and
/// source as the line's comment, under a one-line header naming the inputs (an earlier
/// calibration's header is replaced).
pub fn calibrated_scenario(text: &str, report: &CalibrationReport<'_>) -> Result<String, String> {
    let keys: Vec<&FittedKey> = report
        .workload
        .iter()
        .flat_map(|w| w.keys.iter())
        .chain(report.restores.iter().flat_map(|r| r.keys.iter()))
        .collect();
    let edits: Vec<KeyEdit> = keys
        .iter()
        .map(|k| KeyEdit {
            path: k.path.to_string(),
            value: k.value.clone(),
            comment: if k.uncertainty.is_empty() {
                format!("calibrated from {}", k.source)
            } else {
                format!("calibrated: {}, from {}", k.uncertainty, k.source)
            },
        })
        .collect();
    let body: String = text
        .lines()
        .skip_while(|l| l.starts_with(HEADER))
        .map(|l| format!("{l}\n"))
        .collect();
    let mut header = String::from(HEADER);
    if let (Some(metrics), Some(w)) = (report.metrics, report.workload) {
        let _ = write!(
            header,
            " from {metrics} ({} points, backtest error {}% MAPE)",
            w.points,
            fixed(w.mape_pct, 3)
        );
    }
    if let Some(r) = report.restores {
        let _ = write!(
            header,
            "{} {} measured restores",
            if report.workload.is_some() {
                " and"
            } else {
                " from"
            },
            r.residuals.len()
        );
    }
    let _ = write!(
        header,
        "; each fitted key's comment says how sure and from what ({}).",
        report.provenance
    );
    set_keys(&format!("{header}\n{body}"), &edits)
}

/// backtest.csv: the metric and the calibrated simulation at each of the metric's points.
pub fn backtest_csv(points: &[BacktestPoint]) -> Vec<u8> {
    super::csv_out::csv_bytes(|w| {
        w.write_record(["time", "observed_gb", "simulated_gb"])?;
        for p in points {
            let observed = p.observed_gb.map(|v| format!("{v:.4}")).unwrap_or_default();
            w.write_record([
                timestamp(p.time),
                observed,
                format!("{:.4}", p.simulated_gb),
            ])?;
        }
        Ok(())
    })
}

/// backtest.png: backup storage as the metric shows it and as the calibrated scenario simulates it.
pub fn backtest_chart(points: &[BacktestPoint], title: &str) -> Result<Vec<u8>, String> {
    let Some(first) = points.first().map(|p| p.time) else {
        return Err("no points to draw".into());
    };
    let day = |t: DateTime<FixedOffset>| (t - first).num_seconds() as f64 / 86_400.0;
    let observed: Vec<(f64, f64)> = points
        .iter()
        .filter_map(|p| p.observed_gb.map(|v| (day(p.time), v)))
        .collect();
    let simulated: Vec<(f64, f64)> = points
        .iter()
        .filter(|p| p.simulated_gb.is_finite())
        .map(|p| (day(p.time), p.simulated_gb))
        .collect();
    render(|root| {
        let (x0, x1) = span(observed.iter().chain(&simulated).map(|p| p.0));
        let (lo, hi) = span(observed.iter().chain(&simulated).map(|p| p.1));
        let pad = (hi - lo).max(1.0) * 0.1;
        let date = |x: &f64| {
            (first + Duration::seconds((x * 86_400.0) as i64))
                .format("%m-%d")
                .to_string()
        };
        let mut chart = frame(
            root,
            title,
            x0..x1,
            (lo - pad).max(0.0)..hi + pad,
            (
                "date (UTC offset of the metrics)",
                "backup storage (GB, all copies)",
            ),
            (&date, &whole),
        )?;
        let (seen, model) = (PALETTE[7], PALETTE[1]);
        chart
            .draw_series(LineSeries::new(
                observed.iter().copied(),
                seen.stroke_width(3),
            ))
            .map_err(err)?
            .label("observed (backup_storage_used)")
            .legend(line_key(seen, 3));
        chart
            .draw_series(LineSeries::new(
                simulated.iter().copied(),
                model.stroke_width(2),
            ))
            .map_err(err)?
            .label("simulated with the calibrated scenario")
            .legend(line_key(model, 2));
        legend(&mut chart, SeriesLabelPosition::LowerRight)
    })
}

fn key_lines(out: &mut String, keys: &[FittedKey]) {
    for k in keys {
        let value = if k.value.chars().count() > 40 {
            format!("{}…]", k.value.chars().take(38).collect::<String>())
        } else {
            k.value.clone()
        };
        let _ = writeln!(out, "  {:<38} {value}", k.path);
        let detail = if k.uncertainty.is_empty() {
            k.source.clone()
        } else {
            format!("{}, from {}", k.uncertainty, k.source)
        };
        let _ = writeln!(out, "  {:<38} {detail}", "");
    }
}

/// The readable summary `calibrate` prints.
pub fn calibration_text(report: &CalibrationReport<'_>) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Calibrated \"{}\"", report.scenario);
    if let (Some(metrics), Some(w)) = (report.metrics, report.workload) {
        let _ = writeln!(out, "\nLoad, from {metrics} ({} points):", w.points);
        key_lines(&mut out, &w.keys);
        let _ = writeln!(
            out,
            "  backtest error (MAPE)                  {}% of the backup storage",
            fixed(w.mape_pct, 3)
        );
        if !report.given.is_empty() {
            let given: Vec<String> = report
                .given
                .iter()
                .map(|(key, value)| format!("{key} = {value}"))
                .collect();
            let _ = writeln!(
                out,
                "  taken as given                         {}",
                given.join(", ")
            );
            let _ = writeln!(
                out,
                "  {:<38} not fitted, and not checked by the fit: storage grows with retention × daily data, so a wrong one fits as well with another load; take them from the server (`backsim import`)",
                ""
            );
        }
    }
    if let Some(r) = report.restores {
        let _ = writeln!(
            out,
            "\nRestore speed, from the measured restores ({}):",
            r.summary
        );
        key_lines(&mut out, &r.keys);
        let _ = writeln!(out, "  residuals (measured − fitted):");
        for (i, res) in r.residuals.iter().enumerate() {
            let _ = writeln!(
                out,
                "    #{i} {:<8} measured {:>8.1} min, fitted {:>8.1} min, {:+.1} min",
                res.target,
                res.measured_minutes,
                res.fitted_minutes,
                res.measured_minutes - res.fitted_minutes
            );
        }
    }
    let warnings = report
        .workload
        .iter()
        .flat_map(|w| w.warnings.iter())
        .chain(report.restores.iter().flat_map(|r| r.warnings.iter()));
    let mut first = true;
    for w in warnings {
        if first {
            let _ = writeln!(out, "\nWarnings:");
            first = false;
        }
        let _ = writeln!(out, "  - {w}");
    }
    if !report.written.is_empty() {
        let _ = writeln!(out, "\nWrote {}", report.written.join(", "));
    }
    out
}
