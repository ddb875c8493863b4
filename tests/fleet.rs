//! Fleets: many servers, shared regions. A fleet of one is a single-server run; two servers
//! share one slot in the order they asked; hundreds recover as fast as their slots allow; a
//! group's change leaves another group's draws alone; shards merge to the same bytes; a bad
//! inventory row is named.

mod common;
use common::{backsim, backsim_into, write_file as write};

use std::fs;
use std::path::Path;

use tempfile::TempDir;

fn fleet(dir: &Path, file: &Path, out: &str, args: &[&str]) -> std::path::PathBuf {
    backsim_into("fleet", file, dir, out, args)
}

/// `backsim ARGS` exits 2 with `says` in its message (and writes nothing to `dir`'s "refused").
fn refuses(dir: &Path, args: &[&str], says: &str) {
    let out = backsim()
        .args(args)
        .args(["--no-charts", "--out"])
        .arg(dir.join("refused"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
    assert!(
        stderr.contains(says),
        "{args:?}: expected {says:?} in {stderr}"
    );
}

fn csv_rows(path: &Path) -> Vec<std::collections::HashMap<String, String>> {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            header
                .iter()
                .cloned()
                .zip(r.iter().map(String::from))
                .collect()
        })
        .collect()
}

fn number(row: &std::collections::HashMap<String, String>, column: &str) -> f64 {
    row[column].parse().unwrap()
}

/// A fleet of one server, with the scenario's own regions and outages, gives exactly the
/// figures `backsim run` gives for that scenario, run by run.
#[test]
fn a_fleet_of_one_server_equals_run_of_its_scenario() {
    let tmp = TempDir::new().unwrap();
    let scenario = fs::canonicalize("scenarios/region-outage.toml").unwrap();
    let file = write(
        tmp.path(),
        "one.toml",
        &format!(
            "name = \"one\"\nseed = 42\nruns = 3\n[[group]]\nname = \"only\"\ncount = 1\nregion = \"eastus\"\nscenario = \"{}\"\n",
            scenario.display()
        ),
    );
    let out = fleet(tmp.path(), &file, "fleet", &[]);
    let run_out = tmp.path().join("run");
    backsim()
        .args([
            "run",
            scenario.to_str().unwrap(),
            "--runs",
            "3",
            "--seed",
            "42",
        ])
        .args(["--set", "server.region=eastus", "--no-charts", "--out"])
        .arg(&run_out)
        .assert()
        .success();
    let record: serde_json::Value =
        serde_json::from_slice(&fs::read(out.join("fleet_runs.json")).unwrap()).unwrap();
    let runs = csv_rows(&run_out.join("runs.csv"));
    assert_eq!(runs.len(), 3);
    for (r, row) in runs.iter().enumerate() {
        let server = &record["records"][r]["servers"][0];
        for (fleet_key, run_key) in [
            ("mean_storage_gb", "storage_mean_gb"),
            ("rpo_p95_s", "rpo_p95_s"),
            ("restore_latest_p95_s", "restore_latest_p95_s"),
        ] {
            assert_eq!(
                server[fleet_key].as_f64().unwrap(),
                number(row, run_key),
                "run {r}: {fleet_key}"
            );
        }
    }
    // The recoveries too: same outages, same waits, same outcomes.
    let theirs = csv_rows(&run_out.join("recoveries.csv"));
    let ours = csv_rows(&out.join("fleet_recoveries.csv"));
    assert!(!theirs.is_empty());
    assert_eq!(theirs.len(), ours.len());
    for (a, b) in theirs.iter().zip(&ours) {
        assert_eq!(a["kind"], b["kind"]);
        assert_eq!(number(a, "wait_s"), number(b, "wait_s"));
        assert_eq!(number(a, "downtime_s"), number(b, "downtime_s"));
    }
}

/// The region, its slots and outages for the queueing tests: nobody else restores, so the only
/// waits are the fleet's own.
fn queue_fleet(count: u32, slots: u32, outage_hours: u32) -> String {
    format!(
        r#"name = "queue"
seed = 5
runs = 1
horizon_days = 12
[defaults]
backup.redundancy = "geo"
backup.retention_days = 3
server.db_size_gb = 10
server.provisioned_storage_gb = 64
workload.binlog_gb_per_day = 2
restore.background_restores_per_hour = 0
[regions.westus]
slots_per_region = {slots}
[[outage]]
region = "eastus"
at = "8d"
hours = {outage_hours}
[[group]]
name = "db"
count = {count}
region = "eastus"
"#
    )
}

/// Two servers, one slot in the target region, both asking at the same moment: the first starts
/// at once, the second waits exactly as long as the first holds the slot (its restore, rounded
/// up to the second).
#[test]
fn with_one_slot_the_second_server_waits_for_the_first() {
    let tmp = TempDir::new().unwrap();
    let file = write(tmp.path(), "two.toml", &queue_fleet(2, 1, 48));
    let out = fleet(tmp.path(), &file, "o", &[]);
    let rows: Vec<_> = csv_rows(&out.join("fleet_recoveries.csv"))
        .into_iter()
        .filter(|r| r["kind"] == "region-outage")
        .collect();
    assert_eq!(rows.len(), 2, "{rows:?}");
    // Who goes first is drawn: the one that did not wait.
    let (first, second) = if number(&rows[0], "wait_s") == 0.0 {
        (&rows[0], &rows[1])
    } else {
        (&rows[1], &rows[0])
    };
    assert_eq!(first["outcome"], "restored");
    assert_eq!(second["outcome"], "restored");
    assert_eq!(number(first, "wait_s"), 0.0);
    assert_eq!(number(second, "wait_s"), number(first, "restore_s").ceil());
    // Both were noticed at the same moment, so the second is back one restore later.
    let detection = 1800.0;
    let close = |a: f64, b: f64| (a - b).abs() < 1e-6;
    assert!(close(
        number(first, "downtime_s"),
        detection + number(first, "restore_s")
    ));
    assert!(close(
        number(second, "downtime_s"),
        detection + number(first, "restore_s").ceil() + number(second, "restore_s")
    ));
}

/// Servers asking in the same second (every server of a region, once its outage is noticed)
/// take their turns in an order drawn each run, not in the order their groups are listed: two
/// identical groups of 40 behind one slot, with time for about 14 restores, share them about
/// evenly over 20 runs. In file order the first group took all 280 and the second none.
#[test]
fn simultaneous_requests_do_not_go_in_file_order() {
    let tmp = TempDir::new().unwrap();
    let text = queue_fleet(40, 1, 6)
        .replace("runs = 1", "runs = 20")
        .replace("name = \"db\"", "name = \"first\"")
        + "[[group]]\nname = \"second\"\ncount = 40\nregion = \"eastus\"\n";
    let file = write(tmp.path(), "two-groups.toml", &text);
    let out = fleet(tmp.path(), &file, "o", &[]);
    let restored = |group: &str| {
        csv_rows(&out.join("fleet_recoveries.csv"))
            .iter()
            .filter(|r| r["kind"] == "region-outage" && r["group"] == group)
            .filter(|r| r["outcome"] == "restored")
            .count() as f64
    };
    let (first, second) = (restored("first"), restored("second"));
    let share = first / (first + second);
    assert!(first + second > 200.0, "{first} + {second}");
    assert!((0.4..=0.6).contains(&share), "{first} vs {second}");
}

/// 200 servers restoring at once through c slots, nobody else in the region: any first-come
/// first-served schedule that never leaves a slot idle ends between total work / c and total
/// work / c + the longest restore after the requests (the work-conserving bound behind the
/// M/M/c picture). The time to 100% lies inside that bound for each c and grows as c shrinks.
#[test]
fn recovery_of_many_servers_follows_the_slots() {
    let tmp = TempDir::new().unwrap();
    let mut last = 0.0;
    for slots in [32, 8, 2] {
        let file = write(tmp.path(), "many.toml", &queue_fleet(200, slots, 400));
        let out = fleet(tmp.path(), &file, &format!("o{slots}"), &[]);
        let outage = &csv_rows(&out.join("fleet_outages.csv"))[0];
        assert_eq!(number(outage, "servers_affected"), 200.0);
        assert_eq!(number(outage, "geo_restored"), 200.0);
        let rows = csv_rows(&out.join("fleet_recoveries.csv"));
        let restores: Vec<f64> = rows
            .iter()
            .filter(|r| r["kind"] == "region-outage")
            .map(|r| number(r, "restore_s").ceil())
            .collect();
        let work: f64 = restores.iter().sum();
        let longest = restores.iter().copied().fold(0.0, f64::max);
        let all_back = number(outage, "hours_to_100pct") * 3600.0 - 1800.0;
        let c = slots as f64;
        assert!(
            all_back >= work / c - 1.0 && all_back <= work / c + longest + 1.0,
            "{slots} slots: {all_back} s vs [{}, {}]",
            work / c,
            work / c + longest
        );
        assert!(all_back > last, "{slots} slots: {all_back} after {last}");
        last = all_back;
    }
}

/// report.md's provenance shows the command line and the fleet file in code spans, literally:
/// no Markdown escapes or HTML entities inside them.
#[test]
fn fleet_report_provenance_is_literal_in_its_code_spans() {
    let tmp = TempDir::new().unwrap();
    let file = write(tmp.path(), "a&b [x].toml", &queue_fleet(1, 1, 2));
    let out = fleet(tmp.path(), &file, "o", &[]);
    let report = fs::read_to_string(out.join("report.md")).unwrap();
    let provenance = report.split("## Provenance").nth(1).unwrap();
    assert!(provenance.contains("a&b [x].toml`"), "{provenance}");
    assert!(
        !provenance.contains("&amp;") && !provenance.contains("\\["),
        "{provenance}"
    );
}

