//! Charts and the planning report: each chart a valid PNG of the stated size, report.md naming
//! every headline figure with its value, --no-charts leaving only tables.

mod common;
use common::backsim;

use std::fs;
use std::path::Path;

use tempfile::TempDir;

/// Width and height of a PNG that decodes whole and is not blank, else None.
fn png_size(path: &Path) -> Option<(u32, u32)> {
    use image::GenericImageView;
    let bytes = fs::read(path).ok()?;
    if bytes.get(..8)? != b"\x89PNG\r\n\x1a\n" {
        return None;
    }
    let picture = image::load_from_memory_with_format(&bytes, image::ImageFormat::Png).ok()?;
    let rgb = picture.to_rgb8();
    let first = rgb.get_pixel(0, 0);
    let distinct = rgb.pixels().filter(|p| *p != first).count();
    (distinct > 1_000).then(|| picture.dimensions())
}

fn lookup<'a>(json: &'a serde_json::Value, dotted: &str) -> &'a serde_json::Value {
    dotted.split('.').fold(json, |v, k| &v[k])
}

#[test]
fn run_draws_three_charts_and_a_report_naming_every_headline_figure() {
    let tmp = TempDir::new().unwrap();
    let out = tmp.path().join("o");
    backsim()
        .args([
            "run",
            "scenarios/region-outage.toml",
            "--runs",
            "6",
            "--out",
        ])
        .arg(&out)
        .assert()
        .success();
    for chart in ["storage.png", "rpo.png", "restore.png"] {
        assert_eq!(png_size(&out.join(chart)), Some((1200, 800)), "{chart}");
    }
    let report = fs::read_to_string(out.join("report.md")).unwrap();
    let summary: serde_json::Value =
        serde_json::from_slice(&fs::read(out.join("summary.json")).unwrap()).unwrap();
    let headline = [
        "rpo_seconds.p50",
        "rpo_seconds.p95",
        "rpo_seconds.max",
        "geo_rpo_seconds.p50",
        "geo_rpo_seconds.max",
        "restore_seconds.latest.p50",
        "restore_seconds.latest.p95",
        "restore_seconds.fastest.p50",
        "restore_seconds.custom.p50",
        "durability_nines",
        "durability_nines_by_redundancy.local",
        "durability_nines_by_redundancy.zone",
        "durability_nines_by_redundancy.geo",
        "backup_storage_gb.mean",
        "backup_storage_gb.peak",
        "backup_storage_gb.free_allowance",
        "billable_gb_month.mean",
        "cost_per_month.mean",
        "free_retention_days",
        "region_outages.mean_geo_recovery_seconds",
        "region_outages.mean_geo_data_loss_seconds",
        "region_outages.unrecoverable_hours",
        "region_outages.mean_data_at_risk_seconds",
    ];
    for key in headline {
        let value = lookup(&summary, key)
            .as_f64()
            .unwrap_or_else(|| panic!("{key} in summary"));
        let line = report
            .lines()
            .find(|l| l.contains(&format!("`{key}`")))
            .unwrap_or_else(|| panic!("report.md names {key}"));
        // The value cell shows it to four significant figures (or the interval's precision).
        let cell = line.split('|').nth(2).unwrap().trim();
        let shown: f64 = cell
            .split_whitespace()
            .next()
            .unwrap()
            .replace(',', "")
            .parse()
            .unwrap_or_else(|_| panic!("{key}: a number first in {line}"));
        assert!(
            (shown - value).abs() <= 5e-4 * value.abs() + 5e-3,
            "{key}: {value} shown as {shown} in {line}"
        );
    }
    // The scenario's question and the charts are in it.
    assert!(report.contains("what do we lose if our region goes down for 6 hours"));
    for chart in ["storage.png", "rpo.png", "restore.png"] {
        assert!(report.contains(&format!("]({chart})")));
    }
}

#[test]
fn no_charts_writes_tables_only() {
    let tmp = TempDir::new().unwrap();
    let out = tmp.path().join("o");
    backsim()
        .args([
            "run",
            "scenarios/default.toml",
            "--runs",
            "2",
            "--no-charts",
            "--out",
        ])
        .arg(&out)
        .assert()
        .success();
    let pngs = fs::read_dir(&out)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "png")
        })
        .count();
    assert_eq!(pngs, 0);
    assert!(out.join("summary.csv").is_file() && out.join("report.md").is_file());
}

