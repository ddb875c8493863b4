//! `backsim import` and `backsim calibrate`: read the server's own files, write a scenario about it.

use std::io::Read;
use std::path::{Path, PathBuf};

use super::{same_path, say, warning, CalibrateArgs};
use crate::calibrate::import::{self, inventory_columns, Import};
use crate::calibrate::metrics;
use crate::calibrate::restores::{self, RestoreFit, SnapshotBinlog};
use crate::calibrate::workload::{self, WorkloadFit};
use crate::error::{Error, InputError, Origin};
use crate::report::{self, write_whole_file, CalibrationReport};
use crate::scenario::{self, keys, Scenario};

/// The largest description or metrics file read: a year of one-minute storage metrics is about
/// a hundred megabytes; a path to a device or a disk image fails instead of filling memory.
const MAX_INPUT_BYTES: u64 = 256 << 20;

fn read(path: &Path, what: &str) -> Result<String, Error> {
    let refused = |message: String| -> Error {
        InputError {
            origin: Origin::File(path.to_path_buf()),
            key: None,
            position: None,
            message,
        }
        .into()
    };
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_INPUT_BYTES + 1).read_to_end(&mut bytes))
        .map_err(|e| refused(format!("cannot read the {what}: {e}")))?;
    if bytes.len() as u64 > MAX_INPUT_BYTES {
        return Err(refused(format!(
            "the {what} is larger than {} MiB",
            MAX_INPUT_BYTES >> 20
        )));
    }
    String::from_utf8(bytes).map_err(|e| {
        refused(format!(
            "the {what} is not UTF-8 text (a bad byte at offset {})",
            e.utf8_error().valid_up_to()
        ))
    })
}

/// Where a result goes: `--out`, or `default`. The default never replaces an existing file,
/// `--out` only with `force` (it may be a scenario edited by hand), and nothing ever replaces
/// an input.
fn destination(
    out: Option<&Path>,
    default: PathBuf,
    inputs: &[&Path],
    force: bool,
) -> Result<PathBuf, Error> {
    let path = match out {
        Some(p) => {
            not_an_input(p, inputs)?;
            if p.is_file() && !force {
                return Err(InputError::argument(
                    "--out",
                    format!(
                        "{} already exists: add --force to replace it (what it holds, such as edits or [[restore.measured]] tables, would be lost), or name another --out",
                        p.display()
                    ),
                )
                .into());
            }
            p.to_path_buf()
        }
        None if default.exists() => {
            return Err(InputError::argument(
                "--out",
                format!(
                    "{} already exists; name the output with --out (it may replace that file)",
                    default.display()
                ),
            )
            .into())
        }
        None => default,
    };
    not_an_input(&path, inputs)?;
    Ok(path)
}

fn not_an_input(path: &Path, inputs: &[&Path]) -> Result<(), Error> {
    match inputs.iter().find(|i| same_path(i, path)) {
        Some(clash) => Err(InputError::argument(
            "--out",
            format!("{} is an input; name another output", clash.display()),
        )
        .into()),
        None => Ok(()),
    }
}