/// Changing one group (its size, its retention) leaves every figure of the other group's
/// servers as it was: each server draws from streams of its own group and place.
#[test]
fn a_groups_change_leaves_the_other_groups_draws_alone() {
    let tmp = TempDir::new().unwrap();
    let base = r#"name = "two-groups"
runs = 2
horizon_days = 30
[[group]]
name = "steady"
count = 3
region = "eastus"
[group.set]
workload.bursts_per_day = 2
backup.snapshot_failure_pct = 20
"#;
    let other = |count: u32, retention: u32| {
        format!("{base}[[group]]\nname = \"other\"\ncount = {count}\nregion = \"westus\"\n[group.set]\nbackup.retention_days = {retention}\n")
    };
    let a = fleet(
        tmp.path(),
        &write(tmp.path(), "a.toml", &other(2, 7)),
        "a",
        &[],
    );
    let b = fleet(
        tmp.path(),
        &write(tmp.path(), "b.toml", &other(5, 14)),
        "b",
        &[],
    );
    let (sa, sb) = (
        csv_rows(&a.join("fleet_servers.csv")),
        csv_rows(&b.join("fleet_servers.csv")),
    );
    let steady = |rows: &[std::collections::HashMap<String, String>]| {
        rows.iter()
            .filter(|r| r["group"] == "steady")
            .cloned()
            .collect::<Vec<_>>()
    };
    assert_eq!(steady(&sa).len(), 3);
    assert_eq!(steady(&sa), steady(&sb));
    // The other group did change.
    assert_ne!(sa.len(), sb.len());
}

/// Shards of the runs, merged, are byte for byte the whole run.
#[test]
fn sharded_fleet_runs_merge_byte_identically() {
    let tmp = TempDir::new().unwrap();
    let file = write(tmp.path(), "q.toml", &queue_fleet(6, 2, 30));
    let whole = tmp.path().join("whole");
    backsim()
        .arg("fleet")
        .arg(&file)
        .args(["--runs", "4", "--out"])
        .arg(&whole)
        .assert()
        .success();
    let mut shards = Vec::new();
    for i in 1..=3 {
        let dir = tmp.path().join(format!("shard{i}"));
        backsim()
            .arg("fleet")
            .arg(&file)
            .args([
                "--runs",
                "4",
                "--shard",
                &format!("{i}/3"),
                "--threads",
                "1",
                "--out",
            ])
            .arg(&dir)
            .assert()
            .success();
        shards.push(dir);
    }
    let merged = tmp.path().join("merged");
    backsim()
        .arg("merge")
        .args(&shards)
        .arg("--out")
        .arg(&merged)
        .assert()
        .success();
    let mut names: Vec<String> = fs::read_dir(&whole)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert!(
        names.contains(&"fleet_recovery.png".to_string()),
        "{names:?}"
    );
    for name in &names {
        assert_eq!(
            fs::read(whole.join(name)).unwrap(),
            fs::read(merged.join(name)).unwrap(),
            "{name}"
        );
    }
    // A shard missing: refused, naming what is missing.
    backsim()
        .arg("merge")
        .args(&shards[..2])
        .arg("--out")
        .arg(tmp.path().join("partial"))
        .assert()
        .code(2)
        .stderr(predicates::str::contains("every run exactly once"));
}

/// Shards run with --no-charts merge into what the whole run with it writes: merge drew the
/// recovery chart (and linked it from report.md) unless given --no-charts itself.
#[test]
fn shards_run_without_charts_merge_without_them() {
    let tmp = TempDir::new().unwrap();
    let file = write(tmp.path(), "q.toml", &queue_fleet(3, 1, 30));
    let shards: Vec<_> = (1..=2)
        .map(|i| {
            fleet(
                tmp.path(),
                &file,
                &format!("s{i}"),
                &["--shard", &format!("{i}/2"), "--runs", "2"],
            )
        })
        .collect();
    let whole_runs = fleet(tmp.path(), &file, "whole2", &["--runs", "2"]);
    let merged = tmp.path().join("merged");
    backsim()
        .arg("merge")
        .args(&shards)
        .arg("--out")
        .arg(&merged)
        .assert()
        .success();
    for entry in fs::read_dir(&whole_runs).unwrap() {
        let name = entry.unwrap().file_name();
        assert!(
            fs::read(whole_runs.join(&name)).unwrap() == fs::read(merged.join(&name)).unwrap(),
            "{name:?}"
        );
    }
    assert!(!merged.join("fleet_recovery.png").exists());
}

/// An inventory with a bad cell: exit 2, naming the file, the row and the column.
#[test]
fn an_inventory_row_with_a_bad_cell_is_named() {
    let tmp = TempDir::new().unwrap();
    let good = "name,count,region,provisioned_storage_gb,db_size_gb,vcores,redundancy\norders,3,eastus,256,100,4,geo\nbilling,2,westus,128,40,2,local\n";
    let path = write(tmp.path(), "servers.csv", good);
    backsim().arg("validate").arg(&path).assert().success();
    for (bad, expected) in [
        (
            good.replace("billing,2,westus,128,40,2", "billing,2,westus,128,40,lots"),
            // Each placed at its cell: line and column.
            "bad.csv:3:25: key `row 2 (\"billing\"): server.vcores",
        ),
        (
            good.replace("orders,3,", "orders,three,"),
            "bad.csv:2:8: key `row 1, column count",
        ),
        (
            good.replace("westus", "west-us-9"),
            "bad.csv:3:11: key `row 2 (\"billing\"): region",
        ),
        (
            good.replace(",geo", ",triple"),
            "bad.csv:2:27: key `row 1 (\"orders\"): backup.redundancy",
        ),
        // An empty cell takes the default (a 100 GB database) that a small server cannot hold,
        // as `import` leaves the database size empty: the row is named, at that cell, and
        // nothing is said to override a file there is none of.
        (
            good.replace("billing,2,westus,128,40", "billing,2,westus,32,"),
            "bad.csv:3:21: key `row 2 (\"billing\"): server.db_size_gb`: the database (100 GB) must fit in server.provisioned_storage_gb (32 GB); the row gives no db_size_gb, so the scenario default applies: fill its db_size_gb cell",
        ),
    ] {
        let path = write(tmp.path(), "bad.csv", &bad);
        backsim()
            .arg("fleet")
            .arg(&path)
            .arg("--out")
            .arg(tmp.path().join("never"))
            .assert()
            .code(2)
            .stderr(predicates::str::contains("bad.csv"))
            .stderr(predicates::str::contains(expected));
        assert!(!tmp.path().join("never").join("fleet_runs.json").exists());
    }
    // Blank lines between rows: the error names the row's own line, not its number + 1.
    let spaced = good
        .replace("\norders", "\n\norders")
        .replace("\nbilling", "\n\n\nbilling")
        .replace("billing,2,westus,128,40,2", "billing,2,westus,128,40,0");
    let path = write(tmp.path(), "spaced.csv", &spaced);
    backsim()
        .arg("fleet")
        .arg(&path)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("spaced.csv:6:25: key `row 2"));
}

/// `sweep --cases`: the listed rows and nothing else (no cartesian product), each point the
/// row's values; a row that is not a valid scenario is named before anything runs.
#[test]
fn sweep_cases_run_the_listed_rows() {
    let tmp = TempDir::new().unwrap();
    let cases = write(
        tmp.path(),
        "cases.csv",
        "server.vcores,server.db_size_gb,backup.redundancy\n2,40,local\n8,250,geo\n",
    );
    let out = tmp.path().join("sweep");
    backsim()
        .args([
            "sweep",
            "scenarios/default.toml",
            "--runs",
            "2",
            "--no-charts",
        ])
        .arg("--cases")
        .arg(&cases)
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let rows = csv_rows(&out.join("sweep.csv"));
    assert_eq!(rows.len(), 2, "two cases, not 2 × 2 × 2 points");
    assert_eq!(rows[0]["server.vcores"], "2");
    assert_eq!(rows[1]["backup.redundancy"], "geo");
    assert!(number(&rows[1], "cost_per_month_mean") > number(&rows[0], "cost_per_month_mean"));
    let bad = write(
        tmp.path(),
        "bad.csv",
        "server.vcores,server.db_size_gb\n2,40\n8,9000\n",
    );
    backsim()
        .args(["sweep", "scenarios/default.toml", "--runs", "2"])
        .arg("--cases")
        .arg(&bad)
        .arg("--out")
        .arg(tmp.path().join("never"))
        .assert()
        .code(2)
        .stderr(predicates::str::contains("bad.csv:3:3:"))
        .stderr(predicates::str::contains("(row 2: "))
        .stderr(predicates::str::contains("server.db_size_gb"));
}

