//! `backsim calibrate`: series that backsim itself generated from known parameters, written in
//! the metrics export's layout, and restores timed by backsim's own restore model, must be
//! calibrated back to those parameters; bad metrics exports exit 2 naming the metric.

mod common;

use std::path::{Path, PathBuf};

use backsim::calibrate::export::{export_json, ExportSeries};
use backsim::calibrate::synthetic;
use backsim::error::Origin;
use backsim::model::restore::{estimate, RestoreWork};
use backsim::scenario::{self, Scenario};
use common::{backsim, with};

/// The known server: a weekday rhythm, office hours, a growing database, and a 10-day
/// retention, so that both the logs (replacing those of 11 days before) and the snapshots
/// (10 days before) meet a different weekday and the change ratio shows apart from the rate.
const TRUTH: &str = r#"
name = "truth"
seed = 7
start = "2026-01-01T00:00:00Z"
horizon_days = 50
[server]
provisioned_storage_gb = 512
db_size_gb = 180
db_growth_gb_per_day = 0.5
vcores = 4
[workload]
binlog_gb_per_day = 40
diurnal = [0.4, 0.4, 0.4, 0.4, 0.4, 0.5, 0.7, 1.0, 1.4, 1.6, 1.7, 1.7,
           1.6, 1.6, 1.7, 1.7, 1.6, 1.4, 1.2, 1.0, 0.8, 0.6, 0.5, 0.4]
weekly = [1.1, 1.1, 1.1, 1.1, 1.1, 0.75, 0.75]
[backup]
retention_days = 10
snapshot_change_ratio = 0.35
"#;

/// What the user knows before calibrating: the server's settings, the rest at defaults.
fn mine(retention: u32) -> String {
    format!(
        "name = \"mine\"\n[server]\nprovisioned_storage_gb = 512\nvcores = 4\n[backup]\nretention_days = {retention}\n"
    )
}

/// The truth's metrics from day 16, 05:00 (its backup set full) to its horizon.
fn metrics(dir: &Path, truth: &Scenario) -> PathBuf {
    let path = dir.join("metrics.json");
    let json = synthetic::metrics_json(truth, 16 * 86_400 + 5 * 3_600, "/subscriptions/x/s");
    std::fs::write(&path, json).unwrap();
    path
}

/// Run `calibrate` on `scenario_text`; returns (exit code, stdout, stderr, calibrated text).
fn calibrate(
    dir: &Path,
    scenario_text: &str,
    metrics: Option<&Path>,
) -> (i32, String, String, Option<String>) {
    let input = dir.join("mine.toml");
    std::fs::write(&input, scenario_text).unwrap();
    let out = dir.join("calibrated.toml");
    // An earlier call's result would be refused as an existing --out, and read back as this
    // call's should it fail.
    let _ = std::fs::remove_file(&out);
    let mut cmd = backsim();
    cmd.arg("calibrate").arg(&input).arg("--out").arg(&out);
    if let Some(m) = metrics {
        cmd.arg("--metrics").arg(m);
    }
    let run = cmd.output().unwrap();
    (
        run.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&run.stdout).into_owned(),
        String::from_utf8_lossy(&run.stderr).into_owned(),
        std::fs::read_to_string(&out).ok(),
    )
}

fn parsed(text: &str) -> Scenario {
    scenario::parse(text, Origin::Argument("calibrated".into()), &[])
        .expect("the calibrated scenario is valid")
}

fn within(got: f64, want: f64, share: f64) -> bool {
    (got / want - 1.0).abs() <= share
}

/// Acceptance: the binlog rate and the change ratio within 5%, the database and both load
/// shapes close, and the backtest written and drawn.
#[test]
fn identifiability_rate_and_change_ratio_come_back_within_5_percent() {
    let dir = tempfile::tempdir().unwrap();
    let truth = with(TRUTH, &[]);
    let m = metrics(dir.path(), &truth);
    let (code, stdout, stderr, text) = calibrate(dir.path(), &mine(10), Some(&m));
    assert_eq!(code, 0, "{stderr}");
    let text = text.unwrap();
    let c = parsed(&text).config;
    let w = &c.workload;
    assert!(
        within(w.binlog_gb_per_day, 40.0, 0.05),
        "{}",
        w.binlog_gb_per_day
    );
    let ratio = c.backup.snapshot_change_ratio;
    assert!(within(ratio, 0.35, 0.05), "{ratio}");
    // The database at the calibrated start (day 50): 180 + 50 × 0.5.
    assert!(
        within(c.server.db_size_gb, 205.0, 0.01),
        "{}",
        c.server.db_size_gb
    );
    assert!(within(c.server.db_growth_gb_per_day, 0.5, 0.01));
    for (got, want) in w.weekly.iter().zip(truth.config.workload.weekly) {
        assert!((got - want).abs() < 0.03, "weekly {:?}", w.weekly);
    }
    // Office hours stand out; the snapshot's hours are filled from their neighbours.
    for (h, (got, want)) in w
        .diurnal
        .iter()
        .zip(truth.config.workload.diurnal)
        .enumerate()
    {
        assert!(
            (got - want).abs() < 0.1,
            "diurnal hour {h}: {:?}",
            w.diurnal
        );
    }
    // Every fitted key says how sure it is and where it came from.
    let line = text
        .lines()
        .find(|l| l.starts_with("binlog_gb_per_day"))
        .unwrap();
    assert!(
        line.contains("# calibrated: ±") && line.contains("backup_storage_used"),
        "{line}"
    );
    assert!(text.starts_with("# Calibrated by `backsim calibrate`"));
    // Traceable as a run's outputs are: the version and the sha256 of both inputs.
    let header = text.lines().next().unwrap();
    let sha =
        |p: &std::path::Path| backsim::scenario::sha256_hex(&std::fs::read_to_string(p).unwrap());
    assert!(
        header.contains(&format!("backsim {}", env!("CARGO_PKG_VERSION")))
            && header.contains(&format!(
                "scenario sha256 {}",
                sha(&dir.path().join("mine.toml"))
            ))
            && header.contains(&format!("metrics sha256 {}", sha(&m))),
        "{header}"
    );
    assert!(stdout.contains("backtest error (MAPE)"), "{stdout}");
    let csv = std::fs::read_to_string(dir.path().join("calibrated-backtest.csv")).unwrap();
    assert!(csv.starts_with("time,observed_gb,simulated_gb\n"));
    let png = std::fs::read(dir.path().join("calibrated-backtest.png")).unwrap();
    let picture = image::load_from_memory_with_format(&png, image::ImageFormat::Png).unwrap();
    assert_eq!((picture.width(), picture.height()), (1200, 800));
}

