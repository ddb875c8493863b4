//! Golden outputs: every bundled scenario, two kitchen-sink scenarios with every feature on,
//! `restore` at several points, a comparison, a sweep and a small fleet, each compared file by
//! file (events.csv and timeseries.csv included) with the expected outputs committed under
//! `tests/golden/<case>/`.
//!
//! A refactor keeps them byte-identical. A deliberate change of results rewrites them in the same
//! commit, with the reason in its message:
//!
//!     BLESS=1 cargo test --test golden
//!
//! When sums are merely reordered, `GOLDEN_TOLERANCE=1e-9 cargo test --test golden` shows that
//! every number still agrees to that relative tolerance (or to one unit of its last printed
//! digit) while everything else is identical.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use tempfile::TempDir;

const OUT: &str = "{out}";

/// The version is recorded in every JSON output and report.md; a release must not rewrite every
/// golden file, so it is compared as a placeholder.
fn unversioned(text: &str) -> String {
    let v = env!("CARGO_PKG_VERSION");
    text.replace(
        &format!("\"backsim_version\": \"{v}\""),
        "\"backsim_version\": \"{version}\"",
    )
    .replace(&format!("- backsim {v}\n"), "- backsim {version}\n")
}

fn golden_dir(case: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(case)
}

/// 64-bit FNV-1a: enough to notice that a chart changed without committing the image.
fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ b as u64).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Run one case; returns its files by name: stdout, each text output, and a digest of the charts.
fn produce(args: &[&str]) -> BTreeMap<String, Vec<u8>> {
    let tmp = TempDir::new().unwrap();
    let out = tmp.path().join("out");
    let out_text = out.to_str().unwrap().to_string();
    let args: Vec<String> = args.iter().map(|a| a.replace(OUT, &out_text)).collect();
    let output = common::backsim()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(&args)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "backsim {} failed: {}",
        args.join(" "),
        String::from_utf8_lossy(&output.stderr)
    );
    let mut files = BTreeMap::new();
    let stdout = unversioned(
        &String::from_utf8(output.stdout)
            .unwrap()
            .replace(&out_text, OUT),
    );
    files.insert("stdout.txt".to_string(), stdout.into_bytes());
    if out.is_dir() {
        let mut charts = String::new();
        let mut names: Vec<_> = fs::read_dir(&out)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        for name in names {
            let bytes = fs::read(out.join(&name)).unwrap();
            if name.ends_with(".png") {
                charts.push_str(&format!("{name} {} {:016x}\n", bytes.len(), fnv(&bytes)));
            } else {
                // The output folder is a fresh temporary one: its path is echoed, not compared.
                let text = unversioned(&String::from_utf8(bytes).unwrap().replace(&out_text, OUT));
                files.insert(name, text.into_bytes());
            }
        }
        if !charts.is_empty() {
            files.insert("charts.txt".to_string(), charts.into_bytes());
        }
    }
    files
}

/// Splits a line into text and numbers, so that numbers can be compared with a tolerance.
fn tokens(line: &str) -> Vec<(bool, &str)> {
    let bytes = line.as_bytes();
    let mut out = Vec::new();
    let (mut i, mut text_start) = (0, 0);
    while i < bytes.len() {
        let starts_number = bytes[i].is_ascii_digit()
            || (bytes[i] == b'-' && bytes.get(i + 1).is_some_and(u8::is_ascii_digit));
        if !starts_number {
            i += 1;
            continue;
        }
        let start = i;
        i += 1;
        while i < bytes.len()
            && (bytes[i].is_ascii_digit()
                || bytes[i] == b'.'
                || ((bytes[i] == b'e' || bytes[i] == b'E')
                    && bytes
                        .get(i + 1)
                        .is_some_and(|c| c.is_ascii_digit() || *c == b'-')))
        {
            i += if bytes[i] == b'e' || bytes[i] == b'E' {
                2
            } else {
                1
            };
        }
        if text_start < start {
            out.push((false, &line[text_start..start]));
        }
        out.push((true, &line[start..i]));
        text_start = i;
    }
    if text_start < line.len() {
        out.push((false, &line[text_start..]));
    }
    out
}

/// Two numbers agree within `tol` relative, or within one unit of the last printed digit.
fn numbers_agree(a: &str, b: &str, tol: f64) -> bool {
    let (Ok(x), Ok(y)) = (a.parse::<f64>(), b.parse::<f64>()) else {
        return a == b;
    };
    let decimals = |s: &str| {
        let mantissa = s.split(['e', 'E']).next().unwrap_or(s);
        mantissa.split_once('.').map_or(0, |(_, d)| d.len()) as i32
    };
    let last_digit = 10f64.powi(-decimals(a).min(decimals(b)));
    let diff = (x - y).abs();
    diff <= tol * x.abs().max(y.abs()) || (!a.contains(['e', 'E']) && diff <= last_digit * 1.0001)
}

fn lines_agree(a: &str, b: &str, tol: Option<f64>) -> bool {
    match tol {
        _ if a == b => true,
        None => false,
        Some(tol) => {
            let (ta, tb) = (tokens(a), tokens(b));
            ta.len() == tb.len()
                && ta.iter().zip(&tb).all(|(&(na, x), &(nb, y))| {
                    na == nb && if na { numbers_agree(x, y, tol) } else { x == y }
                })
        }
    }
}

