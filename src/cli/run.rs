//! `backsim run`: replications of one scenario, every file of the run, the readable summary.

use std::path::Path;

use super::{
    command_line, estimate, note, output_folder, print, progress_bar, say, thread_pool, warn,
    RunArgs,
};
use crate::analysis::figures::worst_headline_half_width;
use crate::analysis::Provenance;
use crate::engine::{Streams, DAY};
use crate::error::{Error, InputError};
use crate::model::restore_profile;
use crate::montecarlo::{run_replications, run_to_target};
use crate::report::charts::{self, RestorePoint, StoragePoint};
use crate::report::{self, Analysis, OutputDir, RunZeroWriter};
use crate::scenario;
use crate::stats::durability;

/// The scenario's `[sweep]` table is the file's question; a command that answers only its base
/// point (`does`: "run simulates", "restore plans") says so rather than drop it in silence.
pub(super) fn unused_sweep_table(scenario: &scenario::Scenario, does: &str) {
    if !scenario.sweep.is_empty() {
        warn(&format!(
            "the scenario's [sweep] table ({}) is for `backsim sweep`: {does} the scenario as written, without it",
            scenario
                .sweep
                .iter()
                .map(|(key, values)| format!("{key}: {} values", values.len()))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
}

pub(super) fn run(args: RunArgs) -> Result<(), Error> {
    let loaded = scenario::load_recorded(&args.scenario, &args.sim.overrides()?)?;
    note(&format!("read {} (sha256 {})", loaded.file, loaded.sha256));
    let scenario = &loaded.scenario;
    let pool = thread_pool(args.sim.threads)?;
    // Every argument is checked before the output folder is touched.
    args.target.check()?;
    let out_path = output_folder(
        args.out.as_deref(),
        Path::new("output").join(&scenario.name),
    )?;
    unused_sweep_table(scenario, "run simulates");
    for doubt in scenario::doubts(scenario) {
        warn(&doubt);
    }
    let planned = args.target.planned(scenario.runs);
    if planned > scenario.runs {
        // --target-ci may run up to --max-runs: their recoveries are held as well.
        scenario::recoveries_within_reach(&scenario.config, planned)
            .map_err(|e| InputError::argument("--max-runs", e.message))?;
    }
    if args.target.target_ci.is_some() && args.target.max_runs() < scenario.runs {
        warn(&format!(
            "--max-runs {} is below the scenario's runs = {}: --target-ci stops at {} runs",
            args.target.max_runs(),
            scenario.runs,
            args.target.max_runs()
        ));
    }
    if let Some(size) = estimate::run_note(&scenario.config, planned, pool.current_num_threads()) {
        warn(&size);
    }
    let dir = OutputDir::stage(&out_path, "summary.json")?;
    let mut writer = RunZeroWriter::new(
        scenario.start,
        scenario.config.horizon,
        dir.stream("events.csv")?,
        dir.stream("timeseries.csv")?,
    )
    .map_err(|e| Error::Other(format!("cannot write events.csv: {e}")))?;

    let bar = progress_bar(planned as u64, "replications");
    let tick = || {
        if let Some(b) = &bar {
            b.inc(1);
        }
    };
    let started = std::time::Instant::now();
    // The durability chains depend only on the scenario: solved while the replications run.
    let (by_redundancy, (reps, target)) = pool.install(|| {
        rayon::join(
            || durability::nines_by_redundancy(&scenario.durability),
            || match args.target.target_ci {
                Some(rel) => {
                    let (reps, outcome) = run_to_target(
                        &scenario.config,
                        scenario.seed,
                        scenario.runs,
                        rel,
                        args.target.max_runs(),
                        &worst_headline_half_width,
                        Some(&mut writer),
                        &tick,
                    );
                    (reps, Some(outcome))
                }
                None => (
                    run_replications(
                        &scenario.config,
                        scenario.seed,
                        scenario.runs,
                        Some(&mut writer),
                        &tick,
                    ),
                    None,
                ),
            },
        )
    });
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    note(&format!(
        "{} replications of {} days on {} threads in {:.2} s",
        reps.len(),
        scenario.horizon_days,
        pool.current_num_threads(),
        started.elapsed().as_secs_f64()
    ));

    let (events, series, storage_points) = writer
        .finish()
        .map_err(|e| Error::Other(format!("cannot write the event log: {e}")))?;
    dir.finish_stream("events.csv", events)?;
    dir.finish_stream("timeseries.csv", series)?;
    let provenance = Provenance::new(command_line(), &args.sim.set, &loaded);
    let analysis = Analysis::new(scenario, &reps, target, provenance, by_redundancy);
    dir.write("runs.csv", &report::runs_csv(&analysis))?;
    dir.write("summary.csv", &report::summary_csv(&analysis))?;
    dir.write("bill.csv", &report::bill_csv(&analysis))?;
    dir.write("retention.csv", &report::retention_csv(&analysis))?;
    dir.write("recoveries.csv", &report::recoveries_csv(&analysis))?;
    let charts = if args.sim.no_charts {
        Vec::new()
    } else {
        run_charts(&dir, &analysis, &storage_points)?
    };
    dir.write(
        "report.md",
        report::report_md(&analysis, &charts).as_bytes(),
    )?;
    let json = report::summary_json(&analysis);
    dir.write("summary.json", &json)?;
    dir.publish()?;

    note(&format!("wrote {}", out_path.display()));
    if args.json {
        print(&String::from_utf8_lossy(&json));
    } else {
        say(&report::summary_text(&analysis));
        if let Some(t) = target {
            say(&format!(
                "\n{} replications: {} ({}±{}% asked)\n",
                reps.len(),
                report::precision_clause(&analysis, str::to_string),
                if t.reached { "" } else { "NOT reached: " },
                crate::report::numbers::sig(t.target * 100.0, 2)
            ));
        }
        say(&format!("\nwrote {}\n", out_path.display()));
    }
    Ok(())
}

/// storage.png, rpo.png and restore.png; returns (file, caption) for report.md.
fn run_charts(
    dir: &OutputDir,
    a: &Analysis<'_>,
    storage: &[StoragePoint],
) -> Result<Vec<(&'static str, &'static str)>, Error> {
    let s = a.scenario;
    let c = &s.config;
    let chart_err = |e: String| Error::Other(format!("cannot draw a chart: {e}"));
    let title = format!(
        "Backup storage, run 0: {}-day retention, {} redundancy",
        c.retention_label(),
        c.redundancy_label()
    );
    dir.write(
        "storage.png",
        &charts::storage_chart(storage, &title).map_err(chart_err)?,
    )?;
    let geo = (a.reps.geo_rpo.total_time() > 0).then(|| a.reps.geo_rpo.cdf());
    dir.write(
        "rpo.png",
        &charts::rpo_chart(
            &a.reps.rpo.cdf(),
            geo.as_deref(),
            "Data-loss window (RPO), all runs",
        )
        .map_err(chart_err)?,
    )?;
    // Restore time to every 10 minutes of the last three days, seen from the horizon's end.
    let end = c.horizon;
    let from = (end - 3 * DAY).max(0);
    let points: Vec<i64> = (from..end).step_by(600).collect();
    let profile: Vec<RestorePoint> =
        restore_profile(c, &Streams::for_replication(s.seed, 0), end, &points)
            .into_iter()
            .filter_map(|(t, b)| {
                b.map(|b| RestorePoint {
                    day: t as f64 / DAY as f64,
                    base_hours: (b.provision + b.hydrate + b.transfer) / 3600.0,
                    replay_hours: b.replay / 3600.0,
                })
            })
            .collect();
    dir.write(
        "restore.png",
        &charts::restore_chart(&profile, "Restore time against restore point, run 0")
            .map_err(chart_err)?,
    )?;
    let price = c.cost.price_per_gb_month;
    let bars: Vec<charts::BillBar> = a
        .monthly
        .iter()
        .map(|m| {
            let cost = &m.cost;
            let [lo, hi] = cost.ci95.unwrap_or([cost.mean, cost.mean]);
            charts::BillBar {
                label: m.month.clone(),
                free_value: m.mean_storage_gb.mean.min(m.free_allowance_gb.mean)
                    * price
                    * m.days_simulated
                    / m.days_in_month,
                cost: cost.mean,
                cost_lo: lo,
                cost_hi: hi,
                partial: m.partial,
            }
        })
        .collect();
    dir.write(
        "bill.png",
        &charts::bill_chart(
            &bars,
            &c.cost.currency,
            &format!(
                "Backup storage bill per calendar month, mean of {} runs",
                a.reps.len()
            ),
        )
        .map_err(chart_err)?,
    )?;
    Ok(vec![
        (
            "bill.png",
            "The bill of each calendar month (95% CI whiskers), on top of what the free allowance covered.",
        ),
        (
            "storage.png",
            "Backup storage against the free allowance; the shaded part is billed.",
        ),
        (
            "rpo.png",
            "Share of the time the data-loss window stays at or below each value.",
        ),
        (
            "restore.png",
            "Restore time to each point of the last three days: lowest right after a snapshot.",
        ),
    ])
}
