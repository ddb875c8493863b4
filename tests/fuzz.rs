//! The fuzz harness: generated scenario files, argument lists and damaged shard folders, driven
//! through `validate`, a short `run`, `restore`, `sweep` and `merge` in process (the command
//! line with buffers for its streams), each checked against the contract:
//!
//! - the exit code is 0, 1 or 2, and nothing panics;
//! - an exit 2 says where the problem is: a scenario key or a line:column for a scenario file,
//!   the flag, or the folder being merged;
//! - a scenario that validates also runs (exit 0), and what it writes holds no non-finite
//!   figure, no spreadsheet formula and no raw HTML;
//! - every case ends within a time bound, and the process stays within a memory bound.
//!
//! `cargo test --test fuzz` runs a few thousand cases from a fixed seed (FUZZ_SEED=N picks
//! another); `cargo test --release --test fuzz -- --ignored` runs the long mode, over 100,000.

mod common;

use std::fs;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use backsim::scenario::keys::{self, Kind};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestRng, TestRunner};
use tempfile::TempDir;

use common::outside_code;

// ---- Driving the command line ---------------------------------------------------------------

/// How many cases ended with each exit code, per property: printed at the end (visible with
/// --nocapture), so that a change in the generators that stops reaching the simulation shows.
#[derive(Default)]
struct Tally {
    cases: std::sync::atomic::AtomicU64,
    exits: [std::sync::atomic::AtomicU64; 3],
}

impl Tally {
    fn count(&self, code: i32) {
        use std::sync::atomic::Ordering::Relaxed;
        self.cases.fetch_add(1, Relaxed);
        if let Some(slot) = usize::try_from(code).ok().and_then(|c| self.exits.get(c)) {
            slot.fetch_add(1, Relaxed);
        }
    }

    fn report(&self, what: &str) {
        use std::sync::atomic::Ordering::Relaxed;
        eprintln!(
            "{what}: {} commands, exit 0: {}, exit 1: {}, exit 2: {}",
            self.cases.load(Relaxed),
            self.exits[0].load(Relaxed),
            self.exits[1].load(Relaxed),
            self.exits[2].load(Relaxed)
        );
    }
}

struct Outcome {
    code: i32,
    stdout: String,
    stderr: String,
}

/// The most a single case may take (debug build, a busy machine).
const CASE_SECONDS: u64 = 90;
/// The most memory the test process may hold (resident).
const MEMORY_BYTES: u64 = 3 << 30;

