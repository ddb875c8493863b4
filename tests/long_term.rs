//! Long-term retention (preview): a vault keeps the first snapshot of each week, month and year
//! for as many weeks, months and years as the policy says, bills them at its own price, and
//! restores points older than the recovery window as files — even after the server is gone.

mod common;
use common::{backsim, with, SMALL_VAULT};

use std::fs;
use std::path::Path;

use backsim::engine::Streams;
use backsim::model::simulate;
use tempfile::TempDir;

/// Ten years from Sunday 4 January 2026 with one snapshot every midnight (no failures, no extra
/// snapshots): the last one is on Tuesday 1 January 2036.
const DECADE: &str = r#"
name = "decade"
start = "2026-01-04T00:00:00Z"
horizon_days = 3650
runs = 1
[server]
db_size_gb = 100
provisioned_storage_gb = 250
vcores = 4
[workload]
binlog_gb_per_day = 10
[backup]
snapshot_failure_pct = 0
extra_snapshot_binlog_gb = 0
[restore]
background_restores_per_hour = 0
[long_term]
enabled = true
weekly_day = "sunday"
weekly_keep = 4
monthly_keep = 12
yearly_keep = 10
vault_price_per_gb_month = 0.05
files_gb_per_hour = 200
load_gb_per_hour_per_vcore = 25
"#;

/// Counted by hand at the end of the decade (Friday 2 January 2036), each copy kept for its
/// tier's years, months or weeks after it was taken:
/// - yearly: 4 Jan 2026 (kept to 4 Jan 2036, two days past the end) and 1 Jan 2027 … 1 Jan
///   2036: 11;
/// - monthly: 1 Feb 2035 … 1 Jan 2036 (1 Jan 2035's went on 1 Jan 2036), of which 1 Jan 2036
///   is also yearly: 11 more;
/// - weekly: Sundays 9, 16, 23 and 30 December 2035 (1 January 2036 is a Tuesday): 4 more.
const KEPT: u64 = 11 + 11 + 4;

#[test]
fn a_decade_keeps_exactly_the_policy_copies_and_bills_them_at_the_vault_price() {
    let s = with(DECADE, &[]);
    let m = simulate(&s.config, &Streams::for_replication(s.seed, 0), None).metrics;
    let lt = m.storage.long_term.expect("long-term figures");
    assert_eq!(lt.copies_kept, KEPT);
    // The run's first snapshot, of 4 January 2026 (day 0), is kept ten years from its own
    // day, not from 1 January: still there when the run ends.
    assert_eq!(lt.oldest_point, Some(0));
    // Every copy is a whole 100 GB database: at the end the vault holds 2,600 GB, and it never
    // held more.
    assert_eq!(lt.peak_vault_gb, 100.0 * KEPT as f64);
    assert!((lt.vault_cost_per_month - lt.mean_vault_gb * 0.05).abs() < 1e-9);
    // The last full month (December 2035) was billed at the vault price for ~2,500 GB.
    let december = m.storage.monthly[m.storage.monthly.len() - 2];
    let vault = december.long_term.expect("vault bill");
    assert!(
        (2_300.0..=2_500.0).contains(&vault.mean_vault_gb),
        "{}",
        vault.mean_vault_gb
    );
    assert!((vault.vault_cost - vault.mean_vault_gb * 0.05).abs() < 1e-6);
    // The backup storage bill is apart: the vault has no free allowance and is not in it.
    assert!(m.storage.mean_storage_gb < 400.0);
}

fn write(dir: &Path, text: &str) -> std::path::PathBuf {
    let path = dir.join("s.toml");
    fs::write(&path, text).unwrap();
    path
}

fn restore_json(scenario: &Path, at: &str, request_at: &str) -> serde_json::Value {
    let out = backsim()
        .arg("restore")
        .arg(scenario)
        .args(["--at", at, "--request-at", request_at, "--json"])
        .assert()
        .success();
    serde_json::from_slice(&out.get_output().stdout).unwrap()
}