/// Where `import` writes, and whether it is the default. Unlike calibrate's output, which a
/// re-run regenerates, import's is the file the user goes on to edit (the walk-through appends
/// measured restores to it): an existing one is replaced only with --force. The default goes
/// to the current directory, where the next commands run, not among the downloaded
/// descriptions.
fn import_destination(
    out: Option<&Path>,
    description: &Path,
    import: &Import,
    force: bool,
) -> Result<(PathBuf, bool), Error> {
    let list = matches!(import, Import::Fleet(_));
    let extension = if list { "csv" } else { "toml" };
    let (path, default) = match out {
        Some(p) => (p.to_path_buf(), false),
        None => {
            let stem = description
                .file_stem()
                .and_then(|s| s.to_str())
                .filter(|s| !s.is_empty())
                .unwrap_or("server");
            (PathBuf::from(format!("{stem}.{extension}")), true)
        }
    };
    let is_csv = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
    let wrong_kind = match import {
        Import::Fleet(servers) if !is_csv => Some(format!(
            "{}: the description lists {} servers, which become a fleet inventory (CSV), not a scenario: name a .csv file, e.g. --out fleet.csv",
            path.display(),
            servers.len()
        )),
        Import::Server(server) if is_csv => Some(format!(
            "{}: the description is one server, which becomes a scenario (TOML), not a fleet inventory: name a .toml file, e.g. --out {}.toml",
            path.display(),
            server.name
        )),
        _ => None,
    };
    if let Some(message) = wrong_kind {
        return Err(InputError::argument("--out", message).into());
    }
    not_an_input(&path, &[description])?;
    let example = match import {
        Import::Server(server) => format!("{}.toml", server.name),
        Import::Fleet(_) => "fleet.csv".to_string(),
    };
    check_writable(&path, &example, &[])?;
    if !force && path.exists() {
        let message = if default {
            format!(
                "{} already exists in the current directory: name the output with --out, or add --force to replace it",
                path.display()
            )
        } else {
            format!(
                "{} already exists: add --force to replace it (whatever was added to it, such as [[restore.measured]] tables, would be lost), or name another --out",
                path.display()
            )
        };
        return Err(InputError::argument("--out", message).into());
    }
    Ok((path, default))
}

/// Why `path` cannot become a file, found before any work: a folder there, or a file where a
/// folder on its way should be, failed only when written, after the fit and after the files
/// written before it. `example` names a file to suggest when `path` is a folder.
fn unwritable(path: &Path, example: &str) -> Option<String> {
    if path.file_name().is_none() {
        return Some(format!("{} is not a file name", path.display()));
    }
    // Elsewhere `-` is standard input; here it would be a file named "-".
    if scenario::is_stdin(path) {
        return Some(format!(
            "- is not a file name here: name the file to write, such as {example}"
        ));
    }
    if path.is_dir() {
        // Never suggest a file that would then be refused: inside an earlier output.
        if let Some(output) = report::output_holding(&path.join(example)) {
            return Some(format!(
                "{} is a folder, inside or holding {}, the output of an earlier run, which the next run there replaces whole: name a file outside it",
                path.display(),
                output.display()
            ));
        }
        return Some(format!(
            "{} is a folder: name a file to write, such as {}",
            path.display(),
            path.join(example).display()
        ));
    }
    if let Some(why) = report::not_a_plain_file(path) {
        return Some(why);
    }
    // Folders missing on the way are created; the nearest one there must be a folder.
    let mut above = path.parent();
    while let Some(folder) = above.filter(|f| !f.as_os_str().is_empty()) {
        if std::fs::symlink_metadata(folder).is_ok() {
            return (!folder.is_dir()).then(|| {
                format!(
                    "{} cannot be written: {}, in its path, is a file or a link to nothing, not a folder",
                    path.display(),
                    folder.display()
                )
            });
        }
        above = folder.parent();
    }
    None
}

/// `--out`, and the files written beside it, can all be written.
fn check_writable(out: &Path, example: &str, beside: &[(&Path, &str)]) -> Result<(), Error> {
    if let Some(why) = unwritable(out, example) {
        return Err(InputError::argument("--out", why).into());
    }
    for (path, what) in beside {
        if let Some(why) = report::not_a_plain_file(path).filter(|_| !path.is_dir()) {
            return Err(InputError::argument(
                "--out",
                format!("{why} (where {what} goes, beside {})", out.display()),
            )
            .into());
        }
        if path.is_dir() {
            return Err(InputError::argument(
                "--out",
                format!(
                    "{} (where {what} goes, beside {}) is a folder: name another --out",
                    path.display(),
                    out.display()
                ),
            )
            .into());
        }
    }
    Ok(())
}

/// `path` with `-suffix.extension` in place of its extension: beside it, named after it.
fn beside(path: &Path, suffix: &str, extension: &str) -> PathBuf {
    let stem = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("scenario");
    path.with_file_name(format!("{stem}{suffix}.{extension}"))
}

