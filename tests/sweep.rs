//! Monte Carlo at scale: sweeps, shards and merge, confidence intervals, common random numbers,
//! and running to a target precision.

mod common;
use common::{backsim, with, SMALL_VAULT};

use std::fs;
use std::path::Path;

use backsim::analysis::figures::{relative_half_width, worst_headline_half_width};
use backsim::analysis::HEADLINE;
use backsim::montecarlo::{run_replications, run_to_target};
use backsim::stats::mean_ci95;
use backsim::sweep::{run_sweep, Grid, Shard};
use predicates::prelude::*;
use tempfile::TempDir;

/// Random enough to have confidence intervals: bursts, failures, incidents.
const NOISY: &str = r#"
name = "noisy"
horizon_days = 14
runs = 12
[workload]
bursts_per_day = 2
burst_multiplier = 4
burst_hours = 2
[backup]
snapshot_failure_pct = 10
[outages]
incidents_per_year = 20
[sweep]
"backup.retention_days" = [3, 7, 14]
"workload.binlog_gb_per_day" = [20, 40]
"#;

fn write(dir: &Path, text: &str) -> std::path::PathBuf {
    let p = dir.join("s.toml");
    fs::write(&p, text).unwrap();
    p
}

fn sweep(dir: &Path, scenario: &Path, name: &str, extra: &[&str]) -> std::path::PathBuf {
    common::backsim_into("sweep", scenario, dir, name, extra)
}

#[test]
fn sweep_grid_has_one_row_per_point_with_the_keys_as_columns() {
    let tmp = TempDir::new().unwrap();
    let s = write(tmp.path(), NOISY);
    let out = sweep(
        tmp.path(),
        &s,
        "grid",
        &["--vary", "backup.redundancy=local,geo"],
    );
    let text = fs::read_to_string(out.join("sweep.csv")).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    assert!(header.starts_with(
        "point,backup.retention_days,workload.binlog_gb_per_day,backup.redundancy,runs,"
    ));
    for f in HEADLINE {
        for s in ["mean", "ci95_lo", "ci95_hi"] {
            assert!(header.contains(&format!("{f}_{s}")), "{f}_{s}");
        }
    }
    assert_eq!(lines.count(), 3 * 2 * 2, "one row per point");
}

#[test]
fn sweep_is_identical_at_any_thread_count_and_changes_with_the_seed() {
    let tmp = TempDir::new().unwrap();
    let s = write(tmp.path(), NOISY);
    let one = sweep(tmp.path(), &s, "t1", &["--threads", "1"]);
    let two = sweep(tmp.path(), &s, "t2", &["--threads", "2"]);
    assert_eq!(
        fs::read(one.join("sweep.csv")).unwrap(),
        fs::read(two.join("sweep.csv")).unwrap()
    );
    let other = sweep(tmp.path(), &s, "seed", &["--seed", "9"]);
    assert_ne!(
        fs::read(one.join("sweep.csv")).unwrap(),
        fs::read(other.join("sweep.csv")).unwrap()
    );
}