/// A point three years back: restored as files from the yearly copy of 1 January 2033 (100 GB
/// at 200 GB/h: 30 min), then loaded into a new server by hand (100 GB at 4 × 25 GB/h: 1 h).
#[test]
fn a_three_year_old_point_comes_from_the_vault_as_files_then_a_load() {
    let tmp = TempDir::new().unwrap();
    let path = write(tmp.path(), DECADE);
    let plan = restore_json(&path, "2033-01-10T12:00:00Z", "2036-01-01T12:00:00Z");
    assert_eq!(plan["source"], "vault");
    assert_eq!(plan["copy_time"], "2033-01-01T00:00:00Z");
    assert_eq!(plan["files_seconds"], 1_800.0);
    assert_eq!(plan["load_seconds"], 3_600.0);
    assert_eq!(plan["total_seconds"], 5_400.0);
    assert_eq!(plan["data_loss_seconds"], 9.5 * 86_400.0);
    assert!(plan["preview"].as_str().unwrap().contains("paused"));
    let text = backsim()
        .arg("restore")
        .arg(&path)
        .args(["--at", "2033-01-10T12:00:00Z"])
        .assert()
        .success();
    let text = String::from_utf8_lossy(&text.get_output().stdout).to_string();
    assert!(text.contains("restore as files") && text.contains("load into server"));
}

/// Exports are a preview of the public cloud only: planned for a US Government region they are
/// refused at the key, naming the region, where they ran and were billed before.
#[test]
fn exports_are_refused_outside_the_public_cloud() {
    let tmp = TempDir::new().unwrap();
    let text = DECADE
        .replace("horizon_days = 3650", "horizon_days = 60")
        .replace("vcores = 4", "vcores = 4\nregion = \"usgovvirginia\"")
        .replace("enabled = true", "enabled = true\nexports = [\"10d\"]");
    let path = write(tmp.path(), &text);
    let out = backsim().arg("validate").arg(&path).assert().code(2);
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(
        err.contains("long_term.exports")
            && err.contains("usgovvirginia")
            && err.contains("public"),
        "{err}"
    );
    // The vault itself is not restricted, nor are exports in a public region.
    let vault_only = text.replace("exports = [\"10d\"]", "");
    fs::write(&path, vault_only).unwrap();
    backsim().arg("validate").arg(&path).assert().success();
    fs::write(&path, text.replace("usgovvirginia", "eastus")).unwrap();
    backsim().arg("validate").arg(&path).assert().success();
}

/// A vault copy lacks only the writing time after it: none while the server was stopped or
/// after it was deleted. The monthly copy of Sunday 1 February 2026 (day 28) is the newest
/// before day 200; the server stopped on day 30 (and was deleted on day 30 in the second
/// case), so two days of writes are missing, not the 172 days to the point asked for.
#[test]
fn a_vault_restore_lacks_only_the_time_the_server_wrote() {
    let tmp = TempDir::new().unwrap();
    for events in [
        "[[events]]\nat = \"30d\"\naction = \"stop\"\n[[events]]\nat = \"300d\"\naction = \"start\"\n",
        "[[events]]\nat = \"30d\"\naction = \"delete\"\n",
    ] {
        let text = DECADE.replace("horizon_days = 3650", "horizon_days = 400") + events;
        let path = write(tmp.path(), &text);
        let plan = restore_json(&path, "200d", "350d");
        assert_eq!(plan["copy_time"], "2026-02-01T00:00:00Z", "{events}");
        assert_eq!(plan["data_loss_seconds"], 2.0 * 86_400.0, "{events}");
    }
}

/// An export already is backup files in the owner's storage account: restoring it is only the
/// load (100 GB at 4 × 25 GB/h: 1 h), with no "restore as files" step before it, and it stands
/// on the export preview, not on the paused long-term retention.
#[test]
fn an_export_is_only_loaded_not_restored_as_files_first() {
    let tmp = TempDir::new().unwrap();
    let text = DECADE
        .replace("horizon_days = 3650", "horizon_days = 60")
        .replace("enabled = true", "enabled = false\nexports = [\"10d12h\"]");
    let path = write(tmp.path(), &text);
    let plan = restore_json(&path, "10d13h", "60d");
    assert_eq!(plan["source"], "export");
    assert_eq!(plan["copy_time"], "2026-01-14T12:00:00Z");
    assert_eq!(plan["files_seconds"], 0.0);
    assert_eq!(plan["load_seconds"], 3_600.0);
    assert_eq!(plan["total_seconds"], 3_600.0);
    let preview = plan["preview"].as_str().unwrap();
    assert!(
        preview.contains("Export") && !preview.contains("paused"),
        "{preview}"
    );
    let text = backsim()
        .arg("restore")
        .arg(&path)
        .args(["--at", "10d13h", "--request-at", "60d"])
        .assert()
        .success();
    let text = String::from_utf8_lossy(&text.get_output().stdout).to_string();
    assert!(
        !text.contains("restore as files") && text.contains("load into server"),
        "{text}"
    );
}

