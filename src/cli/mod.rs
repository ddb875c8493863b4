//! The command line: parse arguments, load the scenario, run, write. Nothing below this module
//! knows about clap. One file per command family; this one holds the arguments, the dispatch and
//! what every command shares.

mod calibrate;
mod compare;
mod estimate;
mod fleet;
mod restore;
mod run;
mod sweep;
mod ui;
mod validate;

use std::path::{Path, PathBuf};

use clap::{Args, CommandFactory, Parser, Subcommand};

use crate::error::{Error, InputError};
use crate::scenario::keys::{self, Kind};
use crate::scenario::{self, Override};
pub(crate) use ui::{note, print, progress_bar, say, warn, warning, Verbosity};

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
    /// Print nothing but what was asked for (--json output, `init -`, errors)
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    quiet: bool,
    /// Say more on stderr: what was read (with its sha256), how much ran and how long, where the files went
    #[arg(short, long, global = true)]
    verbose: bool,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Simulate a scenario: the summary (summary.json, summary.csv), each run (runs.csv), run 0
    /// hour by hour and event by event (timeseries.csv, events.csv), the bill (bill.csv), every
    /// retention's cost (retention.csv), every recovery (recoveries.csv), report.md and its charts
    Run(RunArgs),
    /// Compare alternatives with a base scenario on common random numbers: paired differences
    /// with 95% CIs for every headline figure, into compare.csv, compare.json and compare.png
    Compare(CompareArgs),
    /// Check a scenario file and report the first problem
    Validate {
        /// The scenario file (`-`: standard input)
        scenario: PathBuf,
        /// Override a scenario key, e.g. --set backup.retention_days=14 (repeatable)
        #[arg(long = "set", value_name = "KEY=VALUE")]
        set: Vec<String>,
        /// Print the result as JSON (with the scenario as resolved, or the error's location)
        #[arg(long)]
        json: bool,
    },
    /// Run the scenario at every point of a grid ([sweep] table and/or --vary) into sweep.csv
    Sweep(SweepArgs),
    /// Simulate a fleet of servers in shared regions (FLEET.toml with [[group]]s, or an
    /// inventory CSV): the fleet's bill, and how long a regional outage takes to recover from
    /// when every server restores at once
    Fleet(FleetArgs),
    /// Join the folders of a sharded sweep (or fleet) into one
    Merge {
        /// Shard output folders
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
        /// Where the merged result goes [default: output/<name>-sweep/, or output/<name>-fleet/
        /// for a fleet's shards]
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
        /// Where to write: SCENARIO.toml for one server, FLEET.csv for a list [default: the
        /// description's name with .toml or .csv, in the current directory]
        #[arg(long)]
        out: Option<PathBuf>,
        /// Replace the output file if it exists (it may hold edits, such as appended
        /// [[restore.measured]] tables, that would be lost)
        #[arg(long)]
        force: bool,
    },
    /// Fit the scenario to the real server: its load to the backup-storage metrics
    /// (--metrics), its restore speed to the [[restore.measured]] test restores
    Calibrate(CalibrateArgs),
    /// Write a commented scenario template
    Init {
        /// Where to write it (`-`: standard output)
        #[arg(default_value = "scenario.toml")]
        path: PathBuf,
    },
    /// Print a shell completion script, e.g. `backsim completions bash > ~/.local/share/bash-completion/completions/backsim`
    Completions {
        /// bash, zsh, fish, elvish or powershell
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff), e.g. `backsim man > backsim.1`; with a command, that
    /// command's page, e.g. `backsim man restore > backsim-restore.1`
    Man {
        /// The command whose page to print (run, sweep, compare, fleet, restore, …)
        command: Option<String>,
    },
}

/// A whole number of any size, so that a seed one past the largest is refused with the range
/// (a u64 or i64 would stop at clap's "too large to fit").
fn whole_number(text: &str) -> Result<i128, String> {
    text.parse()
        .map_err(|_| format!("must be a whole number, got {text}"))
}

