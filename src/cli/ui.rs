//! How talkative the command line is (-q / -v) and where each kind of message goes: results on
//! stdout, notes and the progress bar on stderr. A command run in process (`cli::run`, as the
//! tests and the fuzz harness do) writes into buffers of its own thread instead.

use std::cell::RefCell;
use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verbosity {
    Quiet = 0,
    Normal = 1,
    Verbose = 2,
}

/// Set once from the arguments, read by every command: one process, one setting.
static LEVEL: AtomicU8 = AtomicU8::new(Verbosity::Normal as u8);

pub fn set_verbosity(v: Verbosity) {
    LEVEL.store(v as u8, Ordering::Relaxed);
}

fn level() -> u8 {
    LEVEL.load(Ordering::Relaxed)
}

/// What a command run in process has written, and the first failure to write its report.
#[derive(Default)]
struct Streams {
    /// Buffers in place of stdout and stderr, when the command runs in process.
    captured: Option<(Vec<u8>, Vec<u8>)>,
    /// The first error writing to stdout other than a closed pipe.
    failed: Option<std::io::Error>,
    /// The command line as given (for the outputs' provenance), when it is not the process's.
    args: Option<Vec<String>>,
}

thread_local! {
    static STREAMS: RefCell<Streams> = RefCell::new(Streams::default());
}

/// Start capturing this thread's output, with the command line it runs.
pub fn capture(args: Vec<String>) {
    STREAMS.with(|s| {
        *s.borrow_mut() = Streams {
            captured: Some((Vec::new(), Vec::new())),
            failed: None,
            args: Some(args),
        }
    });
}

/// Stop capturing: what was written to stdout and to stderr.
pub fn captured() -> (Vec<u8>, Vec<u8>) {
    STREAMS.with(|s| {
        std::mem::take(&mut *s.borrow_mut())
            .captured
            .unwrap_or_default()
    })
}

/// The command line, without the program: the one given to `cli::run`, or the process's.
pub fn arguments() -> Vec<String> {
    STREAMS
        .with(|s| s.borrow().args.clone())
        .unwrap_or_else(|| std::env::args().skip(1).collect())
}

/// The first failure to write the report to stdout, if any (taken: asked once per command).
pub fn stdout_failure() -> Option<std::io::Error> {
    STREAMS.with(|s| s.borrow_mut().failed.take())
}

/// Print to stdout what the user asked for (--json, `init -`), even under --quiet. A reader
/// that went away (`| head`) is not an error; any other failure (a full disk behind `>`) is
/// kept, and the command then ends with exit 1 and says so, instead of losing the report
/// without a word.
pub fn print(text: &str) {
    STREAMS.with(|s| {
        let mut s = s.borrow_mut();
        if let Some((out, _)) = s.captured.as_mut() {
            out.extend_from_slice(text.as_bytes());
            return;
        }
        if s.failed.is_some() {
            return;
        }
        let mut out = std::io::stdout().lock();
        match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
            Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => s.failed = Some(e),
            _ => {}
        }
    });
}

/// A line on stderr (or this thread's buffer in place of it); losing it loses nothing.
pub fn eprint_line(text: &str) {
    STREAMS.with(|s| match s.borrow_mut().captured.as_mut() {
        Some((_, err)) => {
            err.extend_from_slice(text.as_bytes());
            err.push(b'\n');
        }
        None => {
            let _ = writeln!(std::io::stderr(), "{text}");
        }
    });
}

/// A word before a long job (how long it may take, how much it writes): on stderr unless
/// --quiet.
pub fn warn(text: &str) {
    if level() >= Verbosity::Normal as u8 {
        eprint_line(&format!("note: {text}"));
    }
}

/// Something that may well be a mistake but need not stop the command: on stderr unless
/// --quiet.
pub fn warning(text: &str) {
    if level() >= Verbosity::Normal as u8 {
        eprint_line(&format!("warning: {text}"));
    }
}

/// The readable result of a command on stdout: silenced by --quiet.
pub fn say(text: &str) {
    if level() >= Verbosity::Normal as u8 {
        print(text);
    }
}

/// A note on stderr, only with --verbose.
pub fn note(text: &str) {
    if level() >= Verbosity::Verbose as u8 {
        eprint_line(&format!("backsim: {text}"));
    }
}

/// A progress bar on stderr, only when it is a terminal (and not under CI, TERM=dumb or
/// --quiet).
pub fn progress_bar(total: u64, what: &str) -> Option<indicatif::ProgressBar> {
    let dumb = std::env::var("TERM").is_ok_and(|t| t == "dumb");
    if level() == Verbosity::Quiet as u8
        || !std::io::stderr().is_terminal()
        || std::env::var_os("CI").is_some()
        || dumb
    {
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