/// A retention other than the server's is no poor fit: the storage grows with retention ×
/// daily data, so the fit takes the wrong retention and finds another load that matches. The
/// output says which settings it took as given, and where to take them from.
#[test]
fn the_retention_is_taken_as_given_and_said_so() {
    let dir = tempfile::tempdir().unwrap();
    // The truth keeps 10 days; the scenario says 13.
    let m = metrics(dir.path(), &with(TRUTH, &[]));
    let (code, stdout, stderr, text) = calibrate(dir.path(), &mine(13), Some(&m));
    assert_eq!(code, 0, "{stderr}");
    let rate = parsed(&text.unwrap()).config.workload.binlog_gb_per_day;
    assert!(
        !within(rate, 40.0, 0.1),
        "the wrong retention moved the rate: {rate}"
    );
    assert!(
        stdout.contains(
            "taken as given                         backup.retention_days = 13, backup.redundancy = \"local\""
        ) && stdout.contains("take them from the server (`backsim import`)"),
        "{stdout}"
    );
}

/// With a retention of whole weeks every incremental snapshot replaces one of the same weekday:
/// the storage cannot show the change ratio apart from the rate, so it is kept and the user
/// told why; the rate is fitted to the level with it.
#[test]
fn a_retention_of_whole_weeks_keeps_the_change_ratio_and_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let truth = with(TRUTH, &[("backup.retention_days", "14")]);
    let m = metrics(dir.path(), &truth);
    let scenario = format!("{}snapshot_change_ratio = 0.35\n", mine(14));
    let (code, stdout, stderr, text) = calibrate(dir.path(), &scenario, Some(&m));
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("each day's incremental snapshot replaces one of the same weekday"),
        "{stdout}"
    );
    let c = parsed(&text.unwrap()).config;
    assert_eq!(c.backup.snapshot_change_ratio, 0.35);
    // Given the true ratio, the level gives the rate.
    assert!(
        within(c.workload.binlog_gb_per_day, 40.0, 0.05),
        "{}",
        c.workload.binlog_gb_per_day
    );
}

/// The same at 28 days, on a server whose weekday load differs a lot: the ratio was fitted
/// there, from residuals too small to show it could not be, and came out at 0.09 for a true
/// 0.6 (the rate 88 GB/day for 60), with no warning. Every whole number of weeks keeps it.
#[test]
fn a_retention_of_four_weeks_keeps_the_change_ratio_too() {
    let dir = tempfile::tempdir().unwrap();
    let truth = scenario::parse(
        "name = \"truth\"\nseed = 7\nstart = \"2026-03-01T05:00:00Z\"\nhorizon_days = 75\n\
         [server]\nprovisioned_storage_gb = 1024\ndb_size_gb = 300.0\ndb_growth_gb_per_day = 0.8\nvcores = 8\n\
         [workload]\nbinlog_gb_per_day = 60.0\n\
         diurnal = [0.5, 0.4, 0.4, 0.4, 0.4, 0.5, 0.7, 1.0, 1.4, 1.6, 1.7, 1.7, 1.6, 1.6, 1.7, 1.7, 1.6, 1.4, 1.2, 1.0, 0.8, 0.7, 0.6, 0.5]\n\
         weekly = [1.2, 1.2, 1.2, 1.2, 1.0, 0.6, 0.6]\n\
         [backup]\nretention_days = 28\nsnapshot_change_ratio = 0.6\nsnapshot_failure_pct = 0\n",
        Origin::Argument("truth".into()),
        &[],
    )
    .unwrap();
    let path = dir.path().join("metrics.json");
    let json = synthetic::metrics_json(&truth, 42 * 86_400, "/subscriptions/x/s");
    std::fs::write(&path, json).unwrap();
    let scenario = "name = \"mine\"\n[server]\nprovisioned_storage_gb = 1024\nvcores = 8\n[backup]\nretention_days = 28\nsnapshot_change_ratio = 0.6\n";
    let (code, stdout, stderr, text) = calibrate(dir.path(), scenario, Some(&path));
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("each day's incremental snapshot replaces one of the same weekday"),
        "{stdout}"
    );
    let c = parsed(&text.unwrap()).config;
    assert_eq!(c.backup.snapshot_change_ratio, 0.6);
    assert!(
        within(c.workload.binlog_gb_per_day, 60.0, 0.05),
        "{}",
        c.workload.binlog_gb_per_day
    );
}

/// Minutes a restore takes under backsim's restore model with the given rates.
fn timed(s: &Scenario, gb: f64, replay_gb: f64, vcores: u32) -> f64 {
    let mut server = s.config.server.clone();
    server.vcores = vcores;
    let mut rates = s.config.restore.clone();
    rates.provision = 420;
    rates.hydrate_gb_per_hour_per_vcore = 80.0;
    rates.replay_gb_per_hour_per_vcore = 3.0;
    let work = RestoreWork {
        snapshot_gb: gb,
        replay_gb,
        cross_region: false,
    };
    estimate(&rates, &server, work).total() / 60.0
}

/// Acceptance: three restores timed by the model with known rates (and a per cent or two of
/// noise) give provisioning, hydration and replay back within 10%, and later runs use them.
#[test]
fn identifiability_restore_rates_come_back_within_10_percent_from_three_restores() {
    let dir = tempfile::tempdir().unwrap();
    // A fifth of the tables have no primary key: their changes replay ten times slower.
    let mut text = String::from(
        "name = \"mine\"\n[server]\nprovisioned_storage_gb = 512\nvcores = 4\ntables_without_pk_pct = 20\n[workload]\nbinlog_gb_per_day = 36.0\n",
    );
    let base = with(&text, &[]);
    // (database, restore point, binlog it replays: 14 h at 36 GB/day is 21 GB, vCores, target,
    // measurement noise)
    let entries = [
        (190.0, "after_snapshot = \"14h\"", 21.0, 4, "latest", 1.015),
        (190.0, "", 0.0, 8, "fastest", 0.99),
        (195.0, "binlog_gb = 4.0", 4.0, 16, "custom", 1.0),
    ];
    for (gb, point, replay, vcores, target, noise) in entries {
        let minutes = timed(&base, gb, replay, vcores) * noise;
        text.push_str(&format!(
            "[[restore.measured]]\ndatabase_gb = {gb}\n{point}\nvcores = {vcores}\ntarget = \"{target}\"\nminutes = {minutes:.2}\n"
        ));
    }
    let (code, stdout, stderr, calibrated) = calibrate(dir.path(), &text, None);
    assert_eq!(code, 0, "{stderr}");
    let r = parsed(&calibrated.unwrap()).config.restore;
    assert!(within(r.provision as f64, 420.0, 0.1), "{}", r.provision);
    assert!(
        within(r.hydrate_gb_per_hour_per_vcore, 80.0, 0.1),
        "{}",
        r.hydrate_gb_per_hour_per_vcore
    );
    assert!(
        within(r.replay_gb_per_hour_per_vcore, 3.0, 0.1),
        "{}",
        r.replay_gb_per_hour_per_vcore
    );
    assert!(stdout.contains("residuals (measured − fitted)"), "{stdout}");
    assert!(
        !dir.path().join("calibrated-backtest.csv").exists(),
        "no metrics, no backtest"
    );
}

