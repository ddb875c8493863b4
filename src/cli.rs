//! The command line: parse arguments, load the scenario, run, write. Nothing below this module
//! knows about clap.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use crate::analysis::figures::worst_headline_half_width;
use crate::analysis::{Figure, HEADLINE};
use crate::engine::{Streams, DAY};
use crate::error::{Error, InputError};
use crate::model::restore::restored_server;
use crate::model::{
    plan_over_requests, restore_profile, what_if_restore, what_if_vault_restore, RestoreRefusal,
    RestoreTarget, VaultRefusal, DELETED_SERVER_RESTORE_WINDOW,
};
use crate::montecarlo::{run_replications, run_to_target};
use crate::report::charts::{self, RestorePoint, StoragePoint};
use crate::report::{
    self, Analysis, Invocation, OutputDir, RequestSpread, RestoreReport, RunZeroWriter,
};
use crate::scenario::{self, Override};
use crate::sweep::{run_sweep, sweep_rows, Grid, Shard, SweepMeta, SweepTable};

#[derive(Debug, Parser)]
#[command(
    name = "backsim",
    version,
    about = "Simulate the backups of a managed MySQL server: data-loss window, storage, cost",
    after_help = "Exit codes: 0 success, 2 invalid input (scenario or arguments), 1 other failure."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Simulate a scenario and write summary.json, summary.csv, runs.csv, timeseries.csv, events.csv
    Run(RunArgs),
    /// Check a scenario file and report the first problem
    Validate {
        scenario: PathBuf,
        /// Override a scenario key, e.g. --set backup.retention_days=14 (repeatable)
        #[arg(long = "set", value_name = "KEY=VALUE")]
        set: Vec<String>,
    },
    /// Run the scenario at every point of a grid ([sweep] table and/or --vary) into sweep.csv
    Sweep(SweepArgs),
    /// Join the folders of a sharded sweep into one sweep.csv
    Merge {
        /// Shard output folders
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
        /// Where the merged sweep goes [default: output/<scenario name>-sweep/]
        #[arg(long)]
        out: Option<PathBuf>,
        /// Skip the PNG charts
        #[arg(long)]
        no_charts: bool,
    },
    /// One what-if point-in-time restore with its time breakdown and data-loss window
    Restore(RestoreArgs),
    /// Write a commented scenario template
    Init {
        /// Where to write it
        #[arg(default_value = "scenario.toml")]
        path: PathBuf,
    },
}

/// The options `run` and `sweep` share: which replications, on how many threads, with which
/// overrides, and whether to draw.
#[derive(Debug, Args)]
struct Simulation {
    /// Monte Carlo replications (overrides `runs`; per point for a sweep)
    #[arg(long)]
    runs: Option<u32>,
    /// Random seed (overrides `seed`)
    #[arg(long)]
    seed: Option<u64>,
    /// Worker threads [default: all cores]; results do not depend on it
    #[arg(long)]
    threads: Option<usize>,
    /// Override a scenario key, e.g. --set backup.retention_days=14 (repeatable)
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
    /// Skip the PNG charts
    #[arg(long)]
    no_charts: bool,
}

impl Simulation {
    /// --set, then --runs and --seed, as overrides of the scenario's keys.
    fn overrides(&self) -> Result<Vec<Override>, Error> {
        let mut sets = overrides(&self.set)?;
        for (key, value) in [
            ("runs", self.runs.map(|r| r.to_string())),
            ("seed", self.seed.map(|s| s.to_string())),
        ] {
            if let Some(value) = value {
                sets.push(Override {
                    key: key.into(),
                    value,
                });
            }
        }
        Ok(sets)
    }
}

#[derive(Debug, Args)]
struct RunArgs {
    scenario: PathBuf,
    /// Output folder [default: output/<scenario name>/]
    #[arg(long)]
    out: Option<PathBuf>,
    #[command(flatten)]
    sim: Simulation,
    /// Print summary.json instead of the readable summary
    #[arg(long)]
    json: bool,
    /// Keep adding replications (doubling from --runs) until every headline figure's 95% CI
    /// half-width is within this fraction of its mean, e.g. 0.01
    #[arg(long, value_name = "REL")]
    target_ci: Option<f64>,
    /// The most replications --target-ci may run
    #[arg(long, default_value_t = 20_000)]
    max_runs: u32,
}