/// The options `run` and `sweep` share: which replications, on how many threads, with which
/// overrides, and whether to draw.
#[derive(Debug, Args)]
struct Simulation {
    /// Monte Carlo replications (overrides the scenario's `runs`): at each point of a sweep,
    /// of each contender of a comparison, of the fleet
    // Signed, and negative numbers taken as values: `--seed -1` is then refused with the range
    // a seed may take, where clap would read `-1` as a flag and suggest `-- -1`.
    #[arg(long, allow_negative_numbers = true)]
    runs: Option<i64>,
    /// Random seed (overrides `seed`)
    #[arg(long, allow_negative_numbers = true, value_parser = whole_number)]
    seed: Option<i128>,
    /// Worker threads [default: all cores]; results do not depend on it
    #[arg(long, allow_negative_numbers = true)]
    threads: Option<i64>,
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
        // Checked here, so that a bad --runs or --seed is blamed on its flag rather than on a
        // --set the user never wrote.
        if let (Some(runs), Kind::Integer { min, max, .. }) = (self.runs, keys::RUNS.kind) {
            if !(min..=max).contains(&runs) {
                return Err(InputError::argument(
                    "--runs",
                    format!("must be a whole number from {min} to {max}, got {runs}"),
                )
                .into());
            }
        }
        if let Some(seed) = self
            .seed
            .filter(|&s| !(0..=i128::from(scenario::MAX_SEED)).contains(&s))
        {
            return Err(InputError::argument(
                "--seed",
                format!(
                    "must be a whole number from 0 to {} (as in a scenario file), got {seed}",
                    scenario::MAX_SEED
                ),
            )
            .into());
        }
        for (key, value) in [
            ("runs", self.runs.map(|r| r.to_string())),
            ("seed", self.seed.map(|s| s.to_string())),
        ] {
            if let Some(value) = value {
                if sets.iter().any(|o| o.key == key) {
                    return Err(InputError::argument(
                        "--set",
                        format!("{key} is given by both --{key} and --set {key}=…: give it once"),
                    )
                    .into());
                }
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
    /// The scenario file (`-`: standard input)
    scenario: PathBuf,
    /// Output folder [default: output/<scenario name>/]
    #[arg(long)]
    out: Option<PathBuf>,
    #[command(flatten)]
    sim: Simulation,
    /// Print summary.json instead of the readable summary
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    target: Target,
}

/// `--target-ci` and its ceiling, for `run` and `compare`.
#[derive(Debug, Args)]
struct Target {
    /// Keep adding replications (doubling from --runs) until every headline 95% CI half-width
    /// is within this fraction of its mean (for compare: of the larger of the two means), e.g. 0.01
    #[arg(long, value_name = "REL", allow_negative_numbers = true)]
    target_ci: Option<f64>,
    /// The most replications --target-ci may run [default: 20000]
    #[arg(
        long = "max-runs",
        value_name = "MAX_RUNS",
        allow_negative_numbers = true
    )]
    max_runs_given: Option<i64>,
}

impl Target {
    /// The ceiling of --target-ci (within 2..=MAX_RUNS once `check` has passed).
    fn max_runs(&self) -> u32 {
        self.max_runs_given
            .map_or(20_000, |n| n.clamp(0, i64::from(u32::MAX)) as u32)
    }

    /// The most replications a run starting from `runs` may make.
    fn planned(&self, runs: u32) -> u32 {
        self.target_ci.map_or(runs, |_| self.max_runs())
    }