/// `mine(7)` after `before`, with one measured restore to the latest point: 6 GB replayed on
/// top of a 100 GB snapshot in 42 minutes.
fn one_measured_restore(before: &str) -> String {
    format!(
        "{before}{}[[restore.measured]]\ndatabase_gb = 100.0\nbinlog_gb = 6.0\ntarget = \"latest\"\nminutes = 42.0\n",
        mine(7)
    )
}

#[test]
fn one_measured_restore_fits_the_replay_rate_alone_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let text = one_measured_restore("");
    let (code, stdout, stderr, calibrated) = calibrate(dir.path(), &text, None);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("one measurement: the replay rate alone is fitted"),
        "{stdout}"
    );
    // By hand (see calibrate::restores): 3600 / 880 = 4.091 GB/h/vCore.
    let r = parsed(&calibrated.unwrap()).config.restore;
    assert_eq!(r.replay_gb_per_hour_per_vcore, 4.091);
    assert_eq!(r.hydrate_gb_per_hour_per_vcore, 100.0);
}

/// A scenario over the 1 MiB that validate and run read was calibrated into one they then
/// refused: calibrate reads it with the same limit and says the same.
#[test]
fn a_scenario_over_the_size_limit_is_refused_as_validate_refuses_it() {
    let dir = tempfile::tempdir().unwrap();
    let padding = "# padding\n".repeat(110_000);
    let text = one_measured_restore("") + &padding;
    let (code, _, stderr, written) = calibrate(dir.path(), &text, None);
    assert_eq!(code, 2, "{stderr}");
    assert!(written.is_none());
    assert!(
        stderr.contains("mine.toml") && stderr.contains("is larger than 1024 KiB"),
        "{stderr}"
    );
    let validate = backsim()
        .arg("validate")
        .arg(dir.path().join("mine.toml"))
        .output()
        .unwrap();
    assert_eq!(validate.status.code(), Some(2));
}

/// A scenario starting with a byte-order mark, which validate and run accept, failed to
/// calibrate ("cannot write the fitted keys", line 2): the header went in before the mark. The
/// mark is dropped; the calibrated file is written without one.
#[test]
fn a_scenario_starting_with_a_byte_order_mark_calibrates() {
    let dir = tempfile::tempdir().unwrap();
    let text = one_measured_restore("\u{feff}");
    let (code, _, stderr, calibrated) = calibrate(dir.path(), &text, None);
    assert_eq!(code, 0, "{stderr}");
    let calibrated = calibrated.unwrap();
    assert!(!calibrated.contains('\u{feff}'), "{calibrated}");
    assert_eq!(
        parsed(&calibrated)
            .config
            .restore
            .replay_gb_per_hour_per_vcore,
        4.091
    );
}

/// An existing --out may be another scenario, or the calibrated one edited since: like
/// import's output it is replaced only with --force, and then it is.
#[test]
fn an_existing_out_is_replaced_only_with_force() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("mine.toml");
    std::fs::write(
        &input,
        format!(
            "{}[[restore.measured]]\ndatabase_gb = 100.0\nbinlog_gb = 6.0\ntarget = \"latest\"\nminutes = 42.0\n",
            mine(7)
        ),
    )
    .unwrap();
    let precious = dir.path().join("precious.toml");
    std::fs::write(&precious, "# edited by hand\n").unwrap();
    let run = |force: bool| common::writing_to("calibrate", &input, &precious, force);
    let refused = run(false);
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr)
        .contains("precious.toml already exists: add --force to replace it"));
    assert_eq!(
        std::fs::read_to_string(&precious).unwrap(),
        "# edited by hand\n"
    );
    assert!(run(true).status.success());
    let calibrated = std::fs::read_to_string(&precious).unwrap();
    assert_eq!(
        parsed(&calibrated)
            .config
            .restore
            .replay_gb_per_hour_per_vcore,
        4.091
    );
    // An input is never the output, --force or not.
    let clash = common::writing_to("calibrate", &input, &input, true);
    assert_eq!(clash.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&clash.stderr).contains("is an input"));
}

