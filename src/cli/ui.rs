//! How talkative the command line is (-q / -v) and where each kind of message goes: results on
//! stdout, notes and the progress bar on stderr.

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

/// Print to stdout what the user asked for (--json, `init -`), even under --quiet; a closed
/// pipe (`| head`) is not an error.
pub fn print(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|_| out.flush());
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
        eprintln!("backsim: {text}");
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