#[test]
fn shards_merge_into_exactly_the_unsharded_sweep() {
    let tmp = TempDir::new().unwrap();
    let s = write(tmp.path(), NOISY);
    let whole = sweep(tmp.path(), &s, "whole", &[]);
    let shards: Vec<_> = (1..=4)
        .map(|i| {
            sweep(
                tmp.path(),
                &s,
                &format!("shard{i}"),
                &["--shard", &format!("{i}/4")],
            )
        })
        .collect();
    let merged = tmp.path().join("merged");
    backsim()
        .arg("merge")
        .args(&shards)
        .arg("--out")
        .arg(&merged)
        .assert()
        .success();
    for f in ["sweep.csv", "sweep.json"] {
        assert!(
            fs::read(whole.join(f)).unwrap() == fs::read(merged.join(f)).unwrap(),
            "{f} differs"
        );
    }
    // A merge never writes into one of its inputs.
    backsim()
        .arg("merge")
        .args(&shards)
        .arg("--out")
        .arg(&shards[0])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("overwrite"));
    // Without --out the merge lands where the unsharded sweep would: output/<name>-sweep/.
    backsim()
        .current_dir(tmp.path())
        .arg("merge")
        .args(&shards)
        .arg("--no-charts")
        .assert()
        .success();
    assert_eq!(
        fs::read(tmp.path().join("output/noisy-sweep/sweep.csv")).unwrap(),
        fs::read(whole.join("sweep.csv")).unwrap()
    );
    // A missing shard, or a shard of another sweep, is refused.
    backsim()
        .arg("merge")
        .args(&shards[..3])
        .arg("--out")
        .arg(tmp.path().join("partial"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("missing"));
    let other = sweep(tmp.path(), &s, "other", &["--shard", "4/4", "--seed", "3"]);
    let mut mixed = shards[..3].to_vec();
    mixed.push(other);
    backsim()
        .arg("merge")
        .args(&mixed)
        .arg("--out")
        .arg(tmp.path().join("mixed"))
        .assert()
        .code(2)
        // What differs is named: here the seed.
        .stderr(predicate::str::contains("different sweep: "))
        .stderr(predicate::str::contains("the seed"));
    // A shard named twice: both folders are named.
    let mut twice = shards.clone();
    twice.push(shards[1].clone());
    backsim()
        .arg("merge")
        .args(&twice)
        .arg("--out")
        .arg(tmp.path().join("twice"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains(format!(
            "is in both {} and {}",
            shards[1].display(),
            shards[1].display()
        )));
}

/// Merge refused identical shards whose command lines were typed differently (flag order,
/// `--runs=7` or `--runs 7`, `./s.toml` or `s.toml`, --json, --no-charts, --threads), which
/// bit a shard run again by hand: it compares what decides the results. A difference there is
/// still refused, named; and shards that disagree on --y-from-data, which the merged charts
/// follow, are refused naming both.
#[test]
fn shards_typed_differently_merge_when_their_results_are_the_same() {
    let tmp = TempDir::new().unwrap();
    write(tmp.path(), NOISY);
    let run = |out: &str, args: &[&str]| {
        backsim()
            .current_dir(tmp.path())
            .args(args)
            .args(["--out", out])
            .assert()
            .success();
        tmp.path().join(out)
    };
    let whole = run(
        "whole",
        &[
            "sweep",
            "s.toml",
            "--runs",
            "7",
            "--set",
            "backup.snapshot_failure_pct=5",
            "--set",
            "outages.incidents_per_year=9",
            "--no-charts",
        ],
    );
    let one = run(
        "one",
        &[
            "sweep",
            "s.toml",
            "--shard",
            "1/2",
            "--runs",
            "7",
            "--set",
            "backup.snapshot_failure_pct=5",
            "--set",
            "outages.incidents_per_year=9",
        ],
    );
    let two = run(
        "two",
        &[
            "-q",
            "sweep",
            "./s.toml",
            "--set",
            "outages.incidents_per_year = 9",
            "--no-charts",
            "--json",
            "--threads",
            "1",
            "--set",
            "backup.snapshot_failure_pct=5",
            "--runs=7",
            "--shard=2/2",
        ],
    );
    let merged = tmp.path().join("merged");
    backsim()
        .arg("merge")
        .args([&one, &two])
        .arg("--out")
        .arg(&merged)
        .assert()
        .success();
    assert_eq!(
        fs::read(merged.join("sweep.csv")).unwrap(),
        fs::read(whole.join("sweep.csv")).unwrap()
    );
    // A shard run without --no-charts draws no more charts than one run with it.
    assert!(!merged.join("sweep_cost_per_month.png").exists());
    // A value that changes the results is still a different sweep, and is named.
    let other = run(
        "other",
        &[
            "sweep",
            "s.toml",
            "--shard",
            "2/2",
            "--runs",
            "7",
            "--set",
            "backup.snapshot_failure_pct=6",
            "--set",
            "outages.incidents_per_year=9",
        ],
    );
    backsim()
        .arg("merge")
        .args([&one, &other])
        .arg("--out")
        .arg(tmp.path().join("refused"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("the --set overrides"));
    let y = run(
        "y",
        &[
            "sweep",
            "s.toml",
            "--shard",
            "2/2",
            "--runs",
            "7",
            "--set",
            "backup.snapshot_failure_pct=5",
            "--set",
            "outages.incidents_per_year=9",
            "--y-from-data",
        ],
    );
    backsim()
        .arg("merge")
        .args([&one, &y])
        .arg("--out")
        .arg(tmp.path().join("refused"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains(format!(
            "{} ran with --y-from-data and {} without",
            y.display(),
            one.display()
        )));
    assert!(!tmp.path().join("refused").exists());
}

#[test]
fn sweep_bad_input_is_exit_2() {
    let tmp = TempDir::new().unwrap();
    let s = write(tmp.path(), NOISY);
    backsim()
        .arg("sweep")
        .arg(&s)
        .args(["--vary", "backup.retention_days=7,99"])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("backup.retention_days")
                .and(predicate::str::contains("1 to 35")),
        );
    backsim()
        .arg("sweep")
        .arg(&s)
        .args(["--vary", "backup.retentoin=7"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("retentoin"));
    backsim()
        .arg("sweep")
        .arg(&s)
        .args(["--shard", "5/4"])
        .assert()
        .code(2);
    let plain = tmp.path().join("plain.toml");
    fs::write(&plain, "name = \"p\"\n").unwrap();
    backsim()
        .arg("sweep")
        .arg(&plain)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("nothing to sweep"));
}

fn noisy(sets: &[(&str, &str)]) -> backsim::scenario::Scenario {
    with(NOISY, sets)
}

/// Four times the replications, half the interval: the CI narrows about √k-fold.
#[test]
fn ci_narrows_with_the_square_root_of_replications() {
    let s = noisy(&[]);
    let width = |runs: u32| {
        let reps = run_replications(&s.config, s.seed, runs, None, &|| {});
        let v: Vec<f64> = reps
            .metrics
            .iter()
            .map(|m| m.storage.mean_storage_gb)
            .collect();
        mean_ci95(&v).half_width().unwrap()
    };
    let ratio = width(32) / width(128);
    assert!(
        (1.4..=2.9).contains(&ratio),
        "4× replications narrowed the CI {ratio:.2}×"
    );
}

/// Common random numbers: comparing two sweep points on the same streams gives a paired
/// difference whose CI is far narrower than with independent streams.
#[test]
fn common_random_numbers_narrow_the_paired_difference() {
    let a = noisy(&[("workload.binlog_gb_per_day", "30")]);
    let b = noisy(&[("workload.binlog_gb_per_day", "33")]);
    let runs = 40;
    let storage = |s: &backsim::scenario::Scenario, seed: u64| -> Vec<f64> {
        run_replications(&s.config, seed, runs, None, &|| {})
            .metrics
            .iter()
            .map(|m| m.storage.mean_storage_gb)
            .collect()
    };
    let base = storage(&a, 1);
    let paired: Vec<f64> = storage(&b, 1)
        .iter()
        .zip(&base)
        .map(|(x, y)| x - y)
        .collect();
    let independent: Vec<f64> = storage(&b, 2)
        .iter()
        .zip(&base)
        .map(|(x, y)| x - y)
        .collect();
    let crn = mean_ci95(&paired).half_width().unwrap();
    let ind = mean_ci95(&independent).half_width().unwrap();
    assert!(
        crn * 3.0 < ind,
        "CRN half-width {crn:.3} vs independent {ind:.3}"
    );
    // Same sign of effect either way: more binlog, more storage.
    assert!(mean_ci95(&paired).mean > 0.0);
}

/// Common random numbers through the sweep itself: changing HA changes how zone outages are
/// recovered, never when they happen.
#[test]
fn sweep_points_share_their_random_streams() {
    let tmp = TempDir::new().unwrap();
    let path = tmp.path().join("ha.toml");
    fs::write(
        &path,
        "name = \"ha\"\nhorizon_days = 60\nruns = 6\n[outages]\nzone_outages_per_year = 12\nincidents_per_year = 6\n[sweep]\n\"server.ha\" = [\"none\", \"zone-redundant\"]\n",
    )
    .unwrap();
    let base = backsim::scenario::load(&path, &[]).unwrap();
    let grid = Grid::new(&base, &[]).unwrap();
    let points = run_sweep(&path, &[], &grid, Shard::WHOLE, &|| {}).unwrap();
    let outages = |p: usize| -> Vec<u64> {
        points[p]
            .reps
            .metrics
            .iter()
            .map(|m| m.recoveries.zone_outages)
            .collect()
    };
    let incidents = |p: usize| -> Vec<u64> {
        points[p]
            .reps
            .metrics
            .iter()
            .map(|m| m.recoveries.incidents)
            .collect()
    };
    assert_eq!(outages(0), outages(1));
    assert_eq!(incidents(0), incidents(1));
    assert!(outages(0).iter().sum::<u64>() > 0);
    // And the recoveries do differ: failovers with zone-redundant HA only.
    assert!(points[0]
        .reps
        .metrics
        .iter()
        .all(|m| m.recoveries.failovers == 0));
    assert!(
        points[1]
            .reps
            .metrics
            .iter()
            .map(|m| m.recoveries.failovers)
            .sum::<u64>()
            > 0
    );
}

#[test]
fn target_ci_adds_replications_until_precise_and_is_thread_independent() {
    let s = noisy(&[]);
    let (reps, outcome) = run_to_target(
        &s.config,
        s.seed,
        4,
        0.01,
        4096,
        &worst_headline_half_width,
        None,
        &|| {},
    );
    assert!(outcome.reached);
    assert!(reps.len() > 4, "needed more than the first batch");
    for &figure in HEADLINE {
        assert!(
            relative_half_width(&reps.metrics, figure) <= 0.01,
            "{}",
            figure.name()
        );
    }
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let (again, _) = one.install(|| {
        run_to_target(
            &s.config,
            s.seed,
            4,
            0.01,
            4096,
            &worst_headline_half_width,
            None,
            &|| {},
        )
    });
    assert_eq!(again.metrics, reps.metrics);
}

#[test]
fn target_ci_on_the_command_line() {
    let tmp = TempDir::new().unwrap();
    let s = write(tmp.path(), NOISY);
    let out = backsim()
        .arg("run")
        .arg(&s)
        .args(["--target-ci", "0.02", "--runs", "4", "--json", "--out"])
        .arg(tmp.path().join("o"))
        .assert()
        .success();
    let json: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(json["target_ci"]["reached"], true);
    assert!(json["runs"].as_u64().unwrap() > 4);
    // Bad values are refused before anything is written.
    let refused = tmp.path().join("refused");
    backsim()
        .arg("run")
        .arg(&s)
        .args(["--target-ci", "2", "--out"])
        .arg(&refused)
        .assert()
        .code(2);
    backsim()
        .arg("run")
        .arg(&s)
        .args(["--target-ci", "0.1", "--max-runs", "1", "--out"])
        .arg(&refused)
        .assert()
        .code(2);
    assert!(!refused.exists(), "no output folder for refused arguments");
}

fn cases_file(dir: &Path, text: &str) -> std::path::PathBuf {
    let p = dir.join("cases.csv");
    fs::write(&p, text).unwrap();
    p
}

/// A list of cases is the whole sweep: a grid beside it, from --vary or from the scenario's
/// [sweep] table (once dropped without a word), is refused the same way, before anything runs.
#[test]
fn cases_refuse_a_grid_beside_them_from_vary_or_the_sweep_table() {
    let tmp = TempDir::new().unwrap();
    let cases = cases_file(tmp.path(), "server.vcores\n2\n8\n");
    let with_table = write(tmp.path(), NOISY);
    let plain = tmp.path().join("plain.toml");
    fs::write(&plain, "name = \"p\"\nruns = 2\nhorizon_days = 10\n").unwrap();
    let never = tmp.path().join("never");
    for (scenario, vary, named) in [
        (&with_table, None, "the scenario's [sweep] table"),
        (&plain, Some("backup.retention_days=7,14"), "--vary"),
    ] {
        let mut command = backsim();
        command
            .arg("sweep")
            .arg(scenario)
            .arg("--cases")
            .arg(&cases)
            .arg("--out")
            .arg(&never);
        if let Some(vary) = vary {
            command.args(["--vary", vary]);
        }
        command.assert().code(2).stderr(
            predicate::str::contains("--cases: replaces the grid")
                .and(predicate::str::contains(named)),
        );
        assert!(!never.exists());
    }
    // The table's keys are named, so that the user can find it.
    backsim()
        .arg("sweep")
        .arg(&with_table)
        .arg("--cases")
        .arg(&cases)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "backup.retention_days, workload.binlog_gb_per_day",
        ));
}