#[test]
fn sweeps_chart_each_headline_figure_and_merge_redraws_them() {
    let tmp = TempDir::new().unwrap();
    let scenario = tmp.path().join("s.toml");
    fs::write(
        &scenario,
        "name = \"s\"\nhorizon_days = 10\nruns = 4\n[sweep]\n\"backup.retention_days\" = [3, 7]\n\"backup.redundancy\" = [\"local\", \"geo\"]\n",
    )
    .unwrap();
    let whole = tmp.path().join("whole");
    backsim()
        .arg("sweep")
        .arg(&scenario)
        .arg("--out")
        .arg(&whole)
        .assert()
        .success();
    let charts: Vec<_> = fs::read_dir(&whole)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "png"))
        .collect();
    assert_eq!(charts.len(), 6, "one chart per headline figure");
    for c in &charts {
        assert_eq!(png_size(c), Some((1200, 800)), "{}", c.display());
    }
    let shards: Vec<_> = (1..=2)
        .map(|i| {
            let d = tmp.path().join(format!("shard{i}"));
            backsim()
                .arg("sweep")
                .arg(&scenario)
                .args(["--shard", &format!("{i}/2"), "--out"])
                .arg(&d)
                .assert()
                .success();
            d
        })
        .collect();
    assert!(
        !shards[0].join("sweep_cost_per_month.png").exists(),
        "a shard alone draws no charts"
    );
    let merged = tmp.path().join("merged");
    backsim()
        .arg("merge")
        .args(&shards)
        .arg("--out")
        .arg(&merged)
        .assert()
        .success();
    assert_eq!(
        fs::read(merged.join("sweep_cost_per_month.png")).unwrap(),
        fs::read(whole.join("sweep_cost_per_month.png")).unwrap()
    );
}

/// Merge draws the charts the shards' command asked for: it drew y from zero after shards
/// run with --y-from-data (so its charts were not the unsharded sweep's), and charts after
/// shards run with --no-charts. `merge --no-charts` still skips them.
#[test]
fn merge_draws_the_charts_the_shards_asked_for() {
    let tmp = TempDir::new().unwrap();
    let scenario = tmp.path().join("s.toml");
    fs::write(
        &scenario,
        "name = \"s\"\nhorizon_days = 10\nruns = 4\n[sweep]\n\"backup.retention_days\" = [3, 7]\n\"backup.redundancy\" = [\"local\", \"geo\"]\n",
    )
    .unwrap();
    let sweep = |out: &str, flag: &str, shard: Option<u32>| {
        let dir = tmp.path().join(out);
        let mut cmd = backsim();
        cmd.arg("sweep")
            .arg(&scenario)
            .arg(flag)
            .arg("--out")
            .arg(&dir);
        if let Some(i) = shard {
            cmd.args(["--shard", &format!("{i}/2")]);
        }
        cmd.assert().success();
        dir
    };
    let pngs = |dir: &Path| -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| n.ends_with(".png"))
            .collect();
        names.sort();
        names
    };
    let merge = |flag: &str, extra: &[&str]| {
        let merged = tmp.path().join(format!("merged{flag}{}", extra.len()));
        backsim()
            .arg("merge")
            .arg(tmp.path().join(format!("1{flag}")))
            .arg(tmp.path().join(format!("2{flag}")))
            .args(extra)
            .arg("--out")
            .arg(&merged)
            .assert()
            .success();
        merged
    };
    for flag in ["--y-from-data", "--no-charts"] {
        let whole = sweep(&format!("whole{flag}"), flag, None);
        for i in 1..=2 {
            sweep(&format!("{i}{flag}"), flag, Some(i));
        }
        let merged = merge(flag, &[]);
        assert_eq!(pngs(&merged), pngs(&whole), "{flag}");
        for name in pngs(&whole) {
            assert!(
                fs::read(merged.join(&name)).unwrap() == fs::read(whole.join(&name)).unwrap(),
                "{flag}: {name} is not the unsharded sweep's"
            );
        }
    }
    assert_eq!(pngs(&merge("--y-from-data", &["--no-charts"])).len(), 0);
}