    /// Checked before anything is written.
    fn check(&self) -> Result<(), Error> {
        if let Some(rel) = self.target_ci {
            if !(rel > 0.0 && rel < 1.0) {
                return Err(InputError::argument(
                    "--target-ci",
                    format!("must be a fraction between 0 and 1, e.g. 0.01 for ±1%, got {rel}"),
                )
                .into());
            }
        }
        if self.max_runs_given.is_some() && self.target_ci.is_none() {
            return Err(InputError::argument(
                "--max-runs",
                "bounds only --target-ci: give --target-ci too, or --runs for a fixed number of runs",
            )
            .into());
        }
        let max_runs = self.max_runs_given.unwrap_or(i64::from(self.max_runs()));
        if !(2..=keys::MAX_RUNS).contains(&max_runs) {
            return Err(InputError::argument(
                "--max-runs",
                format!(
                    "must be from 2 (a confidence interval needs two runs) to {}, got {max_runs}",
                    keys::MAX_RUNS,
                ),
            )
            .into());
        }
        Ok(())
    }
}

#[derive(Debug, Args)]
struct CompareArgs {
    /// The base scenario (`-`: standard input)
    base: PathBuf,
    /// Alternative scenario files, each compared with the base
    alternatives: Vec<PathBuf>,
    /// An alternative made from the base by changing keys, e.g.
    /// --vs backup.retention_days=14 or --vs backup.redundancy=geo,backup.retention_days=35
    /// (repeatable: one alternative each)
    #[arg(long, value_name = "KEY=VALUE[,KEY=VALUE...]")]
    vs: Vec<String>,
    /// Output folder [default: output/<base name>-compare/]
    #[arg(long)]
    out: Option<PathBuf>,
    #[command(flatten)]
    sim: Simulation,
    /// Print compare.json instead of the readable table
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    target: Target,
}

#[derive(Debug, Args)]
struct SweepArgs {
    /// The scenario file (`-`: standard input)
    scenario: PathBuf,
    /// A swept key and its values, e.g. --vary backup.retention_days=7,14,35 (repeatable); a
    /// comma inside brackets, braces or quotes is the value's: workload.weekly=[1,1,1,1,1,1,1],[…]
    #[arg(long, value_name = "KEY=V1,V2,...")]
    vary: Vec<String>,
    /// Run only shard I of N (every N-th point), for spreading a sweep over machines
    #[arg(long, value_name = "I/N")]
    shard: Option<String>,
    /// Run the listed cases instead of a grid: a CSV whose header names scenario keys and whose
    /// rows are the points (e.g. server.vcores,server.db_size_gb,workload.binlog_gb_per_day)
    #[arg(long, value_name = "CASES.csv")]
    cases: Option<PathBuf>,
    /// Output folder [default: output/<scenario name>-sweep/]
    #[arg(long)]
    out: Option<PathBuf>,
    #[command(flatten)]
    sim: Simulation,
    /// Print sweep.json (the grid, the provenance and every point's results) instead of the table
    #[arg(long)]
    json: bool,
    /// Start the charts' y-axis at the lowest value shown rather than at zero
    #[arg(long)]
    y_from_data: bool,
}

#[derive(Debug, Args)]
struct FleetArgs {
    /// The fleet file: TOML with [[group]] tables, or an inventory CSV (`name,count,region,…`)
    fleet: PathBuf,
    /// Run only shard I of N of the replications (every N-th run), for spreading a fleet over
    /// machines; join the shards with `backsim merge`
    #[arg(long, value_name = "I/N")]
    shard: Option<String>,
    /// Output folder [default: output/<fleet name>-fleet/]
    #[arg(long)]
    out: Option<PathBuf>,
    #[command(flatten)]
    sim: Simulation,
    /// Print fleet.json instead of the readable summary
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
struct CalibrateArgs {
    /// The scenario to fit (e.g. written by `backsim import`); it is not changed
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
    /// The scenario file (`-`: standard input)
    scenario: PathBuf,
    /// Restore point: latest, fastest, or a time (RFC 3339, or an offset from the start like 12d)
    #[arg(long, value_name = "latest|fastest|TIME")]
    at: String,
    /// When the restore is asked for [default: the end of the horizon; for --at latest or
    /// fastest, the spread over requests through the last recovery window first, then its
    /// median request planned in full]
    #[arg(long, value_name = "TIME")]
    request_at: Option<String>,
    /// Geo-restore into the paired (or restore.geo_restore_region) region from what had
    /// replicated there
    #[arg(long)]
    geo: bool,
    /// Which replication's history to restore from
    #[arg(long, default_value_t = 0, allow_negative_numbers = true)]
    replication: i64,
    /// Override a scenario key (repeatable)
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
    /// Print the report as JSON
    #[arg(long)]
    json: bool,
}

/// Run the command line; returns the process exit code.
pub fn main() -> i32 {
    crate::report::clean_up_on_interrupt();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return e.exit_code();
        }
    };
    command(cli)
}

