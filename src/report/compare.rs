//! `compare`'s outputs, pure functions of a finished comparison: the readable table, compare.csv
//! (full precision, one row per alternative and figure), compare.json (typed values and each
//! contender's provenance) and the panels of compare.png.

use std::fmt::Write;

use serde::Serialize;

use super::csv_out::{cells, csv_bytes, header, num};
use super::numbers;
use crate::analysis::{Figure, Provenance, Unit, HEADLINE};
use crate::compare::{AlternativeResult, Comparison, Contender, Paired};
use crate::model::config::MysqlVersion;
use crate::report::charts::{self, CompareBar, ComparePanel};
use crate::stats::Estimate;

/// The `--set` overrides and `--vs` assignments that made a contender, as KEY=VALUE.
fn overrides_of(sets: &[String], c: &Contender) -> Vec<String> {
    sets.iter()
        .cloned()
        .chain(c.vs.iter().map(|o| format!("{}={}", o.key, o.value)))
        .collect()
}

fn unit_label(unit: Unit, currency: &str) -> String {
    unit.label(currency)
}

/// The readable comparison printed by `backsim compare`.
pub fn compare_text(c: &Comparison, results: &[AlternativeResult], overrides: &[String]) -> String {
    let base = &c.base.loaded.scenario;
    let currency = &base.config.cost.currency;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "backsim compare · base \"{}\" ({}) · {} paired runs × {} days, seed {}",
        c.base.label,
        c.base.loaded.file,
        c.runs(),
        base.horizon_days,
        c.seed
    );
    out.push_str(&super::overrides_line(overrides));
    let from = if c.measured_from > 0 {
        format!(
            "day {}",
            numbers::sig(c.measured_from as f64 / crate::engine::DAY as f64, 4)
        )
    } else {
        "the start".to_string()
    };
    let steady = c.not_steady.is_empty();
    let _ = writeln!(
        out,
        "{} measured from {from} for the base and all alternatives (the latest warm-up).",
        if steady {
            "Steady-state figures"
        } else {
            "Figures"
        }
    );
    if let Some(own) = c.base_own_measured_from {
        // A reader checks the base column against `backsim run` of the same file.
        let _ = writeln!(
            out,
            "The base's storage and cost differ a little from `backsim run` of it alone, which measures from {}.",
            if own > 0 {
                format!("day {}", numbers::sig(own as f64 / crate::engine::DAY as f64, 4))
            } else {
                "the start".to_string()
            }
        );
    }
    if !c.not_steady.is_empty() {
        let _ = writeln!(
            out,
            "Not steady state: {}: the horizon ends before the backup set is full (retention + 1 days), so storage and cost are averaged over a set still filling and understate the running cost; raise horizon_days past the longest retention + 1 days.",
            c.not_steady.join(", ")
        );
    }
    let _ = writeln!(
        out,
        "Every alternative ran on the base's random streams (common random numbers); a difference is"
    );
    let _ = writeln!(
        out,
        "alternative − base, run by run, with the 95% CI of its mean. * marks a CI that excludes zero"
    );
    let _ = writeln!(
        out,
        "by more than a millionth of the figure (nearer is rounding, the same sums in another order)."
    );
    let label_width = 44;
    for (alt, result) in c.alternatives.iter().zip(results) {
        let _ = writeln!(out);
        let source = if alt.vs.is_empty() {
            alt.loaded.file.clone()
        } else {
            format!(
                "--vs {}",
                alt.vs
                    .iter()
                    .map(|o| format!("{}={}", o.key, o.value))
                    .collect::<Vec<_>>()
                    .join(",")
            )
        };
        let _ = writeln!(out, "{}  ({source})", alt.label);
        let _ = writeln!(
            out,
            "  {:<label_width$} {:>10} {:>11} {:>11}   difference",
            "figure", "unit", "base", "alternative"
        );
        for p in &result.figures {
            let (scale, unit) = p.figure.readable();
            let is_count = unit == Unit::PerRun;
            let value = |e: &Estimate| {
                if e.n == 0 {
                    "none".to_string()
                } else if is_count {
                    numbers::count(e.mean / scale)
                } else {
                    numbers::sig(e.mean / scale, 4)
                }
            };
            let diff = match p.difference {
                Some(d) => format!(
                    "{}{}",
                    numbers::difference(&d, scale, p.base.mean.abs().max(p.alternative.mean.abs())),
                    if p.excludes_zero() { " *" } else { "" }
                ),
                None if p.alternative.n > 0 => "(the base has none)".to_string(),
                None if p.base.n > 0 => "(the alternative has none)".to_string(),
                None => "(neither has any)".to_string(),
            };
            let _ = writeln!(
                out,
                "  {:<label_width$} {:>10} {:>11} {:>11}   {diff}",
                p.figure.label_measured(steady),
                unit_label(unit, currency),
                value(&p.base),
                value(&p.alternative),
            );
        }
        let d = result.durability_alternative - result.durability_base;
        let _ = writeln!(
            out,
            "  {:<label_width$} {:>10} {:>11} {:>11}   {} (a closed-form figure: no sampling error)",
            "Durability of the backups",
            "nines",
            numbers::fixed(result.durability_base, 1),
            numbers::fixed(result.durability_alternative, 1),
            numbers::signed_fixed(d, 1)
        );
        let days = |d: Option<u32>| d.map_or("not measured".to_string(), |d| d.to_string());
        let change = result
            .free_retention_change()
            .map_or(String::new(), |d| numbers::signed_fixed(d as f64, 0));
        let _ = writeln!(
            out,
            "  {:<label_width$} {:>10} {:>11} {:>11}   {change} (the longest retention no run bills: over all runs, no interval)",
            "Free retention, simulated",
            "days",
            days(result.free_retention_base),
            days(result.free_retention_alternative),
        );
    }
    if let Some(note) = vault_note(c) {
        let _ = writeln!(out, "\nNote: {note}");
    }
    for note in assumption_notes(c, results) {
        let _ = writeln!(out, "\nNote: {note}");
    }
    if let Some(t) = c.target {
        // A difference every pair gave alike has an interval of no width, which is no
        // precision: the stop rule counts it as the rule of three's 3/n, and this says so.
        let (same, varied): (Vec<&Paired>, Vec<&Paired>) = results
            .iter()
            .flat_map(|r| r.figures.iter().filter(|p| HEADLINE.contains(&p.figure)))
            .partition(|p| p.difference.is_some_and(|d| d.same_in_every_run()));
        let precision = match same.iter().filter_map(|p| p.difference.map(|d| d.n)).min() {
            None => format!(
                "every headline difference's 95% CI within ±{}% of the larger mean",
                numbers::sig(t.worst * 100.0, 2)
            ),
            Some(fewest) => {
                let widest = varied
                    .iter()
                    .map(|p| crate::compare::relative_difference_half_width(p))
                    .fold(0.0, f64::max);
                let others = if varied.is_empty() {
                    String::new()
                } else {
                    format!(
                        "; the others' 95% CIs within ±{}% of the larger mean",
                        numbers::sig(widest * 100.0, 2)
                    )
                };
                format!(
                    "{} headline difference{} the same in every pair, counted as ±{}%: the share of pairs that may still give another difference (3/{fewest}, the rule of three, 95%){others}",
                    same.len(),
                    if same.len() == 1 { "" } else { "s" },
                    numbers::sig(crate::stats::rule_of_three(fewest) * 100.0, 2)
                )
            }
        };
        let _ = writeln!(
            out,
            "\n{} paired runs: {precision} ({}±{}% asked)",
            c.runs(),
            if t.reached { "" } else { "NOT reached: " },
            numbers::sig(t.target * 100.0, 2)
        );
    }
    out
}