fn resident_bytes() -> Option<u64> {
    let status = fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// Run one command line in process; a panic, a time overrun or a memory overrun fails the case.
fn drive(args: &[String], tally: &Tally) -> Result<Outcome, TestCaseError> {
    let mut out = Vec::new();
    let mut err = Vec::new();
    let started = Instant::now();
    let argv = std::iter::once("backsim".to_string()).chain(args.iter().cloned());
    let code = catch_unwind(AssertUnwindSafe(|| {
        backsim::cli::run(argv, &mut out, &mut err)
    }))
    .map_err(|_| TestCaseError::fail(format!("panicked: {args:?}")))?;
    tally.count(code);
    let took = started.elapsed();
    prop_assert!(
        took < Duration::from_secs(CASE_SECONDS),
        "took {took:?}: {args:?}"
    );
    if let Some(bytes) = resident_bytes() {
        prop_assert!(
            bytes < MEMORY_BYTES,
            "{bytes} bytes resident after {args:?}"
        );
    }
    let outcome = Outcome {
        code,
        stdout: String::from_utf8_lossy(&out).into_owned(),
        stderr: String::from_utf8_lossy(&err).into_owned(),
    };
    prop_assert!(
        matches!(code, 0..=2),
        "exit {code} for {args:?}: {}",
        outcome.stderr
    );
    if code == 2 {
        prop_assert!(
            names_a_culprit(&outcome.stderr, args),
            "an exit 2 must say what is wrong and where: {args:?}: {}",
            outcome.stderr
        );
    }
    Ok(outcome)
}

/// "file.toml:3:7", as error messages locate a position.
fn has_position(text: &str) -> bool {
    text.match_indices(".toml:").any(|(i, m)| {
        let rest = &text[i + m.len()..];
        let line = rest.chars().take_while(char::is_ascii_digit).count();
        line > 0
            && rest[line..].starts_with(':')
            && rest[line + 1..].starts_with(|c: char| c.is_ascii_digit())
    })
}

fn names_a_key(text: &str) -> bool {
    text.contains("key `")
}

/// An exit 2 names a scenario key, a position, a flag, a file or folder given on the command
/// line, or the folder being merged.
fn names_a_culprit(stderr: &str, args: &[String]) -> bool {
    let names_an_argument = args
        .iter()
        .any(|a| !a.is_empty() && stderr.contains(&format!("error: {a}:")));
    names_an_argument
        || names_a_key(stderr)
        || has_position(stderr)
        || stderr.contains("--")
        || stderr.contains("error: merge")
        || stderr.contains("error: sweep")
        || stderr.contains("error: init")
        || stderr.contains("error: /")
}

// ---- What written output must not hold -------------------------------------------------------

/// No word of `text` is NaN or an infinity, as Rust prints them.
fn assert_clean_text(what: &str, text: &str) -> Result<(), TestCaseError> {
    let bad = text
        .split(|c: char| !c.is_alphanumeric())
        .find(|word| matches!(word.to_lowercase().as_str(), "nan" | "inf" | "infinity"));
    prop_assert!(bad.is_none(), "{what} shows {bad:?}");
    Ok(())
}

fn assert_output_folder(dir: &Path) -> Result<(), TestCaseError> {
    let names: Vec<String> = fs::read_dir(dir)
        .map_err(|e| TestCaseError::fail(format!("{}: {e}", dir.display())))?
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    prop_assert!(
        names
            .iter()
            .any(|n| n == "summary.json" || n == "sweep.json"),
        "no marker in {names:?}"
    );
    for name in &names {
        prop_assert!(!name.starts_with('.'), "left {name} behind");
        let path = dir.join(name);
        if name.ends_with(".csv") {
            let text = fs::read_to_string(&path).unwrap();
            let mut reader = csv::ReaderBuilder::new()
                .has_headers(false)
                .from_reader(text.as_bytes());
            for record in reader.records() {
                let record = record.map_err(|e| TestCaseError::fail(format!("{name}: {e}")))?;
                for cell in record.iter() {
                    let risky = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
                    prop_assert!(
                        !risky || cell.parse::<f64>().is_ok(),
                        "{name}: {cell:?} would run in a spreadsheet"
                    );
                    prop_assert!(
                        !matches!(cell.to_lowercase().as_str(), "nan" | "inf" | "-inf"),
                        "{name}: {cell}"
                    );
                }
            }
        } else if name == "report.md" {
            let text = outside_code(&fs::read_to_string(&path).unwrap());
            prop_assert!(!text.contains('<'), "report.md holds raw HTML");
            assert_clean_text(name, &text)?;
        }
    }
    Ok(())
}

// ---- Generators: values for each kind of key --------------------------------------------------

fn toml_string(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

fn float_literal(v: f64) -> String {
    if v.is_nan() {
        "nan".into()
    } else if v.is_infinite() {
        if v > 0.0 { "inf" } else { "-inf" }.into()
    } else {
        format!("{v:?}")
    }
}

/// Text a user might type, including what breaks things downstream.
fn nasty_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9 ._-]{0,24}",
        "[ -~]{0,40}",
        "\\PC{0,16}",
        prop::sample::select(vec![
            "",
            " ",
            "<script>alert(1)</script>",
            "=1+1",
            "@SUM(A1)",
            "-cmd",
            "+x",
            "a|b",
            "\u{0}",
            "x\ny",
            "../../x",
            "/abs",
            "CON",
            "..",
            "€",
            "[x](javascript:y)",
        ])
        .prop_map(String::from),
        (1usize..400).prop_map(|n| "n".repeat(n)),
    ]
}

fn any_value() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<i64>().prop_map(|v| v.to_string()),
        any::<f64>().prop_map(float_literal),
        any::<bool>().prop_map(|b| b.to_string()),
        nasty_text().prop_map(|s| toml_string(&s)),
        Just("[]".to_string()),
        Just("{}".to_string()),
        Just("99999999999999999999".to_string()),
        Just("9223372036854775808".to_string()),
        Just("2026-01-05T00:00:00Z".to_string()),
        Just("[1, \"a\", [2]]".to_string()),
    ]
}

fn number_value(min: f64, max: f64) -> impl Strategy<Value = String> {
    let span = max - min;
    prop_oneof![
        4 => (0.0..=1.0f64).prop_map(move |u| float_literal(min + u * span)),
        2 => prop::sample::select(vec![min, max, 0.0, min - 1e-9 - min.abs() * 1e-6, max * 2.0 + 1.0, -1.0, 5e-324, 1e308, f64::NAN, f64::INFINITY])
            .prop_map(float_literal),
        1 => (min.ceil() as i64..=max.floor().min(1e15) as i64).prop_map(|v| v.to_string()),
        1 => any_value(),
    ]
}

fn integer_value(min: i64, max: i64) -> impl Strategy<Value = String> {
    prop_oneof![
        4 => (min..=max).prop_map(|v| v.to_string()),
        2 => prop::sample::select(vec![
            min.saturating_sub(1), max.saturating_add(1), i64::MIN, i64::MAX, 0, -1,
        ])
        .prop_map(|v| v.to_string()),
        1 => any_value(),
    ]
}

fn duration_text() -> impl Strategy<Value = String> {
    prop_oneof![
        (
            0u64..200_000,
            prop::sample::select(vec!["s", "m", "h", "d", "ms", "", "w", "y"])
        )
            .prop_map(|(n, u)| toml_string(&format!("{n}{u}"))),
        prop::sample::select(vec![
            "\"5m\"",
            "\"0s\"",
            "\"-5m\"",
            "\"1.5s\"",
            "\"\"",
            "\"abc\"",
            "\"100000d\"",
            "\"1h 30m\"",
            "30",
            "0",
            "-1",
            "2.5",
            "1e300"
        ])
        .prop_map(String::from),
        any_value(),
    ]
}