/// The mean restore time and loss the summary gives are over every restore of every run, as
/// recoveries.csv lists them (a mean of each run's mean weighted a run of one restore like a
/// run of five).
#[test]
fn recovery_means_are_over_every_restore() {
    let tmp = TempDir::new().unwrap();
    let json = common::run_json(
        tmp.path(),
        Path::new("scenarios/default.toml"),
        &["--runs", "12", "--no-charts"],
    );
    let csv = fs::read_to_string(tmp.path().join("o").join("recoveries.csv")).unwrap();
    let mut rows = csv.lines();
    let header: Vec<&str> = rows.next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (mut restores, mut seconds, mut lost) = (0.0, 0.0, 0.0);
    for row in rows {
        let cells: Vec<&str> = row.split(',').collect();
        let local = cells[col("kind")] != "region-outage";
        if local && cells[col("outcome")] == "restored" {
            let cell = |name: &str| cells[col(name)].parse::<f64>().unwrap();
            restores += 1.0;
            seconds += cell("wait_s") + cell("restore_s");
            lost += cell("data_lost_s");
        }
    }
    assert!(restores > 12.0, "the case tests nothing: {restores}");
    let r = &json["recoveries"];
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-6 * b.abs();
    assert!(
        close(r["mean_seconds"].as_f64().unwrap(), seconds / restores),
        "{r}"
    );
    assert!(
        close(
            r["mean_data_loss_seconds"].as_f64().unwrap(),
            lost / restores
        ),
        "{r}"
    );
}