/// A fitted rate beyond either bound of its key is kept at that bound with a warning, both
/// ends alike: one below the least (a tiny binlog replayed for days) failed the whole command,
/// printed as "got 0", while one above the most was clamped.
#[test]
fn a_fitted_rate_beyond_either_bound_is_kept_at_the_bound_with_a_warning() {
    for (minutes, binlog, rate, says) in [
        (
            1_000_000.0,
            0.001,
            0.01,
            "is below the least the key allows; it is set to 0.01",
        ),
        (10.0, 5_000.0, 100_000.0, "the most the key allows (100000)"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let text = format!(
            "{}[[restore.measured]]\ndatabase_gb = 100.0\nbinlog_gb = {binlog}\ntarget = \"custom\"\nminutes = {minutes}\n",
            mine(7)
        );
        let (code, stdout, stderr, calibrated) = calibrate(dir.path(), &text, None);
        assert_eq!(code, 0, "{stderr}");
        let r = parsed(&calibrated.unwrap()).config.restore;
        assert_eq!(r.replay_gb_per_hour_per_vcore, rate);
        assert!(stdout.contains(says), "{stdout}");
        // The residual is that of the rate written, not of the fit beyond the bound (which
        // showed a perfect +0.0 while the scenario written missed by days), and the miss is
        // put down to its cause.
        let why = if rate < 1.0 {
            "lies beyond what the key allows"
        } else {
            // The fit gives replay no time at all: the other phases alone overshoot.
            "a phase would need a negative time"
        };
        assert!(stdout.contains(why), "{stdout}");
        let residual = stdout
            .lines()
            .find(|l| l.contains("#0 custom"))
            .expect("a residual line");
        assert!(!residual.ends_with("+0.0 min"), "{residual}");
    }
}

fn backup_export(n: usize, unit: &str) -> String {
    let mut series = ExportSeries::bytes(
        "backup_storage_used",
        "Backup Storage Used",
        (0..n).map(|i| Some(500.0 + i as f64 * 0.1)).collect(),
    );
    series.unit = unit.into();
    let start = chrono::DateTime::parse_from_rfc3339("2026-01-05T00:00:00Z").unwrap();
    export_json("/subscriptions/x", "eastus", start, 3600, &[series])
}

/// Every problem with the metrics exits 2 and names the metric and what is needed.
#[test]
fn bad_metrics_exit_2_naming_the_metric_and_what_is_needed() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "short",
            backup_export(30, "Bytes"),
            vec!["`backup_storage_used`", "at least 3 days"],
        ),
        (
            "unit",
            backup_export(200, "Percent"),
            vec!["`backup_storage_used.unit`", "\"Bytes\""],
        ),
        (
            "missing",
            backup_export(200, "Bytes").replace("backup_storage_used", "cpu_percent"),
            vec![
                "`backup_storage_used`",
                "is missing",
                "az monitor metrics list",
            ],
        ),
        (
            "not json",
            "{\"value\": [".to_string(),
            vec!["not valid JSON"],
        ),
        (
            // Said only "expected ident at line 1 column 2", the parser's view of a CSV.
            "portal csv",
            "\u{feff}\"TimeGenerated\",\"Backup Storage Used (Average)\"\n2026-01-05 00:00,512\n"
                .to_string(),
            vec![
                "portal csv.json:1:1",
                "not valid JSON",
                "must be the JSON of `az monitor metrics list` (not the portal's CSV download)",
            ],
        ),
        (
            // A grid from 2026 to 9999 took gigabytes, or aborted on allocation.
            "far",
            {
                let mut json: serde_json::Value =
                    serde_json::from_str(&backup_export(200, "Bytes")).unwrap();
                json["value"][0]["timeseries"][0]["data"][199]["timeStamp"] =
                    "9999-12-31T23:00:00+00:00".into();
                json.to_string()
            },
            vec![
                "`backup_storage_used.timeseries[0].data`",
                "to 9999-12-31T23:00:00Z",
                "a timestamp is probably wrong",
            ],
        ),
    ];
    for (what, json, expected) in cases {
        let path = dir.path().join(format!("{what}.json"));
        std::fs::write(&path, json).unwrap();
        let (code, _, stderr, written) = calibrate(dir.path(), &mine(7), Some(&path));
        assert_eq!(code, 2, "{what}: {stderr}");
        assert!(written.is_none(), "{what}: nothing written");
        for e in expected {
            assert!(stderr.contains(e), "{what}: expected {e} in {stderr}");
        }
        // JSON, broken: no talk of CSV.
        if what == "not json" {
            assert!(!stderr.contains("CSV"), "{stderr}");
        }
    }
    // Nothing to calibrate from at all.
    let (code, _, stderr, _) = calibrate(dir.path(), &mine(7), None);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("--metrics") && stderr.contains("restore.measured"),
        "{stderr}"
    );
}

/// Metrics over more days than a scenario may run were refused as the scenario's
/// `horizon_days`, a key the user never set (calibrate derives it from the metrics): they are
/// refused on the metrics, with their span and the limit. And a span just short of the
/// minimum is told in hours: 71 hours printed as "3.0 days" read as enough.
#[test]
fn a_metrics_span_out_of_bounds_is_blamed_on_the_metrics_with_its_span() {
    let dir = tempfile::tempdir().unwrap();
    // Over 100 years at PT6H, in runs of three points (so that PT6H is the commonest gap)
    // every 30 steps: few enough points to write, and the grid not mostly empty.
    let mut json: serde_json::Value = serde_json::from_str(&backup_export(3, "Bytes")).unwrap();
    let start = chrono::DateTime::parse_from_rfc3339("1925-01-05T00:00:00Z").unwrap();
    let data: Vec<serde_json::Value> = (0..147_000i64)
        .filter(|step| step % 30 < 3)
        .map(|step| {
            let at = start + chrono::Duration::hours(6 * step);
            serde_json::json!({
                "average": 5e11,
                "timeStamp": at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            })
        })
        .collect();
    json["value"][0]["timeseries"][0]["data"] = data.into();
    let long = dir.path().join("long.json");
    std::fs::write(&long, json.to_string()).unwrap();
    let (code, _, stderr, written) = calibrate(dir.path(), &mine(7), Some(&long));
    assert_eq!(code, 2, "{stderr}");
    assert!(written.is_none());
    for e in [
        "long.json",
        "`backup_storage_used`",
        "covers 36743.0 days",
        "at most 36462 days",
    ] {
        assert!(stderr.contains(e), "expected {e} in {stderr}");
    }
    assert!(!stderr.contains("horizon_days"), "{stderr}");
    let short = dir.path().join("short.json");
    std::fs::write(&short, backup_export(72, "Bytes")).unwrap();
    let (code, _, stderr, _) = calibrate(dir.path(), &mine(7), Some(&short));
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("covers 71 hours (72 points at PT1H)")
            && stderr.contains("at least 3 days (72 hours)"),
        "{stderr}"
    );
}

/// `json` (an export) with the values of the metrics named in `metrics` multiplied by `factor`,
/// their unit left as it was.
fn rescaled(json: &str, metrics: &[&str], factor: f64) -> String {
    let mut doc: serde_json::Value = serde_json::from_str(json).unwrap();
    for metric in doc["value"].as_array_mut().unwrap() {
        if !metrics.contains(&metric["name"]["value"].as_str().unwrap()) {
            continue;
        }
        for point in metric["timeseries"][0]["data"].as_array_mut().unwrap() {
            if let Some(b) = point["average"].as_f64() {
                point["average"] = serde_json::json!(b * factor);
            }
        }
    }
    doc.to_string()
}

/// Backup storage below the database (here a tenth of the truth's, the database metric left
/// as it was) is no backup set any scenario keeps, which holds a full snapshot: refused on the
/// metric with both figures, not fitted into a load of zero and a backtest off by 270%.
#[test]
fn backup_storage_below_the_database_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let truth = with(TRUTH, &[]);
    let text = std::fs::read_to_string(metrics(dir.path(), &truth)).unwrap();
    let low = dir.path().join("low.json");
    std::fs::write(&low, rescaled(&text, &["backup_storage_used"], 0.1)).unwrap();
    let (code, _, stderr, written) = calibrate(dir.path(), &mine(7), Some(&low));
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("key `backup_storage_used`")
            && stderr.contains("at its median, below the database (18")
            && stderr.contains("from data_storage_used"),
        "{stderr}"
    );
    assert!(written.is_none());
    // The truth's own metrics pass the same check.
    let (code, _, stderr, _) =
        calibrate(dir.path(), &mine(7), Some(&dir.path().join("metrics.json")));
    assert_eq!(code, 0, "{stderr}");
}