/// Older than anything the policy keeps: refused, naming the oldest point there is. The
/// yearly copy of 4 January 2026 restores a point of March 2026 until the last second of its
/// ten years, and from 4 January 2036 on that point is refused and the oldest is 1 January 2027.
#[test]
fn a_point_older_than_the_policy_keeps_is_refused_naming_the_oldest() {
    let tmp = TempDir::new().unwrap();
    let path = write(
        tmp.path(),
        &DECADE.replace("horizon_days = 3650", "horizon_days = 3660"),
    );
    let restore = |request_at: &str| {
        backsim()
            .arg("restore")
            .arg(&path)
            .args(["--at", "2026-03-01T00:00:00Z", "--request-at", request_at])
            .assert()
    };
    let kept = restore("2036-01-03T23:59:59Z").success();
    let text = String::from_utf8_lossy(&kept.get_output().stdout).to_string();
    assert!(text.contains("2026-01-04T00:00:00Z"), "{text}");
    let out = restore("2036-01-04T00:00:00Z").code(2);
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(err.contains("2027-01-01T00:00:00Z"), "{err}");
}

/// The vault is in a separate fault domain: 30 days after the server's deletion (past its
/// 5-day window) its copies still restore, and each still ages out on time although no new
/// copy comes: kept for weeks, months or years after it was taken, not as "the newest N".
#[test]
fn the_vault_outlives_the_deleted_server() {
    let tmp = TempDir::new().unwrap();
    let text = DECADE.replace("horizon_days = 3650", "horizon_days = 400")
        + "[[events]]\nat = \"370d\"\naction = \"delete\"\n";
    let path = write(tmp.path(), &text);
    // A point from the last days before the deletion (Saturday 9 January 2027): the local
    // backups are purged. Asked on day 376, the newest vault copy at or before it is the
    // weekly one of Sunday 3 January; asked on day 400, that copy is gone (four weeks kept: it
    // aged out on 31 January), and the monthly and yearly copy of 1 January stands in.
    let plan = restore_json(&path, "369d", "376d");
    assert_eq!(plan["source"], "vault");
    assert_eq!(plan["copy_time"], "2027-01-03T00:00:00Z");
    let plan = restore_json(&path, "369d", "400d");
    assert_eq!(plan["copy_time"], "2027-01-01T00:00:00Z");
    // The run's own summary still bills the vault after the deletion.
    let out = tmp.path().join("out");
    backsim()
        .arg("run")
        .arg(&path)
        .args(["--no-charts", "--out"])
        .arg(&out)
        .assert()
        .success();
    let bill = fs::read_to_string(out.join("bill.csv")).unwrap();
    assert!(bill.lines().next().unwrap().contains("vault_cost_mean"));
    let last = bill.lines().last().unwrap();
    let header: Vec<&str> = bill.lines().next().unwrap().split(',').collect();
    let col = header.iter().position(|h| *h == "vault_cost_mean").unwrap();
    let vault_cost: f64 = last.split(',').nth(col).unwrap().parse().unwrap();
    assert!(vault_cost > 0.0, "the vault is billed after the deletion");
    // At the end (8 February 2027) the yearly copy of 4 January 2026, the monthly ones of
    // March to December 2026 and the copy of 1 January 2027 remain: 12. The four weekly ones
    // and February 2026's monthly one have aged out although nothing replaced them.
    let summary: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["long_term"]["copies_kept"]["mean"], 12.0);
    // Nor is its vault said to be filling: nothing more comes after the deletion.
    assert_eq!(summary["long_term"]["fill"]["still_filling"], false);
    let md = fs::read_to_string(out.join("report.md")).unwrap();
    assert!(!md.contains("The vault's are not"), "{md}");
    assert!(
        md.contains("the server is deleted during the run, so no copy comes after that and those kept age out"),
        "{md}"
    );
}

/// Without [long_term] nothing long-term appears anywhere (the golden outputs check the files).
#[test]
fn off_by_default() {
    let s = with("name = \"x\"", &[]);
    let m = simulate(&s.config, &Streams::for_replication(s.seed, 0), None).metrics;
    assert!(m.storage.long_term.is_none());
    assert!(m.storage.monthly.iter().all(|b| b.long_term.is_none()));
}

