//! What people expect of a command-line tool, and outputs that carry their provenance: `-` for
//! standard input and output, completions and a man page, -q/-v, --json everywhere, misspelt
//! keys with a suggestion, and every JSON output and report.md traceable back to its run.

mod common;
use common::backsim;

use std::fs;
use std::path::Path;

use predicates::prelude::*;
use sha2::{Digest, Sha256};
use tempfile::TempDir;

const SMALL: &str = "# How much does a small server's backup cost?\nname = \"small\"\nhorizon_days = 12\nruns = 3\n[workload]\nbursts_per_day = 1\nburst_hours = \"90m\"\n[outages]\nincidents_per_year = 30\n[[events]]\nat = \"5d\"\naction = \"stop\"\n[[events]]\nat = 2026-01-12T00:00:00Z\naction = \"start\"\n[sweep]\n\"backup.retention_days\" = [1, 3]\n";

fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let p = dir.join(name);
    fs::write(&p, text).unwrap();
    p
}

fn hex_sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The result files of a run (everything but the records that name the command and file).
const RESULTS: [&str; 8] = [
    "runs.csv",
    "summary.csv",
    "events.csv",
    "timeseries.csv",
    "bill.csv",
    "retention.csv",
    "recoveries.csv",
    "storage.png",
];

#[test]
fn provenance_is_recorded_and_reruns_to_the_same_bytes() {
    let tmp = TempDir::new().unwrap();
    let scenario = write(tmp.path(), "small.toml", SMALL);
    let first = tmp.path().join("first");
    backsim()
        .current_dir(tmp.path())
        .args([
            "run",
            "small.toml",
            "--set",
            "backup.retention_days=3",
            "--seed",
            "9",
            "--out",
        ])
        .arg(&first)
        .assert()
        .success();
    let summary = fs::read(first.join("summary.json")).unwrap();
    let json: serde_json::Value = serde_json::from_slice(&summary).unwrap();
    let p = &json["provenance"];
    assert_eq!(p["backsim_version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(
        p["command_line"], "backsim run small.toml --set backup.retention_days=3 --seed 9",
        "the output folder is not part of the record"
    );
    assert_eq!(
        p["overrides"],
        serde_json::json!(["backup.retention_days=3"])
    );
    assert_eq!(p["scenario_file"], "small.toml");
    assert_eq!(p["scenario_sha256"], hex_sha256(SMALL.as_bytes()));
    // Every key of the key table, the overrides and defaults in, values in their types.
    let resolved = &p["scenario"];
    for key in backsim::scenario::keys::ALL {
        let mut v = resolved;
        for part in key.path.split('.') {
            v = &v[part];
        }
        let optional = matches!(key.path, "restore.geo_restore_region");
        assert!(optional || !v.is_null(), "{} missing", key.path);
    }
    assert_eq!(resolved["backup"]["retention_days"], 3);
    assert_eq!(resolved["seed"], 9);
    assert_eq!(resolved["workload"]["burst_hours"], "90m");
    assert_eq!(resolved["server"]["provisioned_storage_gb"], 250.0);
    assert_eq!(resolved["events"][1]["at"], "2026-01-12T00:00:00Z");
    assert_eq!(
        resolved["sweep"]["backup.retention_days"],
        serde_json::json!([1, 3])
    );
    // report.md carries it too.
    let md = fs::read_to_string(first.join("report.md")).unwrap();
    assert!(md.contains("## Provenance"));
    assert!(md.contains(&hex_sha256(SMALL.as_bytes())));
    assert!(md.contains(&format!("backsim {}", env!("CARGO_PKG_VERSION"))));

    // 1. The recorded command, run again where it ran: the same summary.json, byte for byte.
    let again = tmp.path().join("again");
    let words: Vec<&str> = p["command_line"].as_str().unwrap().split(' ').collect();
    assert_eq!(words[0], "backsim");
    backsim()
        .current_dir(tmp.path())
        .args(&words[1..])
        .arg("--out")
        .arg(&again)
        .assert()
        .success();
    assert!(fs::read(again.join("summary.json")).unwrap() == summary);

    // 2. The resolved scenario alone, as a file, without any option: the same results.
    let table: toml::Table = serde_json::from_value(resolved.clone()).unwrap();
    let rerun_file = write(
        tmp.path(),
        "resolved.toml",
        &toml::to_string(&table).unwrap(),
    );
    let rerun = tmp.path().join("rerun");
    backsim()
        .arg("run")
        .arg(&rerun_file)
        .arg("--out")
        .arg(&rerun)
        .assert()
        .success();
    for f in RESULTS {
        assert!(
            fs::read(first.join(f)).unwrap() == fs::read(rerun.join(f)).unwrap(),
            "{f} differs when rerun from the resolved scenario"
        );
    }
    let _ = scenario;
}

#[test]
fn sweep_and_compare_records_carry_provenance_and_typed_results() {
    let tmp = TempDir::new().unwrap();
    let s = write(tmp.path(), "small.toml", SMALL);
    let out = backsim()
        .arg("sweep")
        .arg(&s)
        .args([
            "--vary",
            "backup.retention_days=3,5",
            "--vary",
            "backup.redundancy=local,geo",
            "--json",
            "--no-charts",
            "--out",
        ])
        .arg(tmp.path().join("sweep"))
        .assert()
        .success();
    let sweep: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(
        sweep["provenance"]["scenario_sha256"],
        hex_sha256(SMALL.as_bytes())
    );
    assert!(sweep["provenance"]["scenario"]["restore"]["provision_minutes"].is_string());
    let results = sweep["results"].as_array().unwrap();
    assert_eq!(results.len(), 4);
    assert_eq!(results[3]["values"]["backup.retention_days"], 5);
    assert_eq!(results[3]["values"]["backup.redundancy"], "geo");
    assert_eq!(results[3]["runs"], 3);
    assert!(results[3]["figures"]["cost_per_month"]["mean"].is_f64());
    assert!(results[3]["durability_nines"].as_f64().unwrap() > 16.0);

    let compare = tmp.path().join("compare");
    backsim()
        .arg("compare")
        .arg(&s)
        .args([
            "--vs",
            "backup.retention_days=5",
            "-q",
            "--no-charts",
            "--out",
        ])
        .arg(&compare)
        .assert()
        .success()
        .stdout("");
    let c: serde_json::Value =
        serde_json::from_slice(&fs::read(compare.join("compare.json")).unwrap()).unwrap();
    assert_eq!(
        c["provenance"]["backsim_version"],
        env!("CARGO_PKG_VERSION")
    );
    assert_eq!(
        c["alternatives"][0]["provenance"]["overrides"],
        serde_json::json!(["backup.retention_days=5"])
    );
    assert_eq!(
        c["alternatives"][0]["provenance"]["scenario"]["backup"]["retention_days"],
        5
    );
    assert_eq!(c["provenance"]["scenario"]["backup"]["retention_days"], 7);
}

#[test]
fn init_dash_prints_the_template_to_stdout() {
    let tmp = TempDir::new().unwrap();
    let out = backsim()
        .current_dir(tmp.path())
        .args(["init", "-"])
        .assert()
        .success();
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert_eq!(text, backsim::scenario::template());
    assert!(!tmp.path().join("-").exists(), "no file named \"-\"");
    // And `run -` reads the scenario from standard input: the same results as from a file.
    let file = write(tmp.path(), "small.toml", SMALL);
    backsim()
        .arg("run")
        .arg(&file)
        .args(["--no-charts", "--out"])
        .arg(tmp.path().join("from-file"))
        .assert()
        .success();
    let piped = backsim()
        .args(["run", "-", "--no-charts", "--json", "--out"])
        .arg(tmp.path().join("from-stdin"))
        .write_stdin(SMALL)
        .assert()
        .success();
    let json: serde_json::Value = serde_json::from_slice(&piped.get_output().stdout).unwrap();
    assert_eq!(json["provenance"]["scenario_file"], "-");
    for f in ["runs.csv", "events.csv", "summary.csv"] {
        assert!(
            fs::read(tmp.path().join("from-file").join(f)).unwrap()
                == fs::read(tmp.path().join("from-stdin").join(f)).unwrap(),
            "{f}"
        );
    }
    backsim()
        .args(["validate", "-"])
        .write_stdin("name = \"x\"\n[backup]\nretention_dayz = 3\n")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("<stdin>:3:1"));
    // Its success names standard input as its errors do.
    backsim()
        .args(["validate", "-"])
        .write_stdin("name = \"x\"\n")
        .assert()
        .success()
        .stdout(predicate::str::starts_with("ok: <stdin> is valid"));
    backsim()
        .args(["run", "-", "--out", "-"])
        .write_stdin(SMALL)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--json"));
}