/// Compare with the committed files, or rewrite them under BLESS=1.
fn check(case: &str, args: &[&str]) {
    let produced = produce(args);
    let dir = golden_dir(case);
    if std::env::var_os("BLESS").is_some() {
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        for (name, bytes) in &produced {
            fs::write(dir.join(name), bytes).unwrap();
        }
        return;
    }
    let tol = std::env::var("GOLDEN_TOLERANCE")
        .ok()
        .map(|t| t.parse::<f64>().expect("GOLDEN_TOLERANCE is a number"));
    let mut expected = BTreeMap::new();
    for entry in fs::read_dir(&dir).unwrap_or_else(|_| {
        panic!("no golden files for {case}: run BLESS=1 cargo test --test golden")
    }) {
        let entry = entry.unwrap();
        let name = entry.file_name().into_string().unwrap();
        expected.insert(name, fs::read(entry.path()).unwrap());
    }
    let mut problems = Vec::new();
    for name in expected.keys().chain(produced.keys()) {
        let (Some(want), Some(got)) = (expected.get(name), produced.get(name)) else {
            problems.push(format!("{name}: present on one side only"));
            continue;
        };
        if want == got {
            continue;
        }
        let (want, got) = (String::from_utf8_lossy(want), String::from_utf8_lossy(got));
        let (wl, gl): (Vec<&str>, Vec<&str>) = (want.lines().collect(), got.lines().collect());
        let first = (0..wl.len().max(gl.len())).find(|&i| {
            !lines_agree(
                wl.get(i).copied().unwrap_or(""),
                gl.get(i).copied().unwrap_or(""),
                tol,
            )
        });
        if let Some(i) = first {
            problems.push(format!(
                "{name}: line {} differs\n    expected: {}\n    produced: {}",
                i + 1,
                wl.get(i).copied().unwrap_or("<end of file>"),
                gl.get(i).copied().unwrap_or("<end of file>")
            ));
        } else if tol.is_none() || wl.len() != gl.len() {
            problems.push(format!("{name}: differs (line endings or length)"));
        }
    }
    problems.dedup();
    assert!(
        problems.is_empty(),
        "golden case {case} differs from tests/golden/{case}/ (a deliberate change: BLESS=1 cargo test --test golden):\n{}",
        problems.join("\n")
    );
}

macro_rules! golden {
    ($($case:ident: [$($arg:expr),* $(,)?];)*) => {
        $(
            #[test]
            fn $case() {
                check(&stringify!($case).replace('_', "-"), &[$($arg),*]);
            }
        )*
    };
}

golden! {
    run_default: ["run", "scenarios/default.toml", "--runs", "4", "--out", OUT];
    run_heavy_write_57: ["run", "scenarios/heavy-write-57.toml", "--runs", "4", "--no-charts", "--out", OUT];
    run_long_retention: ["run", "scenarios/long-retention.toml", "--runs", "4", "--no-charts", "--out", OUT];
    run_small_near_allowance: ["run", "scenarios/small-near-allowance.toml", "--runs", "4", "--no-charts", "--out", OUT];
    run_region_outage: ["run", "scenarios/region-outage.toml", "--runs", "4", "--no-charts", "--out", OUT];
    run_kitchen_sink_geo: ["run", "tests/golden/kitchen-sink-geo.toml", "--no-charts", "--out", OUT];
    run_kitchen_sink_moves: ["run", "tests/golden/kitchen-sink-moves.toml", "--no-charts", "--out", OUT];
    restore_latest: ["restore", "scenarios/default.toml", "--at", "latest"];
    restore_fastest_afternoon: ["restore", "scenarios/default.toml", "--at", "fastest", "--request-at", "2026-03-12T17:42:00Z"];
    restore_custom_json: ["restore", "scenarios/default.toml", "--at", "80d", "--request-at", "85d3h", "--json"];
    restore_geo_during_outage: ["restore", "tests/golden/kitchen-sink-geo.toml", "--geo", "--at", "latest", "--request-at", "12d5h"];
    restore_deleted_server: ["restore", "tests/golden/kitchen-sink-moves.toml", "--at", "35d12h", "--request-at", "38d", "--replication", "2"];
    run_long_term: ["run", "tests/golden/long-term.toml", "--no-charts", "--out", OUT];
    restore_from_vault: ["restore", "tests/golden/long-term.toml", "--at", "20d", "--request-at", "99d"];
    compare_geo_and_retention: ["compare", "scenarios/default.toml", "--vs", "backup.redundancy=geo", "--vs", "backup.retention_days=14,workload.binlog_gb_per_day=60", "--runs", "4", "--no-charts", "--out", OUT];
    fleet_small: ["fleet", "tests/golden/fleet-small.toml", "--out", OUT];
    sweep_retention_redundancy: ["sweep", "scenarios/default.toml", "--vary", "backup.retention_days=7,14", "--vary", "backup.redundancy=local,geo", "--runs", "3", "--no-charts", "--out", OUT];
}

#[test]
fn number_tolerance_is_relative_or_last_digit() {
    assert!(lines_agree("a,1.5,x", "a,1.5000000001,x", Some(1e-9)));
    assert!(!lines_agree("a,1.25,x", "a,1.35,x", Some(1e-9)));
    assert!(lines_agree("cost 12.35 USD", "cost 12.36 USD", Some(1e-9)));
    assert!(!lines_agree("cost 12.35 USD", "cost 12.37 USD", Some(1e-9)));
    assert!(!lines_agree("cost 12.35 USD", "cost 12.35 EUR", Some(1e-9)));
    assert!(!lines_agree("1.5", "1.5000000001", None));
}
