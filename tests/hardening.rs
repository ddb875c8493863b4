//! The failures an adversarial run found (issue 14), one test each, named after what it pins:
//! panics, hangs and runaway sizes; hostile or damaged files; output that lied or could harm.
//! Each fails on the code as it was before the fix.

mod common;
use common::{backsim, outside_code};

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use backsim::error::Origin;
use backsim::scenario::{parse, Override};
use tempfile::TempDir;

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    fs::write(&p, text).unwrap();
    p
}

fn stderr_of(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Run the binary with a deadline; returns its output (the test fails if it hangs).
fn within(seconds: u64, args: &[&str], cwd: &Path) -> std::process::Output {
    let assert = backsim()
        .args(args)
        .current_dir(cwd)
        .timeout(Duration::from_secs(seconds))
        .assert();
    let output = assert.get_output().clone();
    assert!(
        output.status.code().is_some(),
        "{args:?} did not finish within {seconds} s"
    );
    output
}

/// An exit 2 whose message contains every one of `expected`, and no panic.
fn refused(output: &std::process::Output, expected: &[&str]) {
    let stderr = stderr_of(output);
    assert_eq!(output.status.code(), Some(2), "exit 2 expected: {stderr}");
    assert!(!stderr.contains("panicked"), "no panic: {stderr}");
    for e in expected {
        assert!(stderr.contains(e), "stderr should mention {e:?}: {stderr}");
    }
}

/// Whether `text` shows a number that is not one: NaN or an infinity, as Rust prints them.
fn non_finite(text: &str) -> bool {
    text.split(|c: char| !c.is_alphanumeric())
        .any(|word| matches!(word.to_lowercase().as_str(), "nan" | "inf" | "infinity"))
}

const TINY: &str = "name = \"tiny\"\nhorizon_days = 2\nruns = 2\n";

fn set(key: &str, value: &str) -> Override {
    Override {
        key: key.into(),
        value: value.into(),
    }
}

// ---- Panics, hangs, runaway memory ----------------------------------------------------------

/// A seed of 2^63 or more in the file panicked as soon as any override or a [sweep] table made
/// the file be read a second time, and `--seed` refused a value the file accepted. Every way of
/// giving a seed now takes the same range (what the resolved scenario can record), and a seed
/// past it is an input error that names it.
#[test]
fn seeds_take_one_range_everywhere_and_never_panic() {
    let origin = || Origin::File("s.toml".into());
    let big = "name = \"x\"\nseed = 9223372036854775808\n";
    let swept = format!("{big}[sweep]\n\"backup.retention_days\" = [7, 14]\n");
    for (text, sets) in [
        (big.to_string(), vec![set("runs", "3")]),
        (swept, vec![]),
        (
            "name = \"x\"".to_string(),
            vec![set("seed", "9223372036854775808")],
        ),
        (big.to_string(), vec![]),
    ] {
        let e = parse(&text, origin(), &sets).unwrap_err();
        assert_eq!(e.key.as_deref(), Some("seed"), "{e}");
        assert!(e.message.contains("9223372036854775807"), "{e}");
    }
    let top = "name = \"x\"\nseed = 9223372036854775807\n";
    let s = parse(top, origin(), &[set("runs", "3")]).unwrap();
    assert_eq!((s.seed, s.runs), (i64::MAX as u64, 3));
}

/// `--seed` and the file agree: the largest seed runs, one more is refused naming --seed.
#[test]
fn seed_flag_takes_the_range_the_file_takes() {
    let tmp = TempDir::new().unwrap();
    let path = write(tmp.path(), "s.toml", TINY);
    let out = tmp.path().join("out");
    let run = |seed: &str| {
        within(
            120,
            &[
                "run",
                path.to_str().unwrap(),
                "--seed",
                seed,
                "--no-charts",
                "--json",
                "--out",
                out.to_str().unwrap(),
            ],
            tmp.path(),
        )
    };
    let output = run("9223372036854775807");
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["seed"].as_u64(), Some(i64::MAX as u64));
    refused(
        &run("9223372036854775808"),
        &["--seed", "9223372036854775807"],
    );
}

/// Rates that validated but were absurd gave infinite restore times, and drawing restore.png
/// then never ended.
#[test]
fn absurd_restore_rates_are_refused_with_their_limit() {
    for (key, value) in [
        ("restore.hydrate_gb_per_hour_per_vcore", "5e-324"),
        ("restore.replay_gb_per_hour_per_vcore", "1e-300"),
        ("restore.cross_region_gb_per_hour", "1e-30"),
        ("long_term.files_gb_per_hour", "1e-30"),
        ("long_term.load_gb_per_hour_per_vcore", "1e-30"),
    ] {
        let e = parse(TINY, Origin::File("s.toml".into()), &[set(key, value)]).unwrap_err();
        assert_eq!(e.key.as_deref(), Some(key));
        assert!(e.message.contains("0.01"), "{key}: {}", e.message);
    }
}

/// An absurd number is echoed as it was written, not as its 301 digits.
#[test]
fn an_out_of_range_number_is_echoed_short() {
    let e = parse(
        TINY,
        Origin::File("s.toml".into()),
        &[set("workload.binlog_gb_per_day", "1e300")],
    )
    .unwrap_err();
    assert!(e.message.ends_with("got 1e300"), "{}", e.message);
    assert!(e.message.len() < 80, "{}", e.message);
    // Nor a horizon of 1e-300 days as 300 zeros, nor an event's 1e300 hours as 301 digits.
    let e = parse(
        TINY,
        Origin::File("s.toml".into()),
        &[set("horizon_days", "1e-300")],
    )
    .unwrap_err();
    assert!(e.message.ends_with("got 1e-300"), "{}", e.message);
    let e = parse(
        &format!("{TINY}[[events]]\nat = \"1d\"\naction = \"region-outage\"\nhours = 1e300\n"),
        Origin::File("s.toml".into()),
        &[],
    )
    .unwrap_err();
    assert!(
        e.message.contains("got 1e300 (1e300 hours)"),
        "{}",
        e.message
    );
    assert!(e.message.len() < 120, "{}", e.message);
}

/// A database that outgrows its provisioned storage before the horizon is refused like one that
/// starts too big, naming the growth, the day the disk fills and the storage the run would
/// need; one that just fits at the horizon runs.
#[test]
fn a_database_that_outgrows_its_storage_is_refused() {
    let text = "name = \"grows\"\nhorizon_days = 90\n[server]\ndb_size_gb = 300\nprovisioned_storage_gb = 512\n";
    let e = parse(
        text,
        Origin::File("s.toml".into()),
        &[set("server.db_growth_gb_per_day", "10")],
    )
    .unwrap_err();
    assert_eq!(e.key.as_deref(), Some("server.db_growth_gb_per_day"));
    // 300 GB + 10 GB/day fills 512 GB after 21.2 days and reaches 1,200 GB on day 90.
    for part in ["on day 21", "reaches 1200 GB", "provision at least that"] {
        assert!(e.message.contains(part), "{part}: {}", e.message);
    }
    // 300 + 90 × 2.3555… = 512: full at the very end, still a server that can exist.
    let fits = (512.0 - 300.0) / 90.0;
    assert!(parse(
        text,
        Origin::File("s.toml".into()),
        &[set("server.db_growth_gb_per_day", &fits.to_string())]
    )
    .is_ok());
}

/// Every recovery of every run is a row of recoveries.csv, held until the runs end: 10,000
/// incidents a year for a century over 4 runs took 783 MB, and the default 20 runs would have
/// taken about 4 GB. Refused before it runs, with the arithmetic; --target-ci counts the runs it
/// may go up to.
#[test]
fn recoveries_too_many_to_hold_are_refused() {
    let text =
        "name = \"many\"\nhorizon_days = 36500\nruns = 4\n[outages]\nincidents_per_year = 10000\n";
    let e = parse(text, Origin::File("s.toml".into()), &[]).unwrap_err();
    assert_eq!(e.key.as_deref(), Some("outages.incidents_per_year"));
    // 100 years × 10,000 = 1e6 a run, × 4 runs.
    for part in [
        "4.000e6 recoveries",
        "1.000e6 a run × 4 runs",
        "lower the incidents",
    ] {
        assert!(e.message.contains(part), "{part}: {}", e.message);
    }
    assert!(parse(text, Origin::File("s.toml".into()), &[set("runs", "2")]).is_ok());
    let tmp = TempDir::new().unwrap();
    let path = write(
        tmp.path(),
        "s.toml",
        "name = \"many\"\nhorizon_days = 3650\nruns = 4\n[outages]\nincidents_per_year = 1000\n",
    );
    let output = within(
        20,
        &[
            "run",
            path.to_str().unwrap(),
            "--target-ci",
            "0.01",
            "--max-runs",
            "1000",
        ],
        tmp.path(),
    );
    refused(&output, &["--max-runs", "1.000e7 recoveries"]);
    assert!(!tmp.path().join("output").exists());
}