/// The contenders whose vault is still filling when the run ends, each with when it is full.
fn vault_filling(c: &Comparison) -> Vec<(&str, crate::analysis::VaultFill)> {
    std::iter::once(&c.base)
        .chain(&c.alternatives)
        .filter_map(|x| {
            crate::analysis::vault_fill(&x.loaded.scenario)
                .filter(|f| f.still_filling)
                .map(|f| (x.label.as_str(), f))
        })
        .collect()
}

/// A vault grows until its longest keep has passed (ten yearly copies take ten years): over a
/// shorter run its rows average a vault still filling, and a longer keep shows mostly past the
/// horizon. Said once, naming the contenders.
fn vault_note(c: &Comparison) -> Option<String> {
    let filling = vault_filling(c);
    if filling.is_empty() {
        return None;
    }
    let named: Vec<String> = filling
        .iter()
        .map(|(label, f)| {
            format!(
                "{label} (full after {}, {})",
                f.full_after, f.full_after_key
            )
        })
        .collect();
    Some(format!(
        "the vault still fills when the run ends in {}: its rows are means after the warm-up, below its running cost, and a longer keep mostly shows past the horizon; `run` gives the vault's bill month by month (bill.csv)",
        named.join(", ")
    ))
}

/// Why a what-if left a row unmoved where a reader would expect it to move: the row follows a
/// modelling assumption the change does not touch. Said once, for the alternatives that change
/// the load or the MySQL version and leave the row identical in every run.
fn assumption_notes(c: &Comparison, results: &[AlternativeResult]) -> Vec<String> {
    let unmoved = |result: &AlternativeResult, figure: Figure| {
        result.figures.iter().any(|p| {
            p.figure == figure
                && p.difference
                    .is_some_and(|d| d.mean == 0.0 && d.ci95.is_some_and(|[lo, hi]| lo == hi))
        })
    };
    let changes =
        |alt: &Contender, what: &dyn Fn(&str) -> bool| alt.vs.iter().any(|o| what(&o.key));
    let mut load = Vec::new();
    let mut version = Vec::new();
    for (alt, result) in c.alternatives.iter().zip(results) {
        if changes(alt, &|k| k.starts_with("workload."))
            && unmoved(result, Figure::SnapshotFailures)
        {
            load.push(alt.label.as_str());
        }
        let config = &alt.loaded.scenario.config;
        let quiet_5_7 = config.server.mysql_version == MysqlVersion::V5_7
            && config.workload.long_txn_per_day == 0.0;
        if changes(alt, &|k| k == "server.mysql_version")
            && quiet_5_7
            && unmoved(result, Figure::SnapshotFailures)
        {
            version.push(alt.label.as_str());
        }
    }
    let mut notes = Vec::new();
    if !load.is_empty() {
        notes.push(format!(
            "{}: failed snapshots follow backup.snapshot_failure_pct, scaled by the load relative to the server's own mean (backup.failure_load_exponent), so a heavier load throughout leaves them alone; the documentation gives no size for the effect of load, so raise snapshot_failure_pct to what a busier server shows",
            load.join(", ")
        ));
    }
    if !version.is_empty() {
        notes.push(format!(
            "{}: on 5.7 snapshots fail while a long transaction is open, and workload.long_txn_per_day is 0 here (the default): set it to what the server sees",
            version.join(", ")
        ));
    }
    notes
}