/// Run one command line in process, writing its report to `out` and its messages to `err`;
/// returns the exit code (0 success, 1 failure, 2 bad input). The tests and the fuzz harness
/// drive the command line this way, with buffers.
pub fn run<I, T>(args: I, out: &mut dyn std::io::Write, err: &mut dyn std::io::Write) -> i32
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString>,
{
    let args: Vec<std::ffi::OsString> = args.into_iter().map(Into::into).collect();
    let cli = match Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        Err(e) => {
            // --help and --version are answers, not errors.
            let sink: &mut dyn std::io::Write = if e.exit_code() == 0 { out } else { err };
            let _ = write!(sink, "{}", e.render());
            return e.exit_code();
        }
    };
    ui::capture(
        args.iter()
            .skip(1)
            .map(|a| a.to_string_lossy().into_owned())
            .collect(),
    );
    let code = command(cli);
    let (stdout, stderr) = ui::captured();
    let _ = out.write_all(&stdout);
    let _ = err.write_all(&stderr);
    code
}

fn command(cli: Cli) -> i32 {
    ui::set_verbosity(match (cli.quiet, cli.verbose) {
        (true, _) => Verbosity::Quiet,
        (_, true) => Verbosity::Verbose,
        _ => Verbosity::Normal,
    });
    // A report lost on the way to stdout fails the command, even when all else went well.
    let outcome = execute(cli.command).and_then(|()| match ui::stdout_failure() {
        Some(e) => Err(Error::io("cannot write to standard output", e)),
        None => Ok(()),
    });
    match outcome {
        Ok(()) => 0,
        Err(e) => {
            ui::eprint_line(&format!("error: {e}"));
            e.exit_code()
        }
    }
}

fn overrides(set: &[String]) -> Result<Vec<Override>, Error> {
    let sets: Vec<Override> = set
        .iter()
        .map(|s| Override::parse(s))
        .collect::<Result<_, _>>()?;
    // The last of two would win without a word, and which was meant is anyone's guess.
    for (i, later) in sets.iter().enumerate() {
        if let Some(earlier) = sets[..i]
            .iter()
            .find(|earlier| keys::overlap(&earlier.key, &later.key))
        {
            return Err(InputError::argument(
                "--set",
                format!(
                    "{} is set twice ({}={} and {}={}): give it once",
                    later.key, earlier.key, earlier.value, later.key, later.value
                ),
            )
            .into());
        }
    }
    Ok(sets)
}