/// The grid a `[sweep]` table (written after a small scenario's own keys) gives.
fn grid_of_table(table: &str) -> Result<Grid, String> {
    let text = format!("name = \"t\"\nruns = 2\nhorizon_days = 10\n{table}");
    let tmp = TempDir::new().unwrap();
    let path = write(tmp.path(), &text);
    let base = backsim::scenario::load(&path, &[]).map_err(|e| e.to_string())?;
    Grid::new(&base, &[]).map_err(|e| e.to_string())
}

fn retention_and_binlog() -> Grid {
    Grid {
        keys: vec![
            "backup.retention_days".into(),
            "workload.binlog_gb_per_day".into(),
        ],
        values: vec![
            vec!["7".into(), "14".into()],
            vec!["20".into(), "40".into()],
        ],
        cases: None,
        varied: Vec::new(),
    }
}

#[test]
fn a_sweep_table_takes_quoted_dotted_keys() {
    let grid = grid_of_table(
        "[sweep]\n\"backup.retention_days\" = [7, 14]\n\"workload.binlog_gb_per_day\" = [20, 40]\n",
    );
    assert_eq!(grid.unwrap(), retention_and_binlog());
}

/// Unquoted, `backup.retention_days = [7, 14]` is TOML for a nested table; it once failed with
/// "key sweep.backup: must be a non-empty list of values".
#[test]
fn a_sweep_table_takes_unquoted_dotted_keys_and_nested_tables() {
    for table in [
        "[sweep]\nbackup.retention_days = [7, 14]\nworkload.binlog_gb_per_day = [20, 40]\n",
        "[sweep]\nbackup.retention_days = [7, 14]\n\"workload.binlog_gb_per_day\" = [20, 40]\n",
        "[sweep.backup]\nretention_days = [7, 14]\n[sweep.workload]\nbinlog_gb_per_day = [20, 40]\n",
    ] {
        assert_eq!(grid_of_table(table), Ok(retention_and_binlog()), "{table}");
    }
    // A bad value is still blamed on its entry, with its line; a key spelt both ways at once,
    // or an entry that is not a list, is refused with its dotted name.
    let err = grid_of_table("[sweep]\nbackup.retention_days = [7, 99]\n").unwrap_err();
    assert!(
        err.contains(":5:25:") && err.contains("backup.retention_days") && err.contains("1 to 35"),
        "{err}"
    );
    let err =
        grid_of_table("[sweep]\n\"backup.retention_days\" = [7]\nbackup.retention_days = [14]\n")
            .unwrap_err();
    assert!(
        err.contains("sweep.backup.retention_days") && err.contains("swept twice"),
        "{err}"
    );
    let err = grid_of_table("[sweep]\nbackup.retention_days = 7\n").unwrap_err();
    assert!(
        err.contains("sweep.backup.retention_days") && err.contains("non-empty list"),
        "{err}"
    );
}