/// An estimate's cells, all empty when no run had the figure.
fn ci_cells(e: Option<&Estimate>) -> [String; 3] {
    match e {
        Some(e) if e.n > 0 => cells(e),
        _ => Default::default(),
    }
}

/// compare.csv: one row per alternative and figure (then durability), stored units, full
/// precision; empty cells where a side has no such figure.
pub fn compare_csv(c: &Comparison, results: &[AlternativeResult]) -> Vec<u8> {
    csv_bytes(|w| {
        w.write_record(header(
            &["alternative", "figure", "unit", "pairs"],
            &["base", "alternative", "difference"],
            &["ci_excludes_zero"],
        ))?;
        let currency = &c.base.loaded.scenario.config.cost.currency;
        for (alt, result) in c.alternatives.iter().zip(results) {
            for p in &result.figures {
                let mut row = vec![
                    alt.label.clone(),
                    p.figure.name().to_string(),
                    p.figure.unit().label(currency),
                    p.difference.map_or(0, |d| d.n).to_string(),
                ];
                row.extend(ci_cells(Some(&p.base)));
                row.extend(ci_cells(Some(&p.alternative)));
                row.extend(ci_cells(p.difference.as_ref()));
                row.push(p.excludes_zero().to_string());
                w.write_record(&row)?;
            }
            let mut row = vec![
                alt.label.clone(),
                "durability_nines".to_string(),
                "nines".to_string(),
                String::new(),
                num(result.durability_base),
                String::new(),
                String::new(),
                num(result.durability_alternative),
                String::new(),
                String::new(),
                num(result.durability_alternative - result.durability_base),
                String::new(),
                String::new(),
            ];
            row.push(String::new());
            w.write_record(&row)?;
            let days = |d: Option<u32>| d.map_or(String::new(), |d| d.to_string());
            let change = result
                .free_retention_change()
                .map_or(String::new(), |d| d.to_string());
            let mut row = vec![
                alt.label.clone(),
                "max_free_retention_days".to_string(),
                "days".to_string(),
                String::new(),
            ];
            for value in [
                days(result.free_retention_base),
                days(result.free_retention_alternative),
                change,
            ] {
                row.extend([value, String::new(), String::new()]);
            }
            row.push(String::new());
            w.write_record(&row)?;
        }
        Ok(())
    })
}