/// The fleet's bill is its groups' bills added up, for the steady state and for every calendar
/// month, and so is each region's.
#[test]
fn the_fleet_bill_adds_up_by_group_and_region_and_month() {
    let tmp = TempDir::new().unwrap();
    let file = write(tmp.path(), "q.toml", &queue_fleet(4, 2, 10));
    let text = fs::read_to_string(&file).unwrap()
        + "[[group]]\nname = \"west\"\ncount = 2\nregion = \"westus\"\n[group.set]\nserver.db_size_gb = 60\n";
    let file = write(tmp.path(), "q2.toml", &text);
    let out = fleet(
        tmp.path(),
        &file,
        "o",
        &["--runs", "3", "--set", "horizon_days=70"],
    );
    let rows = csv_rows(&out.join("fleet_bill.csv"));
    let periods: std::collections::BTreeSet<String> =
        rows.iter().map(|r| r["period"].clone()).collect();
    assert!(
        periods.len() >= 3,
        "steady and at least two months: {periods:?}"
    );
    for period in &periods {
        let of = |scope: &str| -> f64 {
            rows.iter()
                .filter(|r| r["scope"] == scope && &r["period"] == period)
                .map(|r| number(r, "cost_per_month_mean"))
                .sum()
        };
        let fleet = of("fleet");
        assert!(fleet > 0.0, "{period}");
        for scope in ["group", "region"] {
            assert!(
                (of(scope) - fleet).abs() <= 1e-9 * fleet,
                "{period}: {scope}s add up to {} against {fleet}",
                of(scope)
            );
        }
    }
    // The months cover the 70 days once, and only the first and last are partial.
    let months: Vec<_> = rows
        .iter()
        .filter(|r| r["scope"] == "fleet" && r["period"] != "steady")
        .collect();
    let days: f64 = months.iter().map(|r| number(r, "days_simulated")).sum();
    assert!((days - 70.0).abs() < 1e-9, "{days} days");
    let partial: Vec<&str> = months.iter().map(|r| r["partial"].as_str()).collect();
    assert_eq!(partial.first(), Some(&"true"));
    assert_eq!(partial.last(), Some(&"true"));
    assert!(partial[1..partial.len() - 1].iter().all(|p| *p == "false"));
}

/// A group whose backup set is not full before the horizon ends is averaged from the start:
/// the summary, report.md and fleet.json say so and name it, instead of calling its bill a
/// steady state.
#[test]
fn a_group_that_never_fills_its_backup_set_is_not_called_steady() {
    let tmp = TempDir::new().unwrap();
    let text = queue_fleet(2, 2, 10)
        + "[[group]]\nname = \"long\"\ncount = 1\nregion = \"westus\"\n[group.set]\nbackup.retention_days = 35\n";
    let file = write(tmp.path(), "q.toml", &text);
    let out = tmp.path().join("o");
    let printed = backsim()
        .arg("fleet")
        .arg(&file)
        .args([
            "--runs",
            "2",
            "--set",
            "horizon_days=20",
            "--no-charts",
            "--out",
        ])
        .arg(&out)
        .output()
        .unwrap();
    assert!(printed.status.success());
    let stdout = String::from_utf8(printed.stdout).unwrap();
    assert!(stdout.contains("NOT all steady state"), "{stdout}");
    assert!(
        stdout.contains("before the backup set is full for long (its backup set fills on day 36)"),
        "{stdout}"
    );
    let report = fs::read_to_string(out.join("report.md")).unwrap();
    assert!(report.contains("not in steady state"), "{report}");
    // No chart drawn (--no-charts), so none linked.
    assert!(!report.contains("fleet_recovery.png"), "{report}");
    let json: serde_json::Value =
        serde_json::from_slice(&fs::read(out.join("fleet.json")).unwrap()).unwrap();
    let reached = |name: &str| {
        json["groups_defined"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["name"] == name)
            .unwrap()["warmup_reached"]
            .clone()
    };
    assert_eq!(reached("long"), serde_json::json!(false));
    assert_eq!(reached("db"), serde_json::json!(true));
}

/// Region settings belong to regions: `--set` reaches every region or one
/// (`regions.NAME.KEY`), over the file's tables; a group cannot set them, nor the fleet-wide
/// keys, and says where they go.
#[test]
fn region_settings_are_set_per_region_not_per_group() {
    let tmp = TempDir::new().unwrap();
    let file = write(tmp.path(), "q.toml", &queue_fleet(2, 3, 10));
    let slots = |out: &Path| -> Vec<(String, u64)> {
        let json: serde_json::Value =
            serde_json::from_slice(&fs::read(out.join("fleet.json")).unwrap()).unwrap();
        json["regions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["name"].as_str().unwrap().to_string(),
                    r["slots_per_region"].as_u64().unwrap(),
                )
            })
            .collect()
    };
    let plain = fleet(tmp.path(), &file, "plain", &[]);
    let default_slots = 8;
    assert_eq!(
        slots(&plain),
        [("eastus".into(), default_slots), ("westus".into(), 3)]
    );
    let every = fleet(
        tmp.path(),
        &file,
        "every",
        &["--set", "restore.slots_per_region=32"],
    );
    assert_eq!(
        slots(&every),
        [("eastus".into(), 32), ("westus".into(), 32)]
    );
    let one = fleet(
        tmp.path(),
        &file,
        "one",
        &["--set", "regions.westus.slots_per_region=5"],
    );
    assert_eq!(
        slots(&one),
        [("eastus".into(), default_slots), ("westus".into(), 5)]
    );
    for (key, says) in [
        ("restore.slots_per_region = 1", "[regions.NAME]"),
        ("runs = 500", "at the top of the fleet file"),
        ("server.region = \"westus\"", "region = \"NAME\""),
    ] {
        let text = queue_fleet(2, 3, 10) + "[group.set]\n" + key + "\n";
        let bad = write(tmp.path(), "bad.toml", &text);
        refuses(tmp.path(), &["fleet", bad.to_str().unwrap()], says);
    }
}

/// A scripted outage the run never reaches is refused, not dropped; a zero-hour one says what
/// is wrong with it rather than that it is missing.
#[test]
fn a_scripted_outage_past_the_horizon_or_of_no_length_is_refused() {
    let tmp = TempDir::new().unwrap();
    for (change, says) in [
        (
            ("at = \"8d\"", "at = \"100d\""),
            "bad.toml:16:6: key `outage[1].at`: the outage of eastus 100 days in is past the end of the run (12 days)",
        ),
        (("hours = 10", "hours = 0"), "got 0"),
        (
            ("region = \"eastus\"\nat", "region = \"westus\"\nat"),
            "bad.toml:15:10: key `outage[1].region`: no group runs in westus",
        ),
    ] {
        let text = queue_fleet(2, 3, 10).replace(change.0, change.1);
        let bad = write(tmp.path(), "bad.toml", &text);
        refuses(tmp.path(), &["fleet", bad.to_str().unwrap()], says);
        refuses(tmp.path(), &["fleet", bad.to_str().unwrap()], "outage[1]");
    }
}

/// An error names where the bad key was written: the `[defaults]` line, the `--set`, the group;
/// a near-miss group or region key gets its likely name.
#[test]
fn a_fleet_error_points_where_the_key_was_set() {
    let tmp = TempDir::new().unwrap();
    let base = "name = \"t\"\nruns = 2\n[defaults]\nserver.db_size_gb = 10\nbackup.retention_days = 14\n[[group]]\nname = \"a\"\ncount = 2\nregion = \"eastus\"\n";
    let cases: [(String, &[&str], &str); 4] = [
        (
            base.replace("retention_days = 14", "retention_day = 14"),
            &[],
            "t.toml:5:1: key `defaults.backup.retention_day`",
        ),
        (
            base.to_string(),
            &["--set", "backup.retention_dayz=7"],
            "--set backup.retention_dayz=7",
        ),
        (
            base.replace("count = 2", "cout = 2"),
            &[],
            "did you mean `count`?",
        ),
        (
            base.replace("[[group]]", "[regions.eastus]\nslots = 3\n[[group]]"),
            &[],
            "did you mean `slots_per_region`?",
        ),
    ];
    for (text, args, says) in cases {
        let file = write(tmp.path(), "t.toml", &text);
        let args: Vec<&str> = ["fleet", file.to_str().unwrap()]
            .into_iter()
            .chain(args.iter().copied())
            .collect();
        refuses(tmp.path(), &args, says);
    }
}

/// The wrong kind of file says which command reads it; an inventory can be piped in; a group's
/// missing scenario file is named with the group and where it was looked for.
#[test]
fn the_wrong_file_for_the_command_says_which_command() {
    let tmp = TempDir::new().unwrap();
    let refused = |args: &[&str], says: &str| refuses(tmp.path(), args, says);
    refused(&["run", "scenarios/fleet-400.toml"], "`backsim fleet FILE`");
    refused(
        &["fleet", "scenarios/default.toml"],
        "default.toml:12:1: key `server`",
    );
    let missing = write(
        tmp.path(),
        "m.toml",
        "name = \"m\"\n[[group]]\nname = \"a\"\nscenario = \"nope.toml\"\nregion = \"eastus\"\n",
    );
    refused(
        &["fleet", missing.to_str().unwrap()],
        "group \"a\": scenario",
    );
    let inventory = "name,count,region,provisioned_storage_gb,db_size_gb,binlog_gb_per_day,vcores,retention_days,redundancy,ha,mysql_version\norders,2,eastus,256,100,4,4,7,local,none,8.0\n";
    backsim()
        .args(["fleet", "-", "--runs", "1", "--no-charts", "-q", "--out"])
        .arg(tmp.path().join("piped"))
        .write_stdin(inventory)
        .assert()
        .success();
    assert!(tmp.path().join("piped/fleet.json").exists());
}