#[derive(Debug, Args)]
struct SweepArgs {
    scenario: PathBuf,
    /// A swept key and its values, e.g. --vary backup.retention_days=7,14,35 (repeatable)
    #[arg(long, value_name = "KEY=V1,V2,...")]
    vary: Vec<String>,
    /// Run only shard I of N (every N-th point), for spreading a sweep over machines
    #[arg(long, value_name = "I/N")]
    shard: Option<String>,
    /// Output folder [default: output/<scenario name>-sweep/]
    #[arg(long)]
    out: Option<PathBuf>,
    #[command(flatten)]
    sim: Simulation,
}

#[derive(Debug, Args)]
struct RestoreArgs {
    scenario: PathBuf,
    /// Restore point: latest, fastest, or a time (RFC 3339, or an offset from the start like 12d)
    #[arg(long, value_name = "latest|fastest|TIME")]
    at: String,
    /// When the restore is asked for [default: the end of the horizon]
    #[arg(long, value_name = "TIME")]
    request_at: Option<String>,
    /// Geo-restore into the paired (or restore.geo_restore_region) region from what had
    /// replicated there
    #[arg(long)]
    geo: bool,
    /// Which replication's history to restore from
    #[arg(long, default_value_t = 0)]
    replication: u64,
    /// Override a scenario key (repeatable)
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
    /// Print the report as JSON
    #[arg(long)]
    json: bool,
}

/// Run the command line; returns the process exit code.
pub fn main() -> i32 {
    let cli = Cli::parse();
    match execute(cli.command) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("error: {e}");
            e.exit_code()
        }
    }
}

fn overrides(set: &[String]) -> Result<Vec<Override>, Error> {
    Ok(set
        .iter()
        .map(|s| Override::parse(s))
        .collect::<Result<_, _>>()?)
}

fn execute(command: Command) -> Result<(), Error> {
    match command {
        Command::Run(args) => run(args),
        Command::Validate { scenario, set } => {
            let s = scenario::load(&scenario, &overrides(&set)?)?;
            print(&format!(
                "ok: {} is valid (\"{}\": {} runs × {} days, seed {})\n",
                scenario.display(),
                s.name,
                s.runs,
                s.horizon_days,
                s.seed
            ));
            Ok(())
        }
        Command::Init { path } => init(&path),
        Command::Restore(args) => restore(args),
        Command::Sweep(args) => sweep(args),
        Command::Merge {
            dirs,
            out,
            no_charts,
        } => merge(&dirs, out.as_deref(), no_charts),
    }
}