/// An export converted to GB before it was saved, its unit still "Bytes", is refused on the
/// metrics file with the reason, not fitted into a database of 0 GB.
#[test]
fn metrics_in_gigabytes_labelled_bytes_are_refused_naming_the_metric() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("gb.json");
    std::fs::write(
        &path,
        rescaled(&backup_export(200, "Bytes"), &["backup_storage_used"], 1e-9),
    )
    .unwrap();
    let (code, _, stderr, written) = calibrate(dir.path(), &mine(7), Some(&path));
    assert_eq!(code, 2, "{stderr}");
    assert!(written.is_none());
    assert!(
        stderr.contains("gb.json: key `backup_storage_used`")
            && stderr.contains("look like GB, not bytes"),
        "{stderr}"
    );
}

/// A backup storage metric of zeros (the bundled export with its backup values zeroed, the
/// other metrics as they were) is refused like one in GB, not fitted to a load of nothing with a
/// backtest that calls 0 GB against 180 GB a perfect fit; nothing is written, not even the
/// backtest.
#[test]
fn a_backup_storage_metric_of_zeros_is_refused_naming_the_metric() {
    let dir = tempfile::tempdir().unwrap();
    let bundled = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/metrics.json");
    let exported = std::fs::read_to_string(bundled).unwrap();
    let path = dir.path().join("zeros.json");
    std::fs::write(&path, rescaled(&exported, &["backup_storage_used"], 0.0)).unwrap();
    let scenario = std::fs::read_to_string(imported_example(dir.path())).unwrap();
    let (code, stdout, stderr, written) = calibrate(dir.path(), &scenario, Some(&path));
    assert_eq!(code, 2, "{stdout}{stderr}");
    assert!(written.is_none());
    assert!(!dir.path().join("calibrated-backtest.csv").exists());
    assert!(
        stderr.contains("zeros.json: key `backup_storage_used`")
            && stderr.contains("every value is 0"),
        "{stderr}"
    );
}

/// The longest run of digits in `text`.
fn longest_number(text: &str) -> usize {
    text.split(|c: char| !c.is_ascii_digit())
        .map(str::len)
        .max()
        .unwrap_or(0)
}

/// Values no server could have are refused before any fitting (at 1e308 bytes the fit ran a
/// minute and a half, then printed a 299-digit database), with the number in a readable form:
/// a database past the largest provisioned storage blames the metrics, one past the scenario's
/// own storage blames the scenario's key, and a backup storage past what the scenario could
/// keep under any load gives that bound.
#[test]
fn absurd_metric_values_are_refused_at_once_in_readable_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let bundled = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/metrics.json");
    let exported = std::fs::read_to_string(bundled).unwrap();
    let scenario = std::fs::read_to_string(imported_example(dir.path())).unwrap();
    let both = ["backup_storage_used", "data_storage_used"];
    // (name, metrics changed, every average of theirs in bytes, what stderr says)
    let cases: [(&str, &[&str], f64, &[&str]); 3] = [
        (
            "big",
            &["data_storage_used"],
            1e12,
            &[
                "mine.toml: key `server.provisioned_storage_gb`: data_storage_used shows a database of 931.3 GB",
                "provisioned storage (512 GB)",
            ],
        ),
        (
            "huge",
            &both,
            1e308,
            // Each data_storage_used point is more than any server holds: that series goes,
            // with a warning, and the backups' own bound refuses the rest.
            &["huge.json: key `backup_storage_used`: reaches 9.313e298 GB"],
        ),
        (
            "backup",
            &["backup_storage_used"],
            1e18,
            &[
                "backup.json: key `backup_storage_used`: reaches 9.313e8 GB",
                "at most 1406144 GB, 12 snapshots of its whole provisioned storage (512 GB) and 14 days of binlog",
            ],
        ),
    ];
    for (what, metrics, value, expected) in cases {
        let mut doc: serde_json::Value = serde_json::from_str(&exported).unwrap();
        for metric in doc["value"].as_array_mut().unwrap() {
            if metrics.contains(&metric["name"]["value"].as_str().unwrap()) {
                for point in metric["timeseries"][0]["data"].as_array_mut().unwrap() {
                    point["average"] =
                        serde_json::json!(if value.is_nan() { 1e308 } else { value });
                }
            }
        }
        let path = dir.path().join(format!("{what}.json"));
        std::fs::write(&path, doc.to_string()).unwrap();
        let began = std::time::Instant::now();
        let (code, stdout, stderr, written) = calibrate(dir.path(), &scenario, Some(&path));
        let took = began.elapsed();
        assert_eq!(code, 2, "{what}: {stdout}{stderr}");
        assert!(written.is_none(), "{what}");
        for e in expected {
            assert!(stderr.contains(e), "{what}: expected {e} in {stderr}");
        }
        assert!(longest_number(&stderr) < 12, "{what}: {stderr}");
        // At once: the fit these values were refused after ran for seconds to minutes.
        assert!(took.as_secs_f64() < 20.0, "{what}: took {took:?}");
    }
}

/// One point of the database metric beyond any server's storage is named, and the series set
/// aside with a warning (as a negative point is): it skewed the fitted database to 4.65e8 GB,
/// and the error then blamed the scenario's provisioned storage and backup_storage_used.
#[test]
fn one_absurd_database_point_is_named_and_its_series_set_aside() {
    let dir = tempfile::tempdir().unwrap();
    let bundled = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/metrics.json");
    let mut doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(bundled).unwrap()).unwrap();
    for metric in doc["value"].as_array_mut().unwrap() {
        if metric["name"]["value"] == "data_storage_used" {
            metric["timeseries"][0]["data"][5]["average"] = serde_json::json!(1e20);
        }
    }
    let path = dir.path().join("one.json");
    std::fs::write(&path, doc.to_string()).unwrap();
    let scenario = std::fs::read_to_string(imported_example(dir.path())).unwrap();
    let (code, stdout, stderr, written) = calibrate(dir.path(), &scenario, Some(&path));
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(written.is_some());
    let said = format!("{stdout}{stderr}");
    assert!(
        said.contains("data_storage_used.timeseries[0].data[5].average: is 1e+20 bytes (9.313e10 GB), more than any server's storage (at most 16384 GB); calibration goes on without it"),
        "{said}"
    );
}