fn moment_text() -> impl Strategy<Value = String> {
    prop_oneof![
        (0u64..2_000, prop::sample::select(vec!["s", "m", "h", "d"]))
            .prop_map(|(n, u)| toml_string(&format!("{n}{u}"))),
        (0i32..10_000, 1u32..=12, 1u32..=28, 0u32..24)
            .prop_map(|(y, m, d, h)| toml_string(&format!("{y:04}-{m:02}-{d:02}T{h:02}:00:00Z"))),
        Just("2026-01-06T12:00:00+05:30".to_string()),
        any_value(),
    ]
}

fn list_of(
    len: std::ops::Range<usize>,
    item: impl Strategy<Value = String>,
) -> impl Strategy<Value = String> {
    prop::collection::vec(item, len).prop_map(|v| format!("[{}]", v.join(", ")))
}

/// A value for `key`, mostly of its kind and often at or past its limits.
fn value_for(key: &'static keys::Key) -> BoxedStrategy<String> {
    match key.kind {
        Kind::Number { min, max, .. } => number_value(min, max).boxed(),
        Kind::Integer { min, max, .. } => integer_value(min, max).boxed(),
        Kind::Duration { .. } => duration_text().boxed(),
        Kind::Choice { allowed, .. } => prop_oneof![
            4 => prop::sample::select(allowed.to_vec()).prop_map(toml_string),
            1 => nasty_text().prop_map(|s| toml_string(&s)),
            1 => any_value(),
        ]
        .boxed(),
        Kind::Text { .. } => match key.path {
            "server.region" | "restore.geo_restore_region" => prop_oneof![
                4 => prop::sample::select(vec!["eastus", "westus", "westeurope", "northeurope", "brazilsouth", "westus3", "East US", "uksouth", "japaneast"]).prop_map(toml_string),
                1 => nasty_text().prop_map(|s| toml_string(&s)),
            ]
            .boxed(),
            _ => prop_oneof![
                3 => "[a-z][a-z0-9-]{0,12}".prop_map(|s| toml_string(&s)),
                2 => nasty_text().prop_map(|s| toml_string(&s)),
                1 => any_value(),
            ]
            .boxed(),
        },
        Kind::Other { .. } => match key.path {
            "seed" => prop_oneof![
                any::<u64>().prop_map(|v| v.to_string()),
                Just("18446744073709551616".to_string()),
                any_value(),
            ]
            .boxed(),
            "start" => moment_text().boxed(),
            "warmup_days" => prop_oneof![duration_text(), number_value(0.0, 400.0)].boxed(),
            "workload.diurnal" => prop_oneof![
                3 => list_of(24..25, number_value(0.0, 1000.0)),
                1 => list_of(0..30, number_value(-1.0, 2000.0)),
            ]
            .boxed(),
            "workload.weekly" => prop_oneof![
                3 => list_of(7..8, number_value(0.0, 1000.0)),
                1 => list_of(0..10, number_value(-1.0, 2000.0)),
            ]
            .boxed(),
            "backup.on_demand" | "long_term.exports" => list_of(0..60, moment_text()).boxed(),
            "long_term.enabled" => prop_oneof![Just("true".to_string()), Just("false".to_string()), any_value()].boxed(),
            _ => any_value().boxed(),
        },
    }
}

/// One `key = value` line of some table; now and then a key that does not exist.
fn entry() -> impl Strategy<Value = (String, String, String)> {
    prop_oneof![
        12 => prop::sample::select(keys::ALL.iter().collect::<Vec<_>>()).prop_flat_map(|key| {
            value_for(key).prop_map(move |v| (key.table().to_string(), key.name().to_string(), v))
        }),
        1 => ("[a-z_]{1,12}", "[a-z_]{1,12}", any_value()).prop_map(|(t, k, v)| {
            (if t.len() % 3 == 0 { String::new() } else { t }, k, v)
        }),
    ]
}

fn event() -> impl Strategy<Value = String> {
    (
        moment_text(),
        prop_oneof![
            4 => prop::sample::select(vec!["stop", "start", "delete", "region-outage", "enable-geo", "set-retention"]).prop_map(toml_string),
            1 => nasty_text().prop_map(|s| toml_string(&s)),
        ],
        prop::option::of(number_value(0.0, 9000.0)),
        prop::option::of(-2i64..=40),
    )
        .prop_map(|(at, action, hours, retention)| {
            let mut text = format!("[[events]]\nat = {at}\naction = {action}\n");
            if let Some(h) = hours {
                text.push_str(&format!("hours = {h}\n"));
            }
            if let Some(days) = retention {
                text.push_str(&format!("retention_days = {days}\n"));
            }
            text
        })
}