/// A `[sweep]` grid that reaches fleet groups (their scenario file, `set`, [defaults] or
/// `--set`) is for `backsim sweep`: the fleet runs each group as written and says so, as `run`
/// does (it dropped the grid without a word); and a fleet file given to `run` is told which
/// command reads its [[group]]s.
#[test]
fn a_sweep_reaching_a_fleet_group_is_noted_as_run_notes_it() {
    let tmp = TempDir::new().unwrap();
    let head = "name = \"f\"\nruns = 1\nhorizon_days = 5\n";
    let group =
        |name: &str| format!("[[group]]\nname = \"{name}\"\ncount = 1\nregion = \"eastus\"\n");
    let stderr_of = |file: &Path, args: &[&str]| {
        let out = backsim()
            .arg("fleet")
            .arg(file)
            .args(args)
            .args(["--no-charts", "--out"])
            .arg(tmp.path().join(format!("out-{}", args.len())))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let in_set = write(
        tmp.path(),
        "set.toml",
        &format!(
            "{head}{}[group.set]\nsweep.backup.retention_days = [7, 14]\n{}",
            group("a"),
            group("b")
        ),
    );
    let said = stderr_of(&in_set, &[]);
    assert!(
        said.contains("a [sweep] grid (backup.retention_days) reaches group \"a\""),
        "{said}"
    );
    let plain = write(
        tmp.path(),
        "plain.toml",
        &format!("{head}{}{}", group("a"), group("b")),
    );
    let said = stderr_of(&plain, &["--set", "sweep.backup.retention_days=[7,14]"]);
    assert!(
        said.contains("a [sweep] grid (backup.retention_days) reaches every group"),
        "{said}"
    );
    // Grids differing by group are named together.
    let said = stderr_of(
        &in_set,
        &["--set", "sweep.workload.binlog_gb_per_day=[1,2]"],
    );
    assert!(
        said.contains("(backup.retention_days, workload.binlog_gb_per_day) reaches every group"),
        "{said}"
    );
    assert!(!stderr_of(&plain, &["-v"]).contains("[sweep]"));
    refuses(
        tmp.path(),
        &["run", plain.to_str().unwrap()],
        "`group` belongs to a fleet file",
    );
}

/// Errors found once the fleet is read are placed too: an unknown or unused `[regions.X]` at
/// its header, a `[group]` written as one table at its line, a fleet too large at the largest
/// group's count, and a group whose scenario disagrees on a region setting at its name.
#[test]
fn fleet_wide_errors_give_their_line() {
    let tmp = TempDir::new().unwrap();
    let head = "name = \"f\"\nruns = 1\nhorizon_days = 10\n";
    let group = |name: &str, count: u32, extra: &str| {
        format!("[[group]]\nname = \"{name}\"\ncount = {count}\nregion = \"eastus\"\n{extra}")
    };
    write(
        tmp.path(),
        "s1.toml",
        "name = \"s1\"\n[restore]\nslots_per_region = 3\n",
    );
    write(
        tmp.path(),
        "s2.toml",
        "name = \"s2\"\n[restore]\nslots_per_region = 5\n",
    );
    for (name, body, says) in [
        (
            "mars.toml",
            format!("{head}{}[regions.mars]\nslots_per_region = 3\n", group("a", 1, "")),
            "mars.toml:8:1: key `regions.mars`",
        ),
        (
            "unused.toml",
            format!("{head}{}[regions.westeurope]\nslots_per_region = 3\n", group("a", 1, "")),
            "unused.toml:8:1: key `regions.westeurope`: no group runs in this region",
        ),
        (
            "single.toml",
            format!("{head}[group]\nname = \"a\"\n"),
            "single.toml:4:1: key `group`: expected [[group]] tables",
        ),
        (
            "huge.toml",
            format!("{head}{}{}", group("a", 1_000, ""), group("b", 999_999, "")),
            "huge.toml:10:9: key `group \"b\": count`: the fleet's groups add up to 1000999 servers",
        ),
        (
            "slots.toml",
            format!(
                "{head}{}{}",
                group("a", 1, "scenario = \"s1.toml\"\n"),
                group("b", 1, "scenario = \"s2.toml\"\n")
            ),
            "slots.toml:10:8: key `group \"b\": restore.slots_per_region`",
        ),
        (
            // Named like the fleet, with a comment after the name: still the group's line.
            "named.toml",
            format!(
                "{}{}{}",
                head.replace("\"f\"", "\"b\""),
                group("a", 1, "scenario = \"s1.toml\"\n"),
                group("b", 1, "scenario = \"s2.toml\"\n").replace("\"b\"\n", "\"b\"   # web tier\n")
            ),
            "named.toml:10:8: key `group \"b\": restore.slots_per_region`",
        ),
        (
            "written.toml",
            format!("{head}{}[regions.NorthEurope]\nslots_per_region = 3\n", group("a", 1, "")),
            "written.toml:8:1: key `regions.northeurope`: no group runs in this region",
        ),
    ] {
        let file = write(tmp.path(), name, &body);
        refuses(tmp.path(), &["fleet", file.to_str().unwrap()], says);
    }
}

/// Inventory columns backsim does not read (an owner, a cost centre) are ignored with a note; a
/// near miss of one it does read is refused with the likely name, as is a column given twice; an
/// empty file says what an inventory looks like.
#[test]
fn inventory_columns_other_than_ours_are_noted_typos_refused() {
    let tmp = TempDir::new().unwrap();
    let run = |name: &str, text: &str| {
        let file = write(tmp.path(), name, text);
        backsim()
            .args([
                "fleet",
                file.to_str().unwrap(),
                "--runs",
                "1",
                "--no-charts",
                "--out",
            ])
            .arg(tmp.path().join(name.replace(".csv", "")))
            .output()
            .unwrap()
    };
    let extra = run(
        "extra.csv",
        "name,count,region,owner\norders,1,eastus,bob\n",
    );
    assert!(extra.status.success());
    let stderr = String::from_utf8_lossy(&extra.stderr);
    assert!(stderr.contains("column owner ignored"), "{stderr}");
    for (name, text, says) in [
        (
            "typo.csv",
            "name,cout,region\norders,1,eastus\n",
            "did you mean `count`?",
        ),
        (
            "empty.csv",
            "",
            "is empty: an inventory is a header line (name,count,region",
        ),
        // The second vcores was dropped while the row seemed to give both.
        (
            "twice.csv",
            "name,count,region,vcores,vcores\norders,1,eastus,4,8\n",
            "twice.csv:1:5: key `column vcores`: appears twice in the header",
        ),
    ] {
        let file = write(tmp.path(), name, text);
        refuses(tmp.path(), &["fleet", file.to_str().unwrap()], says);
    }
}

/// An outage that outlasts the run still counts every server it hit: the restores still waiting
/// when the run ends are worked out past it, exactly as a longer run works them out, for a fleet
/// and for a single server.
#[test]
fn an_outage_that_outlasts_the_run_counts_every_server_it_hit() {
    let tmp = TempDir::new().unwrap();
    // Noticed 30 min in, 13 min before the run ends; one slot for six restores.
    let text = queue_fleet(6, 1, 10).replace("at = \"8d\"", "at = \"11.97d\"");
    let file = write(tmp.path(), "late.toml", &text);
    let outages = |out: &Path| csv_rows(&out.join("fleet_outages.csv"));
    let short = outages(&fleet(tmp.path(), &file, "short", &[]));
    let long = outages(&fleet(
        tmp.path(),
        &file,
        "long",
        &["--set", "horizon_days=20"],
    ));
    assert_eq!(short.len(), 1);
    assert_eq!(short[0]["servers_affected"], "6");
    for column in [
        "servers_affected",
        "hours_to_100pct",
        "geo_restored",
        "wait_s_max",
    ] {
        assert_eq!(short[0][column], long[0][column], "{column}");
    }

    let scenario = fs::read_to_string("scenarios/region-outage.toml")
        .unwrap()
        .replace("at = \"21d14h2m30s\"", "at = \"29d22h2m30s\"");
    let file = write(tmp.path(), "late-run.toml", &scenario);
    let recoveries = |horizon: &str, name: &str| {
        let out = tmp.path().join(name);
        backsim()
            .arg("run")
            .arg(&file)
            .args(["--runs", "4", "--set", horizon, "--no-charts"])
            // One slot, busy with other tenants: the server's restore waits past the end.
            .args(["--set", "restore.slots_per_region=1"])
            .args(["--set", "restore.background_restores_per_hour=1", "--out"])
            .arg(&out)
            .assert()
            .success();
        csv_rows(&out.join("recoveries.csv"))
            .into_iter()
            .filter(|r| r["kind"] == "region-outage")
            .map(|r| (r["run"].clone(), r["outcome"].clone(), r["wait_s"].clone()))
            .collect::<Vec<_>>()
    };
    let ends_inside = recoveries("horizon_days=30", "r30");
    assert_eq!(ends_inside.len(), 4, "one region-outage recovery per run");
    assert_eq!(ends_inside, recoveries("horizon_days=40", "r40"));
}

/// A bad `--set regions.NAME.KEY` is blamed on the --set, with the likely key for a near miss.
#[test]
fn a_bad_region_set_is_blamed_on_the_set() {
    let tmp = TempDir::new().unwrap();
    let file = write(tmp.path(), "q.toml", &queue_fleet(2, 3, 10));
    for (set, says) in [
        (
            "regions.westus.slots_per_region=0",
            "error: --set regions.westus.slots_per_region=0:",
        ),
        (
            "regions.westeurope.slots_per_region=4",
            "error: --set regions.westeurope.",
        ),
        ("regions.westus.slots=4", "did you mean `slots_per_region`?"),
    ] {
        refuses(
            tmp.path(),
            &["fleet", file.to_str().unwrap(), "--set", set],
            says,
        );
    }
}

/// The slot wait of a regional outage is that of the servers geo-restored; with local backups
/// nobody is, and the summary says so rather than showing a wait of 0 h.
#[test]
fn the_outage_slot_wait_is_of_those_geo_restored() {
    let tmp = TempDir::new().unwrap();
    let geo = write(tmp.path(), "geo.toml", &queue_fleet(4, 1, 24));
    let local = write(
        tmp.path(),
        "local.toml",
        &queue_fleet(4, 1, 24).replace(
            "backup.redundancy = \"geo\"",
            "backup.redundancy = \"local\"",
        ),
    );
    let said = |file: &Path| {
        let out = backsim()
            .args(["fleet", file.to_str().unwrap(), "--no-charts", "--out"])
            .arg(tmp.path().join(file.file_stem().unwrap()))
            .output()
            .unwrap();
        assert!(out.status.success());
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let geo_text = said(&geo);
    assert!(
        geo_text.contains("slot wait of those geo-restored, each outage's mean: ")
            && !geo_text.contains("(none geo-restored)"),
        "{geo_text}"
    );
    let local_text = said(&local);
    assert!(
        local_text
            .contains("slot wait of those geo-restored, each outage's mean: - (none geo-restored)"),
        "{local_text}"
    );
}

/// fleet_bill.csv calls a bill "steady" only when every server behind it has a full backup set
/// within the horizon, "from-start" when none has, "mixed" when some have.
#[test]
fn the_bill_csv_says_when_a_bill_is_not_steady() {
    let tmp = TempDir::new().unwrap();
    let period = |text: &str, name: &str| {
        let file = write(tmp.path(), &format!("{name}.toml"), text);
        let out = fleet(tmp.path(), &file, name, &[]);
        // The rows that are not a calendar month's: those have no days_simulated.
        csv_rows(&out.join("fleet_bill.csv"))
            .into_iter()
            .filter(|r| r["days_simulated"].is_empty())
            .map(|r| (r["scope"].clone(), r["period"].clone()))
            .collect::<Vec<_>>()
    };
    // 12 days hold a 3-day retention's backup set, not a 14-day one's.
    let full = period(&queue_fleet(2, 1, 1), "full");
    assert!(
        !full.is_empty() && full.iter().all(|(_, p)| p == "steady"),
        "{full:?}"
    );
    let short =
        queue_fleet(2, 1, 1).replace("backup.retention_days = 3", "backup.retention_days = 14");
    let short = period(&short, "short");
    assert!(
        !short.is_empty() && short.iter().all(|(_, p)| p == "from-start"),
        "{short:?}"
    );
    // A second group that reaches its steady state: the fleet and the region mix the two.
    let mixed = queue_fleet(2, 1, 1)
        + "[[group]]\nname = \"long\"\ncount = 1\nregion = \"eastus\"\nset = { backup.retention_days = 14 }\n";
    let mixed = period(&mixed, "mixed");
    let of = |scope: &str| -> Vec<&str> {
        mixed
            .iter()
            .filter(|(s, _)| s == scope)
            .map(|(_, p)| p.as_str())
            .collect()
    };
    assert_eq!(of("fleet"), ["mixed"], "{mixed:?}");
    assert_eq!(of("region"), ["mixed"], "{mixed:?}");
    assert_eq!(of("group"), ["steady", "from-start"], "{mixed:?}");
}

/// A scripted outage of a region the fleet only restores into hits no server: refused, as one
/// of a region nobody uses is, rather than run and reported as "no regional outages".
#[test]
fn a_scripted_outage_of_a_restore_target_only_is_refused() {
    let tmp = TempDir::new().unwrap();
    let fleet = write(
        tmp.path(),
        "f.toml",
        "name = \"f\"\nruns = 2\nhorizon_days = 10\n[[group]]\nname = \"g\"\nregion = \"westus\"\ncount = 3\n[group.set]\nbackup.redundancy = \"geo\"\n[[outage]]\nregion = \"eastus\"\nat = \"2d\"\nhours = 24\n",
    );
    refuses(
        tmp.path(),
        &["fleet", fleet.to_str().unwrap()],
        "no group runs in eastus",
    );
}

/// An empty cell of a column backsim reads takes the defaults: said in a note naming the column,
/// the key and the rows, not silently (a 100 GB database stood in for an unknown one).
#[test]
fn empty_inventory_cells_are_named_in_a_note() {
    let tmp = TempDir::new().unwrap();
    let inv = write(
        tmp.path(),
        "inv.csv",
        "name,region,count,db_size_gb,binlog_gb_per_day\norders,eastus,2,200,40\nanalytics,eastus,,,\nbilling,eastus,1,50,\n",
    );
    let out = backsim()
        .arg("fleet")
        .arg(&inv)
        .args([
            "--runs",
            "2",
            "--set",
            "horizon_days=3",
            "--no-charts",
            "--out",
        ])
        .arg(tmp.path().join("o"))
        .assert()
        .success();
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(
        stderr.contains("db_size_gb (server.db_size_gb) in row 2;")
            && stderr.contains("binlog_gb_per_day (workload.binlog_gb_per_day) in rows 2, 3")
            // An empty count is one server, said too.
            && stderr.contains("count (one server) in row 2;"),
        "{stderr}"
    );
}

/// Shards record the fleet file's path as typed; merge run from another folder (here: the
/// shards' parent, or inside a shard) finds it above the shards, by its text, and merges to
/// the same bytes: every file, fleet.json's group sources included (they named the file by the
/// absolute path it was found at, `row 1 (/tmp/.../servers.csv)`, where the shards had
/// `row 1 (servers.csv)`).
#[test]
fn merge_finds_the_fleet_file_from_another_folder() {
    let tmp = TempDir::new().unwrap();
    write(
        tmp.path(),
        "servers.csv",
        "name,region,count\na,eastus,2\nb,westus,1\n",
    );
    write(
        tmp.path(),
        "f.toml",
        "name = \"f\"\ninventory = \"servers.csv\"\n[[group]]\nname = \"c\"\nregion = \"eastus\"\n",
    );
    // An inventory alone, and a fleet file reading one (typed with ./, which is kept).
    for (file, name, row) in [
        ("servers.csv", "inv", "row 1 (servers.csv)"),
        ("./f.toml", "toml", "row 1 (./servers.csv)"),
    ] {
        // The same fleet run into `out`, with `more` arguments (a shard), from the fleet's folder.
        let fleet_into = |out: &str, more: &[&str]| {
            backsim()
                .current_dir(tmp.path())
                .args(["fleet", file, "--runs", "2", "--set", "horizon_days=3"])
                .args(["--no-charts", "--out", out])
                .args(more)
                .assert()
                .success();
        };
        let shard = |i: u32| format!("{name}/shard-{i}");
        fleet_into(&shard(1), &["--shard", "1/2"]);
        fleet_into(&shard(2), &["--shard", "2/2"]);
        fleet_into(&format!("{name}/whole"), &[]);
        backsim()
            .current_dir(tmp.path().join(name))
            .args([
                "merge",
                "shard-1",
                "shard-2",
                "--no-charts",
                "--out",
                "merged",
            ])
            .assert()
            .success();
        backsim()
            .current_dir(tmp.path().join(shard(1)))
            .args([
                "merge",
                ".",
                "../shard-2",
                "--no-charts",
                "--out",
                "../inside",
            ])
            .assert()
            .success();
        let whole = tmp.path().join(name).join("whole");
        let source = fs::read_to_string(whole.join("fleet.json")).unwrap();
        assert!(source.contains(row), "{source}");
        for merged in ["merged", "inside"] {
            let merged = tmp.path().join(name).join(merged);
            for entry in fs::read_dir(&whole).unwrap() {
                let file = entry.unwrap().file_name();
                let (a, b) = (
                    fs::read_to_string(whole.join(&file)).unwrap(),
                    fs::read_to_string(merged.join(&file)).unwrap(),
                );
                let first = a.lines().zip(b.lines()).find(|(x, y)| x != y);
                assert!(
                    a == b,
                    "{name}: {file:?} of {} differs: {first:?}",
                    merged.display()
                );
            }
        }
    }
}

/// The fleet file's text is not the whole fleet: an inventory it reads, changed after the shards
/// ran, is refused at merge (it was merged as if the shards had run it).
#[test]
fn merge_refuses_a_fleet_whose_inventory_changed() {
    let tmp = TempDir::new().unwrap();
    let inventory = write(
        tmp.path(),
        "servers.csv",
        "name,region,db_size_gb\na,eastus,100\nb,westus,50\n",
    );
    let file = write(
        tmp.path(),
        "f.toml",
        "name = \"f\"\nruns = 2\nhorizon_days = 3\ninventory = \"servers.csv\"\n",
    );
    for i in 1..=2 {
        backsim()
            .arg("fleet")
            .arg(&file)
            .args(["--no-charts", "--shard", &format!("{i}/2"), "--out"])
            .arg(tmp.path().join(format!("s{i}")))
            .assert()
            .success();
    }
    fs::write(
        &inventory,
        "name,region,db_size_gb\na,eastus,120\nb,westus,50\n",
    )
    .unwrap();
    backsim()
        .arg("merge")
        .arg(tmp.path().join("s1"))
        .arg(tmp.path().join("s2"))
        .args(["--no-charts", "--out"])
        .arg(tmp.path().join("m"))
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "builds another fleet than the shards ran",
        ));
    assert!(!tmp.path().join("m").exists());
    // From inside a shard, where the recorded path does not lead, the file found above is the
    // one blamed, for how it differs (it was "cannot read the fleet file").
    backsim()
        .current_dir(tmp.path().join("s1"))
        .args(["merge", ".", "../s2", "--no-charts", "--out", "../m2"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "builds another fleet than the shards ran",
        ));
}