/// A surge of 10,000 through a year-long zone outage passed every range check, then worked out
/// 876 million other tenants' restores one by one: minutes for a four-day run. Refused before
/// it runs, the numbers behind it named; the bundled scenarios' surges stay far inside.
#[test]
fn a_surge_too_large_to_work_out_is_refused() {
    let text = "name = \"surge\"\nhorizon_days = 4\n[restore]\nbackground_restores_per_hour = 10\n[outages]\nzone_outage_hours = \"365d\"\nzone_outages_per_year = 365\n";
    let e = parse(
        text,
        Origin::File("s.toml".into()),
        &[set("restore.outage_restore_surge", "10000")],
    )
    .unwrap_err();
    assert_eq!(e.key.as_deref(), Some("restore.outage_restore_surge"));
    // 365 a year × 4/365 years × 8,760 h = 35,040 outage hours; × 10 × 10,000.
    for part in ["3.504e9", "35040 outage hours", "lower the surge"] {
        assert!(e.message.contains(part), "{part}: {}", e.message);
    }
    // The same outages at the default surge of 20: 7 million, still too many; a surge of 10
    // (3.5 million) runs.
    assert!(parse(text, Origin::File("s.toml".into()), &[]).is_err());
    assert!(parse(
        text,
        Origin::File("s.toml".into()),
        &[set("restore.outage_restore_surge", "10")]
    )
    .is_ok());
    // A fleet's outage surges the region its servers restore in: named at its key.
    let tmp = TempDir::new().unwrap();
    let fleet = write(
        tmp.path(),
        "fleet.toml",
        "name = \"fs\"\nruns = 1\nhorizon_days = 2\n[defaults]\nbackup.redundancy = \"geo\"\n[regions.westus]\noutage_restore_surge = 10000\nbackground_restores_per_hour = 10\n[[outage]]\nregion = \"eastus\"\nat = \"1d\"\nhours = 8760\n[[group]]\nname = \"a\"\nregion = \"eastus\"\n",
    );
    let output = within(20, &["fleet", fleet.to_str().unwrap()], tmp.path());
    refused(
        &output,
        &[
            "fleet.toml:7:24: key `regions.westus.outage_restore_surge`",
            "8.760e8",
        ],
    );
}