#[test]
fn a_misspelt_key_suggests_the_right_one() {
    let tmp = TempDir::new().unwrap();
    let bad = write(
        tmp.path(),
        "bad.toml",
        "name = \"x\"\n[backup]\nretention_dayz = 14\n",
    );
    backsim().arg("validate").arg(&bad).assert().code(2).stderr(
        predicate::str::contains("bad.toml:3:1")
            .and(predicate::str::contains(
                "did you mean `backup.retention_days`?",
            ))
            .and(predicate::str::contains("redundancy").not()),
    );
    let good = write(tmp.path(), "good.toml", SMALL);
    backsim()
        .arg("validate")
        .arg(&good)
        .args(["--set", "backup.retentin_days=14"])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("--set backup.retentin_days=14").and(
                predicate::str::contains("did you mean `backup.retention_days`?"),
            ),
        );
    backsim()
        .arg("validate")
        .arg(&good)
        .args(["--set", "servr.db_size_gb=10"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "did you mean `server.db_size_gb`?",
        ));
    // Types in plain words.
    let typed = write(
        tmp.path(),
        "typed.toml",
        "name = \"x\"\n[server]\ndb_size_gb = \"big\"\n",
    );
    backsim()
        .arg("validate")
        .arg(&typed)
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("expected a number, got the text \"big\"")
                .and(predicate::str::contains("f64").not()),
        );
    // A whole number wider than 64 bits is too large, not of the wrong type (it read
    // "expected a whole number, got the whole number 1…` as i128").
    let huge = write(
        tmp.path(),
        "huge.toml",
        "name = \"x\"\n[server]\nvcores = 99999999999999999999999\n",
    );
    backsim()
        .arg("validate")
        .arg(&huge)
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("huge.toml:3:10")
                .and(predicate::str::contains(
                    "beyond the largest a scenario holds",
                ))
                .and(predicate::str::contains("i128").not()),
        );
    backsim()
        .arg("validate")
        .arg(&good)
        .args(["--set", "backup.retention_days=many"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "--set backup.retention_days=many: key `backup.retention_days`: expected a whole number",
        ));
}