/// Write one file whole (aside, then renamed into place).
fn write_file(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    if path.file_name().is_none() {
        return Err(InputError::argument(
            "--out",
            format!("{} is not a file name", path.display()),
        )
        .into());
    }
    write_whole_file(path, bytes)
}

pub(super) fn import(description: &Path, out: Option<&Path>, force: bool) -> Result<(), Error> {
    let text = read(description, "server description")?;
    let origin = Origin::File(description.to_path_buf());
    let parsed = import::parse(&text, &origin)?;
    let (path, default) = import_destination(out, description, &parsed, force)?;
    let place = if default {
        " (in the current directory; --out names another place)"
    } else {
        ""
    };
    match parsed {
        Import::Server(server) => {
            let shown = description.display().to_string();
            write_file(&path, import::scenario_text(&server, &shown).as_bytes())?;
            let mut lines = vec![format!(
                "wrote {}{place}: scenario \"{}\" ({})",
                path.display(),
                server.name,
                server.sku
            )];
            for k in &server.keys {
                lines.push(format!(
                    "  {:<32} = {:<12} # {}",
                    k.key.path,
                    k.value.toml(),
                    k.source
                ));
            }
            for note in &server.notes {
                lines.push(format!("note: {note}"));
            }
            lines.push(format!(
                "next: backsim calibrate {} --metrics METRICS.json",
                path.display()
            ));
            say(&(lines.join("\n") + "\n"));
        }
        Import::Fleet(servers) => {
            let csv = import::inventory_csv(&servers);
            write_file(&path, &csv)?;
            let mut lines = vec![format!(
                "wrote {}{place}: a fleet inventory of {} servers, one row each (count 1)",
                path.display(),
                servers.len()
            )];
            // Written all the same (it is the list as described), but said at once: the fleet
            // would refuse it only when run.
            if csv.len() > scenario::MAX_FILE_BYTES {
                lines.push(format!(
                    "note: {} is {} KiB, more than the {} KiB `backsim fleet` reads: split it into inventories of fewer rows (one per region, say) and run a fleet for each",
                    path.display(),
                    csv.len().div_ceil(1024),
                    scenario::MAX_FILE_BYTES / 1024
                ));
            }
            for (column, key) in inventory_columns() {
                let Some(key) = key else { continue };
                let sources: Vec<&str> = servers
                    .iter()
                    .filter_map(|s| s.get(key))
                    .filter(|k| k.from_field)
                    .map(|k| k.source.split(' ').next().unwrap_or_default())
                    .collect();
                let mut fields = sources.clone();
                fields.sort_unstable();
                fields.dedup();
                let from = if fields.is_empty() {
                    "left empty: not in the descriptions, so the fleet's defaults apply".to_string()
                } else if sources.len() < servers.len() {
                    format!("{} (empty where absent)", fields.join(", "))
                } else {
                    fields.join(", ")
                };
                lines.push(format!("  {column:<24} ← {from}"));
            }
            for (s, note) in servers
                .iter()
                .flat_map(|s| s.notes.iter().map(move |n| (s, n)))
            {
                lines.push(format!("note: {}: {note}", s.name));
            }
            say(&(lines.join("\n") + "\n"));
        }
    }
    Ok(())
}