/// Of two bad keys in a `[sweep]` table the first in the file is named, as --vary names the
/// first given: the table was checked in key order, so `backup.foo` on line 4 was passed over
/// for `backup.bar` on line 5.
#[test]
fn of_two_bad_sweep_keys_the_first_in_the_file_is_named() {
    for (table, first) in [
        (
            "[sweep]\n\"backup.foo\" = [1, 2]\n\"backup.bar\" = [1, 2]\n",
            ":5:16: key `sweep.\"backup.foo\"`",
        ),
        (
            "[sweep]\n\"workload.diurnal[30]\" = [1]\n\"workload.diurnal[40]\" = [1]\n",
            ":5:26: key `sweep.\"workload.diurnal[30]\"`",
        ),
    ] {
        let err = grid_of_table(table).unwrap_err();
        assert!(err.contains(first), "{table}: {err}");
    }
    let tmp = TempDir::new().unwrap();
    sweep_refused(
        tmp.path(),
        &["--vary", "backup.foo=1,2", "--vary", "backup.bar=1,2"],
        "key `backup.foo`",
    );
}

/// A case listed twice runs twice, to the same results: said on stderr (not under -q), naming
/// the rows, so that a slip in the file does not pass unseen.
#[test]
fn repeated_cases_are_named_on_stderr_unless_quiet() {
    let tmp = TempDir::new().unwrap();
    let s = tmp.path().join("plain.toml");
    fs::write(&s, "name = \"p\"\nruns = 2\nhorizon_days = 10\n").unwrap();
    let run = |cases: &Path, quiet: bool| {
        let mut command = backsim();
        if quiet {
            command.arg("-q");
        }
        let out = command
            .arg("sweep")
            .arg(&s)
            .arg("--cases")
            .arg(cases)
            .args(["--no-charts", "--out"])
            .arg(tmp.path().join("out"))
            .assert()
            .success();
        String::from_utf8(out.get_output().stderr.clone()).unwrap()
    };
    let repeated = cases_file(
        tmp.path(),
        "server.vcores,backup.redundancy\n2,local\n4,geo\n2,local\n8,geo\n4,geo\n4,\"geo\"\n",
    );
    let said = run(&repeated, false);
    assert!(
        said.contains("rows 1 and 3") && said.contains("rows 2, 5 and 6"),
        "{said}"
    );
    let rows = fs::read_to_string(tmp.path().join("out/sweep.csv")).unwrap();
    assert_eq!(rows.lines().count(), 1 + 6, "every row still runs");
    assert_eq!(run(&repeated, true), "");
    let distinct = cases_file(tmp.path(), "server.vcores\n2\n4\n");
    assert!(!run(&distinct, false).contains("more than once"));
}

/// A small scenario with no [sweep] table, in `dir`.
fn plain(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("plain.toml");
    fs::write(&path, "name = \"p\"\nruns = 2\nhorizon_days = 10\n").unwrap();
    path
}

/// `sweep PLAIN ARGS` exits 2 saying `says`, and writes nothing.
fn sweep_refused(dir: &Path, args: &[&str], says: &str) {
    let never = dir.join("never");
    backsim()
        .arg("sweep")
        .arg(plain(dir))
        .args(args)
        .arg("--out")
        .arg(&never)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(says));
    assert!(!never.exists());
}

/// A key given twice, by two `--vary` or two columns of a cases file, is refused naming it: the
/// later values replaced the earlier without a word (7 and 14 never ran), and a cases row
/// showed both vCores while it ran with the second.
#[test]
fn a_key_swept_twice_is_refused() {
    let tmp = TempDir::new().unwrap();
    let twice = [
        "--vary",
        "backup.retention_days=7,14",
        "--vary",
        "backup.retention_days=35",
    ];
    sweep_refused(
        tmp.path(),
        &twice,
        "--vary: backup.retention_days is varied twice",
    );
    // An empty value between commas was dropped: two points ran where three were meant.
    sweep_refused(
        tmp.path(),
        &["--vary", "backup.retention_days=7,,14"],
        "with a value between every two commas",
    );
    let cases = cases_file(tmp.path(), "server.vcores,server.vcores\n2,4\n");
    sweep_refused(
        tmp.path(),
        &["--cases", cases.to_str().unwrap()],
        "cases.csv:1:15: key `header, column server.vcores`: names the same key as column 1",
    );
    // A table's column beside one of its keys ran the later one while the row showed both.
    let cases = cases_file(
        tmp.path(),
        "backup,backup.retention_days\n{retention_days=3},5\n",
    );
    sweep_refused(
        tmp.path(),
        &["--cases", cases.to_str().unwrap()],
        "cases.csv:1:8: key `header, column backup.retention_days`: and the column backup hold the same setting",
    );
    // A quote never closed ran as a value to the end of the file: point 2 got "14".
    let cases = cases_file(tmp.path(), "backup.retention_days\n7\n\"14\n");
    sweep_refused(
        tmp.path(),
        &["--cases", cases.to_str().unwrap()],
        "cases.csv:3:1: key `line 3`: this quote is never closed",
    );
}