fn restore(args: RestoreArgs) -> Result<(), Error> {
    let s = scenario::load(&args.scenario, &overrides(&args.set)?)?;
    let horizon = s.config.horizon;
    let target = match args.at.as_str() {
        "latest" => RestoreTarget::Latest,
        "fastest" => RestoreTarget::Fastest,
        text => RestoreTarget::At(
            scenario::parse_moment("--at", text, s.start, horizon).map_err(|e| {
                InputError::argument(
                    "--at",
                    format!("expected latest, fastest or a time: {}", e.message),
                )
            })?,
        ),
    };
    let streams = Streams::for_replication(s.seed, args.replication);
    // Without a request time, the answer is how the restore time varies with the moment it is
    // asked for, then the plan of a typical (median) request.
    let spread = match (&args.request_at, target) {
        (None, RestoreTarget::Latest | RestoreTarget::Fastest) => {
            request_spread(&s, &streams, target, args.geo)
        }
        _ => None,
    };
    let request = match (&args.request_at, &spread) {
        (Some(text), _) => scenario::parse_moment("--request-at", text, s.start, horizon)
            .map_err(|e| InputError::argument("--request-at", e.message))?,
        (None, Some(spread)) => spread.p50_request_s,
        (None, None) => horizon,
    };
    let what_if = what_if_restore(&s.config, &streams, request, target, args.geo);
    // Older than the recovery window, or a server purged after deletion: long-term copies may
    // still reach back there.
    if let (RestoreTarget::At(point), Err(refusal), false) = (target, &what_if, args.geo) {
        let too_old =
            matches!(refusal, RestoreRefusal::OutOfWindow { earliest, .. } if point < *earliest);
        if (too_old || matches!(refusal, RestoreRefusal::Purged { .. })) && s.config.long_term.any()
        {
            return vault_restore(&s, &args, &streams, request, point);
        }
    }
    let what_if = what_if.map_err(|refusal| {
        let when = |t| report::clock(s.start, t);
        let message = match refusal {
            RestoreRefusal::OutOfWindow { earliest, latest } => format!(
                "{} is outside the recovery window at the request time: choose a point from {} to {}",
                args.at,
                when(earliest),
                when(latest)
            ),
            RestoreRefusal::NoBackups => {
                "no snapshot exists yet at the request time, so there is nothing to restore from".to_string()
            }
            RestoreRefusal::RegionDown => "the primary region is down at the request time: only a geo-restore (--geo) can bring the server back".to_string(),
            RestoreRefusal::NotGeoRedundant => format!(
                "--geo needs geo-redundant backups, but backup.redundancy is \"{}\"",
                s.config.backup.redundancy.as_str()
            ),
            RestoreRefusal::Purged { deleted_at } => format!(
                "the server was deleted at {}; a deleted server can be restored for 5 days (until {}), and the request at {} is past that",
                when(deleted_at),
                when(deleted_at + DELETED_SERVER_RESTORE_WINDOW),
                when(request)
            ),
        };
        Error::from(InputError::argument("--at", message))
    })?;
    let plan = what_if.plan;
    let done = plan.requested_at + plan.breakdown.total().ceil() as i64;
    let (region, redundancy) = if args.geo {
        let redundancy = if what_if.region_down {
            "local (the primary region is down, so geo-redundancy cannot be set up yet)"
        } else {
            "geo"
        };
        (s.config.restore.geo_restore_region.as_str(), redundancy)
    } else {
        (
            s.config.server.region.as_str(),
            s.config.backup.redundancy.as_str(),
        )
    };
    let server = restored_server(&s.config.server, done, region, redundancy);
    let report = RestoreReport {
        spread: spread.as_ref(),
        scenario: &s.name,
        replication: args.replication,
        asked_for: &args.at,
        requested_time: report::clock(s.start, plan.requested_at),
        effective_target_time: report::clock(s.start, plan.effective_target),
        base_snapshot_time: report::clock(s.start, plan.base_snapshot_at),
        plan: &plan,
        total_seconds: plan.breakdown.total(),
        restored_server: &server,
    };
    if args.json {
        let mut json = serde_json::to_vec_pretty(&report).expect("report serializes");
        json.push(b'\n');
        print(&String::from_utf8_lossy(&json));
    } else {
        print(&report::restore_text(&report));
    }
    Ok(())
}

/// A restore of `point` from the vault or the exports (previews), or why none reaches it.
fn vault_restore(
    s: &scenario::Scenario,
    args: &RestoreArgs,
    streams: &Streams,
    request: i64,
    point: i64,
) -> Result<(), Error> {
    let when = |t| report::clock(s.start, t);
    let plan = what_if_vault_restore(&s.config, streams, request, point).map_err(|refusal| {
        let message = match refusal {
            VaultRefusal::TooOld {
                oldest: Some(oldest),
            } => format!(
                "{} is older than anything kept: the oldest long-term copy is from {}",
                args.at,
                when(oldest)
            ),
            VaultRefusal::TooOld { oldest: None } | VaultRefusal::NotConfigured => format!(
                "{} is outside the recovery window and no long-term copy exists yet",
                args.at
            ),
        };
        Error::from(InputError::argument("--at", message))
    })?;
    let report = report::VaultRestoreReport {
        scenario: &s.name,
        replication: args.replication,
        asked_for: &args.at,
        requested_time: when(plan.requested_at),
        target_time: when(plan.target),
        copy_time: when(plan.copy_at),
        plan: &plan,
        preview: report::LONG_TERM_PREVIEW,
    };
    if args.json {
        let mut json = serde_json::to_vec_pretty(&report).expect("report serializes");
        json.push(b'\n');
        print(&String::from_utf8_lossy(&json));
    } else {
        print(&report::vault_restore_text(&report));
    }
    Ok(())
}