pub(super) fn calibrate(args: CalibrateArgs) -> Result<(), Error> {
    // Here `-` would be standard input to the scenario reader, with nowhere beside it for the
    // calibrated file to go.
    if scenario::is_stdin(&args.scenario) {
        return Err(InputError::argument(
            "calibrate",
            "calibrate reads its scenario from a file (the calibrated one goes beside it): name the file",
        )
        .into());
    }
    // Read as validate and run read it (at most 1 MiB, a bad byte located): a larger file was
    // calibrated into one that every other command then refused.
    let text = scenario::read_text(&args.scenario)?;
    // A byte-order mark, which the scenario reader passes over, would land mid-file behind the
    // header the calibrated file starts with, and fail it; that file is written without one.
    let text = match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_string(),
        None => text,
    };
    let origin = Origin::File(args.scenario.clone());
    let s = scenario::parse(&text, origin.clone(), &[])?;
    if args.metrics.is_none() && s.measured_restores.is_empty() {
        return Err(InputError::argument(
            "--metrics",
            "nothing to calibrate: give --metrics METRICS.json (the server's storage metrics from `az monitor metrics list`) and/or [[restore.measured]] entries in the scenario",
        )
        .into());
    }
    let mut inputs: Vec<&Path> = vec![&args.scenario];
    inputs.extend(args.metrics.as_deref());
    let out = destination(
        args.out.as_deref(),
        beside(&args.scenario, "-calibrated", "toml"),
        &inputs,
        args.force,
    )?;
    let backtest_csv = beside(&out, "-backtest", "csv");
    let backtest_png = beside(&out, "-backtest", "png");
    let mut beside_out: Vec<(&Path, &str)> = Vec::new();
    if args.metrics.is_some() {
        beside_out.push((&backtest_csv, "the backtest"));
        if !args.no_charts {
            beside_out.push((&backtest_png, "the backtest's chart"));
        }
    }
    let example = beside(&args.scenario, "-calibrated", "toml");
    let example = example.file_name().and_then(|n| n.to_str());
    check_writable(&out, example.unwrap_or("calibrated.toml"), &beside_out)?;
    let Fits {
        workload,
        restores,
        metrics_sha256,
    } = fits(&args, &text, &origin, &s)?;
    let shown = |p: &Path| p.display().to_string();
    let metrics_shown = args.metrics.as_deref().map(shown);
    let mut written = vec![shown(&out)];
    if workload.is_some() {
        written.push(shown(&backtest_csv));
        if !args.no_charts {
            written.push(shown(&backtest_png));
        }
    }
    let backup = &s.config.backup;
    // What a calibrated file stands on, to trace it as a run's outputs are traced.
    let mut provenance = format!(
        "backsim {}, scenario sha256 {}",
        env!("CARGO_PKG_VERSION"),
        scenario::sha256_hex(&text)
    );
    if let Some(sha) = &metrics_sha256 {
        provenance.push_str(&format!(", metrics sha256 {sha}"));
    }
    let report = CalibrationReport {
        scenario: &s.name,
        provenance,
        metrics: metrics_shown.as_deref(),
        workload: workload.as_ref(),
        restores: restores.as_ref(),
        given: vec![
            ("backup.retention_days", backup.retention_days.to_string()),
            (
                "backup.redundancy",
                format!("\"{}\"", backup.redundancy.as_str()),
            ),
        ],
        written,
    };
    let calibrated = report::calibrated_scenario(&text, &report).map_err(|why| InputError {
        origin: origin.clone(),
        key: None,
        position: None,
        message: format!("cannot write the fitted keys into the scenario: {why}"),
    })?;
    // The calibrated file must be a valid scenario before anything is written.
    scenario::parse(&calibrated, Origin::File(out.clone()), &[])
        .map_err(|e| invalid_result(e, &args, &out))?;
    if let Some(w) = &workload {
        let png = (!args.no_charts).then_some(backtest_png.as_path());
        write_backtest(w, &s.name, &backtest_csv, png)?;
    }
    write_file(&out, calibrated.as_bytes())?;
    say(&report::calibration_text(&report));
    Ok(())
}

/// A calibrated scenario that fails validation, blamed on what the failing key was fitted to
/// (the metrics, or the scenario's measured restores, which fit every `restore.` key) rather
/// than on the output file, which was never written and so has no line to point at.
fn invalid_result(e: InputError, args: &CalibrateArgs, out: &Path) -> InputError {
    let restore_key = e.key.as_deref().is_some_and(|k| k.starts_with("restore."));
    let (file, what) = match &args.metrics {
        Some(metrics) if !restore_key => {
            (metrics.clone(), "the scenario calibrated to these metrics")
        }
        _ => (
            args.scenario.clone(),
            "the scenario calibrated to its [[restore.measured]] restores",
        ),
    };
    InputError {
        origin: Origin::File(file),
        key: e.key,
        position: None,
        message: format!(
            "{what} is not valid, so {} was not written: {}",
            out.display(),
            e.message
        ),
    }
}