#[test]
fn validate_json_reports_the_scenario_or_the_error() {
    let tmp = TempDir::new().unwrap();
    let good = write(tmp.path(), "good.toml", SMALL);
    let ok = backsim()
        .arg("validate")
        .arg(&good)
        .arg("--json")
        .assert()
        .success();
    let json: serde_json::Value = serde_json::from_slice(&ok.get_output().stdout).unwrap();
    assert_eq!(json["valid"], true);
    assert_eq!(json["scenario"], "small");
    assert_eq!(json["provenance"]["scenario"]["horizon_days"], 12);
    let bad = write(
        tmp.path(),
        "bad.toml",
        "name = \"x\"\n[backup]\nretention_days = 99\n",
    );
    let err = backsim()
        .arg("validate")
        .arg(&bad)
        .arg("--json")
        .assert()
        .code(2);
    let json: serde_json::Value = serde_json::from_slice(&err.get_output().stdout).unwrap();
    assert_eq!(json["valid"], false);
    assert_eq!(json["error"]["key"], "backup.retention_days");
    assert_eq!(json["error"]["line"], 3);
}

#[test]
fn completions_and_man_page_generate() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = backsim().args(["completions", shell]).assert().success();
        let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
        assert!(text.contains("backsim"), "{shell}");
        assert!(text.contains("compare"), "{shell}: every command completes");
        assert!(text.contains("target-ci"), "{shell}: and its options");
    }
    // A restore point, a request time or a KEY=VALUE is not a file: bash offers no file names
    // there (it did for --at and --set).
    let bash = backsim().args(["completions", "bash"]).assert().success();
    let bash = String::from_utf8(bash.get_output().stdout.clone()).unwrap();
    for option in ["--at)", "--request-at)", "--set)"] {
        let case = &bash[bash.find(option).unwrap()..];
        let case = &case[..case.find(";;").unwrap()];
        assert!(
            !case.contains("compgen -f"),
            "{option} completes file names: {case}"
        );
    }
    backsim().args(["completions", "tcsh"]).assert().code(2);
    let man = backsim().arg("man").assert().success();
    let text = String::from_utf8(man.get_output().stdout.clone()).unwrap();
    assert!(
        text.starts_with(".ie") || text.contains(".TH backsim"),
        "{text}"
    );
    assert!(text.contains("compare"));
    assert!(text.contains("Exit codes"));
    // The main page lists backsim-restore(1) and the others: each is there to print.
    assert!(text.contains("backsim\\-restore(1)"), "{text}");
    let restore = backsim().args(["man", "restore"]).assert().success();
    let page = String::from_utf8(restore.get_output().stdout.clone()).unwrap();
    assert!(page.contains(".TH backsim-restore 1"), "{page}");
    // Its synopsis is the command as typed, not a binary called backsim-restore.
    assert!(page.contains("\\fBbacksim restore\\fR"), "{page}");
    // Every page the main page lists is there to print, clap's own help included.
    backsim().args(["man", "help"]).assert().success();
    assert!(page.contains("request\\-at"), "its own options: {page}");
    backsim()
        .args(["man", "nothing"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("the commands are run, compare"));
}