/// Restores to `target` asked for every 10 min 7 s (so that requests fall at every phase of the
/// 5-minute log grid) through the last recovery window of the run.
fn request_spread(
    s: &scenario::Scenario,
    streams: &Streams,
    target: RestoreTarget,
    geo: bool,
) -> Option<RequestSpread> {
    const STEP: i64 = 607;
    let c = &s.config;
    let to = c.horizon;
    let from = (to - c.backup.window()).max(0);
    let requests: Vec<i64> = (from..to).step_by(STEP as usize).collect();
    let mut planned: Vec<(f64, i64, bool)> = plan_over_requests(c, streams, &requests, target, geo)
        .into_iter()
        .filter_map(|(at, plan)| {
            plan.ok().map(|p| {
                (
                    p.breakdown.total(),
                    at,
                    p.effective_target == p.base_snapshot_at,
                )
            })
        })
        .collect();
    if planned.is_empty() {
        return None;
    }
    planned.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let rank = |q: f64| {
        let i = ((q * planned.len() as f64).ceil() as usize).clamp(1, planned.len()) - 1;
        planned[i]
    };
    let (p50, p95) = (rank(0.5), rank(0.95));
    let (best, worst) = (planned[0], planned[planned.len() - 1]);
    let time_of_day = |t: i64| {
        (s.start + chrono::Duration::seconds(t))
            .format("%H:%M")
            .to_string()
    };
    Some(RequestSpread {
        requests: requests.len(),
        planned: planned.len(),
        from: report::clock(s.start, from),
        to: report::clock(s.start, to),
        step_s: STEP,
        p50_s: p50.0,
        p95_s: p95.0,
        worst_s: worst.0,
        worst_at: report::clock(s.start, worst.1),
        worst_time_of_day: time_of_day(worst.1),
        best_s: best.0,
        best_at: report::clock(s.start, best.1),
        best_time_of_day: time_of_day(best.1),
        at_a_snapshot: planned.iter().filter(|p| p.2).count(),
        p50_request_s: p50.1,
    })
}

fn init(path: &Path) -> Result<(), Error> {
    if path.exists() {
        return Err(InputError::argument(
            "init",
            format!(
                "{} already exists; choose another path or remove it",
                path.display()
            ),
        )
        .into());
    }
    std::fs::write(path, scenario::template())
        .map_err(|e| Error::io(format!("cannot write {}", path.display()), e))?;
    print(&format!(
        "wrote {} — edit it, then: backsim run {}\n",
        path.display(),
        path.display()
    ));
    Ok(())
}

/// Print to stdout; a closed pipe (`| head`) is not an error.
fn print(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|_| out.flush());
}

fn thread_pool(threads: Option<usize>) -> Result<rayon::ThreadPool, Error> {
    if threads == Some(0) {
        return Err(InputError::argument("--threads", "must be at least 1").into());
    }
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads.unwrap_or(0))
        .build()
        .map_err(|e| Error::Other(format!("cannot start worker threads: {e}")))
}

/// A progress bar on stderr, only when it is a terminal (and not under CI or TERM=dumb).
fn progress_bar(total: u64, what: &str) -> Option<indicatif::ProgressBar> {
    let dumb = std::env::var("TERM").is_ok_and(|t| t == "dumb");
    if !std::io::stderr().is_terminal() || std::env::var_os("CI").is_some() || dumb {
        return None;
    }
    let bar = indicatif::ProgressBar::new(total);
    bar.set_style(
        indicatif::ProgressStyle::with_template(&format!(
            "{{spinner}} [{{elapsed_precise}}] {{bar:40}} {{pos}}/{{len}} {what}  {{per_sec}}  ETA {{eta}}  {{msg}}"
        ))
        .expect("template is valid"),
    );
    bar.enable_steady_tick(Duration::from_millis(200));
    Some(bar)
}