/// A server deleted early measures no retention however long the horizon: the text said the
/// horizon was too short. Deleted on day 2 of 90, it measures 1 day of retention, for the
/// same reason. Without a deletion, a short horizon is named, never a deletion.
#[test]
fn free_retention_names_a_deletion_not_the_horizon() {
    let tmp = TempDir::new().unwrap();
    // The run's text with one key set, into a folder of its own.
    let text_with = |set: String, folder: usize| {
        let out = backsim()
            .args([
                "run",
                "scenarios/default.toml",
                "--runs",
                "2",
                "--no-charts",
            ])
            .args(["--set", &set, "--out"])
            .arg(tmp.path().join(folder.to_string()))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let cases = [
        (
            "events=[{at=\"0s\",action=\"delete\"}]",
            "the server is deleted before a day of retention could be measured",
            "the horizon",
        ),
        (
            "events=[{at=\"2d 1h\",action=\"delete\"}]",
            "the server's life before its deletion covers retention up to 1 day",
            "the horizon",
        ),
        // Without a deletion it is the horizon: 3 days measure retention up to 1 day, 2 none.
        (
            "horizon_days=3",
            "the horizon covers retention up to 1 day",
            "deletion",
        ),
        (
            "horizon_days=2",
            "not measured: the horizon is too short",
            "deletion",
        ),
    ];
    for (folder, (set, says, never)) in cases.into_iter().enumerate() {
        let text = text_with(set.to_string(), folder);
        assert!(
            text.contains(says) && !text.contains(never),
            "{set}: {text}"
        );
    }
}

/// A stopped server asked to start while its region is down stays down until the region
/// returns: no recovery row, but the hours are downtime, and the text and report.md show
/// them (summary.json had 5 h that neither mentioned).
#[test]
fn downtime_without_a_recovery_row_is_shown() {
    let tmp = TempDir::new().unwrap();
    let scenario = "name = \"ev\"\n[[events]]\nat = \"5d\"\naction = \"stop\"\n[[events]]\nat = \"5d1h\"\naction = \"region-outage\"\nhours = 6\n[[events]]\nat = \"5d2h\"\naction = \"start\"\n";
    let out = backsim()
        .args(["run", "-", "--runs", "2", "--no-charts", "--out"])
        .arg(tmp.path().join("ev"))
        .write_stdin(scenario)
        .output()
        .unwrap();
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    // Asked to start at 5d2h, back with the region at 5d7h.
    assert!(
        stdout.contains("Downtime: 5.00 h per run with no recovery to list (a stopped server asked to start while its region was down waited for the region)"),
        "{stdout}"
    );
    assert!(!stdout.contains("Recoveries"), "{stdout}");
    let report = fs::read_to_string(tmp.path().join("ev/report.md")).unwrap();
    assert!(
        report.contains("Down in zone and region outages: 5.00 h per run (`downtime_hours`), with no recovery to list"),
        "{report}"
    );
    assert!(!report.contains("| kind |"), "{report}");
}

/// report.md answers a version question as the text does: failed snapshot attempts and, on 5.7
/// only, how long the event scheduler was off, each with the figures' own values.
#[test]
fn report_md_has_the_backup_health_of_the_runs() {
    let tmp = TempDir::new().unwrap();
    let report = |version: &str| {
        let out = tmp.path().join(version);
        backsim()
            .args(["run", "scenarios/heavy-write-57.toml", "--runs", "3"])
            .args(["--set", "horizon_days=10", "--set"])
            .arg(format!("server.mysql_version=\"{version}\""))
            .args(["--no-charts", "-q", "--out"])
            .arg(&out)
            .assert()
            .success();
        let json: serde_json::Value =
            serde_json::from_str(&fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
        (fs::read_to_string(out.join("report.md")).unwrap(), json)
    };
    let (md, json) = report("5.7");
    let health = &md[md
        .find("## Backup health")
        .expect("a backup health section")..];
    let failures = json["figures"]["snapshot_failures"]["mean"]
        .as_f64()
        .unwrap();
    assert!(
        failures > 1.0,
        "5.7 under long transactions fails snapshots"
    );
    let row = health
        .lines()
        .find_map(|l| l.strip_prefix("| Failed snapshot attempts | "))
        .expect("a row of failed attempts");
    let shown: f64 = row
        .split(' ')
        .next()
        .unwrap()
        .replace(',', "")
        .parse()
        .unwrap();
    assert!(
        (shown - failures).abs() <= 0.01 * failures,
        "{row} against {failures}"
    );
    assert!(health.contains("| Event scheduler off (5.7) |"), "{health}");
    assert!(health.contains("`max_snapshot_gap_hours`"), "{health}");
    let (md, _) = report("8.0");
    assert!(md.contains("## Backup health") && !md.contains("Event scheduler off"));
}

/// A horizon too short for the backup set to fill is averaged from the start, and the text and
/// report.md say the figures understate the running cost (the text named only the cause, and
/// 70 USD read as the answer where the steady state is 192).
#[test]
fn a_horizon_before_the_set_is_full_says_it_understates() {
    let tmp = TempDir::new().unwrap();
    let out = tmp.path().join("o");
    let run = backsim()
        .args([
            "run",
            "scenarios/default.toml",
            "--runs",
            "2",
            "--no-charts",
            "--out",
        ])
        .arg(&out)
        .args([
            "--set",
            "backup.retention_days=35",
            "--set",
            "horizon_days=30",
        ])
        .assert()
        .success();
    let text = String::from_utf8_lossy(&run.get_output().stdout).to_string();
    assert!(
        text.contains("before the backup set is full on day 36, so the mean and cost understate the running cost"),
        "{text}"
    );
    let md = fs::read_to_string(out.join("report.md")).unwrap();
    assert!(md.contains("so they understate the running cost"), "{md}");
}

/// The simulated free retention names the next retention's bill, so that a cliff and a rounding
/// read differently: the documentation's example holds 100 GB + (R + 1) × 25 GB, free up to 5
/// days; 6 days keep 275 GB, 25 GB over the allowance: 25 × 0.095 = 2.375 USD a month.
#[test]
fn free_retention_names_the_next_retentions_bill() {
    let tmp = TempDir::new().unwrap();
    let run = backsim()
        .args(["run", "-", "--runs", "2", "--no-charts", "--out"])
        .arg(tmp.path().join("o"))
        .args([
            "--set",
            "backup.snapshot_change_ratio=0",
            "--set",
            "backup.snapshot_failure_pct=0",
        ])
        .write_stdin("name = \"doc-example\"\n")
        .assert()
        .success();
    let text = String::from_utf8_lossy(&run.get_output().stdout).to_string();
    assert!(
        text.contains("up to 5 days of retention bill nothing; 6 days: 2.4 USD a month, billed in 2 of 2 runs"),
        "{text}"
    );
}

/// The price backsim ships is an example, and the cost line says so until a price is set.
#[test]
fn the_shipped_price_is_called_an_example_until_one_is_set() {
    let tmp = TempDir::new().unwrap();
    let cost_line = |price: Option<&str>| {
        let mut cmd = backsim();
        cmd.args([
            "run",
            "scenarios/default.toml",
            "--runs",
            "2",
            "--no-charts",
        ]);
        if let Some(p) = price {
            cmd.arg("--set").arg(format!("cost.price_per_gb_month={p}"));
        }
        let out = cmd
            .arg("--out")
            .arg(tmp.path().join(price.unwrap_or("shipped")))
            .output()
            .unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        text.lines()
            .find(|l| l.trim_start().starts_with("cost "))
            .unwrap_or_else(|| panic!("{text}"))
            .to_string()
    };
    assert!(cost_line(None).ends_with(
        "at 0.095 USD/GB-month (backsim's example price: set cost.price_per_gb_month to your region's)"
    ));
    assert!(cost_line(Some("0.12")).ends_with("at 0.12 USD/GB-month"));
}

/// A headline every run gave alike (a server far under its allowance bills 0 in all 8 runs) is
/// not shown as certain: the text, report.md, summary.json and summary.csv say how many runs
/// agreed and that another value may still show in up to 3/8 of runs. A figure that varies
/// gets no such note, nor do the counts a schedule fixes in the text and report.md.
#[test]
fn a_headline_every_run_gave_alike_says_so_in_every_report() {
    let tmp = TempDir::new().unwrap();
    let scenario = tmp.path().join("s.toml");
    fs::write(
        &scenario,
        "name = \"under\"\nhorizon_days = 20\nruns = 8\n[server]\nprovisioned_storage_gb = 4000\n[workload]\nbursts_per_day = 1\n[backup]\nretention_days = 3\n",
    )
    .unwrap();
    let out = tmp.path().join("o");
    let done = backsim()
        .args(["run", scenario.to_str().unwrap(), "--no-charts", "--out"])
        .arg(&out)
        .assert()
        .success();
    let text = String::from_utf8_lossy(&done.get_output().stdout).to_string();
    let note = "the same in all 8 runs: another value in up to 38% of runs, at 95% confidence";
    let line = |prefix: &str| {
        text.lines()
            .find(|l| l.trim_start().starts_with(prefix))
            .unwrap_or_else(|| panic!("no {prefix} line: {text}"))
            .to_string()
    };
    assert_eq!(
        line("billable"),
        format!("  billable           0 GB-month ({note})")
    );
    assert!(
        line("cost").contains(&format!("0 USD/month ({note}) at ")),
        "{text}"
    );
    assert!(
        !line("mean used").contains("the same"),
        "storage varies with bursts: {text}"
    );
    assert!(
        !line("snapshots").contains("the same"),
        "a schedule's count: {text}"
    );

    let report = fs::read_to_string(out.join("report.md")).unwrap();
    let row = report
        .lines()
        .find(|l| l.starts_with("| Billable storage |"))
        .unwrap();
    assert_eq!(
        row,
        format!("| Billable storage | 0 GB-month | {note} | `billable_gb_month.mean` |")
    );
    assert!(
        !report.contains("| Snapshots taken | 20 | the same"),
        "{report}"
    );

    let json: serde_json::Value =
        serde_json::from_slice(&fs::read(out.join("summary.json")).unwrap()).unwrap();
    for at in [
        "billable_gb_month",
        "figures.billable_gb_month",
        "figures.snapshots",
    ] {
        let v = lookup(&json, at);
        assert_eq!(v["ci95"][0], v["ci95"][1], "{at}");
        assert_eq!(v["same_in_all_runs"], 8, "{at}");
        assert_eq!(v["other_value_share_below"], 3.0 / 8.0, "{at}");
    }
    let varies = lookup(&json, "figures.storage_mean_gb");
    assert!(
        varies.get("same_in_all_runs").is_none() && varies.get("other_value_share_below").is_none()
    );

    let csv = fs::read_to_string(out.join("summary.csv")).unwrap();
    assert!(csv.starts_with("figure,mean,ci95_lo,ci95_hi,min,max,runs,other_value_share_below\n"));
    assert!(
        csv.contains("\nbillable_gb_month,0,0,0,0,0,8,0.375\n"),
        "{csv}"
    );
    assert!(
        csv.lines()
            .any(|l| l.starts_with("storage_mean_gb,") && l.ends_with(",8,")),
        "{csv}"
    );
}
