//! The command line: parse arguments, load the scenario, run, write. Nothing below this module
//! knows about clap. One file per command family; `args` holds the arguments, this one the
//! dispatch and what every command shares.

mod args;
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

use clap::{CommandFactory, Parser};

use crate::error::{Error, InputError};
use crate::scenario;
use args::{overrides, Cli, Command};
// The commands' own arguments, for their modules.
use args::{CalibrateArgs, CompareArgs, FleetArgs, RestoreArgs, RunArgs, SweepArgs};
pub(crate) use ui::{note, print, progress_bar, say, warn, warning, Verbosity};

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
        .map(shell_quoted)
        .collect();
    words.join(" ")
}

/// A word of a command line as a shell takes it back: quoted when it holds a blank or a
/// character the shell would act on.
fn shell_quoted(a: String) -> String {
    if a.is_empty() || a.contains(|c: char| c.is_whitespace() || "'\"$`\\|&;<>()*?".contains(c)) {
        format!("'{}'", a.replace('\'', "'\\''"))
    } else {
        a
    }
}

/// The command a shard recorded (its provenance's command line), read back as this program
/// reads its arguments: merge writes what that command, unsharded, would have written (its
/// charts, or none, and their axes). Err says why it cannot be read.
fn recorded_command(line: &str) -> Result<Command, String> {
    let words = shell_words(line)?;
    Cli::try_parse_from(words)
        .map(|cli| cli.command)
        .map_err(|e| {
            let text = e.to_string();
            let first = text.lines().next().unwrap_or_default();
            first.trim_start_matches("error: ").to_string()
        })
}

/// The words of a command line as `command_line` quotes them ('…', a quote inside as '\''),
/// or as a shell would split it when written by hand.
fn shell_words(line: &str) -> Result<Vec<String>, String> {
    let (mut words, mut word, mut in_word) = (Vec::new(), String::new(), false);
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => word.push(c),
                        None => return Err("a quote is never closed".into()),
                    }
                }
            }
            '\\' => {
                in_word = true;
                word.extend(chars.next());
            }
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    Ok(words)
}

/// The grid of the scenario's own `[sweep]` table, checked as `sweep` checks it (runs or seed
/// swept, a table beside a key in it, too many points): an error is placed at the table in the
/// file, where `validate` passed such a table and `sweep` refused it with no line. With --vary
/// the grid is the command line's too, and the error stays the argument's.
pub(crate) fn sweep_table_grid(
    loaded: &scenario::Loaded,
    path: &Path,
    vary: &[String],
) -> Result<crate::sweep::Grid, InputError> {
    crate::sweep::Grid::new(&loaded.scenario, vary).map_err(|mut e| {
        let from_table = vary.is_empty()
            && !loaded.scenario.sweep.is_empty()
            && e.origin == crate::error::Origin::Argument("sweep".into());
        if from_table {
            e.origin = scenario::origin_of(path);
            e.key = Some("sweep".into());
            e.position = scenario::spans::offset_of(&loaded.text, "sweep")
                .map(|at| scenario::spans::line_col(&loaded.text, at));
        }
        e
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Merge reads a shard's recorded command back into its words: every word the recorder
    /// quotes comes back as it was given.
    #[test]
    fn recorded_words_read_back_as_given() {
        let words: Vec<String> = [
            "backsim",
            "sweep",
            "",
            "a b",
            "it's",
            "$HOME",
            "--set=backup={retention_days = 3}",
            "tab\there",
            "back\\slash",
        ]
        .map(String::from)
        .to_vec();
        let line: Vec<String> = words.iter().cloned().map(shell_quoted).collect();
        assert_eq!(shell_words(&line.join(" ")).unwrap(), words);
        assert!(shell_words("backsim 'open").is_err());
    }
}