fn sweep_table() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop::sample::select(keys::ALL.iter().collect::<Vec<_>>())
            .prop_flat_map(|key| (Just(key.path), prop::collection::vec(value_for(key), 0..4))),
        1..3,
    )
    .prop_map(|entries| {
        let mut text = String::from("[sweep]\n");
        for (key, values) in entries {
            text.push_str(&format!("\"{key}\" = [{}]\n", values.join(", ")));
        }
        text
    })
}

/// A scenario file as TOML text: top-level keys, then each table, events and a sweep table.
fn render(
    comment: &str,
    name: Option<String>,
    entries: &[(String, String, String)],
    events: &[String],
    sweep: Option<String>,
) -> String {
    let mut text = String::new();
    for line in comment.lines() {
        text.push_str(&format!("# {line}\n"));
    }
    if let Some(name) = name {
        text.push_str(&format!("name = {name}\n"));
    }
    let mut tables: Vec<&str> = Vec::new();
    for (table, _, _) in entries {
        if !tables.contains(&table.as_str()) {
            tables.push(table);
        }
    }
    tables.sort_by_key(|t| !t.is_empty());
    for table in tables {
        if !table.is_empty() {
            text.push_str(&format!("\n[{table}]\n"));
        }
        for (_, key, value) in entries.iter().filter(|(t, _, _)| t == table) {
            text.push_str(&format!("{key} = {value}\n"));
        }
    }
    for e in events {
        text.push('\n');
        text.push_str(e);
    }
    if let Some(s) = sweep {
        text.push('\n');
        text.push_str(&s);
    }
    text
}

/// Damage to the bytes of a file: a byte changed or inserted, a cut, a line repeated, nesting
/// far too deep.
fn damage() -> impl Strategy<Value = Option<(u8, usize, u8)>> {
    prop::option::weighted(0.25, (0u8..6, any::<usize>(), any::<u8>()))
}

fn apply(mut bytes: Vec<u8>, damage: Option<(u8, usize, u8)>) -> Vec<u8> {
    let Some((how, at, byte)) = damage else {
        return bytes;
    };
    let at = if bytes.is_empty() {
        0
    } else {
        at % bytes.len()
    };
    match how {
        0 if !bytes.is_empty() => bytes[at] = byte,
        1 => bytes.insert(at, byte),
        2 => bytes.truncate(at),
        3 => {
            let line: Vec<u8> = bytes[at..]
                .iter()
                .take_while(|&&b| b != b'\n')
                .copied()
                .collect();
            bytes.extend_from_slice(b"\n");
            bytes.extend_from_slice(&line);
        }
        4 => {
            let depth = 40 + byte as usize;
            bytes.extend_from_slice(
                format!("\n[{}]\nz = 1\n", vec!["t"; depth].join(".")).as_bytes(),
            );
        }
        _ => {
            let depth = 40 + byte as usize;
            bytes.extend_from_slice(
                format!("\nw = {}1{}\n", "[".repeat(depth), "]".repeat(depth)).as_bytes(),
            );
        }
    }
    bytes
}

fn name_value() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        8 => "[a-z][a-z0-9-]{0,10}".prop_map(|s| Some(toml_string(&s))),
        2 => nasty_text().prop_map(|s| Some(toml_string(&s))),
        1 => any_value().prop_map(Some),
        1 => Just(None),
    ]
}

/// Any scenario file: mostly well-formed, keys of every kind at and past their limits.
fn any_scenario() -> impl Strategy<Value = Vec<u8>> {
    (
        nasty_text(),
        name_value(),
        prop::collection::vec(entry(), 0..14),
        prop::collection::vec(event(), 0..4),
        prop::option::weighted(0.2, sweep_table()),
        damage(),
    )
        .prop_map(|(comment, name, entries, events, sweep, d)| {
            apply(
                render(&comment, name, &entries, &events, sweep).into_bytes(),
                d,
            )
        })
}