/// A `--set` of a key the sweep varies, from `--vary` or a cases file, is refused: every point
/// replaced it, so the value given never ran. A --set of another key still applies to all.
#[test]
fn a_set_of_a_swept_key_is_refused() {
    let tmp = TempDir::new().unwrap();
    sweep_refused(
        tmp.path(),
        &[
            "--set",
            "backup.retention_days=21",
            "--vary",
            "backup.retention_days=7,14",
        ],
        "--set: backup.retention_days: the sweep varies it at every point",
    );
    let cases = cases_file(tmp.path(), "server.vcores\n2\n4\n");
    sweep_refused(
        tmp.path(),
        &[
            "--set",
            "server.vcores=8",
            "--cases",
            cases.to_str().unwrap(),
        ],
        "--set: server.vcores: the sweep varies it at every point",
    );
    // A table and a key inside it hold the same setting, whichever side each is on.
    let tables = cases_file(tmp.path(), "server\n{vcores=4}\n{vcores=16}\n");
    sweep_refused(
        tmp.path(),
        &[
            "--set",
            "server.vcores=2",
            "--cases",
            tables.to_str().unwrap(),
        ],
        "--set: server.vcores=2: the sweep varies server, which holds the same setting",
    );
    sweep_refused(
        tmp.path(),
        &[
            "--set",
            "backup={retention_days = 1}",
            "--vary",
            "backup.retention_days=3,5",
        ],
        "--set: backup={retention_days = 1}: the sweep varies backup.retention_days",
    );
    // A key the swept table does not hold still applies to every point.
    let out = backsim()
        .arg("sweep")
        .arg(plain(tmp.path()))
        .args([
            "--vary",
            "backup={retention_days = 3},{retention_days = 5}",
            "--set",
            "backup.redundancy=geo",
            "--runs",
            "1",
            "--no-charts",
            "-q",
            "--out",
        ])
        .arg(tmp.path().join("kept"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `--vary` cuts its values at commas outside brackets, braces and strings: it cut at every
/// comma, so `workload.weekly=[1,1,1,1,1,0.5,0.5],[1,1,1,1,1,1,1]` was refused ("expected a
/// list in brackets, e.g. [1, 2], got the text "[1"") and no list, event or on-demand
/// backup could be swept.
#[test]
fn vary_keeps_the_commas_inside_lists_tables_and_strings() {
    let tmp = TempDir::new().unwrap();
    let weekly = "workload.weekly=[1,1,1,1,1,0.5,0.5],[1,1,1,1,1,1,1]";
    let events = r#"events=[{at = "5d", action = "stop"}, {at = "6d", action = "start"}],[]"#;
    let on_demand = r#"backup.on_demand=["1d","2d"], []"#;
    let base = backsim::scenario::load(&plain(tmp.path()), &[]).unwrap();
    let vary = [weekly, events, on_demand].map(String::from);
    let grid = Grid::new(&base, &vary).unwrap();
    assert_eq!(
        grid.values,
        [
            vec!["[1,1,1,1,1,0.5,0.5]", "[1,1,1,1,1,1,1]"],
            vec![
                r#"[{at = "5d", action = "stop"}, {at = "6d", action = "start"}]"#,
                "[]"
            ],
            vec![r#"["1d","2d"]"#, "[]"],
        ]
    );
    let out = sweep(
        tmp.path(),
        &plain(tmp.path()),
        "lists",
        &["--vary", weekly, "--vary", events],
    );
    let json: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(out.join("sweep.json")).unwrap()).unwrap();
    assert_eq!(json["grid"]["values"][0][1], "[1,1,1,1,1,1,1]");
    assert_eq!(json["grid"]["values"][1][1], "[]");
    assert_eq!(
        fs::read_to_string(out.join("sweep.csv"))
            .unwrap()
            .lines()
            .count(),
        1 + 2 * 2
    );
}

/// A cases file that cannot be read is named as the cases file, not as a scenario.
#[test]
fn a_missing_cases_file_is_named_as_such() {
    let tmp = TempDir::new().unwrap();
    let absent = tmp.path().join("absent.csv");
    sweep_refused(
        tmp.path(),
        &["--cases", absent.to_str().unwrap()],
        "absent.csv: cannot read the cases file",
    );
}

/// Every point runs the sweep's replications on its seed: sweeping `runs` or `seed` ran other
/// counts under a header claiming --runs, and broke the common random numbers, so it is
/// refused, by --vary and by a cases column alike.
#[test]
fn runs_and_seed_cannot_be_swept() {
    let tmp = TempDir::new().unwrap();
    sweep_refused(
        tmp.path(),
        &["--vary", "runs=2,4"],
        "runs cannot be swept: every point runs the sweep's --runs replications on its --seed, so that points differ only by the swept keys; run the sweep once for each number of runs instead",
    );
    let cases = cases_file(tmp.path(), "seed\n1\n2\n");
    sweep_refused(
        tmp.path(),
        &["--cases", cases.to_str().unwrap()],
        "seed cannot be swept: every point runs the sweep's --runs replications on its --seed, so that points differ only by the swept keys; run the sweep once for each seed instead",
    );
}

/// A point runs its scenario without a [sweep] table: `--vary 'sweep.bogus=…'` (or a cases
/// column `sweep.x`) made points that differed only there, ran them alike, and took any key,
/// where the same key in the file or by --set was refused as unknown.
#[test]
fn the_sweep_table_itself_cannot_be_swept() {
    let tmp = TempDir::new().unwrap();
    let says = "cannot be swept: the [sweep] table is the grid itself";
    sweep_refused(tmp.path(), &["--vary", "sweep.bogus=[\"a\"],[1]"], says);
    sweep_refused(tmp.path(), &["--vary", "sweep={\"nonsense\"=[1]},{}"], says);
    let cases = cases_file(tmp.path(), "sweep.x\n[1]\n");
    sweep_refused(tmp.path(), &["--cases", cases.to_str().unwrap()], says);
}

/// A sweep's table and charts show every point's cost in the currency sweep.json records once:
/// `--vary cost.currency=USD,EUR` ran and labelled every point "USD". Sweeping it is refused by
/// --vary, the [sweep] table and a cases column alike, as compare refuses a currency change.
#[test]
fn the_currency_cannot_be_swept() {
    let tmp = TempDir::new().unwrap();
    let says = "cost.currency cannot be swept: a sweep's table and charts show every point's cost in one currency; run the sweep once per currency";
    sweep_refused(tmp.path(), &["--vary", "cost.currency=USD,EUR"], says);
    // A table swept beside a key inside it labelled points by the key while the table ran.
    sweep_refused(
        tmp.path(),
        &[
            "--vary",
            "backup.retention_days=5,6",
            "--vary",
            "backup={retention_days=3},{retention_days=4}",
        ],
        "are swept together, but one holds the other",
    );
    // As a table over [cost], which merges in: refused too.
    sweep_refused(
        tmp.path(),
        &["--vary", "cost={currency=\"EUR\"},{currency=\"USD\"}"],
        says,
    );
    let cases = cases_file(tmp.path(), "cost.currency\nUSD\nEUR\n");
    sweep_refused(tmp.path(), &["--cases", cases.to_str().unwrap()], says);
    let table = tmp.path().join("table.toml");
    fs::write(
        &table,
        "name = \"p\"\nruns = 2\nhorizon_days = 10\n[sweep]\n\"cost.currency\" = [\"USD\", \"EUR\"]\n",
    )
    .unwrap();
    backsim()
        .arg("sweep")
        .arg(&table)
        .arg("--out")
        .arg(tmp.path().join("never"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains(says));
    assert!(!tmp.path().join("never").exists());
}

/// A point whose horizon ends before its backup set is full understates the running cost: the
/// sweep names it, as `run` says so of such a scenario, and says nothing when all are full;
/// its files mark it too (a note on stderr is gone under -q and from a merge).
#[test]
fn points_before_their_steady_state_are_named() {
    let tmp = TempDir::new().unwrap();
    let plain = plain(tmp.path());
    let run = |values: &str, out: &str, extra: &[&str]| {
        let o = backsim()
            .arg("sweep")
            .arg(&plain)
            .args(["--set", "horizon_days=12"])
            .args(["--vary", values, "--no-charts", "--out"])
            .arg(tmp.path().join(out))
            .args(extra)
            .output()
            .unwrap();
        assert!(o.status.success());
        (
            String::from_utf8_lossy(&o.stderr).into_owned(),
            String::from_utf8_lossy(&o.stdout).into_owned(),
        )
    };
    // 12 days hold 7 + 1 days of backups, not 14 + 1.
    let (said, table) = run("backup.retention_days=7,14", "mixed", &[]);
    assert!(
        said.contains(
            "point 1 (sweep.csv's point column): the horizon ends before the backup set is full"
        ),
        "{said}"
    );
    let marked: Vec<bool> = table
        .lines()
        .filter(|l| l.trim_start().starts_with("7 ") || l.trim_start().starts_with("14 "))
        .map(|l| l.ends_with("(still filling)"))
        .collect();
    assert_eq!(marked, [false, true], "{table}");
    let (said, _) = run("backup.retention_days=3,7", "full", &[]);
    assert!(!said.contains("before the backup set is full"));
    let steady_column = |dir: &str| -> Vec<String> {
        let text = fs::read_to_string(tmp.path().join(dir).join("sweep.csv")).unwrap();
        let mut lines = text.lines();
        assert!(lines
            .next()
            .unwrap()
            .ends_with(",durability_nines,max_free_retention_days,steady_state"));
        lines
            .map(|l| l.rsplit(',').next().unwrap().to_string())
            .collect()
    };
    assert_eq!(steady_column("mixed"), ["true", "false"]);
    assert_eq!(steady_column("full"), ["true", "true"]);
    let json: serde_json::Value =
        serde_json::from_slice(&fs::read(tmp.path().join("mixed/sweep.json")).unwrap()).unwrap();
    let steady: Vec<&serde_json::Value> = json["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| &p["steady_state"])
        .collect();
    assert_eq!(steady, [true, false]);
    // Shards keep the mark, and their merge names the point again.
    for i in 1..=2 {
        let shard = format!("--shard={i}/2");
        run(
            "backup.retention_days=7,14",
            &format!("s{i}"),
            &["-q", &shard],
        );
    }
    let merged = backsim()
        .arg("merge")
        .args([tmp.path().join("s1"), tmp.path().join("s2")])
        .arg("--out")
        .arg(tmp.path().join("merged"))
        .arg("--no-charts")
        .output()
        .unwrap();
    assert!(merged.status.success());
    assert!(String::from_utf8_lossy(&merged.stderr).contains("point 1 (sweep.csv's point column)"));
    assert_eq!(steady_column("merged"), ["true", "false"]);
    // A mark that is neither is refused, as any other cell merge cannot trust.
    let csv = tmp.path().join("s2/sweep.csv");
    let text = fs::read_to_string(&csv).unwrap();
    fs::write(&csv, text.replace(",false\n", ",maybe\n")).unwrap();
    backsim()
        .arg("merge")
        .args([tmp.path().join("s1"), tmp.path().join("s2")])
        .arg("--out")
        .arg(tmp.path().join("merged2"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "steady_state is \"maybe\", not true or false",
        ));
    // Such a point is measured over the same days as the others (from the 7-day point's
    // warm-up), as compare measures such an alternative, not from its own empty start.
    let path = tmp.path().join("short.toml");
    fs::write(
        &path,
        "name = \"short\"\nhorizon_days = 12\nruns = 2\n[sweep]\n\"backup.retention_days\" = [7, 14]\n",
    )
    .unwrap();
    let base = backsim::scenario::load(&path, &[]).unwrap();
    let grid = Grid::new(&base, &[]).unwrap();
    let points = run_sweep(&path, &[], &grid, Shard::WHOLE, &|| {}).unwrap();
    for point in &points {
        assert_eq!(point.scenario.config.measured_from, 8 * 86_400);
    }
}

/// Every point is measured over the same days, from the latest warm-up of all points (as
/// compare does): a 7-day retention measured from day 8 against a 35-day one from day 36 would
/// put a difference of days into the difference of retentions.
#[test]
fn every_point_is_measured_from_the_latest_warm_up() {
    let tmp = TempDir::new().unwrap();
    let path = tmp.path().join("r.toml");
    fs::write(
        &path,
        "name = \"r\"\nhorizon_days = 60\nruns = 3\n[sweep]\n\"backup.retention_days\" = [7, 35]\n",
    )
    .unwrap();
    let base = backsim::scenario::load(&path, &[]).unwrap();
    let grid = Grid::new(&base, &[]).unwrap();
    let points = run_sweep(&path, &[], &grid, Shard::WHOLE, &|| {}).unwrap();
    let own = |days: &str| {
        backsim::scenario::load(
            &path,
            &common::overrides(&[("backup.retention_days", days)]),
        )
        .unwrap()
        .config
        .measured_from
    };
    assert!(own("7") < own("35"));
    for point in &points {
        assert_eq!(point.scenario.config.measured_from, own("35"));
    }
    // The 7-day point is exactly that scenario measured from the 35-day warm-up.
    let mut seven =
        backsim::scenario::load(&path, &common::overrides(&[("backup.retention_days", "7")]))
            .unwrap();
    seven.config.measured_from = own("35");
    let alone = run_replications(&seven.config, seven.seed, 3, None, &|| {});
    let storage = |m: &[backsim::model::RunMetrics]| -> Vec<f64> {
        m.iter().map(|r| r.storage.mean_storage_gb).collect()
    };
    assert_eq!(storage(&points[0].reps.metrics), storage(&alone.metrics));

    // Sweeping the warm-up or the horizon itself keeps each point's own.
    for swept in ["warmup_days = [10, 20]", "horizon_days = [50, 60]"] {
        let own_days = tmp.path().join("w.toml");
        fs::write(
            &own_days,
            format!("name = \"w\"\nhorizon_days = 60\nruns = 2\n[sweep]\n\"backup.retention_days\" = [7, 35]\n{swept}\n"),
        )
        .unwrap();
        let base = backsim::scenario::load(&own_days, &[]).unwrap();
        let grid = Grid::new(&base, &[]).unwrap();
        let points = run_sweep(&own_days, &[], &grid, Shard::WHOLE, &|| {}).unwrap();
        let froms: Vec<i64> = points
            .iter()
            .map(|p| p.scenario.config.measured_from)
            .collect();
        assert!(froms.iter().any(|&f| f != froms[0]), "{swept}: {froms:?}");
    }
}

/// A check of two keys that a point fails blames the file's key (the database outgrowing its
/// storage: the growth is the file's), and says which point set the other.
#[test]
fn a_two_key_error_names_the_point_that_set_one() {
    let tmp = TempDir::new().unwrap();
    let cases = cases_file(tmp.path(), "server.db_size_gb\n100\n480\n");
    backsim()
        .arg("sweep")
        .arg("scenarios/default.toml")
        .args(["--runs", "1", "--cases"])
        .arg(&cases)
        .arg("--out")
        .arg(tmp.path().join("never"))
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("(at ").and(predicate::str::contains(
                "cases.csv row 2 (server.db_size_gb=480))",
            )),
        );
    assert!(!tmp.path().join("never").exists());
}

/// A cases file with blank lines between rows: an error names the row's own line.
#[test]
fn a_cases_error_names_the_rows_own_line() {
    let tmp = TempDir::new().unwrap();
    let cases = cases_file(
        tmp.path(),
        "server.vcores,backup.retention_days\n2,7\n\n\n3,\n",
    );
    sweep_refused(
        tmp.path(),
        &["--cases", cases.to_str().unwrap()],
        "cases.csv:5:3: key `row 2, column backup.retention_days`: is empty",
    );
    // Lines ended by a lone carriage return (old Mac files) count as lines too, and a header
    // after blank lines is placed on its own line.
    let cases = cases_file(tmp.path(), "server.vcores,backup.retention_days\r2,7\r3,\r");
    sweep_refused(
        tmp.path(),
        &["--cases", cases.to_str().unwrap()],
        "cases.csv:3:3: key `row 2, column backup.retention_days`",
    );
    let cases = cases_file(tmp.path(), "\n\nserver.vcores,server.vcores\n2,4\n");
    sweep_refused(
        tmp.path(),
        &["--cases", cases.to_str().unwrap()],
        "cases.csv:3:15: key `header, column server.vcores`",
    );
    // Columns count characters, as an inventory's do, in files of any line ending.
    let cases = cases_file(tmp.path(), "\r\rserver.vcores,server.vcores\r2,4\r");
    sweep_refused(
        tmp.path(),
        &["--cases", cases.to_str().unwrap()],
        "cases.csv:3:15: key `header, column server.vcores`",
    );
    // A value out of its key's range: the cell's line and column (it said "row 2" alone).
    let cases = cases_file(
        tmp.path(),
        "server.vcores,backup.retention_days\n2,7\n\n4,0\n",
    );
    sweep_refused(
        tmp.path(),
        &["--cases", cases.to_str().unwrap()],
        "cases.csv:4:3: key `backup.retention_days`: must be a whole number from 1 to 35, got 0 (row 2: server.vcores=4 backup.retention_days=0)",
    );
}

/// A bad value from --vary is blamed on --vary, as --set's are on --set.
#[test]
fn a_vary_value_out_of_range_names_the_flag() {
    let tmp = TempDir::new().unwrap();
    sweep_refused(
        tmp.path(),
        &["--vary", "backup.retention_days=7,0"],
        "--vary, sweep point 1 (backup.retention_days=0): key `backup.retention_days`",
    );
}

/// A figure of one run has a mean and no CI: shards of a one-run sweep merge (the check that
/// each mean lies within its CI first refused every such shard).
#[test]
fn shards_of_a_one_run_sweep_merge() {
    let tmp = TempDir::new().unwrap();
    let s = write(tmp.path(), NOISY);
    let shards: Vec<_> = ["1/2", "2/2"]
        .iter()
        .map(|shard| {
            let name = shard.replace('/', "of");
            let args = [
                "--vary",
                "backup.retention_days=3,4",
                "--runs",
                "1",
                "--shard",
                shard,
            ];
            sweep(tmp.path(), &s, &name, &args)
        })
        .collect();
    backsim()
        .arg("merge")
        .args(&shards)
        .args(["--no-charts", "--out"])
        .arg(tmp.path().join("merged"))
        .assert()
        .success();
}

/// A `[sweep]` table that `sweep` refuses (runs swept, a table beside a key in it) is refused by
/// `validate` too, at the table's line: validate said "ok", then sweep refused it with no line.
#[test]
fn validate_refuses_the_sweep_table_that_sweep_refuses() {
    let tmp = TempDir::new().unwrap();
    for (table, says) in [
        ("\"runs\" = [1, 2]", "runs cannot be swept"),
        (
            "backup = [{retention_days = 3}]\n\"backup.retention_days\" = [5]",
            "one holds the other",
        ),
    ] {
        let path = tmp.path().join("s.toml");
        fs::write(
            &path,
            format!("name = \"s\"\nhorizon_days = 10\n\n[sweep]\n{table}\n"),
        )
        .unwrap();
        let never = tmp.path().join("never");
        let runs: [Vec<&std::ffi::OsStr>; 2] = [
            vec!["validate".as_ref(), path.as_os_str()],
            vec![
                "sweep".as_ref(),
                path.as_os_str(),
                "--out".as_ref(),
                never.as_os_str(),
            ],
        ];
        for args in runs {
            backsim()
                .args(args)
                .assert()
                .code(2)
                .stderr(predicate::str::contains("s.toml:4:1: key `sweep`: "))
                .stderr(predicate::str::contains(says));
        }
        assert!(!never.exists());
    }
}

/// Standard input read as the scenario cannot be read again as the cases: said, rather than
/// the cases check finding the scenario's text and calling it a misplaced scenario.
#[test]
fn cases_and_scenario_cannot_both_be_standard_input() {
    backsim()
        .args(["sweep", "-", "--cases", "-"])
        .write_stdin("name = \"p\"\nruns = 2\nhorizon_days = 10\n")
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "--cases: standard input can be read only once",
        ));
}

/// merge given a run's folder, or no folder, says what merge takes: it said "sweep.json cannot
/// read it: No such file" and asked whether this was a sweep folder.
#[test]
fn merge_of_a_run_folder_says_what_merge_takes() {
    let tmp = TempDir::new().unwrap();
    let run = tmp.path().join("run");
    backsim()
        .args(["run", "-", "--no-charts", "-q", "--out"])
        .arg(&run)
        .write_stdin("name = \"r\"\nruns = 1\nhorizon_days = 2\n")
        .assert()
        .success();
    for (dir, says) in [
        (run, "is the folder of a `run`, which has nothing to merge"),
        (tmp.path().join("none"), "is not a folder"),
    ] {
        backsim().arg("merge").arg(&dir).assert().code(2).stderr(
            predicate::str::contains(says).and(predicate::str::contains(
                "merge takes the output folders of `sweep` or `fleet` shards",
            )),
        );
    }
}

/// A value listed twice in a grid, by the `[sweep]` table or --vary, ran twice without a word,
/// where a repeated case is named: it still runs (one row per point), with the same note.
#[test]
fn repeated_grid_values_are_noted_like_repeated_cases() {
    let tmp = TempDir::new().unwrap();
    let table = write(
        tmp.path(),
        "name = \"p\"\nruns = 2\nhorizon_days = 10\n[sweep]\n\"backup.retention_days\" = [7, 7]\n",
    );
    let run = |args: &[&str], quiet: bool| {
        let mut command = backsim();
        if quiet {
            command.arg("-q");
        }
        let out = command
            .args(args)
            .args(["--no-charts", "--out"])
            .arg(tmp.path().join("out"))
            .assert()
            .success();
        String::from_utf8(out.get_output().stderr.clone()).unwrap()
    };
    let from_table = ["sweep", table.to_str().unwrap()];
    let said = run(&from_table, false);
    assert!(
        said.contains(
            "[sweep] table gives backup.retention_days the same value more than once (7)"
        ),
        "{said}"
    );
    let rows = fs::read_to_string(tmp.path().join("out/sweep.csv")).unwrap();
    assert_eq!(rows.lines().count(), 1 + 2, "every point still runs");
    assert_eq!(run(&from_table, true), "");
    let plain = plain(tmp.path());
    let said = run(
        &[
            "sweep",
            plain.to_str().unwrap(),
            "--vary",
            "backup.redundancy=geo,local,\"geo\"",
        ],
        false,
    );
    assert!(
        said.contains("--vary gives backup.redundancy the same value more than once (geo)"),
        "{said}"
    );
    let said = run(
        &[
            "sweep",
            plain.to_str().unwrap(),
            "--vary",
            "backup.retention_days=7,14",
        ],
        false,
    );
    assert!(!said.contains("more than once"), "{said}");
}

fn column(csv: &str, name: &str) -> Vec<String> {
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let at = header
        .iter()
        .position(|h| *h == name)
        .unwrap_or_else(|| panic!("no {name} in {header:?}"));
    lines
        .map(|l| l.split(',').nth(at).unwrap().to_string())
        .collect()
}

/// Swept over a long-term policy, sweep.csv has the vault's and the exports' columns and each
/// point its own values (the rows were identical, with no vault column at all); shards write
/// the same columns and merge to the whole. A grid that uses no vault keeps its columns as
/// they were.
#[test]
fn a_swept_long_term_policy_has_the_vault_columns() {
    let tmp = TempDir::new().unwrap();
    // At the end (15 April) monthly_keep months of monthly copies are kept, up to three.
    let s = write(tmp.path(), SMALL_VAULT);
    let vary = ["--vary", "long_term.monthly_keep=0,1,2"];
    let out = sweep(tmp.path(), &s, "vault", &vary);
    // Every point's vault fills for ten years (the yearly copies), which stderr says.
    backsim()
        .arg("sweep")
        .arg(&s)
        .args(vary)
        .args(["--no-charts", "--out"])
        .arg(tmp.path().join("noted"))
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "points 0, 1, 2 (sweep.csv's point column): the vault still fills when the run ends",
        ));
    let csv = fs::read_to_string(out.join("sweep.csv")).unwrap();
    // 1 April's monthly copy with one month kept, 1 March's too with two; none with 0.
    let kept = column(&csv, "vault_copies_kept_mean");
    let base: f64 = kept[0].parse().unwrap();
    assert_eq!(
        kept,
        [base, base + 1.0, base + 2.0].map(|k| k.to_string()),
        "{csv}"
    );
    let cost: Vec<f64> = column(&csv, "vault_cost_per_month_mean")
        .iter()
        .map(|c| c.parse().unwrap())
        .collect();
    assert!(cost[0] < cost[1] && cost[1] < cost[2], "{cost:?}");
    for name in ["vault_mean_gb_mean", "export_cost_per_month_mean"] {
        assert_eq!(column(&csv, name).len(), 3);
    }
    let json: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(out.join("sweep.json")).unwrap()).unwrap();
    assert_eq!(json["long_term"], true);
    assert!(json["results"][2]["figures"]["vault_cost_per_month"]["mean"].is_number());

    let shards: Vec<_> = (1..=2)
        .map(|i| {
            let mut extra = vary.to_vec();
            let shard = format!("{i}/2");
            extra.extend(["--shard", &shard]);
            sweep(tmp.path(), &s, &format!("shard{i}"), &extra)
        })
        .collect();
    let merged = tmp.path().join("merged");
    backsim()
        .arg("merge")
        .args(&shards)
        .args(["--no-charts", "--out"])
        .arg(&merged)
        .assert()
        .success();
    assert_eq!(
        fs::read(merged.join("sweep.csv")).unwrap(),
        fs::read(out.join("sweep.csv")).unwrap()
    );

    let plain = write(tmp.path(), NOISY);
    let out = sweep(tmp.path(), &plain, "plain", &["--runs", "2"]);
    let csv = fs::read_to_string(out.join("sweep.csv")).unwrap();
    assert!(!csv.lines().next().unwrap().contains("vault"), "{csv}");
}