/// A region-outage scripted in a group's scenario hit that group's servers alone, was not
/// counted as a regional outage ("none in any run") and its restores skipped the region's
/// slots. It is now an outage of the group's region, as an [[outage]] there would be: counted,
/// hitting the other group in the region too, and the same outage whichever way it is written.
#[test]
fn a_region_outage_scripted_in_a_group_is_its_regions_outage() {
    let tmp = TempDir::new().unwrap();
    let head = "name = \"fro\"\nruns = 1\nhorizon_days = 5\n";
    let groups = "[[group]]\nname = \"a\"\ncount = 2\nregion = \"eastus\"\n[group.set]\nbackup.redundancy = \"geo\"\n[[group]]\nname = \"b\"\ncount = 1\nregion = \"eastus\"\n[group.set]\nbackup.redundancy = \"geo\"\n";
    let in_group = write(
        tmp.path(),
        "in_group.toml",
        // Scripted in group b's scenario keys only.
        &format!(
            "{head}{groups}events = [{{at = \"2d\", action = \"region-outage\", hours = 6}}]\n"
        ),
    );
    let as_outage = write(
        tmp.path(),
        "as_outage.toml",
        &format!("{head}[[outage]]\nregion = \"eastus\"\nat = \"2d\"\nhours = 6\n{groups}"),
    );
    let a = fleet(tmp.path(), &in_group, "in_group", &[]);
    let b = fleet(tmp.path(), &as_outage, "as_outage", &[]);
    let outages = csv_rows(&a.join("fleet_outages.csv"));
    assert_eq!(outages.len(), 1, "one regional outage, counted");
    assert_eq!(outages, csv_rows(&b.join("fleet_outages.csv")));
    let recoveries = csv_rows(&a.join("fleet_recoveries.csv"));
    assert_eq!(
        recoveries
            .iter()
            .filter(|r| r["kind"] == "region-outage")
            .count(),
        3,
        "every server of the region, group b's too"
    );
    assert_eq!(recoveries, csv_rows(&b.join("fleet_recoveries.csv")));
}