/// The slowest rates allowed on the largest database still give finite figures everywhere,
/// and the charts are drawn in bounded time.
#[test]
fn slowest_allowed_restore_rates_give_finite_figures_and_charts() {
    let tmp = TempDir::new().unwrap();
    let path = write(
        tmp.path(),
        "slow.toml",
        &format!(
            "{TINY}[server]\ndb_size_gb = 16384\nprovisioned_storage_gb = 16384\nvcores = 1\ntables_without_pk_pct = 100\n[workload]\nbinlog_gb_per_day = 100000\n[restore]\nhydrate_gb_per_hour_per_vcore = 0.01\nreplay_gb_per_hour_per_vcore = 0.01\nno_pk_replay_slowdown = 10000\n"
        ),
    );
    let out = tmp.path().join("out");
    let output = within(
        120,
        &[
            "run",
            path.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
        tmp.path(),
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    let report = fs::read_to_string(out.join("report.md")).unwrap();
    for shown in [&text, &report] {
        assert!(!non_finite(shown), "no non-finite figure printed: {shown}");
    }
    assert!(out.join("restore.png").is_file());
}

/// `--runs 0` was blamed on a `--set runs=0` nobody wrote; absurd --max-runs and --threads
/// aborted on memory or spent minutes starting threads. A negative number was read by clap as
/// an unknown flag, with the tip to write `-- -1` (which would have made it a file name); it is
/// refused by the flag's own range check, the range shown.
#[test]
fn replication_and_thread_counts_are_bounded_and_blamed_on_their_flag() {
    let tmp = TempDir::new().unwrap();
    let path = write(tmp.path(), "s.toml", TINY);
    let p = path.to_str().unwrap();
    let out = tmp.path().join("out");
    let o = out.to_str().unwrap();
    let cases: [(&[&str], &[&str]); 11] = [
        (
            &["run", p, "--runs", "0", "--out", o],
            &["--runs", "1 to 1000000"],
        ),
        (
            &[
                "run",
                p,
                "--target-ci",
                "0.1",
                "--max-runs",
                "4294967295",
                "--out",
                o,
            ],
            &["--max-runs", "1000000"],
        ),
        (
            &["run", p, "--threads", "1000000", "--out", o],
            &["--threads", "1024"],
        ),
        (&["run", p, "--threads", "0", "--out", o], &["--threads"]),
        (
            &[
                "sweep",
                p,
                "--vary",
                "backup.retention_days=1,2",
                "--runs",
                "0",
                "--out",
                o,
            ],
            &["--runs"],
        ),
        (
            &["run", p, "--seed", "-1", "--out", o],
            &["--seed", "from 0 to"],
        ),
        (
            &["run", p, "--runs", "-3", "--out", o],
            &["--runs", "1 to 1000000", "-3"],
        ),
        (
            &["run", p, "--threads", "-2", "--out", o],
            &["--threads", "1 to 1024"],
        ),
        (
            &["run", p, "--target-ci", "-0.1", "--out", o],
            &["--target-ci", "between 0 and 1"],
        ),
        (
            &[
                "run",
                p,
                "--target-ci",
                "0.1",
                "--max-runs",
                "-5",
                "--out",
                o,
            ],
            &["--max-runs", "from 2"],
        ),
        (
            &["restore", p, "--at", "latest", "--replication", "-1"],
            &["--replication", "numbered 0 to"],
        ),
    ];
    for (args, expected) in cases {
        let output = within(30, args, tmp.path());
        refused(&output, expected);
        assert!(!stderr_of(&output).contains("--set"), "{args:?}");
        assert!(!stderr_of(&output).contains("tip:"), "{args:?}");
    }
    assert!(!out.exists(), "nothing written after a refused argument");
}

/// 65 swept keys of two values overflowed to "0 of 0 points" with exit 0, and 2.56 million
/// points ran out of memory: a grid's size is counted without overflow and bounded.
#[test]
fn sweep_grids_are_counted_without_overflow_and_bounded() {
    let tmp = TempDir::new().unwrap();
    let path = write(tmp.path(), "s.toml", TINY);
    let p = path.to_str().unwrap();
    let out = tmp.path().join("out");
    let o = out.to_str().unwrap();
    // 65 keys, each with two values: 2^65 points.
    let mut args: Vec<String> = vec!["sweep".into(), p.into(), "--out".into(), o.into()];
    for i in 0..65 {
        args.push("--vary".into());
        args.push(format!("k{i}=1,2"));
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    refused(&within(30, &args, tmp.path()), &["at most 64"]);
    // Two keys of 1,600 values: 2.56 million points.
    let values: Vec<String> = (0..1600).map(|i| (i % 35 + 1).to_string()).collect();
    let vary_a = format!("backup.retention_days={}", values.join(","));
    let vary_b = format!("server.vcores={}", values.join(","));
    refused(
        &within(
            60,
            &["sweep", p, "--vary", &vary_a, "--vary", &vary_b, "--out", o],
            tmp.path(),
        ),
        &["more than 100000 points", "1600 × 1600"],
    );
    refused(
        &within(
            30,
            &[
                "sweep",
                p,
                "--vary",
                "backup.retention_days=1,2",
                "--shard",
                "1/18446744073709551615",
                "--out",
                o,
            ],
            tmp.path(),
        ),
        &["--shard"],
    );
    assert!(!out.exists());
}

/// Checking a `[sweep]` table of 10,000 values took 33 s (each value re-read the whole file).
#[test]
fn sweep_table_check_is_linear_in_its_size() {
    let values: Vec<String> = (0..10_000).map(|i| (i % 35 + 1).to_string()).collect();
    let text = format!(
        "{TINY}[sweep]\n\"backup.retention_days\" = [{}]\n",
        values.join(", ")
    );
    let started = Instant::now();
    parse(&text, Origin::File("s.toml".into()), &[]).unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
}

/// A cases header of 100,000 columns hung for minutes, with no row under it: each column was
/// compared with every one before it. More columns than a sweep may vary are refused at once.
#[test]
fn a_cases_file_of_too_many_columns_is_refused_at_once() {
    let tmp = TempDir::new().unwrap();
    let path = write(tmp.path(), "s.toml", TINY);
    let header: Vec<String> = (0..100_000).map(|i| format!("k{i}")).collect();
    write(tmp.path(), "wide.csv", &format!("{}\n", header.join(",")));
    let out = tmp.path().join("out");
    let args = [
        "sweep",
        path.to_str().unwrap(),
        "--cases",
        "wide.csv",
        "--out",
        out.to_str().unwrap(),
    ];
    refused(
        &within(20, &args, tmp.path()),
        &["wide.csv:1:1", "100000 columns", "at most 64 keys"],
    );
    assert!(!out.exists());
}

/// A path to /dev/zero was read for ever.
#[test]
fn scenario_path_to_an_endless_file_fails_fast() {
    if !Path::new("/dev/zero").exists() {
        return;
    }
    let tmp = TempDir::new().unwrap();
    refused(
        &within(20, &["validate", "/dev/zero"], tmp.path()),
        &["/dev/zero", "larger than"],
    );
}

/// Invalid UTF-8 and a 100-level table header were refused without saying where, and 100
/// nested arrays in the parser's words.
#[test]
fn invalid_utf8_and_deep_nesting_are_located() {
    let tmp = TempDir::new().unwrap();
    let bad = tmp.path().join("bad.toml");
    fs::write(&bad, b"name = \"x\"\n[backup]\nredundancy = \"g\xffo\"\n").unwrap();
    refused(
        &within(20, &["validate", bad.to_str().unwrap()], tmp.path()),
        &["bad.toml:3:16", "UTF-8", "0xFF"],
    );
    let header = vec!["a"; 100].join(".");
    let deep = write(
        tmp.path(),
        "deep.toml",
        &format!("name = \"x\"\nruns = 2\n\n[{header}]\nb = 1\n"),
    );
    refused(
        &within(20, &["validate", deep.to_str().unwrap()], tmp.path()),
        &["deep.toml:4:1", "nested too deeply"],
    );
    let arrays = format!(
        "name = \"x\"\nx = {}1{}\n",
        "[".repeat(100),
        "]".repeat(100)
    );
    let deep = write(tmp.path(), "arrays.toml", &arrays);
    // Nested arrays said only the parser's "cannot recurse further", in no words of ours.
    refused(
        &within(20, &["validate", deep.to_str().unwrap()], tmp.path()),
        &["arrays.toml:2:85", "nested too deeply", "at most 80 levels"],
    );
}

/// Names with a NUL or over 255 bytes validated, then `run` failed with exit 1.
#[test]
fn names_must_be_portable_file_names() {
    for name in [
        "x\\u0000y".to_string(),
        "n".repeat(256),
        // "<name>-compare" would pass 255 bytes.
        "n".repeat(248),
        "a:b".into(),
        "CON".into(),
        "lpt1.txt".into(),
        "x.".into(),
        "..".into(),
        "a/b".into(),
        "tab\\there".into(),
    ] {
        let e = parse(
            &format!("name = \"{name}\""),
            Origin::File("s.toml".into()),
            &[],
        )
        .unwrap_err();
        assert_eq!(e.key.as_deref(), Some("name"), "{name}");
        assert_eq!(e.position, Some((1, 8)), "{name}");
    }
    for name in ["prod eastus", "café-2026", "n".repeat(247).as_str(), "a.b"] {
        parse(
            &format!("name = \"{name}\""),
            Origin::File("s.toml".into()),
            &[],
        )
        .unwrap();
    }
}

/// An inventory's file name names the fleet: one that is no portable folder name is refused
/// before anything runs (it ran, then failed to write, or wrote `output/x y?*-fleet`).
#[test]
fn an_inventory_file_name_must_be_a_portable_name() {
    let tmp = TempDir::new().unwrap();
    let path = write(tmp.path(), "x y?.csv", "name,region\na,eastus\n");
    let output = within(
        60,
        &["fleet", path.to_str().unwrap(), "--no-charts"],
        tmp.path(),
    );
    refused(&output, &["file name", "rename the file"]);
    assert!(!tmp.path().join("output").exists());
}

// ---- Hostile or damaged files ---------------------------------------------------------------

/// A run into a folder with a link planted at its old staging name overwrote the link's target.
#[test]
fn a_planted_link_in_the_output_folder_is_never_followed() {
    let tmp = TempDir::new().unwrap();
    let path = write(tmp.path(), "s.toml", TINY);
    let out = tmp.path().join("out");
    let o = out.to_str().unwrap();
    let run = || {
        within(
            120,
            &["run", path.to_str().unwrap(), "--no-charts", "--out", o],
            tmp.path(),
        )
    };
    assert_eq!(run().status.code(), Some(0));
    let victim = write(tmp.path(), "victim.txt", "precious");
    for name in [".report.md.partial", ".summary.json.partial", "report.md"] {
        let link = out.join(name);
        let _ = fs::remove_file(&link);
        std::os::unix::fs::symlink(&victim, &link).unwrap();
    }
    assert_eq!(run().status.code(), Some(0));
    assert_eq!(fs::read_to_string(&victim).unwrap(), "precious");
    let report = fs::symlink_metadata(out.join("report.md")).unwrap();
    assert!(report.is_file(), "report.md is a file of its own");
    assert!(!out.join(".report.md.partial").exists());
}

/// The names of the entries of a folder, sorted.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Every file of a folder with its bytes.
fn contents(dir: &Path) -> Vec<(String, Vec<u8>)> {
    listing(dir)
        .into_iter()
        .map(|n| {
            let bytes = fs::read(dir.join(&n)).unwrap();
            (n, bytes)
        })
        .collect()
}

/// A run killed part-way left files that looked complete beside a folder without summary.json,
/// mixed with the previous run's; and a run without charts kept the previous run's charts.
#[test]
fn an_output_folder_always_holds_one_whole_run() {
    let tmp = TempDir::new().unwrap();
    let small = write(tmp.path(), "small.toml", TINY);
    let long = write(
        tmp.path(),
        "long.toml",
        "name = \"long\"\nhorizon_days = 3650\nruns = 400\n",
    );
    let out = tmp.path().join("out");
    let o = out.to_str().unwrap();
    let first = within(
        120,
        &["run", small.to_str().unwrap(), "--out", o],
        tmp.path(),
    );
    assert_eq!(first.status.code(), Some(0));
    let before = contents(&out);
    assert!(before.iter().any(|(n, _)| n == "storage.png"));

    // Killed while it simulates: the folder still holds the first run, byte for byte.
    let mut child = Command::new(env!("CARGO_BIN_EXE_backsim"))
        .args(["run", long.to_str().unwrap(), "--threads", "1", "--out", o])
        .current_dir(tmp.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let staged = || {
        listing(tmp.path())
            .into_iter()
            .any(|n| n.starts_with(".out.new-"))
    };
    while !staged() && started.elapsed() < Duration::from_secs(30) {
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(300));
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(contents(&out), before, "the first run, untouched");

    // A finished run replaces the whole folder: no chart of the first run survives.
    let second = within(
        120,
        &["run", small.to_str().unwrap(), "--no-charts", "--out", o],
        tmp.path(),
    );
    assert_eq!(second.status.code(), Some(0));
    let after = listing(&out);
    assert!(after.contains(&"summary.json".to_string()));
    assert!(!after.iter().any(|n| n.ends_with(".png")), "{after:?}");
    assert!(!after.iter().any(|n| n.starts_with('.')), "{after:?}");
}

/// The output replaces a whole folder, so a folder holding anybody else's files is refused
/// (and left as it was), as is the current folder.
#[test]
fn a_folder_that_is_not_a_backsim_output_is_left_alone() {
    let tmp = TempDir::new().unwrap();
    let path = write(tmp.path(), "s.toml", TINY);
    let p = path.to_str().unwrap();
    let mine = tmp.path().join("mine");
    fs::create_dir(&mine).unwrap();
    write(&mine, "notes.txt", "keep me");
    refused(
        &within(30, &["run", p, "--out", mine.to_str().unwrap()], tmp.path()),
        &["--out", "notes.txt"],
    );
    assert_eq!(listing(&mine), vec!["notes.txt".to_string()]);
    // Names alone do not make a folder backsim's: the user's own report.md and summary.json
    // were replaced.
    let theirs = tmp.path().join("theirs");
    fs::create_dir(&theirs).unwrap();
    write(&theirs, "report.md", "my notes");
    write(&theirs, "summary.json", "{\"mine\": true}");
    refused(
        &within(
            30,
            &["run", p, "--out", theirs.to_str().unwrap()],
            tmp.path(),
        ),
        &["--out", "that backsim wrote"],
    );
    assert_eq!(
        fs::read_to_string(theirs.join("report.md")).unwrap(),
        "my notes"
    );
    // Nor does a backsim result make the user's files in it backsim's: notes put beside a run
    // went with the next one.
    let run = tmp.path().join("run");
    let first = within(
        30,
        &["run", p, "--no-charts", "--out", run.to_str().unwrap()],
        tmp.path(),
    );
    assert!(first.status.success(), "{}", stderr_of(&first));
    // A folder browser's own file does not make it somebody else's folder.
    write(&run, ".DS_Store", "");
    let again = within(
        30,
        &["run", p, "--no-charts", "--out", run.to_str().unwrap()],
        tmp.path(),
    );
    assert!(again.status.success(), "{}", stderr_of(&again));
    write(&run, "notes.txt", "keep me");
    refused(
        &within(30, &["run", p, "--out", run.to_str().unwrap()], tmp.path()),
        &["--out", "notes.txt"],
    );
    assert_eq!(
        fs::read_to_string(run.join("notes.txt")).unwrap(),
        "keep me"
    );
    refused(
        &within(30, &["run", p, "--out", "."], tmp.path()),
        &["current folder"],
    );
    refused(
        &within(
            30,
            &["run", p, "--out", tmp.path().to_str().unwrap()],
            tmp.path(),
        ),
        &["--out"],
    );
}

/// A small two-shard sweep, run for real; returns the two shard folders.
fn two_shards(dir: &Path) -> (PathBuf, PathBuf) {
    let path = write(
        dir,
        "grid.toml",
        "name = \"grid\"\nhorizon_days = 2\nruns = 2\n[sweep]\n\"backup.retention_days\" = [1, 2, 3]\n",
    );
    let shards: Vec<PathBuf> = (1..=2)
        .map(|i| {
            let out = dir.join(format!("shard-{i}"));
            let output = within(
                120,
                &[
                    "sweep",
                    path.to_str().unwrap(),
                    "--shard",
                    &format!("{i}/2"),
                    "--out",
                    out.to_str().unwrap(),
                ],
                dir,
            );
            assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
            out
        })
        .collect();
    (shards[0].clone(), shards[1].clone())
}

fn edit_json(path: &Path, edit: impl FnOnce(&mut serde_json::Value)) {
    let mut v: serde_json::Value = serde_json::from_slice(&fs::read(path).unwrap()).unwrap();
    edit(&mut v);
    fs::write(path, serde_json::to_vec_pretty(&v).unwrap()).unwrap();
}

/// `merge` panicked on an edited sweep.json, trusted its point count, followed links to
/// /dev/zero, accepted inconsistent records and wrote wherever a record's name pointed.
#[test]
fn merge_treats_every_shard_file_as_untrusted() {
    let tmp = TempDir::new().unwrap();
    let (a, b) = two_shards(tmp.path());
    type Damage = Box<dyn Fn(&Path, &Path)>;
    let json = |f: fn(&mut serde_json::Value)| -> Damage {
        Box::new(move |a: &Path, _: &Path| edit_json(&a.join("sweep.json"), f))
    };
    // The first row's cell of `column` in the first shard's sweep.csv, set to `value`.
    let edit_cell = |column: &'static str, value: &'static str| -> Damage {
        Box::new(move |a: &Path, _: &Path| {
            let csv = fs::read_to_string(a.join("sweep.csv")).unwrap();
            let mut lines: Vec<String> = csv.lines().map(String::from).collect();
            let at = lines[0].split(',').position(|h| h == column).unwrap();
            let mut cells: Vec<String> = lines[1].split(',').map(String::from).collect();
            cells[at] = value.into();
            lines[1] = cells.join(",");
            fs::write(a.join("sweep.csv"), lines.join("\n") + "\n").unwrap();
        })
    };
    let cases: Vec<(&str, Damage, &str)> = vec![
        (
            "an empty grid",
            json(|v| v["grid"] = serde_json::json!({"keys": [], "values": []})),
            "grid",
        ),
        (
            "12 keys with 2 value lists",
            json(|v| {
                v["grid"]["keys"] =
                    serde_json::json!((0..12).map(|i| format!("k{i}")).collect::<Vec<_>>())
            }),
            "grid",
        ),
        (
            "a point count of 10^12",
            json(|v| v["points"] = serde_json::json!(1_000_000_000_000u64)),
            "points",
        ),
        (
            "a short grid",
            json(|v| v["grid"]["values"][0] = serde_json::json!(["1", "2"])),
            "points",
        ),
        (
            "another currency",
            Box::new(|_: &Path, b: &Path| {
                edit_json(&b.join("sweep.json"), |v| v["currency"] = "EUR".into())
            }),
            "different sweep",
        ),
        (
            "a row claiming point 2^64-1",
            Box::new(|a: &Path, _: &Path| {
                let csv = fs::read_to_string(a.join("sweep.csv")).unwrap();
                let mut lines: Vec<String> = csv.lines().map(String::from).collect();
                let row = lines[1].split_once(',').unwrap().1.to_string();
                lines.push(format!("18446744073709551615,{row}"));
                fs::write(a.join("sweep.csv"), lines.join("\n") + "\n").unwrap();
            }),
            "sweep.csv",
        ),
        (
            "a figure that is not a number",
            Box::new(|a: &Path, _: &Path| {
                let csv = fs::read_to_string(a.join("sweep.csv")).unwrap();
                let mut lines: Vec<String> = csv.lines().map(String::from).collect();
                let mut cells: Vec<String> = lines[1].split(',').map(String::from).collect();
                // The durability nines: the last column is the steady-state mark.
                let nines = cells.len() - 2;
                cells[nines] = "=HYPERLINK(\"x\")".into();
                lines[1] = cells.join(",");
                fs::write(a.join("sweep.csv"), lines.join("\n") + "\n").unwrap();
            }),
            "not a number",
        ),
        (
            "a mean moved out of its own CI",
            edit_cell("storage_mean_gb_mean", "999999.5"),
            "storage_mean_gb: the mean \"999999.5\" is not within its 95% CI",
        ),
        (
            // Merged as a cost of -123 a month, exit 0.
            "a negative cost, its CI moved with it",
            Box::new(move |a: &Path, b: &Path| {
                for column in ["cost_per_month_mean", "cost_per_month_ci95_lo", "cost_per_month_ci95_hi"] {
                    edit_cell(column, "-123")(a, b);
                }
            }),
            "cost_per_month: the mean -123 is negative",
        ),
        // Within its CI, and a figure of none: merged from sweep.csv without a word, though
        // sweep.json, written with it, says otherwise (a spreadsheet's round trip, say).
        (
            "a mean edited within its CI",
            edit_cell("restore_latest_mean_s_mean", "6900"),
            "sweep.csv line 2 (point 0) disagrees with sweep.json's results: figures.restore_latest_mean_s.mean is 6900.0 in sweep.csv, 6918.085106383031 in sweep.json",
        ),
        (
            "the durability nines edited",
            Box::new(|a: &Path, _: &Path| {
                let csv = fs::read_to_string(a.join("sweep.csv")).unwrap();
                let mut lines: Vec<String> = csv.lines().map(String::from).collect();
                let mut cells: Vec<String> = lines[1].split(',').map(String::from).collect();
                // Before the longest free retention and the steady-state mark.
                let nines = cells.len() - 3;
                cells[nines] = "9".into();
                lines[1] = cells.join(",");
                fs::write(a.join("sweep.csv"), lines.join("\n") + "\n").unwrap();
            }),
            "durability_nines is 9.0 in sweep.csv, 11.243307826570662 in sweep.json",
        ),
        (
            "a figure's mean blanked, its CI kept",
            edit_cell("cost_per_month_mean", ""),
            "cost_per_month: the mean \"\" is not within its 95% CI",
        ),
        (
            "sweep.json linked to /dev/zero",
            Box::new(|a: &Path, _: &Path| {
                fs::remove_file(a.join("sweep.json")).unwrap();
                std::os::unix::fs::symlink("/dev/zero", a.join("sweep.json")).unwrap();
            }),
            "symbolic link",
        ),
        (
            "sweep.csv linked to /dev/zero",
            Box::new(|a: &Path, _: &Path| {
                fs::remove_file(a.join("sweep.csv")).unwrap();
                std::os::unix::fs::symlink("/dev/zero", a.join("sweep.csv")).unwrap();
            }),
            "symbolic link",
        ),
        (
            "a name leading out of the folder",
            json(|v| v["scenario"] = "../../escaped".into()),
            "scenario",
        ),
        (
            "an absolute name",
            json(|v| v["scenario"] = "/tmp/escaped".into()),
            "scenario",
        ),
        (
            "rows that are not the shard's",
            json(|v| v["rows"] = serde_json::json!([0, 1, 2])),
            "\"rows\" must list the points shard 1/2 runs, in order: every 2nd of the 3 points from point 0",
        ),
        // The resolved scenario is offered for rerunning: one shard's edited copy was passed
        // on into the merged record, and so was one no scenario could be.
        (
            "one shard's resolved scenario edited",
            json(|v| v["provenance"]["scenario"]["workload"]["binlog_gb_per_day"] = 999.0.into()),
            "different sweep",
        ),
        (
            "a resolved scenario that is not valid",
            Box::new(|a: &Path, b: &Path| {
                for shard in [a, b] {
                    edit_json(&shard.join("sweep.json"), |v| {
                        v["provenance"]["scenario"]["backup"]["retention_days"] = "NaN".into()
                    })
                }
            }),
            "provenance.scenario",
        ),
    ];
    for (what, damage, expected) in cases {
        let case = TempDir::new().unwrap();
        let (ca, cb) = (case.path().join("a"), case.path().join("b"));
        for (from, to) in [(&a, &ca), (&b, &cb)] {
            fs::create_dir(to).unwrap();
            for entry in fs::read_dir(from).unwrap() {
                let entry = entry.unwrap();
                fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
            }
        }
        damage(&ca, &cb);
        // Without --out, as the issue ran it: nothing may appear outside the working folder.
        let work = case.path().join("work");
        fs::create_dir(&work).unwrap();
        let output = within(
            20,
            &["merge", ca.to_str().unwrap(), cb.to_str().unwrap()],
            &work,
        );
        let stderr = stderr_of(&output);
        assert_eq!(output.status.code(), Some(2), "{what}: {stderr}");
        assert!(!stderr.contains("panicked"), "{what}: {stderr}");
        assert!(stderr.contains(expected), "{what}: {stderr}");
        assert!(listing(&work).is_empty(), "{what}: nothing written");
        assert!(!case.path().join("escaped").exists(), "{what}");
    }
    assert!(!Path::new("/tmp/escaped").exists());
}

// ---- Output that lies or harms --------------------------------------------------------------

/// Standard output on a full device exited 0 with the report lost.
#[test]
fn a_report_lost_to_a_full_device_is_a_failure() {
    let Ok(full) = fs::OpenOptions::new().write(true).open("/dev/full") else {
        return;
    };
    let tmp = TempDir::new().unwrap();
    let path = write(tmp.path(), "s.toml", TINY);
    let output = Command::new(env!("CARGO_BIN_EXE_backsim"))
        .args(["validate", path.to_str().unwrap()])
        .stdout(Stdio::from(full))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = stderr_of(&output);
    assert!(stderr.contains("standard output"), "{stderr}");
}

/// A reader that goes away early (`| head`) is still not an error.
#[test]
fn a_closed_pipe_is_not_an_error() {
    let tmp = TempDir::new().unwrap();
    let path = write(tmp.path(), "s.toml", TINY);
    let mut child = Command::new(env!("CARGO_BIN_EXE_backsim"))
        .args(["run", path.to_str().unwrap(), "--no-charts", "--out"])
        .arg(tmp.path().join("out"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
}

/// Every cell of a CSV: a spreadsheet formula never starts one, and numbers stay numbers.
fn assert_no_formulas(csv_text: &str) {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(csv_text.as_bytes());
    for record in reader.records() {
        for cell in record.unwrap().iter() {
            let risky = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
            assert!(
                !risky || cell.parse::<f64>().is_ok(),
                "{cell:?} would run as a formula"
            );
        }
    }
}

/// sweep.csv wrote swept values as they came (`=1+1`, `@x`), which a spreadsheet runs.
#[test]
fn csv_cells_cannot_carry_spreadsheet_formulas() {
    let tmp = TempDir::new().unwrap();
    let path = write(tmp.path(), "s.toml", TINY);
    let out = tmp.path().join("out");
    let output = within(
        120,
        &[
            "sweep",
            path.to_str().unwrap(),
            "--vary",
            "name==1+1,@x,+y,-z",
            "--out",
            out.to_str().unwrap(),
        ],
        tmp.path(),
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    let sweep = fs::read_to_string(out.join("sweep.csv")).unwrap();
    assert_no_formulas(&sweep);
    for shown in ["'=1+1", "'@x", "'+y", "'-z"] {
        assert!(sweep.contains(shown), "{shown} in {sweep}");
    }
    // And the numbers of a run's tables, negative CI bounds included, are untouched.
    let run = tmp.path().join("run");
    let noisy = write(
        tmp.path(),
        "noisy.toml",
        "name = \"noisy=1\"\nhorizon_days = 3\nruns = 3\n[restore]\nunsafe_sessions_per_day = 5\n[outages]\nincidents_per_year = 200\n",
    );
    let output = within(
        120,
        &[
            "run",
            noisy.to_str().unwrap(),
            "--no-charts",
            "--out",
            run.to_str().unwrap(),
        ],
        tmp.path(),
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    for file in listing(&run).iter().filter(|n| n.ends_with(".csv")) {
        assert_no_formulas(&fs::read_to_string(run.join(file)).unwrap());
    }
}

/// report.md copied the scenario's comment raw (`<script>` survived) and a `|` in a value broke
/// its tables.
#[test]
fn report_md_shows_user_text_without_running_it() {
    let tmp = TempDir::new().unwrap();
    let path = write(
        tmp.path(),
        "s.toml",
        &format!(
            "# <script>alert(1)</script> and ![pixel](http://evil/p.png) | [x](javascript:y)\n# - not a list\n{TINY}[cost]\ncurrency = \"a|b<i>\"\n"
        ),
    );
    let out = tmp.path().join("out");
    let output = within(
        120,
        &[
            "run",
            path.to_str().unwrap(),
            "--no-charts",
            "--out",
            out.to_str().unwrap(),
        ],
        tmp.path(),
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    let md = outside_code(&fs::read_to_string(out.join("report.md")).unwrap());
    assert!(!md.contains("<script>") && !md.contains("<i>"), "{md}");
    // No link or image: every bracket of the comment is escaped.
    let unescaped = md.replace("\\[", "").replace("\\]", "");
    assert!(!unescaped.contains("]("), "{md}");
    assert!(md.contains("> \\- not a list"), "{md}");
    // Every row of a table has as many unescaped pipes as its header.
    let pipes = |line: &str| line.replace("\\|", "").matches('|').count();
    let mut header = None;
    for line in md.lines() {
        if line.starts_with('|') {
            let n = pipes(line);
            assert_eq!(*header.get_or_insert(n), n, "{line}");
        } else {
            header = None;
        }
    }
}

/// A point past the horizon was reported as "past the end of the horizon (2.0000115740740743
/// days)".
#[test]
fn a_moment_past_the_horizon_is_named_by_its_time() {
    let tmp = TempDir::new().unwrap();
    let path = write(tmp.path(), "s.toml", TINY);
    let output = within(
        60,
        &[
            "restore",
            path.to_str().unwrap(),
            "--at",
            "latest",
            "--request-at",
            "3d",
        ],
        tmp.path(),
    );
    refused(&output, &["--request-at", "2026-01-07T00:00:00Z"]);
    assert!(!stderr_of(&output).contains("2.00001"));
}

/// A start near the year 9999 wrote `+10000-…` timestamps, which are not RFC 3339.
#[test]
fn the_run_must_end_within_four_digit_years() {
    let origin = || Origin::File("s.toml".into());
    let e = parse(
        "name = \"x\"\nstart = \"9999-12-20T00:00:00Z\"\nhorizon_days = 30\n",
        origin(),
        &[],
    )
    .unwrap_err();
    assert_eq!(e.key.as_deref(), Some("start"));
    assert!(e.message.contains("9999-12-01T23:59:59"), "{}", e.message);
    parse(
        "name = \"x\"\nstart = \"9999-12-01T23:59:59Z\"\nhorizon_days = 30\n",
        origin(),
        &[],
    )
    .unwrap();
}

/// `restore --replication 5` with 2 runs was accepted silently.
#[test]
fn restore_from_a_replication_the_scenario_does_not_have_is_refused() {
    let tmp = TempDir::new().unwrap();
    let path = write(tmp.path(), "s.toml", TINY);
    let p = path.to_str().unwrap();
    refused(
        &within(
            60,
            &["restore", p, "--at", "latest", "--replication", "5"],
            tmp.path(),
        ),
        &["--replication", "0 to 1"],
    );
    let ok = within(
        60,
        &["restore", p, "--at", "latest", "--replication", "1"],
        tmp.path(),
    );
    assert_eq!(ok.status.code(), Some(0), "{}", stderr_of(&ok));
}

/// A run of gigabytes said nothing before it started.
#[test]
fn a_huge_run_says_how_big_before_it_starts() {
    let tmp = TempDir::new().unwrap();
    let path = write(
        tmp.path(),
        "huge.toml",
        "name = \"huge\"\nhorizon_days = 36500\nruns = 1\n[backup]\nsnapshot_failure_pct = 100\nretry_interval = \"1m\"\n",
    );
    let mut child = Command::new(env!("CARGO_BIN_EXE_backsim"))
        .args(["run", path.to_str().unwrap(), "--out"])
        .arg(tmp.path().join("out"))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The first line of stderr, read aside so that a run that says nothing cannot hang the test.
    let stderr = child.stderr.take().unwrap();
    let (send, receive) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = std::io::BufRead::read_line(&mut std::io::BufReader::new(stderr), &mut line);
        let _ = send.send(line);
    });
    let line = receive
        .recv_timeout(Duration::from_secs(30))
        .unwrap_or_default();
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(line.starts_with("note:"), "{line}");
    assert!(line.contains("GB") && line.contains("events.csv"), "{line}");
    // A small run says nothing.
    let small = write(tmp.path(), "s.toml", TINY);
    let output = Command::new(env!("CARGO_BIN_EXE_backsim"))
        .args(["run", small.to_str().unwrap(), "--no-charts", "--out"])
        .arg(tmp.path().join("small"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert!(stderr_of(&output).is_empty(), "{}", stderr_of(&output));
}

// ---- The fleet, which arrived while this was done ---------------------------------------------

/// A small fleet file beside a small scenario.
fn small_fleet(dir: &Path, name: &str) -> PathBuf {
    write(dir, "server.toml", TINY);
    write(
        dir,
        "fleet.toml",
        &format!(
            "name = {name}\nseed = 42\nruns = 2\nhorizon_days = 2\n[[group]]\nname = \"only\"\ncount = 2\nregion = \"eastus\"\nscenario = \"server.toml\"\n"
        ),
    )
}

/// A fleet's name names its output folder too: one leading out of output/ is refused.
#[test]
fn a_fleet_name_must_be_a_portable_file_name() {
    let tmp = TempDir::new().unwrap();
    let file = small_fleet(tmp.path(), "\"../../escaped\"");
    let output = within(
        60,
        &["fleet", file.to_str().unwrap(), "--no-charts"],
        tmp.path(),
    );
    refused(&output, &["name"]);
    assert!(!tmp.path().join("output").exists());
}

/// A recovery of `server` starting at `started` added to a fleet record's first run.
fn push_recovery(record: &mut serde_json::Value, server: u32, started: i64) {
    record["records"][0]["recoveries"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({
            "server": server, "kind": "incident", "started": started, "outcome": "restored",
            "wait_s": 0.0, "restore_s": 0.0, "downtime_s": 0.0, "data_lost_s": 0.0
        }));
}

/// `fleet FILE --shard 1/2` and `2/2` into `PREFIX-1` and `PREFIX-2` under `dir`.
fn fleet_in_two_shards(dir: &Path, file: &Path, prefix: &str) -> Vec<PathBuf> {
    (1..=2)
        .map(|i| {
            let out = dir.join(format!("{prefix}-{i}"));
            let output = within(
                120,
                &[
                    "fleet",
                    file.to_str().unwrap(),
                    "--shard",
                    &format!("{i}/2"),
                    "--no-charts",
                    "--out",
                    out.to_str().unwrap(),
                ],
                dir,
            );
            assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
            out
        })
        .collect()
}

/// A fleet shard's record is untrusted like a sweep's: a link, an absurd run count or runs that
/// are not the shard's are refused naming the file, quickly, with nothing written.
#[test]
fn fleet_merge_treats_every_shard_record_as_untrusted() {
    let tmp = TempDir::new().unwrap();
    let file = small_fleet(tmp.path(), "\"fleet\"");
    let shards = fleet_in_two_shards(tmp.path(), &file, "shard");
    let record = "fleet_runs.json";
    type Damage = Box<dyn Fn(&Path)>;
    let cases: Vec<(&str, Damage)> = vec![
        (
            "a record linked to /dev/zero",
            Box::new(move |a: &Path| {
                fs::remove_file(a.join(record)).unwrap();
                std::os::unix::fs::symlink("/dev/zero", a.join(record)).unwrap();
            }),
        ),
        (
            "four billion runs",
            Box::new(move |a: &Path| {
                edit_json(&a.join(record), |v| v["runs"] = 4_294_967_295u32.into())
            }),
        ),
        (
            "a run of another shard",
            Box::new(move |a: &Path| {
                edit_json(&a.join(record), |v| v["records"][0]["run"] = 1.into())
            }),
        ),
        (
            "shard 0 of 0",
            Box::new(move |a: &Path| {
                edit_json(&a.join(record), |v| v["shard"] = serde_json::json!([0, 0]))
            }),
        ),
        (
            "a recovery of a server the fleet does not have",
            Box::new(move |a: &Path| edit_json(&a.join(record), |v| push_recovery(v, 7, 0))),
        ),
        (
            "a recovery that starts past the run",
            Box::new(move |a: &Path| {
                edit_json(&a.join(record), |v| {
                    push_recovery(v, 0, 1_000_000_000_000_000)
                })
            }),
        ),
        (
            "an outage of a region the fleet does not have",
            Box::new(move |a: &Path| {
                edit_json(&a.join(record), |v| {
                    v["records"][0]["outages"]
                        .as_array_mut()
                        .unwrap()
                        .push(serde_json::json!({
                            "region": 7, "start": 0, "hours": 1.0, "affected": 0,
                            "serving_hours": [], "geo_restored": 0, "region_returned": 0,
                            "data_lost_s_mean": 0.0, "wait_s_mean": 0.0, "wait_s_max": 0.0
                        }))
                })
            }),
        ),
        (
            "a fleet cost that is not its regions' bills",
            Box::new(move |a: &Path| {
                edit_json(&a.join(record), |v| {
                    v["records"][0]["fleet"]["cost_per_month"] = 1e308.into()
                })
            }),
        ),
        (
            "a server's downtime below zero",
            Box::new(move |a: &Path| {
                edit_json(&a.join(record), |v| {
                    v["records"][0]["servers"][1]["downtime_hours"] = (-3.0).into()
                })
            }),
        ),
        (
            // Printed as a mean of -1.25 recoveries per server, exit 0.
            "a group's recoveries below zero",
            Box::new(move |a: &Path| {
                edit_json(&a.join(record), |v| {
                    v["records"][0]["groups"][0]["recoveries"] = (-5.0).into()
                })
            }),
        ),
        (
            // Merged with exit 0: a mean of 5e307, its CI [null, null], a 300-digit number.
            "a group's rpo_p95_s of 1e308",
            Box::new(move |a: &Path| {
                edit_json(&a.join(record), |v| {
                    v["records"][0]["groups"][0]["rpo_p95_s"] = 1e308.into()
                })
            }),
        ),
        (
            "a group's rpo_p95_s above its rpo_max_s",
            Box::new(move |a: &Path| {
                edit_json(&a.join(record), |v| {
                    v["records"][0]["groups"][0]["rpo_p95_s"] = 1000.0.into()
                })
            }),
        ),
        (
            "a recovery's wait of 1e300",
            Box::new(move |a: &Path| {
                edit_json(&a.join(record), |v| {
                    push_recovery(v, 0, 0);
                    v["records"][0]["recoveries"][0]["wait_s"] = 1e300.into()
                })
            }),
        ),
        (
            "ten thousand and one --set overrides",
            Box::new(move |a: &Path| {
                edit_json(&a.join(record), |v| {
                    v["provenance"]["overrides"] = vec![""; 10_001].into()
                })
            }),
        ),
        (
            "a group, a month or a server missing",
            Box::new(move |a: &Path| {
                edit_json(&a.join(record), |v| {
                    for part in ["groups", "months", "servers"] {
                        v["records"][0][part].as_array_mut().unwrap().pop();
                    }
                })
            }),
        ),
    ];
    for (what, damage) in cases {
        let case = TempDir::new().unwrap();
        let copies: Vec<PathBuf> = shards
            .iter()
            .enumerate()
            .map(|(i, from)| {
                let to = case.path().join(format!("s{i}"));
                fs::create_dir(&to).unwrap();
                for entry in fs::read_dir(from).unwrap() {
                    let entry = entry.unwrap();
                    fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
                }
                to
            })
            .collect();
        damage(&copies[0]);
        let merged = case.path().join("merged");
        let output = within(
            20,
            &[
                "merge",
                copies[0].to_str().unwrap(),
                copies[1].to_str().unwrap(),
                "--out",
                merged.to_str().unwrap(),
            ],
            tmp.path(),
        );
        let stderr = stderr_of(&output);
        assert_eq!(output.status.code(), Some(2), "{what}: {stderr}");
        assert!(stderr.contains(record), "{what}: {stderr}");
        // The damaged shard's folder is named, and no figure is printed as hundreds of digits.
        assert!(
            stderr.contains(&copies[0].display().to_string()),
            "{what}: {stderr}"
        );
        assert!(
            !stderr.contains("0000000000000000000000"),
            "{what}: {stderr}"
        );
        assert!(!merged.exists(), "{what}");
    }
}

/// Shards that another backsim wrote were merged by this one, the merged record naming their
/// version for summaries and charts this one computed: refused, naming both versions.
#[test]
fn merge_refuses_shards_of_another_version() {
    let tmp = TempDir::new().unwrap();
    let (a, b) = two_shards(tmp.path());
    let file = small_fleet(tmp.path(), "\"fleet\"");
    let fleet_shards: Vec<PathBuf> = (1..=2)
        .map(|i| {
            let out = tmp.path().join(format!("fleet-{i}"));
            let args = [
                "fleet",
                file.to_str().unwrap(),
                "--shard",
                &format!("{i}/2"),
            ];
            let output = within(
                120,
                &[&args[..], &["--out", out.to_str().unwrap()]].concat(),
                tmp.path(),
            );
            assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
            out
        })
        .collect();
    let ours = env!("CARGO_PKG_VERSION");
    for (shards, record) in [
        (vec![a, b], "sweep.json"),
        (fleet_shards, "fleet_runs.json"),
    ] {
        for shard in &shards {
            edit_json(&shard.join(record), |v| {
                v["provenance"]["backsim_version"] = "0.0.9".into()
            });
        }
        let merged = tmp.path().join("merged");
        let mut args = vec!["merge".to_string()];
        args.extend(shards.iter().map(|s| s.display().to_string()));
        args.extend(["--out".into(), merged.display().to_string()]);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let output = within(20, &args, tmp.path());
        let stderr = stderr_of(&output);
        assert_eq!(output.status.code(), Some(2), "{record}: {stderr}");
        assert!(
            stderr.contains(&format!(
                "written by backsim 0.0.9, and this is backsim {ours}"
            )),
            "{record}: {stderr}"
        );
        assert!(!merged.exists());
    }
}

/// A shard's record names the fleet file merge reads: a named pipe there made merge wait for a
/// writer for ever. Only a regular file is read; the shard's record and its key are named.
#[cfg(unix)]
#[test]
fn fleet_merge_reads_the_fleet_file_only_from_a_regular_file() {
    let tmp = TempDir::new().unwrap();
    let file = small_fleet(tmp.path(), "\"fleet\"");
    let shard = tmp.path().join("shard");
    let output = within(
        120,
        &[
            "fleet",
            file.to_str().unwrap(),
            "--shard",
            "1/1",
            "--no-charts",
            "--out",
            shard.to_str().unwrap(),
        ],
        tmp.path(),
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    let pipe = tmp.path().join("pipe.toml");
    assert!(Command::new("mkfifo")
        .arg(&pipe)
        .status()
        .unwrap()
        .success());
    // Named by its full path, and by a relative one found beside where merge runs.
    for named in [pipe.to_str().unwrap(), "pipe.toml"] {
        edit_json(&shard.join("fleet_runs.json"), |v| {
            v["provenance"]["fleet_file"] = named.into()
        });
        let merged = tmp.path().join("merged");
        let output = within(
            20,
            &[
                "merge",
                shard.to_str().unwrap(),
                "--out",
                merged.to_str().unwrap(),
            ],
            tmp.path(),
        );
        refused(
            &output,
            &[
                "fleet_runs.json",
                "provenance.fleet_file",
                named,
                "not a regular file",
            ],
        );
        assert!(!merged.exists());
    }
}

/// A duration without its unit says what a bare number counts and how to write one, in the
/// scenario's own units (s, m, h, d), never the parsing library's (ns, weeks, "90sec").
#[test]
fn a_duration_without_a_unit_says_how_to_write_one() {
    for (value, says) in [
        // Only the units that bring it in range are offered (a bare 120 for a key that stops
        // at an hour was offered "120m" and "120h").
        (
            "15",
            "15 seconds; with a unit, \"15m\" or \"15h\" is in range",
        ),
        ("100000", "(100000 seconds)"),
        ("\"90\"", "a unit is needed: \"90s\", \"90m\" or \"90h\""),
        ("90x", "unknown unit \"x\"; use s, m, h or d"),
        // Weeks, months and years passed as humantime's, undocumented: "20M" was 20 months.
        (
            "\"20M\"",
            "unknown unit \"M\"; use s, m, h or d: minutes are m, M would be months",
        ),
        ("\"1w\"", "unknown unit \"w\"; use s, m, h or d"),
        ("\"1y\"", "unknown unit \"y\"; use s, m, h or d"),
    ] {
        let out = backsim()
            .args(["validate", "scenarios/default.toml", "--set"])
            .arg(format!("backup.log_backup_interval={value}"))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains(says), "expected {says:?} in {stderr}");
        assert!(
            stderr.contains("between 1m and 1d") || !value.starts_with('1'),
            "{stderr}"
        );
        assert!(
            !stderr.contains("sec or") && !stderr.contains("ns, us"),
            "{stderr}"
        );
    }
}

/// An output path through a file, or a link to nothing, is the path's fault: exit 2 naming
/// --out (it was exit 1, as if the system had failed).
#[test]
fn an_output_path_through_a_file_or_a_dangling_link_is_refused() {
    let tmp = TempDir::new().unwrap();
    let scenario = write(tmp.path(), "s.toml", TINY);
    write(tmp.path(), "afile", "");
    std::os::unix::fs::symlink(tmp.path().join("nowhere"), tmp.path().join("dangling")).unwrap();
    for (out, says) in [
        ("afile/x", "stands in its path"),
        ("dangling", "is a link to nothing"),
    ] {
        let output = within(
            60,
            &[
                "run",
                scenario.to_str().unwrap(),
                "--no-charts",
                "--out",
                out,
            ],
            tmp.path(),
        );
        refused(&output, &["--out", says]);
    }
}

/// A name far too long is echoed by its start and size, not in full.
#[test]
fn a_long_name_is_echoed_short() {
    let name = "n".repeat(100_000);
    let e = parse(
        &format!("name = \"{name}\""),
        Origin::File("s.toml".into()),
        &[],
    )
    .unwrap_err();
    assert!(e.message.len() < 400, "{}", e.message.len());
    assert!(e.message.contains("(100000 bytes)"), "{}", e.message);
}

/// A quoted dotted key at the top is one name: "did you mean `server.vcores`?" for
/// `"server.vcores"` read as a riddle; the message says what the quotes did.
#[test]
fn a_quoted_dotted_key_is_explained() {
    let e = parse(
        "name = \"q\"\n\"server.vcores\" = 4\n",
        Origin::File("s.toml".into()),
        &[],
    )
    .unwrap_err();
    assert!(e.message.contains("in quotes"), "{}", e.message);
    assert!(e.message.contains("vcores under [server]"), "{}", e.message);
}

/// A mistake inside a `--set` value (an unknown field of an inline event) is blamed on that
/// `--set`: spans inside the value were read as places in the file, and the error named
/// `server.db_size_gb` on line 4.
#[test]
fn an_error_inside_a_set_value_is_blamed_on_the_set() {
    let text = "name = \"f\"\nhorizon_days = 30\n[server]\ndb_size_gb = 100\n";
    let e = parse(
        text,
        Origin::File("s.toml".into()),
        &[Override {
            key: "events".into(),
            value: "[{at = \"1d\", action = \"stop\", minutes = 5}]".into(),
        }],
    )
    .unwrap_err();
    assert!(
        matches!(&e.origin, Origin::Argument(a) if a.starts_with("--set events=")),
        "{e:?}"
    );
    assert!(e.message.contains("unknown field `minutes`"), "{e:?}");
    assert_eq!(e.position, None);
}

/// A `--set` of 100,000 characters is echoed by its start and end, not twice in full.
#[test]
fn a_huge_set_argument_is_echoed_short() {
    let tmp = TempDir::new().unwrap();
    let scenario = write(tmp.path(), "s.toml", TINY);
    let huge = format!("{}=1", "k".repeat(100_000));
    let output = within(
        60,
        &["validate", scenario.to_str().unwrap(), "--set", &huge],
        tmp.path(),
    );
    refused(&output, &["characters left out"]);
    assert!(output.stderr.len() < 3_000, "{} bytes", output.stderr.len());
}

// ---- A second fuzz review (after issue 13's work) -------------------------------------------

/// A leap second ("23:59:60") was read as a second lasting two: a start there put every hour,
/// snapshot and month a second early and billed June twice. The run's clock has no leap
/// seconds, so a time that names one is refused wherever a time is taken.
#[test]
fn a_leap_second_is_refused_wherever_a_time_is_taken() {
    let dir = TempDir::new().unwrap();
    let file = write(
        dir.path(),
        "leap.toml",
        &format!("{TINY}start = \"2026-06-30T23:59:60Z\"\n"),
    );
    let out = within(
        60,
        &["run", file.to_str().unwrap(), "--no-charts"],
        dir.path(),
    );
    refused(&out, &["leap.toml:4:9", "start", "leap second"]);
    let plain = write(dir.path(), "plain.toml", TINY);
    let out = within(
        60,
        &[
            "restore",
            plain.to_str().unwrap(),
            "--at",
            "2026-01-05T23:59:60Z",
        ],
        dir.path(),
    );
    refused(&out, &["--at", "leap second"]);
    // Nor a fraction of a second: a start half a second before midnight gave the bill a
    // phantom month and put every later month a row off.
    let out = within(
        60,
        &[
            "run",
            plain.to_str().unwrap(),
            "--set",
            "start=\"2026-01-31T23:59:59.5Z\"",
            "--no-charts",
        ],
        dir.path(),
    );
    refused(&out, &["start", "fraction of a second"]);
}

/// A value given as -0 stayed negative zero through every product: "Load: -0.0 GB/day",
/// "at -0 USD/GB-month", -0.0000 in timeseries.csv. Scenario numbers are read as plain zero.
#[test]
fn a_negative_zero_given_is_plain_zero() {
    let dir = TempDir::new().unwrap();
    let file = write(
        dir.path(),
        "nz.toml",
        &format!("{TINY}[workload]\nbinlog_gb_per_day = -0.0\n[cost]\nprice_per_gb_month = -0.0\n"),
    );
    let out = within(
        60,
        &["run", file.to_str().unwrap(), "--no-charts", "--out", "nz"],
        dir.path(),
    );
    assert!(out.status.success(), "{}", stderr_of(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    let series = fs::read_to_string(dir.path().join("nz/timeseries.csv")).unwrap();
    // The resolved copy of the scenario in the summary and the report too.
    let summary = fs::read_to_string(dir.path().join("nz/summary.json")).unwrap();
    let report = fs::read_to_string(dir.path().join("nz/report.md")).unwrap();
    for shown in [&*text, &series, &summary, &report] {
        assert!(
            !shown
                .split(|c: char| c.is_whitespace() || c == ',')
                .any(|w| w.starts_with("-0")),
            "{shown}"
        );
    }
}

/// A run into an existing output folder swaps the new one in (on Linux in one exchange, which
/// `files.rs`'s unit test checks; a kill in between is not something a test can time). After a
/// replacement the folder holds the new run and nothing is left beside it: not the staging
/// folder the exchange leaves the old run in, nor the old one.
#[test]
fn replacing_an_output_folder_leaves_nothing_beside_it() {
    let dir = TempDir::new().unwrap();
    let file = write(dir.path(), "s.toml", TINY);
    for seed in ["1", "2"] {
        let out = within(
            60,
            &[
                "run",
                file.to_str().unwrap(),
                "--no-charts",
                "--seed",
                seed,
                "--out",
                "o",
            ],
            dir.path(),
        );
        assert!(out.status.success(), "{}", stderr_of(&out));
    }
    let summary = fs::read_to_string(dir.path().join("o/summary.json")).unwrap();
    assert!(
        summary.contains("\"seed\": 2"),
        "the second run is in place"
    );
    let beside: Vec<String> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != "s.toml" && n != "o")
        .collect();
    assert!(beside.is_empty(), "{beside:?}");
}

/// A table given as a list (`cost = ["EUR", 5.0]`) was read by position: the run billed in EUR
/// at 5.0 while the resolved copy showed USD at 0.095, and a currency swept that way went
/// through. Refused, from the file or a --set alike.
#[test]
fn a_table_given_as_a_list_is_refused() {
    let dir = TempDir::new().unwrap();
    let file = write(
        dir.path(),
        "arr.toml",
        &format!("{TINY}server = [\"5.7\", 100, 40]\n"),
    );
    let out = within(60, &["validate", file.to_str().unwrap()], dir.path());
    refused(&out, &["arr.toml:4:10", "`server`", "expected a table"]);
    let plain = write(dir.path(), "plain.toml", TINY);
    let out = within(
        60,
        &[
            "run",
            plain.to_str().unwrap(),
            "--set",
            "cost=[\"EUR\", 5.0]",
            "--no-charts",
        ],
        dir.path(),
    );
    refused(&out, &["--set cost=", "expected a table"]);
}

/// An output folder inside an earlier run's output was accepted, and then that output could not
/// be written again ("holds the folder inner"); a file of calibrate's there did the same.
#[test]
fn nothing_is_written_inside_an_earlier_runs_output() {
    let tmp = TempDir::new().unwrap();
    let path = write(tmp.path(), "s.toml", TINY);
    let p = path.to_str().unwrap();
    let run_into = |out: &str| {
        within(
            60,
            &["run", p, "-q", "--no-charts", "--out", out],
            tmp.path(),
        )
    };
    let first = run_into("out");
    assert_eq!(first.status.code(), Some(0), "{}", stderr_of(&first));
    refused(&run_into("out/inner"), &["--out", "inside", "earlier run"]);
    refused(&run_into("out/a/b"), &["--out", "inside", "earlier run"]);
    let measured = write(
        tmp.path(),
        "m.toml",
        &format!("{TINY}[[restore.measured]]\ndatabase_gb = 100.0\nbinlog_gb = 2.0\ntarget = \"custom\"\nminutes = 30.0\n"),
    );
    let calibrate = within(
        60,
        &[
            "calibrate",
            measured.to_str().unwrap(),
            "--out",
            "out/calibrated.toml",
        ],
        tmp.path(),
    );
    refused(&calibrate, &["--out", "inside", "earlier run"]);
    assert!(!tmp.path().join("out/inner").exists() && !tmp.path().join("out/a").exists());
    let again = run_into("out");
    assert_eq!(again.status.code(), Some(0), "{}", stderr_of(&again));
    // A path that only passes through the output (`..`) ends up beside it, and is fine.
    let beside = within(
        60,
        &["run", p, "-q", "--no-charts", "--out", "../beside"],
        &tmp.path().join("out"),
    );
    assert_eq!(beside.status.code(), Some(0), "{}", stderr_of(&beside));
    let through = run_into("out/../through");
    assert_eq!(through.status.code(), Some(0), "{}", stderr_of(&through));
}

/// Ctrl-C (or a polite kill) during a run left its hidden staging folder, with part of the
/// output, beside the output folder for good; the interrupt now removes it, and the process
/// still dies of the signal (a shell loop stops on a child killed by Ctrl-C, not on exit 130).
/// A hang-up the run was started to ignore (`nohup`) stays ignored.
#[cfg(target_os = "linux")]
#[test]
fn an_interrupted_run_leaves_no_staging_folder() {
    use std::os::unix::process::ExitStatusExt;
    let tmp = TempDir::new().unwrap();
    let path = write(
        tmp.path(),
        "s.toml",
        "name = \"long\"\nhorizon_days = 365\n",
    );
    let staging = || {
        fs::read_dir(tmp.path())
            .unwrap()
            .flatten()
            .any(|e| e.file_name().to_string_lossy().starts_with(".out.new-"))
    };
    let send = |signal: &str, child: &std::process::Child| {
        let sent = Command::new("kill")
            .args([&format!("-{signal}"), &child.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
    };
    for (under_nohup, signal, number) in
        [(false, "INT", 2), (false, "TERM", 15), (true, "TERM", 15)]
    {
        let mut command = if under_nohup {
            let mut nohup = Command::new("nohup");
            nohup.arg(env!("CARGO_BIN_EXE_backsim"));
            nohup
        } else {
            Command::new(env!("CARGO_BIN_EXE_backsim"))
        };
        let mut child = command
            .args(["run", path.to_str().unwrap(), "--runs", "1000000"])
            .args(["--threads", "1", "--no-charts", "-q", "--out", "out"])
            .current_dir(tmp.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let started = Instant::now();
        while !staging() && started.elapsed().as_secs() < 60 {
            std::thread::sleep(Duration::from_millis(20));
        }
        assert!(staging(), "the run made its staging folder");
        if under_nohup {
            send("HUP", &child);
            std::thread::sleep(Duration::from_millis(300));
            assert!(
                child.try_wait().unwrap().is_none(),
                "nohup: a hang-up is ignored"
            );
            assert!(staging());
        }
        send(signal, &child);
        let status = child.wait().unwrap();
        assert_eq!(status.signal(), Some(number), "{signal}: {status:?}");
        assert!(!staging(), "{signal}: the staging folder went with the run");
        assert!(!tmp.path().join("out").exists());
    }
}

/// Turning on zone-redundant HA with `--set` over a file that says `redundancy = "local"` is
/// refused, and the message gives a way out a `--set` can take (it advised leaving the key out
/// of the file, which an override cannot do); following it runs.
#[test]
fn ha_over_local_redundancy_says_how_to_override_both() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = within(
        60,
        &[
            "validate",
            "scenarios/default.toml",
            "--set",
            "server.ha=\"zone-redundant\"",
        ],
        root,
    );
    refused(&out, &["backup.redundancy", "--set backup.redundancy=zone"]);
    let ok = within(
        60,
        &[
            "validate",
            "scenarios/default.toml",
            "--set",
            "server.ha=\"zone-redundant\"",
            "--set",
            "backup.redundancy=zone",
        ],
        root,
    );
    assert_eq!(ok.status.code(), Some(0), "{}", stderr_of(&ok));
}

/// Lists in a shard's record were built whole before anything checked them: ten million empty
/// `--set`s (30 MB) took 1.4 GB and came out as "the --set overrides differs", forty million
/// values of a swept key (160 MB) 2.4 GB. Each list is refused, by its key, at its first entry
/// past what a run writes; a list a hundred times past it is refused as fast as one just past.
#[test]
fn merge_refuses_absurd_lists_while_reading_them() {
    let tmp = TempDir::new().unwrap();
    let file = small_fleet(tmp.path(), "\"fleet\"");
    let fleet_shards = fleet_in_two_shards(tmp.path(), &file, "fleet");
    let (a, b) = two_shards(tmp.path());
    // Written as text: a JSON tree of millions of values would take the test itself gigabytes.
    let replace = |path: &Path, from: &str, to: &str| {
        let text = fs::read_to_string(path).unwrap();
        assert!(text.contains(from), "{from} in {}", path.display());
        fs::write(path, text.replacen(from, to, 1)).unwrap();
    };
    let many = |item: &str, n: usize| format!("[{}]", vec![item; n].join(","));
    let fleet_record = fleet_shards[0].join("fleet_runs.json");
    replace(
        &fleet_record,
        "\"overrides\":[]",
        &format!("\"overrides\":{}", many("\"\"", 2_000_000)),
    );
    let merged = tmp.path().join("merged");
    let output = within(
        20,
        &[
            "merge",
            fleet_shards[0].to_str().unwrap(),
            fleet_shards[1].to_str().unwrap(),
            "--out",
            merged.to_str().unwrap(),
        ],
        tmp.path(),
    );
    refused(
        &output,
        &[
            &fleet_record.display().to_string(),
            "`provenance.overrides` lists more than 10000 entries",
        ],
    );
    let sweep_cases = [
        (
            "\"rows\": [\n    0,\n    2\n  ]",
            format!("\"rows\": {}", many("0", 2_000_000)),
            "`rows` lists more than 100000 entries",
        ),
        (
            "\"values\": [\n      [\n        \"1\",\n        \"2\",\n        \"3\"\n      ]\n    ]",
            format!("\"values\": [{}]", many("\"1\"", 2_000_000)),
            "`grid.values` lists more than 100000 entries",
        ),
        (
            "\"scenario\": {\n      \"name\"",
            format!("\"scenario\": {}, \"x\": {{\"name\"", many("0", 3_000_000)),
            "`provenance.scenario` holds more than",
        ),
    ];
    for (from, to, expected) in sweep_cases {
        let case = TempDir::new().unwrap();
        let copy = case.path().join("a");
        fs::create_dir(&copy).unwrap();
        for name in ["sweep.json", "sweep.csv"] {
            fs::copy(a.join(name), copy.join(name)).unwrap();
        }
        replace(&copy.join("sweep.json"), from, &to);
        let output = within(
            20,
            &[
                "merge",
                copy.to_str().unwrap(),
                b.to_str().unwrap(),
                "--out",
                merged.to_str().unwrap(),
            ],
            tmp.path(),
        );
        refused(&output, &["sweep.json", expected]);
    }
    assert!(!merged.exists());
}

/// `[defaults]` dropped without a word what `[group.set]` refuses (the fleet-wide settings,
/// a group's name and region): refused the same way, at the key, a region's key still taken.
#[test]
fn fleet_defaults_refuse_what_a_group_cannot_set() {
    let tmp = TempDir::new().unwrap();
    small_fleet(tmp.path(), "\"fleet\"");
    let cases = [
        (
            "name = \"x\"",
            "defaults.name",
            "the group's own name key sets it",
        ),
        (
            "runs = 3",
            "defaults.runs",
            "a fleet-wide setting: set runs at the top",
        ),
        (
            "horizon_days = 3",
            "defaults.horizon_days",
            "a fleet-wide setting: set horizon_days at the top",
        ),
        (
            "server.region = \"westus\"",
            "defaults.server.region",
            "the group's own region key sets it",
        ),
    ];
    for (line, key, expected) in cases {
        let path = write(
            tmp.path(),
            "defaults.toml",
            &format!("name = \"fleet\"\nruns = 2\nhorizon_days = 2\n[defaults]\n{line}\n[[group]]\nname = \"only\"\ncount = 2\nregion = \"eastus\"\nscenario = \"server.toml\"\n"),
        );
        let output = within(60, &["validate", path.to_str().unwrap()], tmp.path());
        refused(&output, &["defaults.toml:5:1", key, expected]);
    }
    let path = write(
        tmp.path(),
        "defaults.toml",
        "name = \"fleet\"\nruns = 2\nhorizon_days = 2\n[defaults]\nrestore.slots_per_region = 3\n[[group]]\nname = \"only\"\ncount = 2\nregion = \"eastus\"\nscenario = \"server.toml\"\n",
    );
    let output = within(60, &["validate", path.to_str().unwrap()], tmp.path());
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
}

/// Messages that named the wrong thing: an oversized fleet record was "more than a sweep
/// writes", a `[sweep]` table swept inside itself blamed its value, and a point of the file's
/// own `[sweep]` table was named without the file.
#[test]
fn merge_and_sweep_messages_name_what_is_wrong_and_where() {
    let tmp = TempDir::new().unwrap();
    let file = small_fleet(tmp.path(), "\"fleet\"");
    let shard = tmp.path().join("fleet-1");
    let output = within(
        120,
        &[
            "fleet",
            file.to_str().unwrap(),
            "--shard",
            "1/2",
            "--no-charts",
            "--out",
            shard.to_str().unwrap(),
        ],
        tmp.path(),
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    // Sparse: its size is what is refused, before a byte is read.
    fs::File::options()
        .write(true)
        .open(shard.join("fleet_runs.json"))
        .unwrap()
        .set_len((1 << 30) + 1)
        .unwrap();
    let output = within(20, &["merge", shard.to_str().unwrap()], tmp.path());
    refused(&output, &["fleet_runs.json", "a fleet record takes"]);
    assert!(
        !stderr_of(&output).contains("sweep"),
        "{}",
        stderr_of(&output)
    );

    let swept = write(
        tmp.path(),
        "swept.toml",
        "name = \"g\"\nhorizon_days = 2\nruns = 2\n[sweep]\n\"sweep.x\" = [1]\n",
    );
    let output = within(60, &["validate", swept.to_str().unwrap()], tmp.path());
    refused(&output, &["swept.toml:5:", "sweep.x cannot be swept"]);
    assert!(!stderr_of(&output).contains("the value 1"));

    let point = write(
        tmp.path(),
        "point.toml",
        "name = \"g\"\nhorizon_days = 2\nruns = 2\n[sweep]\nwarmup_days = [\"0d\", \"1d\"]\nhorizon_days = [1, 5]\n",
    );
    let output = within(
        60,
        &[
            "sweep",
            point.to_str().unwrap(),
            "--no-charts",
            "--out",
            "p",
        ],
        tmp.path(),
    );
    refused(
        &output,
        &["point.toml:5:", "key `warmup_days`", "sweep point 2"],
    );
}