/// The load fitted to the metrics (if given), then the restores to the measurements (if any),
/// an `after_snapshot` restore point taking the fitted binlog rate when there is one.
/// What calibrate fitted, and the sha256 of the metrics it fitted to.
struct Fits {
    workload: Option<WorkloadFit>,
    restores: Option<RestoreFit>,
    metrics_sha256: Option<String>,
}

fn fits(args: &CalibrateArgs, text: &str, origin: &Origin, s: &Scenario) -> Result<Fits, Error> {
    let mut metrics_sha256 = None;
    let workload = match &args.metrics {
        Some(path) => {
            let metrics_text = read(path, "metrics export")?;
            metrics_sha256 = Some(scenario::sha256_hex(&metrics_text));
            let export = metrics::parse(&metrics_text, &Origin::File(path.clone()))?;
            // Another server's metrics fit without complaint and silently describe the wrong
            // server; the names are only a hint (a scenario may be renamed), so this warns.
            if let Some((server, field)) = &export.server {
                if !server.eq_ignore_ascii_case(&s.name) {
                    warning(&format!(
                        "{} holds the metrics of server \"{server}\" ({field}), but {} is scenario \"{}\": check that they are the same server",
                        path.display(),
                        args.scenario.display(),
                        s.name
                    ));
                }
            }
            Some(workload::fit(text, origin, s, &export)?)
        }
        None => None,
    };
    let restores = (!s.measured_restores.is_empty()).then(|| {
        let c = &s.config;
        let (binlog, source) = match &workload {
            Some(w) => (fitted_load(text, s, w), "fitted above"),
            None => (SnapshotBinlog::new(&c.workload, c.clock), keys::BINLOG.path),
        };
        restores::fit(&s.measured_restores, &c.server, &c.restore, &binlog, source)
    });
    Ok(Fits {
        workload,
        restores,
        metrics_sha256,
    })
}

/// The load the calibrated scenario will run (the fitted rate, daily shape and snapshot time of
/// day), for the binlog a measured restore's `after_snapshot` replays; should that scenario not
/// read back, the fitted rate on the scenario's own shape.
fn fitted_load(text: &str, s: &Scenario, w: &WorkloadFit) -> SnapshotBinlog {
    let load_only = CalibrationReport {
        scenario: &s.name,
        provenance: String::new(),
        metrics: None,
        workload: Some(w),
        restores: None,
        given: Vec::new(),
        written: Vec::new(),
    };
    let fitted = report::calibrated_scenario(text, &load_only)
        .ok()
        .and_then(|t| scenario::parse(&t, Origin::Argument(String::new()), &[]).ok());
    let mut binlog = match fitted {
        Some(f) => SnapshotBinlog::new(&f.config.workload, f.config.clock),
        None => {
            let workload = crate::model::WorkloadConfig {
                binlog_gb_per_day: w.fitted.binlog_gb_per_day,
                ..s.config.workload.clone()
            };
            SnapshotBinlog::new(&workload, s.config.clock)
        }
    };
    binlog.fitted = true;
    binlog
}

/// The backtest's CSV, and its chart unless `png` is None.
fn write_backtest(
    w: &WorkloadFit,
    name: &str,
    csv: &Path,
    png: Option<&Path>,
) -> Result<(), Error> {
    write_file(csv, &report::backtest_csv(&w.backtest))?;
    if let Some(png) = png {
        let title = format!(
            "{name}: backup storage, metric against calibrated simulation ({}% MAPE)",
            report::numbers::fixed(w.mape_pct, 3)
        );
        let bytes = report::backtest_chart(&w.backtest, &title)
            .map_err(|e| Error::Other(format!("cannot draw {}: {e}", png.display())))?;
        write_file(png, &bytes)?;
    }
    Ok(())
}