/// A fleet's shard merged with a sweep's was read as a sweep and refused for lacking
/// sweep.json ("is this a sweep output folder?"): the refusal now says what was mixed.
#[test]
fn a_fleet_shard_and_a_sweep_shard_do_not_merge() {
    let tmp = TempDir::new().unwrap();
    let file = write(
        tmp.path(),
        "f.toml",
        "name = \"f\"\nruns = 2\nhorizon_days = 3\n[[group]]\nname = \"a\"\nregion = \"eastus\"\n",
    );
    let fleet_shard = fleet(tmp.path(), &file, "fleet", &["--shard", "1/2"]);
    let scenario = write(
        tmp.path(),
        "s.toml",
        "name = \"s\"\nruns = 1\nhorizon_days = 3\n",
    );
    let sweep_shard = backsim_into(
        "sweep",
        &scenario,
        tmp.path(),
        "sweep",
        &["--vary", "backup.retention_days=3,4", "--shard", "1/2"],
    );
    refuses(
        tmp.path(),
        &[
            "merge",
            fleet_shard.to_str().unwrap(),
            sweep_shard.to_str().unwrap(),
        ],
        "is a fleet's shard and",
    );
}

/// Shards of a fleet read from standard input, merged with nothing piped in: the refusal said
/// only "<stdin>: key `name`: is required"; it now says to pipe the fleet file in again.
#[test]
fn merging_shards_of_a_piped_fleet_asks_for_the_file_again() {
    let tmp = TempDir::new().unwrap();
    let text =
        "name = \"f\"\nruns = 2\nhorizon_days = 3\n[[group]]\nname = \"a\"\nregion = \"eastus\"\n";
    for shard in ["1/2", "2/2"] {
        backsim()
            .current_dir(tmp.path())
            .args(["fleet", "-", "--shard", shard, "--no-charts", "--out"])
            .arg(shard.replace('/', "of"))
            .write_stdin(text)
            .assert()
            .success();
    }
    backsim()
        .current_dir(tmp.path())
        .args(["merge", "1of2", "2of2", "--no-charts", "--out", "m"])
        .write_stdin("")
        .assert()
        .code(2)
        .stderr(predicates::str::contains("pipe the same file in"));
    backsim()
        .current_dir(tmp.path())
        .args(["merge", "1of2", "2of2", "--no-charts", "--out", "m"])
        .write_stdin(text)
        .assert()
        .success();
}

/// `backsim fleet F --set outage=[]` was told that `outage` "belongs to a fleet file, which
/// `backsim fleet FILE` runs": the fleet file's own tables are not --set keys, and the refusal
/// says so.
#[test]
fn the_fleet_files_own_tables_are_not_set_keys() {
    let tmp = TempDir::new().unwrap();
    let file = write(
        tmp.path(),
        "f.toml",
        "name = \"f\"\nruns = 1\nhorizon_days = 3\n[[group]]\nname = \"a\"\nregion = \"eastus\"\n",
    );
    for set in ["outage=[]", "group=[]", "defaults.backup.retention_days=3"] {
        refuses(
            tmp.path(),
            &["fleet", file.to_str().unwrap(), "--set", set],
            "is the fleet file's own, which --set does not change",
        );
    }
    // A group's region is its own: over every group it moved the whole fleet, and a region
    // outside the fleet panicked.
    for set in ["server.region=westeurope", "server={region=\"westus\"}"] {
        refuses(
            tmp.path(),
            &["fleet", file.to_str().unwrap(), "--set", set],
            "a group's region is its own",
        );
    }
    refuses(
        tmp.path(),
        &["fleet", file.to_str().unwrap(), "--set", "name=x"],
        "each group's name is its own",
    );
}

/// Groups whose own scenario files set another start or horizon ran on them unnoticed, their
/// outages and months misplaced: refused, naming the group and the key. And an outage scripted
/// both as the fleet's [[outage]] and in a group's scenario is one outage, as are two that
/// overlap.
#[test]
fn a_fleet_runs_on_one_clock_and_counts_an_outage_once() {
    let tmp = TempDir::new().unwrap();
    write(tmp.path(), "a.toml", "name = \"a\"\nhorizon_days = 5\n");
    write(tmp.path(), "b.toml", "name = \"b\"\nhorizon_days = 9\n");
    let two_clocks = write(
        tmp.path(),
        "two.toml",
        "name = \"two\"\nruns = 1\n[[group]]\nname = \"a\"\nregion = \"eastus\"\nscenario = \"a.toml\"\n[[group]]\nname = \"b\"\nregion = \"eastus\"\nscenario = \"b.toml\"\n",
    );
    refuses(
        tmp.path(),
        &["fleet", two_clocks.to_str().unwrap()],
        "group \"b\": horizon_days`: differs from the first group's (5)",
    );
    // One currency for the fleet's bill: a group in EUR was summed with one in USD.
    let two_currencies = write(
        tmp.path(),
        "currencies.toml",
        "name = \"cur\"\nruns = 1\nhorizon_days = 3\n[[group]]\nname = \"a\"\nregion = \"eastus\"\n[[group]]\nname = \"b\"\nregion = \"eastus\"\n[group.set]\ncost.currency = \"EUR\"\n",
    );
    refuses(
        tmp.path(),
        &["fleet", two_currencies.to_str().unwrap()],
        "group \"b\": cost.currency`: differs from the first group's (USD)",
    );
    let twice = write(
        tmp.path(),
        "twice.toml",
        "name = \"twice\"\nruns = 1\nhorizon_days = 5\n[[outage]]\nregion = \"eastus\"\nat = \"2d\"\nhours = 6\n[[group]]\nname = \"a\"\nregion = \"eastus\"\n[group.set]\nevents = [{at = \"2d\", action = \"region-outage\", hours = 6}]\n",
    );
    let out = fleet(tmp.path(), &twice, "twice", &[]);
    assert_eq!(csv_rows(&out.join("fleet_outages.csv")).len(), 1);
    // At the same instant with another length it is still one outage, the fleet file's.
    let longer = write(
        tmp.path(),
        "longer.toml",
        &fs::read_to_string(&twice)
            .unwrap()
            .replace("hours = 6}]", "hours = 8}]"),
    );
    let out = fleet(tmp.path(), &longer, "longer", &[]);
    let rows = csv_rows(&out.join("fleet_outages.csv"));
    assert_eq!(rows.len(), 1);
    assert_eq!(
        rows[0]["outage_hours"], "8",
        "the region is down until the longer one ends"
    );
    // One that begins while the other is on is the same stretch down: 2d to 2d 9h, one row.
    let overlapping = write(
        tmp.path(),
        "overlapping.toml",
        &fs::read_to_string(&twice)
            .unwrap()
            .replace("at = \"2d\", action", "at = \"2d 3h\", action"),
    );
    let out = fleet(tmp.path(), &overlapping, "overlapping", &[]);
    let rows = csv_rows(&out.join("fleet_outages.csv"));
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["started_s"], "172800");
    assert_eq!(rows[0]["outage_hours"], "9");
}

/// `--set 'restore={slots_per_region=1}'` was read for the groups alone and left every region
/// at its file's slots; a table holding region keys now sets every region as the dotted keys do.
#[test]
fn region_keys_set_as_a_table_set_every_region() {
    let tmp = TempDir::new().unwrap();
    let file = write(
        tmp.path(),
        "fr.toml",
        "name = \"fr\"\nruns = 1\nhorizon_days = 3\n[regions.eastus]\nslots_per_region = 8\n[[group]]\nname = \"a\"\nregion = \"eastus\"\n",
    );
    for (out, set) in [
        ("table", "restore={slots_per_region=1}"),
        ("dotted", "restore.slots_per_region=1"),
    ] {
        let dir = fleet(tmp.path(), &file, out, &["--set", set]);
        let summary: serde_json::Value =
            serde_json::from_slice(&fs::read(dir.join("fleet.json")).unwrap()).unwrap();
        let text = summary.to_string();
        assert!(text.contains("\"slots_per_region\":1"), "{set}: {text}");
        assert!(!text.contains("\"slots_per_region\":8"), "{set}");
    }
    // A --set for one region wins over one for every region, in either order.
    for (out, sets) in [
        (
            "specific_last",
            [
                "restore.slots_per_region=2",
                "regions.eastus.slots_per_region=5",
            ],
        ),
        (
            "specific_first",
            [
                "regions.eastus.slots_per_region=5",
                "restore.slots_per_region=2",
            ],
        ),
    ] {
        let dir = fleet(
            tmp.path(),
            &file,
            out,
            &["--set", sets[0], "--set", sets[1]],
        );
        let text = fs::read_to_string(dir.join("fleet.json")).unwrap();
        let compact: String = text.split_whitespace().collect();
        assert!(compact.contains("\"slots_per_region\":5"), "{out}: {text}");
    }
}