/// The names in `dir`, sorted.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// An --out that cannot become a file is refused (exit 2, naming --out) before any fitting and
/// before anything is written: a folder named dd.toml failed only when written, exit 1 "cannot
/// write dd.toml: Is a directory", after the fit and after dd-backtest.csv beside it. `import`
/// checks its --out the same way.
#[test]
fn an_out_that_cannot_be_a_file_is_refused_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("mine.toml"), mine(10)).unwrap();
    let bundled = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/metrics.json");
    std::fs::create_dir(d.join("dd.toml")).unwrap();
    std::fs::create_dir(d.join("taken-backtest.csv")).unwrap();
    std::fs::write(d.join("afile"), "").unwrap();
    std::os::unix::fs::symlink(d.join("nowhere"), d.join("dangling")).unwrap();
    std::os::unix::fs::symlink(d.join("mine.toml"), d.join("linked-backtest.png")).unwrap();
    let before = listing(d);
    for (out, says) in [
        (
            "dd.toml",
            "--out: dd.toml is a folder: name a file to write, such as dd.toml/mine-calibrated.toml",
        ),
        (
            "taken.toml",
            "--out: taken-backtest.csv (where the backtest goes, beside taken.toml) is a folder",
        ),
        (
            "afile/x.toml",
            "--out: afile/x.toml cannot be written: afile, in its path, is a file or a link to nothing",
        ),
        ("dangling/x.toml", "dangling, in its path, is a file or a link to nothing"),
        // Checked after the fit, a link here was refused with the backtest's CSV written.
        (
            "linked.toml",
            "linked-backtest.png is a link (name the file it leads to, if that is the one to replace), not a plain file: name a file to write (where the backtest's chart goes, beside linked.toml)",
        ),
    ] {
        let run = backsim()
            .current_dir(d)
            .args(["calibrate", "mine.toml", "--out", out, "--metrics"])
            .arg(&bundled)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&run.stderr);
        assert_eq!(run.status.code(), Some(2), "{out}: {stderr}");
        assert!(stderr.contains(says), "{out}: expected {says} in {stderr}");
        assert_eq!(listing(d), before, "{out}: nothing written");
        assert!(listing(&d.join("dd.toml")).is_empty());
    }
    let server = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/server.json");
    let run = backsim()
        .current_dir(d)
        .arg("import")
        .arg(server)
        .args(["--out", "dd.toml", "--force"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(
            "--out: dd.toml is a folder: name a file to write, such as dd.toml/contoso-orders.toml"
        ),
        "{stderr}"
    );
}

/// When the fitted values make an invalid scenario, the error names the metrics they were fitted
/// to and the key, not a line of the output file that was never written.
#[test]
fn an_invalid_calibrated_result_is_blamed_on_the_metrics_and_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let truth = with(TRUTH, &[]);
    let exported = std::fs::read_to_string(metrics(dir.path(), &truth)).unwrap();
    // About 2 MB of data: plausible bytes, but a database of 0.00 GB.
    let path = dir.path().join("tiny.json");
    std::fs::write(&path, rescaled(&exported, &["data_storage_used"], 1e-5)).unwrap();
    let (code, _, stderr, written) = calibrate(dir.path(), &mine(10), Some(&path));
    assert_eq!(code, 2, "{stderr}");
    assert!(written.is_none());
    assert!(
        stderr.contains("tiny.json: key `server.db_size_gb`: the scenario calibrated to these metrics is not valid, so")
            && stderr.contains("calibrated.toml was not written"),
        "{stderr}"
    );
    assert!(!stderr.contains("calibrated.toml:"), "{stderr}");
}

/// Metrics of one server fitted into a scenario named for another: calibrated all the same, with
/// a warning on stderr naming both.
#[test]
fn another_servers_metrics_are_fitted_with_a_warning_naming_both() {
    let dir = tempfile::tempdir().unwrap();
    let bundled = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/metrics.json");
    let (code, stdout, stderr, written) = calibrate(dir.path(), &mine(10), Some(&bundled));
    assert_eq!(code, 0, "{stderr}");
    assert!(written.is_some());
    assert!(
        stderr.contains("warning: ")
            && stderr.contains("server \"contoso-orders\" (value[0].id)")
            && stderr.contains("scenario \"mine\""),
        "{stderr}"
    );
    assert!(!stdout.contains("contoso-orders"), "{stdout}");
}

/// The bundled server description imported into `dir`, as the README's walk-through starts.
fn imported_example(dir: &Path) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let imported = dir.join("contoso-orders.toml");
    backsim()
        .arg("import")
        .arg(root.join("server.json"))
        .arg("--out")
        .arg(&imported)
        .assert()
        .success();
    imported
}

/// The README's walk-through: import the bundled server, add its measured restores, calibrate
/// against the bundled metrics, and land near the source scenario the metrics came from.
#[test]
fn the_bundled_example_calibrates_back_to_its_source() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let source = scenario::load(&root.join("metrics-source.toml"), &[]).unwrap();
    // The bundled metrics are exactly what the generator writes from the source.
    let bundled = std::fs::read_to_string(root.join("metrics.json")).unwrap();
    assert!(
        bundled == synthetic::example_metrics(&source),
        "run `cargo run --example synthetic_metrics`"
    );
    let dir = tempfile::tempdir().unwrap();
    let imported = imported_example(dir.path());
    let restores = std::fs::read_to_string(root.join("measured-restores.toml")).unwrap();
    let text = std::fs::read_to_string(&imported).unwrap() + &restores;
    std::fs::write(&imported, &text).unwrap();
    let out = dir.path().join("calibrated.toml");
    let run = backsim()
        .arg("calibrate")
        .arg(&imported)
        .arg("--metrics")
        .arg(root.join("metrics.json"))
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    // The metrics and the scenario are of the same server: nothing to warn about.
    let stderr = String::from_utf8_lossy(&run.get_output().stderr).into_owned();
    assert!(!stderr.contains("warning"), "{stderr}");
    // But the method is not exact here: the fitted rate is 36.076 ± 0.013 for a true 36.0. The
    // calibrated simulation's own storage, fitted again, moves it by more than its standard
    // error, and the output says so rather than letting the ± stand for the whole error.
    let stdout = String::from_utf8_lossy(&run.get_output().stdout).into_owned();
    assert!(stdout.contains("its own simulation refits to"), "{stdout}");
    assert!(
        stdout.contains(
            "workload.binlog_gb_per_day: the calibrated simulation's own storage fits to"
        ) && stdout.contains("so its ± understates the error"),
        "{stdout}"
    );
    let c = parsed(&std::fs::read_to_string(&out).unwrap()).config;
    let s = &source.config;
    assert!(within(
        c.workload.binlog_gb_per_day,
        s.workload.binlog_gb_per_day,
        0.05
    ));
    assert!(within(
        c.backup.snapshot_change_ratio,
        s.backup.snapshot_change_ratio,
        0.05
    ));
    assert!(within(c.restore.hydrate_gb_per_hour_per_vcore, 80.0, 0.1));
    assert!(within(c.restore.replay_gb_per_hour_per_vcore, 3.0, 0.1));
    assert!(within(c.restore.provision as f64, 420.0, 0.1));
    backsim().arg("validate").arg(&out).assert().success();
}