/// summary.csv and runs.csv list the vault's and the exports' figures when the run uses them
/// (they had none, though summary.csv has a row for every figure), and summary.json's
/// `figures` with them; a run without long-term retention lists none.
#[test]
fn summary_and_runs_csv_list_the_long_term_figures() {
    let tmp = TempDir::new().unwrap();
    let text = DECADE.replace("horizon_days = 3650", "horizon_days = 60")
        + "exports = [\"20d\"]\nexport_keep = \"30d\"\nexport_price_per_gb_month = 0.02\n";
    let path = write(tmp.path(), &text);
    let out = tmp.path().join("out");
    backsim()
        .arg("run")
        .arg(&path)
        .args(["--no-charts", "--out"])
        .arg(&out)
        .assert()
        .success();
    let summary = fs::read_to_string(out.join("summary.csv")).unwrap();
    let row = |name: &str| {
        summary
            .lines()
            .find(|l| l.starts_with(&format!("{name},")))
            .unwrap_or_else(|| panic!("no {name} row in {summary}"))
            .split(',')
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    for name in [
        "vault_mean_gb",
        "vault_peak_gb",
        "vault_cost_per_month",
        "vault_copies_kept",
        "vault_copies_made",
        "export_mean_gb",
        "export_cost_per_month",
        "exports",
        "exports_refused",
    ] {
        assert_eq!(row(name)[6], "1", "{name}: one run");
    }
    assert_eq!(row("exports")[1], "1");
    // 100 GB copies: at least the first day's, kept throughout.
    let peak: f64 = row("vault_peak_gb")[1].parse().unwrap();
    assert!(peak >= 100.0, "{peak}");
    let runs = fs::read_to_string(out.join("runs.csv")).unwrap();
    let header = runs.lines().next().unwrap();
    assert!(header.contains(",vault_cost_per_month,"), "{header}");
    assert!(header.ends_with(",exports_refused"), "{header}");
    let json: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(json["figures"]["exports"]["mean"], 1.0);

    let plain = write(tmp.path(), "name = \"plain\"\nruns = 1\n");
    let out = tmp.path().join("plain");
    backsim()
        .arg("run")
        .arg(&plain)
        .args(["--no-charts", "--out"])
        .arg(&out)
        .assert()
        .success();
    let summary = fs::read_to_string(out.join("summary.csv")).unwrap();
    assert!(!summary.contains("vault") && !summary.contains("export"));
    let runs = fs::read_to_string(out.join("runs.csv")).unwrap();
    assert!(!runs.contains("vault"));
}

/// The reviewer's 400-day vault: SMALL_VAULT run for 400 days.
fn filling() -> String {
    SMALL_VAULT.replace("horizon_days = 100", "horizon_days = 400")
}

fn run_text(dir: &Path, scenario: &Path, out: &str) -> (String, std::path::PathBuf) {
    let out = dir.join(out);
    let o = backsim()
        .arg("run")
        .arg(scenario)
        .args(["--no-charts", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    (String::from_utf8(o.stdout).unwrap(), out)
}

/// A vault still filling when the run ends is not passed off as a steady state: its cost was
/// one average (55.17 USD a month here) under report.md's "Storage and cost are the steady
/// state", where the last full month billed 85 and the policy's full vault (some 25 copies, after
/// ten years) bills 125. The average is labelled with where it starts, the last full month's vault
/// cost and the whole bill beside it, and the run says how far the vault has filled and when
/// it is full; report.md's monthly bill has the vault's columns and the total.
#[test]
fn a_vault_still_filling_is_said_to_be_and_its_last_month_shown() {
    let tmp = TempDir::new().unwrap();
    let path = write(tmp.path(), &filling());
    let (text, out) = run_text(tmp.path(), &path, "out");
    assert!(
        text.contains(
            "  vault cost         55.17 USD/month, the average from day 8, at 0.05 USD/GB-month"
        ),
        "{text}"
    );
    // January 2027: 1,700 GB at 0.05, plus 13.06 of backup storage.
    assert!(
        text.contains("  last full month    2027-01: vault 85 USD, 98.06 USD in all with backup storage (bill.csv)"),
        "{text}"
    );
    assert!(
        text.contains("  still filling      17 of up to 26 copies after the run: the vault reaches its full size after 10 years (long_term.yearly_keep)"),
        "{text}"
    );
    // The oldest point says what it is for in words ("restore --at an older TIME plans from
    // it" left "older" to be guessed: older than the recovery window).
    assert!(
        text.contains("  oldest point       2026-01-05T00:00:00Z: the furthest back a restore reaches; a point older than the 7-day recovery window comes from the newest long-term copy at or before it (backsim restore --at TIME)"),
        "{text}"
    );
    let md = fs::read_to_string(out.join("report.md")).unwrap();
    assert!(md.contains("The vault's are not: it still fills when the run ends (17 of up to 26 copies; it reaches its full size after 10 years, `long_term.yearly_keep`)"), "{md}");
    assert!(
        md.contains("| month | days | mean storage (GB) | billable (GB-month) | cost (USD) | 95% CI | vault (GB) | vault (USD) | total (USD) | 95% CI |"),
        "{md}"
    );
    assert!(
        md.contains("| 2027-01 | 31 | 387.5 | 137.5 | 13.06 |  | 1,700 | 85 | 98.06 |  |"),
        "{md}"
    );
    assert!(
        md.contains("| Vault cost, last full calendar month (2027-01) | 85 USD |  | `last_full_month.long_term.vault_cost` |"),
        "{md}"
    );
    let summary: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let fill = &summary["long_term"]["fill"];
    assert_eq!(fill["copies_at_most"], 26);
    assert_eq!(fill["still_filling"], true);
    assert_eq!(
        summary["last_full_month"]["long_term"]["total_cost"]["mean"],
        98.0625
    );
    // bill.csv's total is the three bills of the month.
    let bill = fs::read_to_string(out.join("bill.csv")).unwrap();
    let header: Vec<&str> = bill.lines().next().unwrap().split(',').collect();
    let at = |name: &str| header.iter().position(|h| *h == name).unwrap();
    for line in bill.lines().skip(1) {
        let cells: Vec<f64> = line.split(',').map(|c| c.parse().unwrap_or(0.0)).collect();
        let sum =
            cells[at("cost_mean")] + cells[at("vault_cost_mean")] + cells[at("export_cost_mean")];
        assert!((cells[at("total_cost_mean")] - sum).abs() < 1e-9, "{line}");
    }

    // Two months kept and no yearly copies: full after two months, inside the run.
    let short = write(
        tmp.path(),
        &SMALL_VAULT.replace(
            "enabled = true",
            "enabled = true\nweekly_keep = 0\nmonthly_keep = 2\nyearly_keep = 0",
        ),
    );
    let (text, out) = run_text(tmp.path(), &short, "short");
    assert!(
        text.contains("  full size          up to 2 copies, reached after 2 months (long_term.monthly_keep), within the run"),
        "{text}"
    );
    let md = fs::read_to_string(out.join("report.md")).unwrap();
    assert!(!md.contains("The vault's are not"), "{md}");
}

/// A vault told to keep nothing (every keep 0) ran through and reported "0 copies" as if that
/// were the policy's answer: it is refused, naming the keys.
#[test]
fn a_vault_that_keeps_nothing_is_refused() {
    let tmp = TempDir::new().unwrap();
    let path = write(
        tmp.path(),
        &filling().replace(
            "enabled = true",
            "enabled = true\nweekly_keep = 0\nmonthly_keep = 0\nyearly_keep = 0",
        ),
    );
    backsim()
        .arg("validate")
        .arg(&path)
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "key `long_term.enabled`: is true but long_term.weekly_keep, long_term.monthly_keep and long_term.yearly_keep are all 0, so the vault would keep no copy",
        ));
    // One tier is enough, and without the vault the keeps do not matter.
    with(
        SMALL_VAULT,
        &[
            ("long_term.weekly_keep", "0"),
            ("long_term.monthly_keep", "0"),
        ],
    );
    with(
        SMALL_VAULT,
        &[
            ("long_term.enabled", "false"),
            ("long_term.weekly_keep", "0"),
            ("long_term.monthly_keep", "0"),
            ("long_term.yearly_keep", "0"),
        ],
    );
}

/// Geo-redundant backup storage is counted twice; the vault, a store of its own, is not (the
/// README says so).
#[test]
fn geo_redundancy_does_not_double_the_vault() {
    let short = filling().replace("horizon_days = 400", "horizon_days = 60");
    let run = |redundancy: &str| {
        let s = with(&short, &[("backup.redundancy", redundancy)]);
        simulate(&s.config, &Streams::for_replication(s.seed, 0), None).metrics
    };
    let (local, geo) = (run("\"local\""), run("\"geo\""));
    let (l, g) = (
        local.storage.long_term.unwrap(),
        geo.storage.long_term.unwrap(),
    );
    assert!(geo.storage.mean_storage_gb > 1.9 * local.storage.mean_storage_gb);
    assert_eq!(l.mean_vault_gb, g.mean_vault_gb);
    assert_eq!(l.vault_cost_per_month, g.vault_cost_per_month);
}