/// Fleet merge named neither what differs between shards nor the folder named twice ("fleet,
/// seed or runs differs"; "missing: 1, 3…"): it names both now.
#[test]
fn fleet_merge_names_what_differs_and_the_shard_named_twice() {
    let tmp = TempDir::new().unwrap();
    let file = write(
        tmp.path(),
        "f.toml",
        "name = \"f\"\nruns = 2\nhorizon_days = 3\n[[group]]\nname = \"a\"\nregion = \"eastus\"\n",
    );
    let one = fleet(tmp.path(), &file, "one", &["--shard", "1/2"]);
    let other_seed = fleet(
        tmp.path(),
        &file,
        "seed9",
        &["--shard", "2/2", "--seed", "9"],
    );
    let (one, other_seed) = (one.to_str().unwrap(), other_seed.to_str().unwrap());
    refuses(
        tmp.path(),
        &["merge", one, one],
        "hold the same shard (1/2)",
    );
    refuses(
        tmp.path(),
        &["merge", one, other_seed],
        "holds another fleet run: the seed",
    );
}

/// Fleet shards typed differently (the fleet file's path, flag order, --set order across
/// tables, --no-charts) merge into the whole run's results: merge compared the raw command
/// line and refused them.
#[test]
fn fleet_shards_typed_differently_merge() {
    let tmp = TempDir::new().unwrap();
    write(
        tmp.path(),
        "f.toml",
        "name = \"f\"\nruns = 2\nhorizon_days = 3\n[[group]]\nname = \"a\"\nregion = \"eastus\"\n",
    );
    let run = |args: &[&str]| {
        backsim()
            .current_dir(tmp.path())
            .args(args)
            .assert()
            .success();
    };
    run(&[
        "fleet",
        "f.toml",
        "--seed",
        "3",
        "--set",
        "backup.retention_days=4",
        "--set",
        "server.db_size_gb=20",
        "--out",
        "whole",
    ]);
    run(&[
        "fleet",
        "f.toml",
        "--seed",
        "3",
        "--set",
        "backup.retention_days=4",
        "--set",
        "server.db_size_gb=20",
        "--shard",
        "1/2",
        "--out",
        "s1",
    ]);
    run(&[
        "fleet",
        "./f.toml",
        "--set",
        "server.db_size_gb=20",
        "--no-charts",
        "--set",
        "backup.retention_days=4",
        "--seed=3",
        "--shard",
        "2/2",
        "--out",
        "s2",
    ]);
    backsim()
        .current_dir(tmp.path())
        .args(["merge", "s1", "s2", "--out", "merged"])
        .assert()
        .success();
    for name in ["fleet_bill.csv", "fleet_servers.csv", "fleet_runs.json"] {
        assert!(
            fs::read(tmp.path().join("whole").join(name)).unwrap()
                == fs::read(tmp.path().join("merged").join(name)).unwrap(),
            "{name}"
        );
    }
}

/// A bad cell after a quoted cell holding a line break is placed on its own line: it was placed
/// on the row's first line, at a column there.
#[test]
fn an_inventory_cell_after_a_quoted_line_break_is_placed_on_its_line() {
    let tmp = TempDir::new().unwrap();
    let inv = write(
        tmp.path(),
        "ml.csv",
        "notes,name,count,region,vcores\n\"a\nb\",api,1,eastus,zz\n",
    );
    refuses(
        tmp.path(),
        &["fleet", inv.to_str().unwrap()],
        "ml.csv:3:17: key `row 1 (\"api\"): server.vcores",
    );
}

/// A quote never closed is refused where it opens: the reader took the rest of the file as
/// one cell.
#[test]
fn an_inventory_quote_never_closed_is_placed() {
    let tmp = TempDir::new().unwrap();
    let inv = write(
        tmp.path(),
        "open.csv",
        "name,count,region\napi,1,eastus\n\"web,1,eastus\n",
    );
    refuses(
        tmp.path(),
        &["fleet", inv.to_str().unwrap()],
        "open.csv:3:1: key `line 3`: this quote is never closed",
    );
}

/// A region's settings came from its first group: a second group there whose own scenario file
/// set other ones was ignored without a word. Refused, naming the group and the key.
#[test]
fn groups_of_one_region_agree_on_its_settings() {
    let tmp = TempDir::new().unwrap();
    write(
        tmp.path(),
        "slots1.toml",
        "name = \"s\"\n[restore]\nslots_per_region = 1\n",
    );
    let file = write(
        tmp.path(),
        "f.toml",
        "name = \"f\"\nruns = 1\nhorizon_days = 3\n[[group]]\nname = \"a\"\nregion = \"eastus\"\n[[group]]\nname = \"b\"\nregion = \"eastus\"\nscenario = \"slots1.toml\"\n",
    );
    refuses(
        tmp.path(),
        &["fleet", file.to_str().unwrap()],
        "group \"b\": restore.slots_per_region`: 1 from its scenario, where group \"a\"",
    );
    // Set for the region by the fleet, the groups' own values do not matter.
    let settled = write(
        tmp.path(),
        "settled.toml",
        &fs::read_to_string(&file).unwrap().replace(
            "horizon_days = 3\n",
            "horizon_days = 3\n[regions.eastus]\nslots_per_region = 4\n",
        ),
    );
    fleet(tmp.path(), &settled, "settled", &[]);
}

/// A server with no recovery recorded its writes lost as -0.0 (a float sum of nothing is -0).
#[test]
fn a_fleet_record_shows_no_negative_zero() {
    let tmp = TempDir::new().unwrap();
    let file = write(
        tmp.path(),
        "f.toml",
        "name = \"f\"\nruns = 1\nhorizon_days = 3\n[[group]]\nname = \"a\"\nregion = \"eastus\"\n",
    );
    let out = fleet(tmp.path(), &file, "f", &[]);
    let record = fs::read_to_string(out.join("fleet_runs.json")).unwrap();
    assert!(!record.contains("-0.0"), "{record}");
}

/// An error in a [[group]] points at the key's own line and column, not at the `[[group]]`
/// header, whether the key sits under `[group.set]`, in an inline table, dotted or quoted, or
/// is the group's own (its region; its scenario, here the fleet file itself, which is no
/// scenario); a bad count shows what it got. `[[outage]]` and `[regions.NAME]` keys likewise.
#[test]
fn group_errors_point_at_the_key() {
    let tmp = TempDir::new().unwrap();
    for (name, text, says) in [
        (
            "set.toml",
            "name = \"f\"\nruns = 1\n\n[[group]]\nname = \"a\"\nregion = \"eastus\"\n[group.set]\nserver.vcores = 4\nbackup.retention_days = 99\n",
            "set.toml:9:25: key `group \"a\": backup.retention_days`: must be a whole number from 1 to 35, got 99",
        ),
        (
            "inline.toml",
            "name = \"f\"\nruns = 1\n[[group]]\nname = \"a\"\nregion = \"eastus\"\n\n[[group]]\nname = \"b\"\nregion = \"eastus\"\n[group.set]\nbackup = { retention_days = 0 }\n",
            "inline.toml:11:29: key `group \"b\": backup.retention_days`",
        ),
        (
            "count.toml",
            "name = \"f\"\nruns = 1\n[[group]]\nname = \"a\"\nregion = \"eastus\"\ncount = 0\n",
            "count.toml:6:9: key `group[1].count`: expected a whole number of servers from 1 to 1000000, got 0",
        ),
        (
            "quoted.toml",
            "name = \"f\"\nruns = 1\n[[group]]\nname = \"a\"\nregion = \"eastus\"\n[group.set]\n\"server.vcores\" = 999\n",
            "quoted.toml:7:19: key `group \"a\": server.vcores`",
        ),
        (
            "region.toml",
            "name = \"f\"\n[[group]]\nname = \"a\"\ncount = 1\nregion = \"marsnorth\"\n",
            "region.toml:5:10: key `group \"a\": region`",
        ),
        (
            "itself.toml",
            "name = \"f\"\n[[group]]\nname = \"a\"\nregion = \"eastus\"\nscenario = \"itself.toml\"\n",
            "itself.toml:5:12: key `group \"a\": scenario`: ",
        ),
        (
            "outage.toml",
            "name = \"f\"\n[[outage]]\nregion = \"eastus\"\nat = \"1d\"\nhours = -24\n[[group]]\nname = \"a\"\nregion = \"eastus\"\n",
            "outage.toml:5:9: key `outage[1].hours`",
        ),
        (
            "slots.toml",
            "name = \"f\"\n[regions.eastus]\nslots_per_region = 0\n[[group]]\nname = \"a\"\nregion = \"eastus\"\n",
            "slots.toml:3:20: key `regions.eastus.slots_per_region`",
        ),
    ] {
        let file = write(tmp.path(), name, text);
        refuses(tmp.path(), &["fleet", file.to_str().unwrap()], says);
    }
}

