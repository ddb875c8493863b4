//! The command line: parse arguments, load the scenario, run, write. Nothing below this module
//! knows about clap.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use crate::engine::Streams;
use crate::error::{Error, InputError};
use crate::model::restore::restored_server;
use crate::model::{what_if_restore, RestoreRefusal, RestoreTarget, DELETED_SERVER_RESTORE_WINDOW};
use crate::montecarlo::run_replications;
use crate::report::{self, Analysis, OutputDir, RestoreReport, RunZeroWriter};
use crate::scenario::{self, Override, Scenario};

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
    /// One what-if point-in-time restore with its time breakdown and data-loss window
    Restore(RestoreArgs),
    /// Write a commented scenario template
    Init {
        /// Where to write it
        #[arg(default_value = "scenario.toml")]
        path: PathBuf,
    },
}

#[derive(Debug, Args)]
struct RunArgs {
    scenario: PathBuf,
    /// Output folder [default: output/<scenario name>/]
    #[arg(long)]
    out: Option<PathBuf>,
    /// Monte Carlo replications (overrides `runs`)
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
    /// Print summary.json instead of the readable summary
    #[arg(long)]
    json: bool,
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
    }
}

fn restore(args: RestoreArgs) -> Result<(), Error> {
    let s = scenario::load(&args.scenario, &overrides(&args.set)?)?;
    let horizon = s.config.horizon;
    let request = match &args.request_at {
        Some(text) => scenario::parse_moment("--request-at", text, s.start, horizon)
            .map_err(|e| InputError::argument("--request-at", e.message))?,
        None => horizon,
    };
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
    let what_if = what_if_restore(&s.config, &streams, request, target, args.geo).map_err(|refusal| {
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
                "the server was deleted at {}; a deleted server can be restored for 5 days (until {}),                  and the request at {} is past that",
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
    std::fs::write(path, scenario::TEMPLATE)
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

fn load_for_run(args: &RunArgs) -> Result<Scenario, Error> {
    let mut sets = overrides(&args.set)?;
    if let Some(runs) = args.runs {
        sets.push(Override {
            key: "runs".into(),
            value: runs.to_string(),
        });
    }
    if let Some(seed) = args.seed {
        sets.push(Override {
            key: "seed".into(),
            value: seed.to_string(),
        });
    }
    Ok(scenario::load(&args.scenario, &sets)?)
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

fn progress_bar(runs: u32) -> Option<indicatif::ProgressBar> {
    if !std::io::stderr().is_terminal() || std::env::var_os("CI").is_some() {
        return None;
    }
    let bar = indicatif::ProgressBar::new(runs as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {bar:40} {pos}/{len} runs  {per_sec}  ETA {eta}",
        )
        .expect("template is valid"),
    );
    bar.enable_steady_tick(Duration::from_millis(200));
    Some(bar)
}

fn run(args: RunArgs) -> Result<(), Error> {
    let scenario = load_for_run(&args)?;
    let pool = thread_pool(args.threads)?;
    let out_path = args
        .out
        .clone()
        .unwrap_or_else(|| Path::new("output").join(&scenario.name));
    let dir = OutputDir::create(&out_path)?;
    let mut writer = RunZeroWriter::new(
        scenario.start,
        dir.stream("events.csv")?,
        dir.stream("timeseries.csv")?,
    )
    .map_err(|e| Error::Other(format!("cannot write events.csv: {e}")))?;

    let bar = progress_bar(scenario.runs);
    let tick = || {
        if let Some(b) = &bar {
            b.inc(1);
        }
    };
    let outcomes = pool.install(|| {
        run_replications(
            &scenario.config,
            scenario.seed,
            scenario.runs,
            Some(&mut writer),
            &tick,
        )
    });
    if let Some(b) = bar {
        b.finish_and_clear();
    }

    let (events, series) = writer
        .finish()
        .map_err(|e| Error::Other(format!("cannot write the event log: {e}")))?;
    dir.finish_stream("events.csv", events)?;
    dir.finish_stream("timeseries.csv", series)?;
    let analysis = Analysis::new(&scenario, &outcomes);
    dir.write("runs.csv", &report::runs_csv(&analysis))?;
    dir.write("summary.csv", &report::summary_csv(&analysis))?;
    let json = report::summary_json(&analysis);
    // Last: its presence says the folder is complete.
    dir.write("summary.json", &json)?;

    if args.json {
        print(&String::from_utf8_lossy(&json));
    } else {
        print(&report::summary_text(&analysis));
        print(&format!("\nwrote {}\n", dir.path().display()));
    }
    Ok(())
}