/// A scenario meant to run: a short horizon and one or two runs, the other keys in range
/// (often at their limits), a few scripted events inside the horizon.
fn runnable_scenario() -> impl Strategy<Value = String> {
    let in_range = prop::sample::select(
        keys::ALL
            .iter()
            .filter(|k| !matches!(k.path, "name" | "horizon_days" | "runs" | "start" | "warmup_days"))
            .collect::<Vec<_>>(),
    )
    .prop_flat_map(|key| {
        let value: BoxedStrategy<String> = match key.kind {
            Kind::Number { min, max, .. } => prop_oneof![
                3 => (0.0..=1.0f64).prop_map(move |u| float_literal(min + u * (max - min))),
                1 => prop::sample::select(vec![min, max]).prop_map(float_literal),
            ]
            .boxed(),
            Kind::Integer { min, max, .. } => prop_oneof![
                3 => (min..=max).prop_map(|v| v.to_string()),
                1 => prop::sample::select(vec![min, max]).prop_map(|v| v.to_string()),
            ]
            .boxed(),
            Kind::Duration { min, max, .. } => prop_oneof![
                3 => (min..=max).prop_map(|v| toml_string(&format!("{v}s"))),
                1 => prop::sample::select(vec![min, max]).prop_map(|v| toml_string(&format!("{v}s"))),
            ]
            .boxed(),
            Kind::Choice { allowed, .. } => prop::sample::select(allowed.to_vec()).prop_map(toml_string).boxed(),
            Kind::Text { .. } if key.path == "cost.currency" => nasty_text()
                .prop_filter("a currency is short", |c| !c.trim().is_empty() && c.len() <= 32 && !c.chars().any(char::is_control))
                .prop_map(|c| toml_string(&c))
                .boxed(),
            _ => value_for(key),
        };
        value.prop_map(move |v| (key.table().to_string(), key.name().to_string(), v))
    });
    // Sequences the server can follow (a random one is mostly refused, which tests less).
    let scripts = prop::sample::select(vec![
        vec![],
        vec!["stop"],
        vec!["stop", "start"],
        vec!["delete"],
        vec!["region-outage"],
        vec!["enable-geo"],
        vec!["region-outage", "stop", "start", "delete"],
        vec!["stop", "start", "region-outage"],
        vec!["set-retention", "stop", "set-retention", "start"],
    ]);
    (
        nasty_text(),
        5u32..=300,
        1u32..=2,
        any::<u64>(),
        prop::collection::vec(in_range, 0..10),
        scripts,
        prop::collection::vec(0.0..1.0f64, 4),
        0.0..=8760.0f64,
    )
        .prop_map(
            |(comment, hundredths, runs, seed, entries, script, when, hours)| {
                let horizon_days = hundredths as f64 / 100.0;
                let mut text = render(&comment, Some("\"fuzz\"".into()), &entries, &[], None);
                text =
                    format!("horizon_days = {horizon_days}\nruns = {runs}\nseed = {seed}\n{text}");
                // In time order, inside the horizon.
                let mut at: Vec<u32> = when
                    .iter()
                    .map(|u| (u * horizon_days * 1440.0) as u32)
                    .collect();
                at.sort_unstable();
                for (minutes, action) in at.into_iter().zip(script) {
                    text.push_str(&format!(
                        "\n[[events]]\nat = \"{minutes}m\"\naction = \"{action}\"\n"
                    ));
                    if action == "region-outage" {
                        text.push_str(&format!("hours = {}\n", float_literal(hours)));
                    }
                    if action == "set-retention" {
                        // 1 to 35 from the outage's random hours: a shortening or a lengthening.
                        text.push_str(&format!("retention_days = {}\n", 1 + hours as u32 % 35));
                    }
                }
                text
            },
        )
}

// ---- Argument lists ---------------------------------------------------------------------------

fn flag_value() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "0",
            "1",
            "2",
            "3",
            "-1",
            "x",
            "",
            "1000001",
            "4294967296",
            "18446744073709551615",
            "18446744073709551616",
            "1e3",
            "0.5",
            "nan",
            "latest",
            "fastest",
            "12d",
            "1/2",
            "2/1",
            "0/0",
            "3/2",
            "1/18446744073709551615",
            "2026-01-05T01:00:00Z",
            "9999-12-31T23:59:59Z",
        ])
        .prop_map(String::from),
        nasty_text(),
    ]
}

/// `--set KEY=VALUE` with a key of the scenario (the horizon and the run count excepted, so
/// that a case stays short) or a made-up one.
fn set_arg() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => prop::sample::select(
            keys::ALL
                .iter()
                .filter(|k| !matches!(k.path, "horizon_days" | "runs"))
                .collect::<Vec<_>>(),
        )
        .prop_flat_map(|key| value_for(key).prop_map(move |v| format!("{}={v}", key.path))),
        1 => (nasty_text(), nasty_text()).prop_map(|(k, v)| format!("{k}={v}")),
        1 => nasty_text(),
    ]
}

fn vary_arg() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(
            keys::ALL
                .iter()
                .filter(|k| !matches!(k.path, "horizon_days" | "runs"))
                .collect::<Vec<_>>(),
        )
        .prop_flat_map(|key| {
            prop::collection::vec(value_for(key), 0..4)
                .prop_map(move |vs| format!("{}={}", key.path, vs.join(",")))
        }),
        1 => nasty_text(),
    ]
}

fn arguments() -> impl Strategy<Value = Vec<String>> {
    let option = prop_oneof![
        3 => set_arg().prop_map(|v| vec!["--set".to_string(), v]),
        1 => vary_arg().prop_map(|v| vec!["--vary".to_string(), v]),
        1 => prop_oneof![
            Just("--runs"), Just("--seed"), Just("--threads"), Just("--at"), Just("--request-at"),
            Just("--replication"), Just("--shard"), Just("--target-ci"), Just("--max-runs"),
            Just("--vs"), Just("--metrics"),
        ]
        .prop_flat_map(|flag| flag_value().prop_map(move |v| vec![flag.to_string(), v])),
        1 => prop::sample::select(vec!["--json", "--no-charts", "--geo", "--help", "--version", "-x", "--", "-q", "-v", "-"])
            .prop_map(|f| vec![f.to_string()]),
        1 => nasty_text().prop_map(|t| vec![t]),
    ];
    (
        prop::sample::select(vec![
            "validate",
            "run",
            "sweep",
            "restore",
            "merge",
            "compare",
            "fleet",
            "import",
            "calibrate",
            "init",
            "completions",
            "man",
            "frobnicate",
        ]),
        prop::collection::vec(option, 0..6),
    )
        .prop_map(|(command, options)| {
            let mut args = vec![command.to_string()];
            args.extend(options.into_iter().flatten());
            args
        })
}

