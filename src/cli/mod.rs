//! The command line: parse arguments, load the scenario, run, write. Nothing below this module
//! knows about clap. One file per command family; this one holds the arguments, the dispatch and
//! what every command shares.

mod calibrate;
mod restore;
mod run;
mod sweep;

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use crate::error::{Error, InputError};
use crate::report::Invocation;
use crate::scenario::{self, Override};

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
    /// Turn a server description (REST GET body, or `az mysql flexible-server show` output)
    /// into a scenario; a list of servers becomes a fleet inventory (CSV)
    Import {
        /// The description (JSON)
        server: PathBuf,
        /// Where to write [default: beside it, .toml for one server, .csv for a list]
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Fit the scenario to the real server: its load to the backup-storage metrics
    /// (--metrics), its restore speed to the [[restore.measured]] test restores
    Calibrate(CalibrateArgs),
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
struct CalibrateArgs {
    scenario: PathBuf,
    /// The server's storage metrics: the JSON of `az monitor metrics list` with
    /// backup_storage_used (and storage_used, data_storage_used, binlog_storage_used)
    #[arg(long, value_name = "METRICS.json")]
    metrics: Option<PathBuf>,
    /// The calibrated scenario [default: SCENARIO-calibrated.toml beside it]; the backtest
    /// (-backtest.csv, -backtest.png) goes beside it
    #[arg(long, value_name = "CALIBRATED.toml")]
    out: Option<PathBuf>,
    /// Skip the backtest chart
    #[arg(long)]
    no_charts: bool,
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
        Command::Run(args) => run::run(args),
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
        Command::Import { server, out } => calibrate::import(&server, out.as_deref()),
        Command::Calibrate(args) => calibrate::calibrate(args),
        Command::Restore(args) => restore::restore(args),
        Command::Sweep(args) => sweep::sweep(args),
        Command::Merge {
            dirs,
            out,
            no_charts,
        } => sweep::merge(&dirs, out.as_deref(), no_charts),
    }
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