/// The truth's export reshaped: every `every`-th point, and only the metrics `keep` names.
fn reshaped(dir: &Path, every: usize, keep: &[&str]) -> PathBuf {
    let truth = with(TRUTH, &[]);
    let text = std::fs::read_to_string(metrics(dir, &truth)).unwrap();
    let mut doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    let list = doc["value"].as_array_mut().unwrap();
    list.retain(|m| keep.contains(&m["name"]["value"].as_str().unwrap()));
    for m in list.iter_mut() {
        let data = m["timeseries"][0]["data"].as_array_mut().unwrap();
        *data = data.iter().step_by(every).cloned().collect();
    }
    let path = dir.join("reshaped.json");
    std::fs::write(&path, doc.to_string()).unwrap();
    path
}

/// Six-hourly points still give the rate, but not the hourly shapes (nor, without the weekly
/// shape, the change ratio): each warning says what is missing.
#[test]
fn a_coarser_export_fits_what_it_can_and_says_what_it_cannot() {
    let dir = tempfile::tempdir().unwrap();
    let m = reshaped(dir.path(), 6, &["backup_storage_used", "data_storage_used"]);
    let (code, stdout, stderr, text) = calibrate(dir.path(), &mine(10), Some(&m));
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("one point every 6 h"), "{stdout}");
    assert!(
        stdout.contains("without the load's weekly shape"),
        "{stdout}"
    );
    let c = parsed(&text.unwrap()).config;
    assert_eq!(c.workload.weekly, [1.0; 7]);
    assert_eq!(c.backup.snapshot_change_ratio, 0.5);
}

/// Without a metric of the database, its size stays the scenario's as the metrics begin, and
/// the user is told that the binlog rate leans on it. The calibrated scenario starts after the
/// metrics end, so it starts with that database grown at the scenario's rate: kept as
/// written, a growing database started 14 GB too small and the bill 6% low.
#[test]
fn without_a_database_metric_the_scenarios_size_is_kept_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let m = reshaped(dir.path(), 1, &["backup_storage_used"]);
    let scenario = mine(10).replace(
        "vcores = 4\n",
        "vcores = 4\ndb_size_gb = 190.0\ndb_growth_gb_per_day = 0.4\n",
    );
    let (code, stdout, stderr, text) = calibrate(dir.path(), &scenario, Some(&m));
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("no data_storage_used or storage_used"),
        "{stdout}"
    );
    let calibrated = parsed(&text.unwrap());
    // The metrics begin on day 16 at 05:00 of the truth's run (from 2026-01-01).
    let begin = chrono::DateTime::parse_from_rfc3339("2026-01-17T05:00:00Z").unwrap();
    let days = (calibrated.start - begin).num_seconds() as f64 / 86_400.0;
    assert!(days > 30.0, "{days}");
    let want = 190.0 + 0.4 * days;
    let got = calibrated.config.server.db_size_gb;
    assert!((got - want).abs() < 0.01, "{got} against {want}");
    // Not growing, the size keeps its own line, and what it says of where it came from.
    let still = mine(10).replace(
        "vcores = 4\n",
        "vcores = 4\ndb_size_gb = 190.0  # assumption: my guess\n",
    );
    let (code, _, stderr, text) = calibrate(dir.path(), &still, Some(&m));
    assert_eq!(code, 0, "{stderr}");
    let text = text.unwrap();
    assert!(
        text.contains("db_size_gb = 190.0  # assumption: my guess"),
        "{text}"
    );
}

/// `json` with every value of `metric` off by a normal error of `relative` (deterministic:
/// a fixed linear congruential draw, Box–Muller).
fn noisy(json: &str, metric: &str, relative: f64) -> String {
    let mut doc: serde_json::Value = serde_json::from_str(json).unwrap();
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut uniform = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((state >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    };
    for m in doc["value"].as_array_mut().unwrap() {
        if m["name"]["value"].as_str() != Some(metric) {
            continue;
        }
        for point in m["timeseries"][0]["data"].as_array_mut().unwrap() {
            if let Some(b) = point["average"].as_f64() {
                let z =
                    (-2.0 * uniform().ln()).sqrt() * (2.0 * std::f64::consts::PI * uniform()).cos();
                point["average"] = serde_json::json!(b * (1.0 + relative * z));
            }
        }
    }
    doc.to_string()
}

/// A metric with 1% noise hides the hour-to-hour changes (a few hundred MB under noise of
/// several GB): the shapes and the snapshot's hour are not read from it but kept, each with
/// its reason, and the rate still comes from the storage level, within 5% when the change
/// ratio is known. Where the ratio is only kept, the rate's comment says how far it leans on
/// it, since its standard error takes the ratio as given.
#[test]
fn noisy_metrics_keep_the_shapes_and_still_fit_the_rate_from_the_level() {
    let dir = tempfile::tempdir().unwrap();
    let truth = with(TRUTH, &[]);
    let clean = synthetic::metrics_json(&truth, 16 * 86_400 + 5 * 3_600, "/subscriptions/x/s");
    let path = dir.path().join("noisy.json");
    std::fs::write(&path, noisy(&clean, "backup_storage_used", 0.01)).unwrap();

    let known_ratio = format!("{}snapshot_change_ratio = 0.35\n", mine(10));
    let (code, stdout, stderr, text) = calibrate(dir.path(), &known_ratio, Some(&path));
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("mostly noise"), "{stdout}");
    assert!(stdout.contains("does not stand out"), "{stdout}");
    let text = text.unwrap();
    // The ratio is moved by 0.1 to show how the rate leans on it, and named as moved.
    assert!(text.contains("(at 0.45 it would be"), "{text}");
    let c = parsed(&text).config;
    assert!(
        within(c.workload.binlog_gb_per_day, 40.0, 0.05),
        "{}\n{stdout}",
        c.workload.binlog_gb_per_day
    );
    // The scenario's (default, flat) shapes are kept, not noise written as a shape.
    assert_eq!(c.workload.weekly, [1.0; 7]);

    let (code, _, stderr, text) = calibrate(dir.path(), &mine(10), Some(&path));
    assert_eq!(code, 0, "{stderr}");
    let text = text.unwrap();
    let line = text
        .lines()
        .find(|l| l.starts_with("binlog_gb_per_day"))
        .unwrap();
    assert!(
        line.contains("given the kept backup.snapshot_change_ratio")
            && line.contains("it would be"),
        "{line}"
    );
}