// ---- The properties ---------------------------------------------------------------------------

/// How many cases each property runs: a few thousand in all by default, about forty times as
/// many in the long mode.
fn cases(normal: u32, long: bool) -> u32 {
    let n = if long { normal * 40 } else { normal };
    std::env::var("FUZZ_SCALE")
        .ok()
        .and_then(|s| s.parse::<f64>().ok())
        .map_or(n, |scale| ((n as f64 * scale).ceil() as u32).max(1))
}

fn runner(cases: u32, salt: u8) -> TestRunner {
    let seed: u64 = std::env::var("FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(14);
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&seed.to_le_bytes());
    bytes[8] = salt;
    let config = Config {
        cases,
        failure_persistence: None,
        max_shrink_iters: 200,
        ..Config::default()
    };
    TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &bytes))
}

fn strings(args: &[&str]) -> Vec<String> {
    args.iter().map(|a| a.to_string()).collect()
}

fn path_arg(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

/// Any scenario file through `validate`: exit 0 or 2, an exit 2 located by key or position.
fn validate_any(n: u32) {
    let tmp = TempDir::new().unwrap();
    let path = tmp.path().join("s.toml");
    let tally = Tally::default();
    runner(n, 1)
        .run(&any_scenario(), |bytes| {
            fs::write(&path, &bytes).unwrap();
            let o = drive(&strings(&["validate", &path_arg(&path)]), &tally)?;
            prop_assert!(o.code != 1, "validate failed: {}", o.stderr);
            if o.code == 2 {
                prop_assert!(
                    names_a_key(&o.stderr) || has_position(&o.stderr),
                    "{}\n{}",
                    o.stderr,
                    String::from_utf8_lossy(&bytes)
                );
            }
            Ok(())
        })
        .unwrap();
    tally.report("validate, any scenario");
}

/// A scenario that validates also runs, restores and writes clean files.
fn run_short(n: u32) {
    let tmp = TempDir::new().unwrap();
    let path = tmp.path().join("s.toml");
    let out = tmp.path().join("out");
    let (validated, ran, restored) = (Tally::default(), Tally::default(), Tally::default());
    runner(n, 2)
        .run(&(runnable_scenario(), any::<u8>()), |(text, pick)| {
            fs::write(&path, &text).unwrap();
            let checked = drive(&strings(&["validate", &path_arg(&path)]), &validated)?;
            if checked.code != 0 {
                return Ok(());
            }
            let mut args = strings(&["run", &path_arg(&path), "--threads", "1", "--out"]);
            args.push(path_arg(&out));
            if pick % 16 != 0 {
                args.push("--no-charts".into());
            }
            if pick % 3 == 0 {
                args.push("--json".into());
            }
            let o = drive(&args, &ran)?;
            prop_assert_eq!(
                o.code,
                0,
                "a valid scenario must run: {}\n{}",
                o.stderr,
                text
            );
            assert_clean_text("the summary", &o.stdout)?;
            assert_output_folder(&out)?;
            let at = ["latest", "fastest", "1h", "2026-01-05T03:00:00Z"][pick as usize % 4];
            let r = drive(
                &strings(&["restore", &path_arg(&path), "--at", at]),
                &restored,
            )?;
            prop_assert!(r.code == 0 || r.code == 2, "{}", r.stderr);
            if r.code == 0 {
                assert_clean_text("the restore", &r.stdout)?;
            }
            Ok(())
        })
        .unwrap();
    validated.report("validate, runnable scenario");
    ran.report("run");
    restored.report("restore");
}

/// Any argument list against a small scenario: the exit code and the message follow the
/// contract whatever the flags.
fn arguments_any(n: u32) {
    let tmp = TempDir::new().unwrap();
    let path = tmp.path().join("s.toml");
    fs::write(&path, "name = \"args\"\nhorizon_days = 0.2\nruns = 2\n").unwrap();
    let out = tmp.path().join("out");
    let tally = Tally::default();
    runner(n, 3)
        .run(&arguments(), |mut args| {
            if args.len() > 1 && args[0] != "init" {
                args.insert(1, path_arg(&path));
            }
            if args[0] == "init" {
                args.push(path_arg(&tmp.path().join("init.toml")));
            }
            // Output goes to the temporary folder, never into the working tree.
            if matches!(
                args[0].as_str(),
                "run" | "sweep" | "merge" | "compare" | "fleet"
            ) {
                args.push("--out".into());
                args.push(path_arg(&out));
            }
            let _ = fs::remove_file(tmp.path().join("init.toml"));
            drive(&args, &tally)?;
            Ok(())
        })
        .unwrap();
    tally.report("argument lists");
}

/// One thing done to a copy of a shard folder.
#[derive(Debug, Clone)]
enum Harm {
    /// A JSON field replaced by another value (or removed).
    Field(String, Option<serde_json::Value>),
    /// A cell of sweep.csv replaced.
    Cell(usize, usize, String),
    /// A line of sweep.csv removed or repeated.
    Line(usize, bool),
    /// A file's bytes damaged.
    Bytes(bool, Option<(u8, usize, u8)>),
    /// A file replaced by a link (to /dev/zero or the other shard's file), or removed.
    Replace(bool, u8),
}

fn json_value() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::json;
    prop_oneof![
        any::<i64>().prop_map(|v| json!(v)),
        any::<u64>().prop_map(|v| json!(v)),
        prop::sample::select(vec![0u64, 1, 2, 3, 4, 100_000, 100_001, 1_000_000_000_000]).prop_map(|v| json!(v)),
        any::<f64>().prop_map(|v| json!(v)),
        nasty_text().prop_map(|s| json!(s)),
        Just(json!(null)),
        Just(json!([])),
        Just(json!({})),
        Just(json!({"keys": [], "values": []})),
        Just(json!({"keys": ["a"], "values": [[]]})),
        Just(json!({"index": 0, "count": 0})),
        Just(json!({"index": 3, "count": 2})),
        Just(json!({"file": "cases.csv", "rows": [[0, 0], [2, 1], [1, 0]]})),
        Just(json!({"file": "cases.csv", "rows": [[0, 9]]})),
        Just(json!({"file": "cases.csv", "rows": [[0]]})),
        prop::collection::vec(0usize..10, 0..6).prop_map(|v| json!(v)),
        (1usize..20).prop_map(|n| json!({"keys": (0..n).map(|i| format!("k{i}")).collect::<Vec<_>>(), "values": [["1", "2"]]})),
    ]
}

