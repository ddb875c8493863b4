//! The command line's arguments, as clap reads them: the commands, their options, and the checks
//! of an option that need no scenario (the range of --runs, --seed, --target-ci, --max-runs).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::error::{Error, InputError};
use crate::scenario::keys::{self, Kind};
use crate::scenario::{self, Override};

#[derive(Debug, Parser)]
#[command(
    name = "backsim",
    version,
    about = "Simulate the backups of a managed MySQL server: data-loss window, storage, cost",
    after_help = "Exit codes: 0 success, 2 invalid input (scenario or arguments), 1 other failure."
)]
pub(super) struct Cli {
    #[command(subcommand)]
    pub(super) command: Command,
    /// Print nothing but what was asked for (--json output, `init -`, errors)
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub(super) quiet: bool,
    /// Say more on stderr: what was read (with its sha256), how much ran and how long, where the files went
    #[arg(short, long, global = true)]
    pub(super) verbose: bool,
}

#[derive(Debug, Subcommand)]
pub(super) enum Command {
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
        #[arg(long = "set", value_name = "KEY=VALUE", value_hint = clap::ValueHint::Other)]
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

/// A count given on the command line: anything but a whole number is refused with the values
/// allowed (clap said only "invalid digit found in string"); the range itself is checked with
/// the option's other rules.
fn count(text: &str, allowed: &str) -> Result<i64, String> {
    text.parse()
        .map_err(|_| format!("must be a whole number {allowed}, got {text}"))
}

fn fraction(text: &str) -> Result<f64, String> {
    text.parse()
        .map_err(|_| format!("must be a fraction between 0 and 1, e.g. 0.01 for ±1%, got {text}"))
}

fn runs_count(text: &str) -> Result<i64, String> {
    count(text, &format!("from 1 to {}", keys::MAX_RUNS))
}

fn max_runs_count(text: &str) -> Result<i64, String> {
    count(text, &format!("from 2 to {}", keys::MAX_RUNS))
}

fn threads_count(text: &str) -> Result<i64, String> {
    count(text, &format!("from 1 to {}", super::MAX_THREADS))
}

fn replication_number(text: &str) -> Result<i64, String> {
    count(
        text,
        "from 0 (the first run) up to the scenario's runs less one",
    )
}

/// The options `run` and `sweep` share: which replications, on how many threads, with which
/// overrides, and whether to draw.
#[derive(Debug, Args)]
pub(super) struct Simulation {
    /// Monte Carlo replications (overrides the scenario's `runs`)
    // Signed, and negative numbers taken as values: `--seed -1` is then refused with the range
    // a seed may take, where clap would read `-1` as a flag and suggest `-- -1`.
    #[arg(long, allow_negative_numbers = true, value_parser = runs_count)]
    pub(super) runs: Option<i64>,
    /// Random seed (overrides `seed`)
    #[arg(long, allow_negative_numbers = true, value_parser = whole_number)]
    pub(super) seed: Option<i128>,
    /// Worker threads [default: all cores]; results do not depend on it
    #[arg(long, allow_negative_numbers = true, value_parser = threads_count)]
    pub(super) threads: Option<i64>,
    /// Override a scenario key, e.g. --set backup.retention_days=14 (repeatable; each key once)
    #[arg(long = "set", value_name = "KEY=VALUE", value_hint = clap::ValueHint::Other)]
    pub(super) set: Vec<String>,
    /// Skip the PNG charts
    #[arg(long)]
    pub(super) no_charts: bool,
}

impl Simulation {
    /// --set, then --runs and --seed, as overrides of the scenario's keys.
    pub(super) fn overrides(&self) -> Result<Vec<Override>, Error> {
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
pub(super) struct RunArgs {
    /// The scenario file (`-`: standard input)
    pub(super) scenario: PathBuf,
    /// Output folder [default: output/<scenario name>/]
    #[arg(long)]
    pub(super) out: Option<PathBuf>,
    #[command(flatten)]
    pub(super) sim: Simulation,
    /// Print summary.json instead of the readable summary
    #[arg(long)]
    pub(super) json: bool,
    #[command(flatten)]
    pub(super) target: Target,
}

/// `--target-ci` and its ceiling, for `run` and `compare`.
#[derive(Debug, Args)]
pub(super) struct Target {
    /// Keep adding replications (doubling from --runs) until every headline 95% CI half-width
    /// is within this fraction of its mean, e.g. 0.01 (checked from 32 replications on)
    #[arg(long, value_name = "REL", allow_negative_numbers = true, value_parser = fraction)]
    pub(super) target_ci: Option<f64>,
    /// The most replications --target-ci may run [default: 20000]
    #[arg(
        long = "max-runs",
        value_name = "MAX_RUNS",
        allow_negative_numbers = true,
        value_parser = max_runs_count
    )]
    pub(super) max_runs_given: Option<i64>,
}

impl Target {
    /// The ceiling of --target-ci (within 2..=MAX_RUNS once `check` has passed).
    pub(super) fn max_runs(&self) -> u32 {
        self.max_runs_given
            .map_or(20_000, |n| n.clamp(0, i64::from(u32::MAX)) as u32)
    }

