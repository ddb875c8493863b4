//! The command line: parse arguments, load the scenario, run, write. Nothing below this module
//! knows about clap. One file per command family; this one holds the arguments, the dispatch and
//! what every command shares.

mod estimate;
mod restore;
mod run;
mod sweep;

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use crate::error::{Error, InputError};
use crate::report::Invocation;
use crate::scenario::keys::{self, Kind};
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
        // Checked here, so that a bad --runs is blamed on --runs rather than on a --set the
        // user never wrote.
        if let (Some(runs), Kind::Integer { min, max, .. }) = (self.runs, keys::RUNS.kind) {
            if !(min..=max).contains(&i64::from(runs)) {
                return Err(InputError::argument(
                    "--runs",
                    format!("must be a whole number from {min} to {max}, got {runs}"),
                )
                .into());
            }
        }
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
    let (mut out, mut err) = (std::io::stdout(), std::io::stderr());
    run(std::env::args_os(), &mut out, &mut err)
}

/// Run one command line, writing its report to `out` and its messages to `err`; returns the
/// exit code (0 success, 1 failure, 2 bad input). The binary passes its own standard streams;
/// tests drive it in process with buffers.
pub fn run<I, T>(args: I, out: &mut dyn Write, err: &mut dyn Write) -> i32
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString>,
{
    let args: Vec<std::ffi::OsString> = args.into_iter().map(Into::into).collect();
    let cli = match Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        Err(e) => {
            // --help and --version are answers, not errors.
            let sink: &mut dyn Write = if e.exit_code() == 0 { out } else { err };
            let _ = write!(sink, "{}", e.render());
            return e.exit_code();
        }
    };
    let mut console = Console {
        out,
        err,
        args: args
            .iter()
            .skip(1)
            .map(|a| a.to_string_lossy().into_owned())
            .collect(),
    };
    match execute(cli.command, &mut console) {
        Ok(()) => 0,
        Err(e) => {
            let _ = writeln!(console.err, "error: {e}");
            e.exit_code()
        }
    }
}

/// Where a command writes, and the words it was called with (for the reports' record).
struct Console<'a> {
    out: &'a mut dyn Write,
    err: &'a mut dyn Write,
    args: Vec<String>,
}

impl Console<'_> {
    /// The command's report. A reader that went away (`| head`) is not an error; a report that
    /// could not be written (a full disk behind `>`) is, so that a script sees the loss.
    fn print(&mut self, text: &str) -> Result<(), Error> {
        match self
            .out
            .write_all(text.as_bytes())
            .and_then(|_| self.out.flush())
        {
            Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
                Err(Error::io("cannot write to standard output", e))
            }
            _ => Ok(()),
        }
    }

    /// A remark on standard error (an estimate of the work ahead); losing it loses nothing.
    fn note(&mut self, text: &str) {
        let _ = writeln!(self.err, "{text}");
    }
}

fn overrides(set: &[String]) -> Result<Vec<Override>, Error> {
    Ok(set
        .iter()
        .map(|s| Override::parse(s))
        .collect::<Result<_, _>>()?)
}

fn execute(command: Command, console: &mut Console<'_>) -> Result<(), Error> {
    match command {
        Command::Run(args) => run::run(args, console),
        Command::Validate { scenario, set } => {
            let s = scenario::load(&scenario, &overrides(&set)?)?;
            console.print(&format!(
                "ok: {} is valid (\"{}\": {} runs × {} days, seed {})\n",
                scenario.display(),
                s.name,
                s.runs,
                s.horizon_days,
                s.seed
            ))
        }
        Command::Init { path } => init(&path, console),
        Command::Restore(args) => restore::restore(args, console),
        Command::Sweep(args) => sweep::sweep(args, console),
        Command::Merge {
            dirs,
            out,
            no_charts,
        } => sweep::merge(&dirs, out.as_deref(), no_charts, console),
    }
}

fn init(path: &Path, console: &mut Console<'_>) -> Result<(), Error> {
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
    console.print(&format!(
        "wrote {} — edit it, then: backsim run {}\n",
        path.display(),
        path.display()
    ))
}

/// The most worker threads: more than any machine has cores, few enough to start at once.
pub const MAX_THREADS: usize = 1024;

fn thread_pool(threads: Option<usize>) -> Result<rayon::ThreadPool, Error> {
    if let Some(n) = threads.filter(|n| !(1..=MAX_THREADS).contains(n)) {
        return Err(InputError::argument(
            "--threads",
            format!("must be from 1 to {MAX_THREADS}, got {n}"),
        )
        .into());
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
fn invocation(given: &[String], sets: &[String]) -> Invocation {
    const NO_EFFECT: [&str; 2] = ["--out", "--threads"];
    let mut args = Vec::new();
    let mut given = given.iter().cloned();
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