fn harm() -> impl Strategy<Value = Harm> {
    prop_oneof![
        4 => (
            prop::sample::select(vec!["scenario", "seed", "runs", "currency", "grid", "points", "shard", "rows", "grid.keys", "grid.values", "grid.cases", "shard.index", "shard.count", "provenance", "extra"]),
            prop::option::weighted(0.9, json_value()),
        )
            .prop_map(|(f, v)| Harm::Field(f.to_string(), v)),
        3 => (0usize..6, 0usize..60, prop_oneof![flag_value(), any::<f64>().prop_map(|v| v.to_string())])
            .prop_map(|(r, c, v)| Harm::Cell(r, c, v)),
        1 => (0usize..6, any::<bool>()).prop_map(|(l, twice)| Harm::Line(l, twice)),
        1 => (any::<bool>(), damage()).prop_map(|(json, d)| Harm::Bytes(json, d)),
        1 => (any::<bool>(), 0u8..3).prop_map(|(json, how)| Harm::Replace(json, how)),
    ]
}

fn set_field(doc: &mut serde_json::Value, field: &str, value: Option<serde_json::Value>) {
    let (parent, leaf) = match field.split_once('.') {
        Some((p, l)) => (doc.get_mut(p), l),
        None => (Some(doc), field),
    };
    if let Some(serde_json::Value::Object(map)) = parent {
        match value {
            Some(v) => {
                map.insert(leaf.to_string(), v);
            }
            None => {
                map.remove(leaf);
            }
        }
    }
}

/// A file's bytes if it is still a regular file (an earlier harm may have made it a link to
/// /dev/zero, which the harness must not read either).
fn read_plain(path: &Path) -> Option<Vec<u8>> {
    fs::symlink_metadata(path)
        .ok()
        .filter(|m| m.is_file())
        .and_then(|_| fs::read(path).ok())
}