fn execute(command: Command) -> Result<(), Error> {
    match command {
        Command::Run(args) => run::run(args),
        Command::Compare(args) => compare::compare(args),
        Command::Validate {
            scenario,
            set,
            json,
        } => validate::validate(&scenario, &set, json),
        Command::Init { path } => validate::init(&path),
        Command::Import { server, out, force } => calibrate::import(&server, out.as_deref(), force),
        Command::Calibrate(args) => calibrate::calibrate(args),
        Command::Restore(args) => restore::restore(args),
        Command::Sweep(args) => sweep::sweep(args),
        Command::Fleet(args) => fleet::fleet(args),
        Command::Merge {
            dirs,
            out,
            no_charts,
        } => {
            let (fleets, others): (Vec<&PathBuf>, Vec<&PathBuf>) =
                dirs.iter().partition(|d| fleet::is_fleet_folder(d));
            if others.is_empty() {
                fleet::merge(&dirs, out.as_deref(), no_charts)
            } else if let (Some(fleet), Some(other)) = (fleets.first(), others.first()) {
                // Read as a sweep, the fleet shard would be refused for lacking sweep.json.
                Err(InputError::argument(
                    "merge",
                    format!(
                        "{} is a fleet's shard and {} is not: merge a fleet's shards together, and a sweep's together",
                        fleet.display(),
                        other.display()
                    ),
                )
                .into())
            } else {
                sweep::merge(&dirs, out.as_deref(), no_charts)
            }
        }
        Command::Completions { shell } => {
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "backsim", &mut out);
            print(&String::from_utf8_lossy(&out));
            Ok(())
        }
        Command::Man { command } => {
            let mut top = Cli::command();
            // Built, so that `help`, which the main page lists too, can be found.
            top.build();
            let page = match command {
                None => top,
                Some(name) => {
                    let sub = top.find_subcommand(&name).ok_or_else(|| {
                        let names: Vec<&str> =
                            top.get_subcommands().map(|c| c.get_name()).collect();
                        InputError::argument(
                            "man",
                            format!("no command {name}; the commands are {}", names.join(", ")),
                        )
                    })?;
                    // Named as the main page's list of commands refers to it, invoked as
                    // typed.
                    sub.clone()
                        .name(format!("backsim-{name}"))
                        .bin_name(format!("backsim {name}"))
                        .version(env!("CARGO_PKG_VERSION"))
                }
            };
            let mut out = Vec::new();
            clap_mangen::Man::new(page)
                .render(&mut out)
                .map_err(|e| Error::io("cannot render the manual page", e))?;
            print(&String::from_utf8_lossy(&out));
            Ok(())
        }
    }
}

/// The most worker threads: more than any machine has cores, few enough to start at once.
pub const MAX_THREADS: usize = 1024;

fn thread_pool(threads: Option<i64>) -> Result<rayon::ThreadPool, Error> {
    if let Some(n) =
        threads.filter(|&n| usize::try_from(n).map_or(true, |n| !(1..=MAX_THREADS).contains(&n)))
    {
        return Err(InputError::argument(
            "--threads",
            format!("must be from 1 to {MAX_THREADS}, got {n}"),
        )
        .into());
    }
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads.map_or(0, |n| n as usize))
        .build()
        .map_err(|e| Error::Other(format!("cannot start worker threads: {e}")))
}

/// `--out -` would mean a folder of files on standard output, which cannot be: say what can.
/// Whether two paths name the same existing file or folder (links and `..` resolved).
fn same_path(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

fn output_folder(out: Option<&Path>, default: PathBuf) -> Result<PathBuf, Error> {
    match out {
        Some(p) if scenario::is_stdin(p) => Err(InputError::argument(
            "--out",
            "an output folder cannot be standard output: use --json to print the result, or name a folder",
        )
        .into()),
        Some(p) => Ok(p.to_path_buf()),
        None => Ok(default),
    }
}

/// The command line, for the outputs' provenance. Options that cannot change a result (where
/// the files go, how many threads, which shard of a sweep, how talkative) are left out, so that
/// the same run writes the same bytes wherever and however it ran, and a merged sweep records
/// the command of the whole sweep.
fn command_line() -> String {
    const NO_EFFECT: [&str; 3] = ["--out", "--threads", "--shard"];
    const NO_EFFECT_FLAGS: [&str; 4] = ["-q", "--quiet", "-v", "--verbose"];
    let mut args = Vec::new();
    let mut given = ui::arguments().into_iter();
    while let Some(arg) = given.next() {
        if NO_EFFECT.contains(&arg.as_str()) {
            given.next();
        } else if !NO_EFFECT.iter().any(|o| arg.starts_with(&format!("{o}=")))
            && !NO_EFFECT_FLAGS.contains(&arg.as_str())
        {
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
    words.join(" ")
}