/// A fleet of one is still the server's own run when its region's outages overlap and the
/// server is stopped as the first begins (the fleet merges the outages before the server sees
/// them; it once missed both, where alone it was down 10 h). The region is down from the first
/// outage to the end of the second, so the start an hour in waits for it: 11 h down, alone or
/// in the fleet, and no recovery. The stretch down is one row, with no server affected: none
/// was serving when it began.
#[test]
fn a_fleet_of_one_takes_overlapping_outages_as_its_own_run_does() {
    let tmp = TempDir::new().unwrap();
    write(
        tmp.path(),
        "s.toml",
        "name = \"s\"\nhorizon_days = 10\nruns = 1\n[backup]\nredundancy = \"local\"\n[[events]]\nat = \"1d23h\"\naction = \"stop\"\n[[events]]\nat = \"2d1h\"\naction = \"start\"\n[[events]]\nat = \"2d\"\naction = \"region-outage\"\nhours = 6\n[[events]]\nat = \"2d2h\"\naction = \"region-outage\"\nhours = 10\n",
    );
    let file = write(
        tmp.path(),
        "f.toml",
        "name = \"f\"\nruns = 1\nhorizon_days = 10\n[[group]]\nname = \"g\"\nregion = \"eastus\"\nscenario = \"s.toml\"\n",
    );
    let out = fleet(tmp.path(), &file, "f", &[]);
    let server = &csv_rows(&out.join("fleet_servers.csv"))[0];
    assert_eq!(server["downtime_hours"], "11");
    assert_eq!(server["recoveries"], "0");
    let alone = backsim_into("run", &tmp.path().join("s.toml"), tmp.path(), "alone", &[]);
    let summary = fs::read_to_string(alone.join("summary.json")).unwrap();
    let summary: serde_json::Value = serde_json::from_str(&summary).unwrap();
    assert_eq!(summary["recoveries"]["downtime_hours"], 11.0);
    let outages = csv_rows(&out.join("fleet_outages.csv"));
    assert_eq!(outages.len(), 1);
    assert_eq!(
        (
            outages[0]["outage_hours"].as_str(),
            outages[0]["servers_affected"].as_str()
        ),
        ("12", "0")
    );
}

/// An inventory that cannot be read is blamed on the fleet file's `inventory` key, with its
/// line; an empty path is refused as no path.
#[test]
fn an_unreadable_inventory_is_blamed_on_its_key() {
    let tmp = TempDir::new().unwrap();
    for (name, value, says) in [
        (
            "empty.toml",
            "\"\"",
            "empty.toml:2:1: key `inventory`: expected the path of a CSV file",
        ),
        (
            "missing.toml",
            "\"nothere.csv\"",
            "missing.toml:2:1: key `inventory`: ",
        ),
    ] {
        let file = write(
            tmp.path(),
            name,
            &format!("name = \"f\"\ninventory = {value}\n"),
        );
        refuses(tmp.path(), &["fleet", file.to_str().unwrap()], says);
    }
}

/// The word before a big fleet (how many server-years, roughly how long) goes to stderr, as
/// run's does: stdout is the result's. The fleet is stopped once it has been said.
#[test]
fn a_big_fleets_announcement_goes_to_stderr() {
    use std::io::{BufRead, Read};
    let tmp = TempDir::new().unwrap();
    let file = write(
        tmp.path(),
        "big.toml",
        "name = \"big\"\nruns = 2001\nhorizon_days = 365\n[[group]]\nname = \"a\"\nregion = \"eastus\"\n",
    );
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("backsim"))
        .args(["fleet", file.to_str().unwrap(), "--no-charts", "--out"])
        .arg(tmp.path().join("out"))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    std::io::BufReader::new(child.stderr.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    let mut stdout = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut stdout)
        .unwrap();
    assert!(
        first.starts_with("note: 1 server × 2,001 runs × 365 days"),
        "{first}"
    );
    assert!(!stdout.contains("server-years"), "{stdout}");
}

/// A monthly bill per group and calendar month is held while the outputs are written (and per
/// run in the records): thousands of one-server groups over ten years took 1.8 GB and then
/// aborted. Such a fleet is refused before it runs, with the way out; counts in one row cost
/// nothing.
#[test]
fn a_fleet_whose_monthly_group_bills_would_not_fit_is_refused_before_it_runs() {
    let tmp = TempDir::new().unwrap();
    let mut rows = String::from("name,count,region\n");
    for i in 0..4200 {
        rows.push_str(&format!("s{i},1,eastus\n"));
    }
    write(tmp.path(), "servers.csv", &rows);
    let ten_years = write(
        tmp.path(),
        "fleet.toml",
        "name = \"many\"\nruns = 1\nhorizon_days = 3650\ninventory = \"servers.csv\"\n",
    );
    let out = backsim().arg("validate").arg(&ten_years).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("4200 groups × 121 calendar months = 508200 monthly group bills")
            && stderr.contains("in one group with a count"),
        "{stderr}"
    );
    // The same servers as one row are one group: accepted.
    write(tmp.path(), "one.csv", "name,count,region\ns,4200,eastus\n");
    let one = write(
        tmp.path(),
        "one.toml",
        "name = \"many\"\nruns = 1\nhorizon_days = 3650\ninventory = \"one.csv\"\n",
    );
    backsim().arg("validate").arg(&one).assert().success();
    // And many runs of a smaller fleet are counted too.
    let runs = write(
        tmp.path(),
        "runs.toml",
        "name = \"many\"\nruns = 100\nhorizon_days = 365\ninventory = \"servers.csv\"\n",
    );
    let out = backsim().arg("validate").arg(&runs).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("fewer runs would do"));
}

/// What a geo-restore costs in writes is shown for the geo-restored alone: the outage's mean
/// per affected server counted the servers back with the region too, which lose nothing, and
/// the text showed no loss at all. Each outage's figures agree with fleet_recoveries.csv, and
/// stay within the geo window (an hour of lag after a 5-minute log backup).
#[test]
fn writes_lost_to_a_geo_restore_are_of_the_geo_restored() {
    let tmp = TempDir::new().unwrap();
    // Six servers and one slot for a 2-hour outage: some are geo-restored (each about half an
    // hour), the rest are back with the region first.
    let file = write(tmp.path(), "geo.toml", &queue_fleet(6, 1, 2));
    let out = tmp.path().join("out");
    let run = backsim()
        .args(["fleet", file.to_str().unwrap(), "--no-charts", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(run.status.success());
    let outages = csv_rows(&out.join("fleet_outages.csv"));
    let recoveries = csv_rows(&out.join("fleet_recoveries.csv"));
    let lost: Vec<f64> = recoveries
        .iter()
        .filter(|r| r["kind"] == "region-outage" && r["outcome"] == "restored")
        .map(|r| number(r, "data_lost_s"))
        .collect();
    assert_eq!(outages.len(), 1);
    let o = &outages[0];
    let restored = number(o, "geo_restored");
    assert!(
        restored >= 1.0 && number(o, "back_with_region") >= 1.0,
        "{o:?}"
    );
    assert_eq!(lost.len() as f64, restored);
    let mean = lost.iter().sum::<f64>() / lost.len() as f64;
    let worst = lost.iter().copied().fold(0.0, f64::max);
    assert!((number(o, "geo_restored_data_lost_s_mean") - mean).abs() < 1e-9 * mean.max(1.0));
    assert_eq!(number(o, "geo_restored_data_lost_s_max"), worst);
    assert!(mean > 0.0 && worst <= 3900.0, "{mean} {worst}");
    // The per-server mean is the same writes over every server the outage hit.
    let per_server = mean * restored / number(o, "servers_affected");
    assert!((number(o, "data_lost_s_mean") - per_server).abs() < 1e-9 * mean);
    let text = String::from_utf8_lossy(&run.stdout);
    let line = text
        .lines()
        .find(|l| l.contains("writes lost by those geo-restored"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(
        line.contains(&format!("the worst server {} min", sig3(worst / 60.0))),
        "{line}"
    );
}

/// Three significant figures, as the fleet text prints them.
fn sig3(x: f64) -> String {
    backsim::report::numbers::sig(x, 3)
}

/// An inventory that is a TOML file (here the fleet file naming itself, or a scenario) is
/// called what it is, where its first line was read as a CSV header and blamed for an unknown
/// column `name = "f"`.
#[test]
fn a_toml_file_given_as_the_inventory_is_called_toml() {
    let tmp = TempDir::new().unwrap();
    let itself = write(
        tmp.path(),
        "f.toml",
        "name = \"f\"\ninventory = \"f.toml\"\n",
    );
    refuses(
        tmp.path(),
        &["fleet", itself.to_str().unwrap()],
        "f.toml:1:1: key `header`: reads as TOML, not as an inventory",
    );
    write(tmp.path(), "s.toml", "[server]\nvcores = 4\n");
    let other = write(
        tmp.path(),
        "g.toml",
        "name = \"g\"\ninventory = \"s.toml\"\n",
    );
    refuses(
        tmp.path(),
        &["fleet", other.to_str().unwrap()],
        "s.toml:1:1: key `header`: reads as TOML",
    );
}

/// validate said "1 groups, 2 regions" of a fleet that `fleet` calls "1 group, 1 region": it
/// counted the region geo-restores go to as one the servers run in. Now it counts as fleet
/// does, says the target apart, and puts a count of one in the singular.
#[test]
fn validate_counts_a_fleet_as_fleet_does() {
    let tmp = TempDir::new().unwrap();
    write(
        tmp.path(),
        "server.toml",
        "name = \"tiny\"\nhorizon_days = 2\nruns = 2\n",
    );
    let one = write(
        tmp.path(),
        "fleet.toml",
        "name = \"fleet\"\nruns = 1\nhorizon_days = 2\n[[group]]\nname = \"only\"\ncount = 1\nregion = \"eastus\"\nscenario = \"server.toml\"\n",
    );
    let out = backsim().arg("validate").arg(&one).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(
            "1 server in 1 group, 1 region and 1 geo-restore target region; 1 run × 2 days"
        ),
        "{stdout}"
    );
    let ran = backsim()
        .arg("fleet")
        .arg(&one)
        .args(["--no-charts", "--out"])
        .arg(tmp.path().join("out"))
        .output()
        .unwrap();
    assert_eq!(ran.status.code(), Some(0));
    let summary = String::from_utf8_lossy(&ran.stdout);
    assert!(
        summary.contains("1 server in 1 group, 1 region"),
        "{summary}"
    );
}