fn do_harm(dir: &Path, other: &Path, harm: &Harm) {
    let (json, csv) = (dir.join("sweep.json"), dir.join("sweep.csv"));
    let text =
        |path: &Path| String::from_utf8_lossy(&read_plain(path).unwrap_or_default()).into_owned();
    match harm {
        Harm::Field(field, value) => {
            if let Ok(mut doc) =
                serde_json::from_slice::<serde_json::Value>(&read_plain(&json).unwrap_or_default())
            {
                set_field(&mut doc, field, value.clone());
                fs::write(&json, serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
            }
        }
        Harm::Cell(row, col, value) => {
            let text = text(&csv);
            let mut lines: Vec<String> = text.lines().map(String::from).collect();
            if !lines.is_empty() {
                let r = row % lines.len();
                let mut cells: Vec<String> = lines[r].split(',').map(String::from).collect();
                let c = col % cells.len();
                cells[c] = value.replace([',', '\n', '"'], "");
                lines[r] = cells.join(",");
                fs::write(&csv, lines.join("\n") + "\n").unwrap();
            }
        }
        Harm::Line(line, twice) => {
            let text = text(&csv);
            let mut lines: Vec<String> = text.lines().map(String::from).collect();
            if !lines.is_empty() {
                let l = line % lines.len();
                if *twice {
                    let copy = lines[l].clone();
                    lines.insert(l, copy);
                } else {
                    lines.remove(l);
                }
                fs::write(&csv, lines.join("\n") + "\n").unwrap();
            }
        }
        Harm::Bytes(on_json, d) => {
            let file = if *on_json { &json } else { &csv };
            if let Some(bytes) = read_plain(file) {
                fs::write(file, apply(bytes, *d)).unwrap();
            }
        }
        Harm::Replace(on_json, how) => {
            let name = if *on_json { "sweep.json" } else { "sweep.csv" };
            let file = dir.join(name);
            let _ = fs::remove_file(&file);
            match how {
                0 => std::os::unix::fs::symlink("/dev/zero", &file).unwrap(),
                1 => std::os::unix::fs::symlink(other.join(name), &file).unwrap(),
                _ => {}
            }
        }
    }
}

fn copy_folder(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}

/// Two real shards of a small sweep, damaged at random, through `merge`: refused with exit 2
/// naming the folder, or, when the damage left a consistent sweep, merged into a folder that
/// merges again to the same bytes.
fn merge_damaged(n: u32) {
    let tmp = TempDir::new().unwrap();
    let grid = tmp.path().join("grid.toml");
    // A swept text that reads as a formula ("=1+1"), for sweep.csv's cells to keep safe: the
    // name, a text any sweep may vary (the currency cannot be swept).
    fs::write(
        &grid,
        "name = \"grid\"\nhorizon_days = 0.5\nruns = 2\n[sweep]\n\"backup.retention_days\" = [1, 2, 3]\n\"name\" = [\"grid\", \"=1+1\"]\n",
    )
    .unwrap();
    let shards: Vec<PathBuf> = (1..=2)
        .map(|i| {
            let out = tmp.path().join(format!("shard-{i}"));
            let o = drive(
                &[
                    "sweep".into(),
                    path_arg(&grid),
                    "--shard".into(),
                    format!("{i}/2"),
                    "--threads".into(),
                    "1".into(),
                    "--out".into(),
                    path_arg(&out),
                ],
                &Tally::default(),
            )
            .unwrap();
            assert_eq!(o.code, 0, "{}", o.stderr);
            out
        })
        .collect();
    let case_dir = tmp.path().join("case");
    let tally = Tally::default();
    runner(n, 4)
        .run(
            &(
                prop::collection::vec((any::<bool>(), harm()), 1..4),
                any::<bool>(),
            ),
            |(harms, charts)| {
                let _ = fs::remove_dir_all(&case_dir);
                let (a, b) = (case_dir.join("a"), case_dir.join("b"));
                copy_folder(&shards[0], &a);
                copy_folder(&shards[1], &b);
                for (first, h) in &harms {
                    let (dir, other) = if *first { (&a, &b) } else { (&b, &a) };
                    do_harm(dir, other, h);
                }
                let merged = case_dir.join("merged");
                let mut args = vec![
                    "merge".to_string(),
                    path_arg(&a),
                    path_arg(&b),
                    "--out".into(),
                    path_arg(&merged),
                ];
                if !charts {
                    args.push("--no-charts".into());
                }
                let o = drive(&args, &tally)?;
                prop_assert!(o.code != 1, "merge failed: {}", o.stderr);
                if o.code == 2 {
                    prop_assert!(o.stderr.contains("merge"), "{}", o.stderr);
                    prop_assert!(
                        !merged.exists(),
                        "a refused merge wrote {}",
                        merged.display()
                    );
                } else {
                    assert_output_folder(&merged)?;
                    let again = case_dir.join("again");
                    let o2 = drive(
                        &[
                            "merge".into(),
                            path_arg(&merged),
                            "--no-charts".into(),
                            "--out".into(),
                            path_arg(&again),
                        ],
                        &Tally::default(),
                    )?;
                    prop_assert_eq!(o2.code, 0, "{}", o2.stderr);
                    prop_assert_eq!(
                        fs::read(merged.join("sweep.csv")).unwrap(),
                        fs::read(again.join("sweep.csv")).unwrap()
                    );
                }
                Ok(())
            },
        )
        .unwrap();
    tally.report("merge, damaged shards");
}

#[test]
fn fuzz_validate_any_scenario() {
    validate_any(cases(2_000, false));
}

#[test]
fn fuzz_run_short_scenarios() {
    run_short(cases(200, false));
}

#[test]
fn fuzz_arguments() {
    arguments_any(cases(600, false));
}

#[test]
fn fuzz_merge_damaged_shards() {
    merge_damaged(cases(250, false));
}

/// The long mode: 80,000 scenario files, 8,000 runnable scenarios (with their runs and
/// restores), 24,000 argument lists and 10,000 merges of damaged shards.
#[test]
#[ignore]
fn fuzz_long() {
    validate_any(cases(2_000, true));
    run_short(cases(200, true));
    arguments_any(cases(600, true));
    merge_damaged(cases(250, true));
}