/// Metrics that no backup history could produce (every other hour three times the level) are
/// still fitted as well as they can be, but the output says the fit is poor and what to check.
#[test]
fn a_poor_fit_is_said_so() {
    let dir = tempfile::tempdir().unwrap();
    let truth = with(TRUTH, &[]);
    let clean = synthetic::metrics_json(&truth, 16 * 86_400 + 5 * 3_600, "/subscriptions/x/s");
    let mut doc: serde_json::Value = serde_json::from_str(&clean).unwrap();
    for m in doc["value"].as_array_mut().unwrap() {
        if m["name"]["value"].as_str() != Some("backup_storage_used") {
            continue;
        }
        for (i, point) in m["timeseries"][0]["data"]
            .as_array_mut()
            .unwrap()
            .iter_mut()
            .enumerate()
        {
            if let Some(b) = point["average"].as_f64() {
                point["average"] = serde_json::json!(if i % 2 == 0 { 3.0 * b } else { b });
            }
        }
    }
    let path = dir.path().join("zigzag.json");
    std::fs::write(&path, doc.to_string()).unwrap();
    let (code, stdout, stderr, _) = calibrate(dir.path(), &mine(10), Some(&path));
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("the calibrated simulation misses the metric by"),
        "{stdout}"
    );
    // The clean metrics fit closely and say nothing of the kind.
    let m = metrics(dir.path(), &truth);
    let (_, stdout, _, _) = calibrate(dir.path(), &mine(10), Some(&m));
    assert!(!stdout.contains("misses the metric"), "{stdout}");
}

/// A scenario whose own database would outgrow its storage over the calibration's longer
/// window still calibrates: the fit sets the database from the metrics.
#[test]
fn the_scenarios_own_growth_does_not_block_the_fit() {
    let dir = tempfile::tempdir().unwrap();
    let truth = with(TRUTH, &[]);
    let m = metrics(dir.path(), &truth);
    let mine = format!(
        "{}[server]\ndb_size_gb = 500\ndb_growth_gb_per_day = 0.3\n",
        mine(10).replace("[server]\nprovisioned_storage_gb = 512\nvcores = 4\n", "")
    )
    .replace(
        "[server]\ndb_size_gb",
        "[server]\nprovisioned_storage_gb = 512\nvcores = 4\ndb_size_gb",
    );
    let (code, _, stderr, text) = calibrate(dir.path(), &mine, Some(&m));
    assert_eq!(code, 0, "{stderr}");
    let c = parsed(&text.unwrap()).config;
    assert!(within(c.server.db_growth_gb_per_day, 0.5, 0.01));
}

/// `calibrate SCENARIO` with `restores` appended: its standard output.
fn calibrated_restores(restores: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.toml");
    std::fs::write(&path, format!("name = \"r\"\n{restores}")).unwrap();
    let run = backsim()
        .arg("calibrate")
        .arg(&path)
        .arg("--out")
        .arg(dir.path().join("out.toml"))
        .assert()
        .success();
    String::from_utf8_lossy(&run.get_output().stdout).into_owned()
}

/// No spare measurement is an exact fit only when the fit meets the measurement: a 6-second
/// restore cannot be (provisioning alone is minutes), and restores that barely differ cannot
/// tell the phases apart, which a standard error of many times the value only pretends to.
#[test]
fn restore_fits_say_when_they_miss_or_cannot_tell() {
    let one = calibrated_restores(
        "[[restore.measured]]\ndatabase_gb = 100.0\nvcores = 4\ntarget = \"fastest\"\nminutes = 0.1\n",
    );
    assert!(one.contains("the fit still misses"), "{one}");
    assert!(!one.contains("exact fit"), "{one}");
    assert!(one.contains("(1 restore, "), "{one}");
    let mut alike = String::new();
    for (binlog, minutes) in [(2.0, 30.0), (2.001, 30.02), (2.002, 29.97), (2.0015, 30.01)] {
        alike.push_str(&format!(
            "[[restore.measured]]\ndatabase_gb = 100.0\nbinlog_gb = {binlog}\nvcores = 4\ntarget = \"custom\"\nminutes = {minutes}\n"
        ));
    }
    let alike = calibrated_restores(&alike);
    assert!(
        alike.contains("± unknown: the measurements do not tell this phase apart"),
        "{alike}"
    );
}

/// Calibrated with the wrong retention (35 days for a server that keeps 10), the shapes come
/// out as numbers the method cannot give back: each is flagged, and a weekly shape it cannot
/// read again is not presented as one it read (it was written with "±6.8%").
#[test]
fn shapes_the_method_cannot_give_back_are_flagged() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let dir = tempfile::tempdir().unwrap();
    let imported = imported_example(dir.path());
    let text = std::fs::read_to_string(&imported).unwrap();
    let wrong = text.replace("retention_days = 10", "retention_days = 35");
    assert_ne!(wrong, text, "the import writes the retention");
    std::fs::write(&imported, wrong).unwrap();
    let run = backsim()
        .arg("calibrate")
        .arg(&imported)
        .arg("--metrics")
        .arg(root.join("metrics.json"))
        .arg("--out")
        .arg(dir.path().join("out.toml"))
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&run.get_output().stdout).into_owned();
    assert!(stdout.contains("workload.diurnal: the calibrated simulation's own storage gives it back with entries up to"), "{stdout}");
    assert!(
        stdout.contains(
            "workload.weekly: the calibrated simulation's own storage gives no such shape back"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("its own simulation does not give this shape back"),
        "{stdout}"
    );
}

/// An --out naming an earlier run's output folder is refused without suggesting a file inside
/// it: the suggestion ("such as out/mine-calibrated.toml") was itself refused when followed.
#[test]
fn an_out_that_is_an_earlier_output_suggests_nothing_inside_it() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("mine.toml"), mine(10)).unwrap();
    std::fs::write(
        d.join("s.toml"),
        "name = \"s\"\nhorizon_days = 2\nruns = 2\n",
    )
    .unwrap();
    backsim()
        .current_dir(d)
        .args(["run", "s.toml", "--no-charts", "-q", "--out", "out"])
        .assert()
        .success();
    let bundled = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/metrics.json");
    let run = backsim()
        .current_dir(d)
        .args(["calibrate", "mine.toml", "--out", "out", "--metrics"])
        .arg(&bundled)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("--out: out is a folder, inside or holding")
            && stderr.contains("name a file outside it")
            && !stderr.contains("such as"),
        "{stderr}"
    );
}