#[test]
fn quiet_prints_nothing_and_verbose_says_more_on_stderr() {
    let tmp = TempDir::new().unwrap();
    let s = write(tmp.path(), "small.toml", SMALL);
    backsim()
        .arg("run")
        .arg(&s)
        .args(["-q", "--no-charts", "--out"])
        .arg(tmp.path().join("q"))
        .assert()
        .success()
        .stdout("")
        .stderr("");
    assert!(tmp.path().join("q/summary.json").exists());
    // A fleet too: its summary is what a plain run prints, not what was asked for.
    let fleet = write(
        tmp.path(),
        "fleet.toml",
        &format!(
            "name = \"pair\"\nruns = 2\n[[group]]\nname = \"a\"\ncount = 2\nregion = \"eastus\"\nscenario = \"{}\"\n",
            s.display()
        ),
    );
    backsim()
        .arg("fleet")
        .arg(&fleet)
        .args(["-q", "--no-charts", "--out"])
        .arg(tmp.path().join("qf"))
        .assert()
        .success()
        .stdout("")
        .stderr("");
    assert!(tmp.path().join("qf/fleet.json").exists());
    // --json is asked for: printed even when quiet.
    backsim()
        .arg("run")
        .arg(&s)
        .args(["--quiet", "--json", "--no-charts", "--out"])
        .arg(tmp.path().join("qj"))
        .assert()
        .success()
        .stdout(predicate::str::starts_with("{"));
    backsim()
        .arg("run")
        .arg(&s)
        .args(["-v", "--no-charts", "--out"])
        .arg(tmp.path().join("v"))
        .assert()
        .success()
        .stderr(
            predicate::str::contains(hex_sha256(SMALL.as_bytes()))
                .and(predicate::str::contains("3 replications")),
        );
    backsim()
        .args(["run", "x.toml", "-q", "-v"])
        .assert()
        .code(2);
}

/// The layering ARCHITECTURE.md promises, checked on the source: a module names only modules
/// of its own layer or below (`crate::…`), and the engine, the maths and the model never touch
/// files or the terminal. A `use` that points up a layer fails here, not in a review.
#[test]
fn modules_import_only_from_their_layer_or_below() {
    const LAYERS: &[(&str, u32)] = &[
        ("engine", 1),
        ("error", 1),
        ("safe_csv", 1),
        ("stats", 2),
        ("model", 3),
        ("scenario", 4),
        ("montecarlo", 4),
        ("analysis", 5),
        ("sweep", 6),
        ("fleet", 6),
        ("compare", 6),
        ("calibrate", 6),
        ("report", 7),
        ("cli", 8),
    ];
    let rank = |module: &str| LAYERS.iter().find(|(m, _)| *m == module).map(|(_, r)| *r);
    fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                rust_files(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let mut files = Vec::new();
    rust_files(Path::new("src"), &mut files);
    let mut wrong = Vec::new();
    for file in &files {
        let relative = file.strip_prefix("src").unwrap();
        let first = relative
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy();
        let module = first.trim_end_matches(".rs").to_string();
        let Some(own) = rank(&module) else { continue };
        let text = fs::read_to_string(file).unwrap();
        // Only the code: a test module at the end may build what it checks.
        let code = text.split("#[cfg(test)]").next().unwrap();
        let ident = |s: &str| -> String {
            s.trim_start()
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect()
        };
        for (at, _) in code.match_indices("crate::") {
            let rest = &code[at + 7..];
            // `crate::report` or `crate::{report, model::x}`.
            let named: Vec<String> = match rest.strip_prefix('{') {
                Some(group) => group[..group.find('}').unwrap_or(group.len())]
                    .split(',')
                    .map(ident)
                    .collect(),
                None => vec![ident(rest)],
            };
            for named in named {
                if rank(&named).is_some_and(|theirs| theirs > own) {
                    wrong.push(format!("{}: crate::{named}", file.display()));
                }
            }
        }
        if own <= 3 {
            for io in [
                "std::fs",
                "std::io::stdout",
                "std::io::stderr",
                "println!",
                "eprintln!",
            ] {
                if code.contains(io) {
                    wrong.push(format!("{}: {io}", file.display()));
                }
            }
        }
    }
    assert!(files.len() > 50, "found the source");
    assert!(
        wrong.is_empty(),
        "imports up a layer or I/O below it: {wrong:#?}"
    );
}