#[derive(Serialize)]
struct EstimateJson {
    mean: Option<f64>,
    ci95: Option<[f64; 2]>,
    runs: usize,
}

impl EstimateJson {
    fn of(e: &Estimate) -> Self {
        Self {
            mean: (e.n > 0).then_some(e.mean),
            ci95: e.ci95,
            runs: e.n,
        }
    }
}

#[derive(Serialize)]
struct DifferenceJson {
    mean: f64,
    ci95: Option<[f64; 2]>,
    /// Runs in which both had the figure.
    pairs: usize,
    ci_excludes_zero: bool,
}

#[derive(Serialize)]
struct FigureJson {
    unit: String,
    label: &'static str,
    base: EstimateJson,
    alternative: EstimateJson,
    /// alternative − base, run by run; null when no run has the figure on both sides.
    difference: Option<DifferenceJson>,
}

#[derive(Serialize)]
struct NinesJson {
    base: f64,
    alternative: f64,
    difference: f64,
}

/// The simulated free retention of the base and the alternative, null where not measured.
#[derive(Serialize)]
struct FreeRetentionJson {
    base: Option<u32>,
    alternative: Option<u32>,
    difference: Option<i64>,
}

#[derive(Serialize)]
struct AlternativeJson<'a> {
    label: &'a str,
    /// The `--vs` assignments that made it from the base (empty for a scenario file).
    vs: Vec<String>,
    provenance: Provenance,
    durability_nines: NinesJson,
    /// The longest retention no run bills (over all runs: no interval).
    max_free_retention_days: FreeRetentionJson,
    /// Every compared figure, in the order of the table.
    figures: serde_json::Map<String, serde_json::Value>,
}

#[derive(Serialize)]
struct TargetJson {
    relative_half_width: f64,
    reached: bool,
    worst_relative_half_width: f64,
}

#[derive(Serialize)]
struct CompareJson<'a> {
    base: &'a str,
    /// Every contender ran replications 0..runs on the streams of (seed, r): run r of each
    /// alternative is paired with run r of the base.
    seed: u64,
    runs: usize,
    horizon_days: f64,
    /// When every contender's steady-state figures start: the latest of their warm-ups.
    measured_from_days: f64,
    /// Contenders whose backup set is not full by the horizon: not their steady state.
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    not_steady: &'a [String],
    /// Contenders whose vault still fills when the run ends: their vault figures average a
    /// vault below its full size.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    vault_still_filling: Vec<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    target_ci: Option<TargetJson>,
    /// The headline figures: --target-ci applies to their differences, compare.png draws them.
    headline: Vec<&'static str>,
    alternatives: Vec<AlternativeJson<'a>>,
    /// The base's provenance: which backsim, which command, the base scenario in full.
    provenance: Provenance,
}