    /// The most replications a run starting from `runs` may make.
    pub(super) fn planned(&self, runs: u32) -> u32 {
        self.target_ci.map_or(runs, |_| self.max_runs())
    }

    /// Checked before anything is written.
    pub(super) fn check(&self) -> Result<(), Error> {
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

// Shared options whose meaning this command sharpens: each command's help says only its own.
#[derive(Debug, Args)]
#[command(mut_arg("runs", |a| a.help("Monte Carlo replications of each contender, paired run by run (overrides the scenario's `runs`)")))]
#[command(mut_arg("target_ci", |a| a.help("Keep adding paired replications (doubling from --runs) until every headline difference's 95% CI half-width is within this fraction of the larger of the two means, e.g. 0.01 (checked from 32 pairs on)")))]
pub(super) struct CompareArgs {
    /// The base scenario (`-`: standard input)
    pub(super) base: PathBuf,
    /// Alternative scenario files, each compared with the base
    pub(super) alternatives: Vec<PathBuf>,
    /// An alternative made from the base by changing keys, e.g.
    /// --vs backup.retention_days=14 or --vs backup.redundancy=geo,backup.retention_days=35
    /// (repeatable: one alternative each)
    #[arg(long, value_name = "KEY=VALUE[,KEY=VALUE...]")]
    pub(super) vs: Vec<String>,
    /// Output folder [default: output/<base name>-compare/]
    #[arg(long)]
    pub(super) out: Option<PathBuf>,
    #[command(flatten)]
    pub(super) sim: Simulation,
    /// Print compare.json instead of the readable table
    #[arg(long)]
    pub(super) json: bool,
    #[command(flatten)]
    pub(super) target: Target,
}

#[derive(Debug, Args)]
#[command(mut_arg("runs", |a| a.help("Monte Carlo replications at each point of the sweep (overrides the scenario's `runs`)")))]
pub(super) struct SweepArgs {
    /// The scenario file (`-`: standard input)
    pub(super) scenario: PathBuf,
    /// A swept key and its values, e.g. --vary backup.retention_days=7,14,35 (repeatable); a
    /// comma inside brackets, braces or quotes is the value's: workload.weekly=[1,1,1,1,1,1,1],[…]
    #[arg(long, value_name = "KEY=V1,V2,...")]
    pub(super) vary: Vec<String>,
    /// Run only shard I of N (every N-th point), for spreading a sweep over machines
    #[arg(long, value_name = "I/N")]
    pub(super) shard: Option<String>,
    /// Run the listed cases instead of a grid: a CSV whose header names scenario keys and whose
    /// rows are the points (e.g. server.vcores,server.db_size_gb,workload.binlog_gb_per_day)
    #[arg(long, value_name = "CASES.csv")]
    pub(super) cases: Option<PathBuf>,
    /// Output folder [default: output/<scenario name>-sweep/]
    #[arg(long)]
    pub(super) out: Option<PathBuf>,
    #[command(flatten)]
    pub(super) sim: Simulation,
    /// Print sweep.json (the grid, the provenance and every point's results) instead of the table
    #[arg(long)]
    pub(super) json: bool,
    /// Start the charts' y-axis at the lowest value shown rather than at zero
    #[arg(long)]
    pub(super) y_from_data: bool,
}

#[derive(Debug, Args)]
#[command(mut_arg("runs", |a| a.help("Monte Carlo replications of the whole fleet (overrides the fleet's `runs`)")))]
#[command(mut_arg("set", |a| a.help("Override a scenario key in every group, over the group's own settings, e.g. --set backup.retention_days=14 (repeatable; each key once)")))]
pub(super) struct FleetArgs {
    /// The fleet file: TOML with [[group]] tables, or an inventory CSV (`name,count,region,…`)
    pub(super) fleet: PathBuf,
    /// Run only shard I of N of the replications (every N-th run), for spreading a fleet over
    /// machines; join the shards with `backsim merge`
    #[arg(long, value_name = "I/N")]
    pub(super) shard: Option<String>,
    /// Output folder [default: output/<fleet name>-fleet/]
    #[arg(long)]
    pub(super) out: Option<PathBuf>,
    #[command(flatten)]
    pub(super) sim: Simulation,
    /// Print fleet.json instead of the readable summary
    #[arg(long)]
    pub(super) json: bool,
}

#[derive(Debug, Args)]
pub(super) struct CalibrateArgs {
    /// The scenario to fit (e.g. written by `backsim import`); it is not changed
    pub(super) scenario: PathBuf,
    /// The server's storage metrics: the JSON of `az monitor metrics list` with
    /// backup_storage_used (and storage_used, data_storage_used, binlog_storage_used)
    #[arg(long, value_name = "METRICS.json")]
    pub(super) metrics: Option<PathBuf>,
    /// The calibrated scenario [default: SCENARIO-calibrated.toml beside it]; the backtest
    /// (-backtest.csv, -backtest.png) goes beside it
    #[arg(long, value_name = "CALIBRATED.toml")]
    pub(super) out: Option<PathBuf>,
    /// Replace the calibrated scenario if it exists (it may be another scenario, or hold
    /// edits made since, that would be lost)
    #[arg(long)]
    pub(super) force: bool,
    /// Skip the backtest chart
    #[arg(long)]
    pub(super) no_charts: bool,
}

#[derive(Debug, Args)]
pub(super) struct RestoreArgs {
    /// The scenario file (`-`: standard input)
    pub(super) scenario: PathBuf,
    /// Restore point: latest, fastest, or a time (RFC 3339, or an offset from the start like 12d)
    #[arg(long, value_name = "latest|fastest|TIME", value_hint = clap::ValueHint::Other)]
    pub(super) at: String,
    /// When the restore is asked for [default: the end of the horizon; for --at latest or
    /// fastest, the spread over requests through the last recovery window first, then its
    /// median request planned in full]
    #[arg(long, value_name = "TIME", value_hint = clap::ValueHint::Other)]
    pub(super) request_at: Option<String>,
    /// Geo-restore into the paired (or restore.geo_restore_region) region from what had
    /// replicated there
    #[arg(long)]
    pub(super) geo: bool,
    /// Which replication's history to restore from
    #[arg(long, default_value_t = 0, allow_negative_numbers = true, value_parser = replication_number)]
    pub(super) replication: i64,
    /// Override a scenario key (repeatable)
    #[arg(long = "set", value_name = "KEY=VALUE", value_hint = clap::ValueHint::Other)]
    pub(super) set: Vec<String>,
    /// Print the report as JSON
    #[arg(long)]
    pub(super) json: bool,
    /// Not an option of restore, which writes no folder: taken only to say so (clap would
    /// suggest passing "--out" as a value).
    #[arg(long, hide = true, num_args = 0..=1)]
    pub(super) out: Option<Option<PathBuf>>,
}

/// The `--set KEY=VALUE` arguments, each key given once.
pub(super) fn overrides(set: &[String]) -> Result<Vec<Override>, Error> {
    let sets: Vec<Override> = set
        .iter()
        .map(|s| Override::parse(s))
        .collect::<Result<_, _>>()?;
    // The last of two would win without a word, and which was meant is anyone's guess.
    if let Some((earlier, later, key)) = scenario::first_clash(&sets) {
        return Err(InputError::argument(
            "--set",
            format!(
                "{key} is set twice ({}={} and {}={}): give it once",
                earlier.key, earlier.value, later.key, later.value
            ),
        )
        .into());
    }
    Ok(sets)
}