fn run(args: RunArgs) -> Result<(), Error> {
    let scenario = scenario::load(&args.scenario, &args.sim.overrides()?)?;
    let pool = thread_pool(args.sim.threads)?;
    // Every argument is checked before the output folder is touched.
    if let Some(rel) = args.target_ci {
        if !(rel > 0.0 && rel < 1.0) {
            return Err(InputError::argument(
                "--target-ci",
                format!("must be a fraction between 0 and 1, e.g. 0.01 for ±1%, got {rel}"),
            )
            .into());
        }
        if args.max_runs < 2 {
            return Err(InputError::argument(
                "--max-runs",
                format!(
                    "must be at least 2 (a confidence interval needs two runs), got {}",
                    args.max_runs
                ),
            )
            .into());
        }
    }
    let out_path = args
        .out
        .clone()
        .unwrap_or_else(|| Path::new("output").join(&scenario.name));
    let dir = OutputDir::create(&out_path, "summary.json")?;
    let mut writer = RunZeroWriter::new(
        scenario.start,
        scenario.config.horizon,
        dir.stream("events.csv")?,
        dir.stream("timeseries.csv")?,
    )
    .map_err(|e| Error::Other(format!("cannot write events.csv: {e}")))?;

    let bar = progress_bar(
        args.target_ci.map_or(scenario.runs, |_| args.max_runs) as u64,
        "replications",
    );
    let tick = || {
        if let Some(b) = &bar {
            b.inc(1);
        }
    };
    let (reps, target) = pool.install(|| match args.target_ci {
        Some(rel) => {
            let (reps, outcome) = run_to_target(
                &scenario.config,
                scenario.seed,
                scenario.runs,
                rel,
                args.max_runs,
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
    });
    if let Some(b) = bar {
        b.finish_and_clear();
    }

    let (events, series, storage_points) = writer
        .finish()
        .map_err(|e| Error::Other(format!("cannot write the event log: {e}")))?;
    dir.finish_stream("events.csv", events)?;
    dir.finish_stream("timeseries.csv", series)?;
    let analysis = Analysis::new(&scenario, &reps, target, invocation(&args.sim.set));
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
    // Last: its presence says the folder is complete.
    dir.write("summary.json", &json)?;

    if args.json {
        print(&String::from_utf8_lossy(&json));
    } else {
        print(&report::summary_text(&analysis));
        if let Some(t) = target {
            print(&format!(
                "\n{} replications: headline 95% CIs within ±{:.2}% of their means ({}±{:.2}% asked)\n",
                reps.len(),
                t.worst * 100.0,
                if t.reached { "" } else { "NOT reached: " },
                t.target * 100.0
            ));
        }
        print(&format!("\nwrote {}\n", dir.path().display()));
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
        c.backup.retention_days,
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

fn sweep_charts(out: &Path, grid: &Grid, table: &SweepTable, currency: &str) -> Result<(), Error> {
    let dir = OutputDir::create(out, "sweep.json")?;
    for &figure in HEADLINE {
        let name = figure.name();
        let png = charts::sweep_chart(table, grid, name, &figure.unit().label(currency))
            .map_err(|e| Error::Other(format!("cannot draw the {name} chart: {e}")))?;
        dir.write(&format!("sweep_{name}.png"), &png)?;
    }
    Ok(())
}

fn sweep(args: SweepArgs) -> Result<(), Error> {
    let sets = args.sim.overrides()?;
    let base = scenario::load(&args.scenario, &sets)?;
    let grid = Grid::new(&base, &args.vary)?;
    let shard = match &args.shard {
        Some(text) => Shard::parse(text)?,
        None => Shard::WHOLE,
    };
    let pool = thread_pool(args.sim.threads)?;
    let out_path = args
        .out
        .clone()
        .unwrap_or_else(|| Path::new("output").join(format!("{}-sweep", base.name)));
    let owned = (0..grid.points()).filter(|&p| shard.owns(p)).count();
    let bar = progress_bar(owned as u64 * base.runs as u64, "replications");
    let tick = || {
        if let Some(b) = &bar {
            b.inc(1);
        }
    };
    let results = pool.install(|| run_sweep(&args.scenario, &sets, &grid, shard, &tick))?;
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    let table = sweep_rows(&grid, &results);
    let meta = SweepMeta {
        scenario: base.name.clone(),
        seed: base.seed,
        runs: base.runs,
        currency: base.config.cost.currency.clone(),
        grid: grid.clone(),
        points: grid.points(),
        shard,
        rows: results.iter().map(|r| r.point).collect(),
    };
    if !args.sim.no_charts && shard == Shard::WHOLE {
        sweep_charts(&out_path, &grid, &table, &base.config.cost.currency)?;
    }
    write_sweep(&out_path, &meta, &table)?;
    print(&sweep_table(&table, grid.keys.len()));
    print(&format!(
        "\n{} of {} points ({} replications each, common random numbers); wrote {}\n",
        table.rows.len(),
        grid.points(),
        base.runs,
        out_path.display()
    ));
    Ok(())
}

fn write_sweep(out: &Path, meta: &SweepMeta, table: &SweepTable) -> Result<(), Error> {
    let dir = OutputDir::create(out, "sweep.json")?;
    dir.write("sweep.csv", &report::sweep_csv(table))?;
    // The record of what the folder holds goes last: a folder without it is incomplete.
    dir.write("sweep.json", &report::sweep_json(meta))
}

/// A few columns of sweep.csv for the terminal: the keys, then the headline means.
fn sweep_table(table: &SweepTable, keys: usize) -> String {
    let (header, rows) = (&table.header, &table.rows);
    let shown: Vec<String> = [
        Figure::StorageMean,
        Figure::CostPerMonth,
        Figure::RpoMean,
        Figure::RestoreLatestMean,
    ]
    .iter()
    .map(|f| format!("{f}_mean"))
    .collect();
    let wanted: Vec<usize> = header
        .iter()
        .enumerate()
        .filter(|(i, h)| (1..=keys).contains(i) || shown.contains(h))
        .map(|(i, _)| i)
        .collect();
    let names: Vec<&str> = wanted
        .iter()
        .map(|&i| header[i].trim_end_matches("_mean"))
        .collect();
    let widths: Vec<usize> = names.iter().map(|n| n.len().max(10) + 2).collect();
    let mut out = String::new();
    for (name, w) in names.iter().zip(&widths) {
        out.push_str(&format!("{name:>w$}"));
    }
    out.push('\n');
    for row in rows {
        for (&i, w) in wanted.iter().zip(&widths) {
            let v = match row[i].parse::<f64>() {
                Ok(x) if i > keys => format!("{x:.2}"),
                _ => row[i].clone(),
            };
            out.push_str(&format!("{v:>w$}"));
        }
        out.push('\n');
    }
    out
}

fn merge(dirs: &[PathBuf], out: Option<&Path>, no_charts: bool) -> Result<(), Error> {
    let (meta, table) = report::merge(dirs)?;
    let default = Path::new("output").join(format!("{}-sweep", meta.scenario));
    let out = out.unwrap_or(&default);
    let same = |a: &Path, b: &Path| match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    if let Some(clash) = dirs.iter().find(|d| same(d, out)) {
        return Err(InputError::argument(
            "merge",
            format!(
                "the merged sweep would overwrite {}, one of the folders being merged: name another with --out",
                clash.display()
            ),
        )
        .into());
    }
    if !no_charts {
        sweep_charts(out, &meta.grid, &table, &meta.currency)?;
    }
    write_sweep(out, &meta, &table)?;
    print(&format!(
        "merged {} folders: {} points into {}\n",
        dirs.len(),
        table.rows.len(),
        out.display()
    ));
    Ok(())
}

/// The command line and its overrides, for the reports' record of what ran. Options that cannot
/// change a result (where the files go, how many threads) are left out, so that the same run
/// writes the same bytes wherever and however it ran.
fn invocation(sets: &[String]) -> Invocation {
    const NO_EFFECT: [&str; 2] = ["--out", "--threads"];
    let mut args = Vec::new();
    let mut given = std::env::args().skip(1);
    while let Some(arg) = given.next() {
        if NO_EFFECT.contains(&arg.as_str()) {
            given.next();
        } else if !NO_EFFECT.iter().any(|o| arg.starts_with(&format!("{o}="))) {
            args.push(arg);
        }
    }
    // The program's own path says nothing about the run and differs between machines.
    let words: Vec<String> = std::iter::once("backsim".to_string())
        .chain(args)
        .map(|a| {
            if a.is_empty()
                || a.contains(|c: char| c.is_whitespace() || "'\"$`\\|&;<>()*?".contains(c))
            {
                format!("'{}'", a.replace('\'', "'\\''"))
            } else {
                a
            }
        })
        .collect();
    Invocation {
        command_line: words.join(" "),
        overrides: sets.to_vec(),
    }
}