/// compare.json: typed values, each contender's provenance, the base's last.
pub fn compare_json(
    c: &Comparison,
    results: &[AlternativeResult],
    command_line: &str,
    sets: &[String],
) -> Vec<u8> {
    let base = &c.base.loaded.scenario;
    let currency = &base.config.cost.currency;
    let alternatives = c
        .alternatives
        .iter()
        .zip(results)
        .map(|(alt, result)| {
            let figures = result
                .figures
                .iter()
                .map(|p| {
                    let json = FigureJson {
                        unit: p.figure.unit().label(currency),
                        label: p.figure.label_measured(c.not_steady.is_empty()),
                        base: EstimateJson::of(&p.base),
                        alternative: EstimateJson::of(&p.alternative),
                        difference: p.difference.map(|d| DifferenceJson {
                            mean: d.mean,
                            ci95: d.ci95,
                            pairs: d.n,
                            ci_excludes_zero: p.excludes_zero(),
                        }),
                    };
                    (
                        p.figure.name().to_string(),
                        serde_json::to_value(json).expect("plain values"),
                    )
                })
                .collect();
            AlternativeJson {
                label: &alt.label,
                vs: alt
                    .vs
                    .iter()
                    .map(|o| format!("{}={}", o.key, o.value))
                    .collect(),
                provenance: Provenance::new(
                    command_line.to_string(),
                    &overrides_of(sets, alt),
                    &alt.loaded,
                ),
                durability_nines: NinesJson {
                    base: result.durability_base,
                    alternative: result.durability_alternative,
                    difference: result.durability_alternative - result.durability_base,
                },
                max_free_retention_days: FreeRetentionJson {
                    base: result.free_retention_base,
                    alternative: result.free_retention_alternative,
                    difference: result.free_retention_change(),
                },
                figures,
            }
        })
        .collect();
    let json = CompareJson {
        base: &c.base.label,
        seed: c.seed,
        runs: c.runs(),
        horizon_days: base.horizon_days,
        measured_from_days: c.measured_from as f64 / crate::engine::DAY as f64,
        not_steady: &c.not_steady,
        vault_still_filling: vault_filling(c).into_iter().map(|(l, _)| l).collect(),
        target_ci: c.target.map(|t| TargetJson {
            relative_half_width: t.target,
            reached: t.reached,
            worst_relative_half_width: t.worst,
        }),
        headline: HEADLINE.iter().map(|f| f.name()).collect(),
        alternatives,
        provenance: Provenance::new(command_line.to_string(), sets, &c.base.loaded),
    };
    let mut out = serde_json::to_vec_pretty(&json).expect("compare serializes");
    out.push(b'\n');
    out
}

/// The panels of compare.png: one per headline figure, each alternative's difference from the
/// base in the figure's readable unit.
pub fn compare_panels(c: &Comparison, results: &[AlternativeResult]) -> Vec<ComparePanel> {
    let currency = &c.base.loaded.scenario.config.cost.currency;
    HEADLINE
        .iter()
        .map(|&figure| {
            let (scale, unit) = figure.readable();
            let bars = c
                .alternatives
                .iter()
                .zip(results)
                .map(|(alt, r)| {
                    let p: &Paired = r
                        .figures
                        .iter()
                        .find(|p| p.figure == figure)
                        .expect("every headline figure is compared");
                    let d = p.difference;
                    // Rounding noise is drawn as no difference at all.
                    let tiny = p.negligible();
                    let clean = |v: f64| if v.abs() <= tiny { 0.0 } else { v / scale };
                    let mean = d.map_or(f64::NAN, |d| clean(d.mean));
                    let [lo, hi] = d
                        .and_then(|d| d.ci95)
                        .map_or([mean, mean], |[l, h]| [clean(l), clean(h)]);
                    CompareBar {
                        label: alt.label.clone(),
                        mean,
                        lo,
                        hi,
                        excludes_zero: p.excludes_zero(),
                    }
                })
                .collect();
            ComparePanel {
                title: format!("{} ({})", charts::chart_title(figure), unit.label(currency)),
                bars,
            }
        })
        .collect()
}
