//! Helpers the test binaries share.
#![allow(dead_code)]

use std::path::Path;

use assert_cmd::Command;
use backsim::error::Origin;
use backsim::scenario::{parse, Override, Scenario};

pub fn backsim() -> Command {
    Command::cargo_bin("backsim").expect("binary built")
}

/// `backsim COMMAND INPUT --out OUT`, with `--force` when asked: the commands that write one
/// file (import, calibrate) and replace an existing one only when forced.
pub fn writing_to(command: &str, input: &Path, out: &Path, force: bool) -> std::process::Output {
    let mut cmd = backsim();
    cmd.arg(command).arg(input).arg("--out").arg(out);
    if force {
        cmd.arg("--force");
    }
    cmd.output().unwrap()
}

/// A scenario from TOML text with some keys changed, as `--set` would.
pub fn with(text: &str, sets: &[(&str, &str)]) -> Scenario {
    parse(text, Origin::Argument("test".into()), &overrides(sets)).expect("valid test scenario")
}

/// `--set key=value` pairs as the scenario parser takes them.
pub fn overrides(sets: &[(&str, &str)]) -> Vec<Override> {
    sets.iter()
        .map(|(k, v)| Override {
            key: k.to_string(),
            value: v.to_string(),
        })
        .collect()
}

/// `backsim run SCENARIO ARGS... --json --out DIR/o` must succeed; returns its summary.json.
pub fn run_json(
    dir: &std::path::Path,
    scenario: &std::path::Path,
    args: &[&str],
) -> serde_json::Value {
    let out = backsim()
        .arg("run")
        .arg(scenario)
        .args(args)
        .arg("--json")
        .arg("--out")
        .arg(dir.join("o"))
        .assert()
        .success();
    serde_json::from_slice(&out.get_output().stdout).expect("--json prints JSON")
}

/// `text` written to `dir/name`.
pub fn write_file(dir: &std::path::Path, name: &str, text: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// `backsim COMMAND FILE EXTRA... --no-charts --out DIR/NAME` must succeed; returns the folder.
pub fn backsim_into(
    command: &str,
    file: &std::path::Path,
    dir: &std::path::Path,
    name: &str,
    extra: &[&str],
) -> std::path::PathBuf {
    let out = dir.join(name);
    backsim()
        .arg(command)
        .arg(file)
        .args(extra)
        .arg("--no-charts")
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    out
}

/// Markdown without its fenced code blocks (shown literally, so safe whatever they hold).
pub fn outside_code(md: &str) -> String {
    let mut fence: Option<String> = None;
    let mut kept = String::new();
    for line in md.lines() {
        let ticks: String = line.chars().take_while(|&c| c == '`').collect();
        match &fence {
            Some(open) if ticks.len() >= open.len() && line.trim() == ticks => fence = None,
            Some(_) => {}
            None if ticks.len() >= 3 => fence = Some(ticks),
            None => {
                kept.push_str(line);
                kept.push('\n');
            }
        }
    }
    kept
}

/// A small vault from Monday 5 January 2026, 100 days: 100 GB full copies of a database that
/// does not grow, 25 GB of binlog a day, no failed or extra snapshots, the default policy
/// (keys added after it go into [long_term]). Small enough to count every copy by hand.
pub const SMALL_VAULT: &str = r#"
name = "vault"
start = "2026-01-05T00:00:00Z"
horizon_days = 100
runs = 2
[server]
provisioned_storage_gb = 250
db_size_gb = 100
[workload]
binlog_gb_per_day = 25
[backup]
snapshot_failure_pct = 0
extra_snapshot_binlog_gb = 0
[long_term]
enabled = true
"#;
