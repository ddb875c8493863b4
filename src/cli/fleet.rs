//! `backsim fleet`: many servers in shared regions, whole or as one shard of the runs; and the
//! fleet half of `backsim merge`.

use std::path::{Path, PathBuf};

use super::{
    command_line, note, output_folder, print, progress_bar, same_path, say, thread_pool, warn,
    FleetArgs,
};
use crate::error::{Error, InputError};
use crate::fleet::{simulate_runs, FleetRun, FleetSummary};
use crate::report::fleet::{self as out, FleetProvenance, FleetRecord};
use crate::report::numbers::fixed;
use crate::report::OutputDir;
use crate::scenario::fleet::{load_fleet, load_fleet_named, Fleet};
use crate::scenario::Override;
use crate::sweep::Shard;

/// The file that marks a complete fleet folder (or shard), and holds every run's record.
pub(super) const RECORD_FILE: &str = "fleet_runs.json";
/// Rough costs for the warning before a big fleet: CPU seconds per simulated server-year (geo-
/// redundant servers with outages, measured on a 2-core machine) and JSON bytes per server per
/// run.
const SECONDS_PER_SERVER_YEAR: f64 = 0.004;
const RECORD_BYTES_PER_SERVER_RUN: f64 = 370.0;

pub(super) fn fleet(args: FleetArgs) -> Result<(), Error> {
    let sets = args.sim.overrides()?;
    let fleet = load_fleet(&args.fleet, &sets)?;
    for n in &fleet.notes {
        warn(n);
    }
    let sha = fleet.sha256.clone();
    note(&format!("read {} (sha256 {sha})", args.fleet.display()));
    let shard = match &args.shard {
        Some(s) => Shard::parse(s)?,
        None => Shard::WHOLE,
    };
    let pool = thread_pool(args.sim.threads)?;
    let out_path = output_folder(
        args.out.as_deref(),
        Path::new("output").join(format!("{}-fleet", fleet.name)),
    )?;
    let runs: Vec<u64> = (0..fleet.runs as u64)
        .filter(|&r| shard.owns(r as usize))
        .collect();
    // A big fleet is said before it starts: how much work, roughly how long, how much output.
    let server_years = fleet.servers() as f64 * runs.len() as f64 * fleet.horizon_days / 365.0;
    if server_years > 2_000.0 {
        let threads = pool.current_num_threads();
        let minutes = server_years * SECONDS_PER_SERVER_YEAR / threads as f64 / 60.0;
        let megabytes =
            fleet.servers() as f64 * runs.len() as f64 * RECORD_BYTES_PER_SERVER_RUN / 1e6;
        // On stderr, as run's word before a long job: stdout is the result's.
        let plural = |n: u64, one: &str, many: &str| {
            format!("{} {}", fixed(n as f64, 0), if n == 1 { one } else { many })
        };
        warn(&format!(
            "{} × {} × {} days = {} server-years: roughly {} min on {}, about {} MB of fleet_runs.json",
            plural(fleet.servers(), "server", "servers"),
            plural(runs.len() as u64, "run", "runs"),
            fleet.horizon_days,
            fixed(server_years, 0),
            fixed(minutes.max(1.0), 0),
            plural(threads as u64, "thread", "threads"),
            fixed(megabytes, 0)
        ));
    }
    let dir = OutputDir::stage(&out_path, "fleet_runs.json")?;
    let bar = progress_bar(runs.len() as u64, "runs");
    let tick = || {
        if let Some(b) = &bar {
            b.inc(1);
        }
    };
    let started = std::time::Instant::now();
    let records = pool.install(|| simulate_runs(&fleet, runs.iter().copied(), &tick));
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    note(&format!(
        "{} runs of {} servers on {} threads in {:.2} s",
        records.len(),
        fleet.servers(),
        pool.current_num_threads(),
        started.elapsed().as_secs_f64()
    ));
    let record = FleetRecord {
        fleet: fleet.name.clone(),
        seed: fleet.seed,
        runs: fleet.runs,
        servers: fleet.servers(),
        shard: [shard.index, shard.count],
        provenance: FleetProvenance {
            backsim_version: env!("CARGO_PKG_VERSION").to_string(),
            command_line: command_line(),
            overrides: sets
                .iter()
                .map(|o| format!("{}={}", o.key, o.value))
                .collect(),
            fleet_file: args.fleet.display().to_string(),
            fleet_sha256: sha,
            fleet_fingerprint: fleet.fingerprint(),
        },
        records,
    };
    if shard != Shard::WHOLE {
        dir.write(RECORD_FILE, &out::record_json(&record))?;
        dir.publish()?;
        say(&format!(
            "shard {}/{}: {} of {} runs into {} (join the shards with backsim merge)\n",
            shard.index,
            shard.count,
            record.records.len(),
            fleet.runs,
            out_path.display()
        ));
        return Ok(());
    }
    let summary = write_outputs(&dir, &fleet, &record, args.sim.no_charts)?;
    dir.publish()?;
    if args.json {
        print(&String::from_utf8_lossy(&out::summary_json(
            &fleet,
            &summary,
            &record.provenance,
        )));
    } else {
        say(&out::text(&fleet, &summary, &args.sim.set));
        say(&format!("\nfiles in {}\n", out_path.display()));
    }
    Ok(())
}

/// Every file of a whole fleet run; the record file last, as the folder's mark of completeness.
fn write_outputs(
    dir: &OutputDir,
    fleet: &Fleet,
    record: &FleetRecord,
    no_charts: bool,
) -> Result<FleetSummary, Error> {
    let summary = FleetSummary::new(fleet, &record.records);
    dir.write(
        "fleet.json",
        &out::summary_json(fleet, &summary, &record.provenance),
    )?;
    dir.write("fleet_bill.csv", &out::bill_csv(fleet, &summary))?;
    dir.write("fleet_servers.csv", &out::servers_csv(fleet, &summary))?;
    dir.write(
        "fleet_recoveries.csv",
        &out::recoveries_csv(fleet, &record.records),
    )?;
    dir.write(
        "fleet_outages.csv",
        &out::outages_csv(fleet, &record.records),
    )?;
    // Without a regional outage there is no recovery to draw, and report.md links no chart.
    let mut chart_drawn = false;
    if !no_charts {
        if let Some(png) = out::recovery_chart(fleet, &record.records) {
            let png =
                png.map_err(|e| Error::Other(format!("cannot draw fleet_recovery.png: {e}")))?;
            dir.write("fleet_recovery.png", &png)?;
            chart_drawn = true;
        }
    }
    dir.write(
        "report.md",
        out::report_md(fleet, &summary, &record.provenance, chart_drawn).as_bytes(),
    )?;
    dir.write(RECORD_FILE, &out::record_json(record))?;
    Ok(summary)
}

/// The largest fleet record merge reads: a few hundred bytes per server and run.
const MAX_RECORD_BYTES: u64 = 1 << 30;
/// Why [`MAX_RECORD_BYTES`], for the refusal of a larger record.
const RECORD_BYTES_WHY: &str = "a fleet record takes a few hundred bytes per server and run: split the runs over more shards (--shard I/N)";

/// Whether a record read back from a shard describes a shard this program could have written:
/// a run count within the limit, a valid shard, and only runs that shard ran, each once, in
/// order (so that the runs expected can be listed without trusting a count of billions).
fn check_record(record: &FleetRecord) -> Result<(), String> {
    let most = crate::scenario::keys::MAX_RUNS;
    if !(1..=most).contains(&i64::from(record.runs)) {
        return Err(format!(
            "runs must be from 1 to {most}, got {}",
            record.runs
        ));
    }
    let [index, count] = record.shard;
    let most_shards = crate::sweep::MAX_SWEEP_POINTS;
    if index == 0 || index > count || count > most_shards {
        return Err(format!(
            "shard must be I of N with 1 ≤ I ≤ N ≤ {most_shards}, got {index} of {count}"
        ));
    }
    let mut previous = None;
    for r in &record.records {
        let owned = r.run < u64::from(record.runs)
            && crate::sweep::Shard { index, count }.owns(r.run as usize);
        if !owned || previous.is_some_and(|p| p >= r.run) {
            return Err(format!(
                "run {} is not one of shard {index}/{count}'s runs in order",
                r.run
            ));
        }
        previous = Some(r.run);
    }
    Ok(())
}

/// Whether `dir` holds a fleet run or shard.
/// (Any entry of that name counts, a link included, so that merge refuses it as a fleet record
/// rather than looking for a sweep there.)
pub(super) fn is_fleet_folder(dir: &Path) -> bool {
    std::fs::symlink_metadata(dir.join(RECORD_FILE)).is_ok()
}

/// The fleet file the shards ran, by the path they recorded: from here, or (for a relative
/// path) from each folder above the first shard, since shards are usually written below where
/// the fleet ran; the first whose text, and the fleet it builds with the files beside it, are
/// the ones the shards ran. Otherwise the path as recorded, for the errors that follow to name.
/// A fleet read from standard input is read from it again, which a terminal cannot give.
fn find_fleet_file(
    ran: &FleetProvenance,
    overrides: &[Override],
    shard: &Path,
) -> Result<(PathBuf, Option<Fleet>), Error> {
    use std::io::IsTerminal;
    let path = PathBuf::from(&ran.fleet_file);
    if crate::scenario::is_stdin(&path) {
        if std::io::stdin().is_terminal() {
            return Err(InputError::argument(
                "merge",
                "the shards ran a fleet read from standard input: pipe the same file in (backsim merge DIR... < FLEET)",
            )
            .into());
        }
        return Ok((path, None));
    }
    // The path comes from a shard, which may come from anywhere: only a regular file (or a
    // link to one) is read, since opening a named pipe waits for a writer for ever.
    let regular = |p: &Path| std::fs::metadata(p).is_ok_and(|m| m.is_file());
    let refuse_unless_regular = |p: PathBuf| {
        if p.exists() && !regular(&p) {
            return Err(Error::from(InputError {
                origin: crate::error::Origin::File(shard.join(RECORD_FILE)),
                key: Some("provenance.fleet_file".into()),
                position: None,
                message: format!(
                    "names {}, which is not a regular file (a pipe, a device or a folder): merge reads the fleet file the shards ran from a regular file only",
                    p.display()
                ),
            }));
        }
        Ok((p, None))
    };
    if path.is_absolute() {
        return refuse_unless_regular(path);
    }
    let above = std::fs::canonicalize(shard)
        .map(|s| s.ancestors().map(|a| a.join(&path)).collect::<Vec<_>>())
        .unwrap_or_default();
    let candidates: Vec<PathBuf> = std::iter::once(path.clone()).chain(above).collect();
    // The one the shards ran comes back built, so that merge does not build it again.
    let the_one = candidates
        .iter()
        .filter(|c| regular(c))
        .find_map(|candidate| {
            load_fleet_named(candidate, &path, overrides)
                .ok()
                .filter(|f| {
                    f.sha256 == ran.fleet_sha256
                        && (ran.fleet_fingerprint.is_empty()
                            || f.fingerprint() == ran.fleet_fingerprint)
                })
                .map(|f| (candidate.clone(), Some(f)))
        });
    // None is the one: the first that exists, so that the error says how it differs.
    match the_one {
        Some(found) => Ok(found),
        None => refuse_unless_regular(candidates.into_iter().find(|c| regular(c)).unwrap_or(path)),
    }
}

/// Join the shards of a fleet run: the same fleet file (same text), the same settings, every
/// run once. The result is byte for byte what the whole run writes.
pub(super) fn merge(
    dirs: &[PathBuf],
    out_dir: Option<&Path>,
    no_charts: bool,
) -> Result<(), Error> {
    let mut shards: Vec<FleetRecord> = Vec::new();
    for d in dirs {
        let path = d.join(RECORD_FILE);
        let bad = |message: String| InputError {
            origin: crate::error::Origin::File(path.clone()),
            key: None,
            position: None,
            message,
        };
        // A shard's record comes from anywhere: a regular file of bounded size, checked.
        let bytes = crate::report::read_untrusted(&path, MAX_RECORD_BYTES, RECORD_BYTES_WHY)
            .map_err(|e| bad(format!("the shard's record {e}")))?;
        let record: FleetRecord =
            serde_json::from_slice(&bytes).map_err(|e| bad(format!("not a fleet record: {e}")))?;
        check_record(&record).map_err(|e| bad(format!("not a fleet record: {e}")))?;
        let ran = &record.provenance.backsim_version;
        if ran != env!("CARGO_PKG_VERSION") {
            return Err(bad(crate::report::another_version(ran)).into());
        }
        shards.push(record);
    }
    let commands: Vec<String> = shards
        .iter()
        .map(|s| s.provenance.command_line.clone())
        .collect();
    let Some(first) = shards.first().cloned() else {
        return Err(InputError::argument("merge", "name at least one folder").into());
    };
    for (s, dir) in shards.iter().zip(dirs) {
        let (p, q) = (&first.provenance, &s.provenance);
        // What differs, named, against the first folder.
        let differing = crate::report::differences(&[
            ("the fleet's name", s.fleet == first.fleet),
            ("the seed", s.seed == first.seed),
            ("the number of runs", s.runs == first.runs),
            ("the fleet file's text", q.fleet_sha256 == p.fleet_sha256),
            (
                "the fleet as built",
                q.fleet_fingerprint == p.fleet_fingerprint,
            ),
            // What decides the results, not how the command was typed (see report::merge).
            (
                "the --set overrides",
                crate::report::same_overrides(&q.overrides, &p.overrides),
            ),
            (
                "the backsim version",
                q.backsim_version == p.backsim_version,
            ),
            ("the list of servers", s.servers == first.servers),
            ("the number of shards", s.shard[1] == first.shard[1]),
        ]);
        if let Some(differing) = differing {
            return Err(InputError::argument(
                "merge",
                format!(
                    "{} holds another fleet run: {differing} from {}'s; merge shards of one `backsim fleet` command",
                    dir.display(),
                    dirs[0].display()
                ),
            )
            .into());
        }
    }
    // A shard named twice: both folders hold the same shard.
    for (i, s) in shards.iter().enumerate() {
        if let Some(j) = shards[..i]
            .iter()
            .position(|earlier| earlier.shard == s.shard)
        {
            return Err(InputError::argument(
                "merge",
                format!(
                    "{} and {} hold the same shard ({}/{}): name each shard once",
                    dirs[j].display(),
                    dirs[i].display(),
                    s.shard[0],
                    s.shard[1]
                ),
            )
            .into());
        }
    }
    // Which folder each run came from, for an error about one of them.
    let folder_of_run: std::collections::HashMap<u64, &PathBuf> = shards
        .iter()
        .zip(dirs)
        .flat_map(|(s, dir)| s.records.iter().map(move |r| (r.run, dir)))
        .collect();
    let mut records: Vec<FleetRun> = shards.into_iter().flat_map(|s| s.records).collect();
    records.sort_by_key(|r| r.run);
    let expected: Vec<u64> = (0..first.runs as u64).collect();
    let got: Vec<u64> = records.iter().map(|r| r.run).collect();
    if got != expected {
        let missing: Vec<String> = expected
            .iter()
            .filter(|r| got.binary_search(r).is_err())
            .take(10)
            .map(u64::to_string)
            .collect();
        return Err(InputError::argument(
            "merge",
            format!(
                "the shards hold {} runs of {} (missing: {}{}): every run exactly once is needed",
                got.len(),
                first.runs,
                missing.join(", "),
                if missing.is_empty() {
                    "none, but some twice"
                } else {
                    "…"
                }
            ),
        )
        .into());
    }
    let p = &first.provenance;
    let overrides: Vec<Override> = p
        .overrides
        .iter()
        .map(|s| Override::parse(s))
        .collect::<Result<_, _>>()?;
    let (fleet_file, found) = find_fleet_file(p, &overrides, &dirs[0])?;
    let fleet = match found {
        Some(fleet) => fleet,
        None => load_fleet(&fleet_file, &overrides).map_err(|e| {
            if crate::scenario::is_stdin(&fleet_file) {
                // What came in is not the fleet the shards ran (nothing at all, often).
                InputError::argument(
                    "merge",
                    format!("the shards ran a fleet read from standard input, and what came in there is not a fleet ({e}): pipe the same file in (backsim merge DIR... < FLEET)"),
                )
            } else {
                e
            }
        })?,
    };
    if fleet.sha256 != p.fleet_sha256 {
        return Err(InputError::argument(
            "merge",
            format!(
                "{} has changed since the shards ran (sha256 {} then): merge with the fleet file they ran",
                fleet_file.display(),
                p.fleet_sha256
            ),
        )
        .into());
    }
    if !p.fleet_fingerprint.is_empty() && fleet.fingerprint() != p.fleet_fingerprint {
        return Err(InputError::argument(
            "merge",
            format!(
                "{} builds another fleet than the shards ran: its text is the same, but an inventory or base scenario it reads has changed since; merge with the files they ran",
                fleet_file.display()
            ),
        )
        .into());
    }
    if let Some((run, problem)) = records
        .iter()
        .find_map(|r| r.check_fits(&fleet).err().map(|e| (r.run, e)))
    {
        let folder = folder_of_run
            .get(&run)
            .map_or(String::new(), |d| format!("{}'s ", d.display()));
        return Err(InputError::argument(
            "merge",
            format!(
                "{folder}{RECORD_FILE} does not fit {}: {problem}",
                fleet_file.display()
            ),
        )
        .into());
    }
    let record = FleetRecord {
        shard: [1, 1],
        records,
        ..first
    };
    let default = Path::new("output").join(format!("{}-fleet", fleet.name));
    let out_path = out_dir.unwrap_or(&default);
    if dirs.iter().any(|d| same_path(d, out_path)) {
        return Err(InputError::argument(
            "merge",
            format!(
                "the merged fleet would overwrite {}, one of the folders being merged: name another with --out",
                out_path.display()
            ),
        )
        .into());
    }
    // The chart the shards' command would have drawn unsharded: none after --no-charts (a
    // shard run again by hand without it asks for a chart no more than a shard draws one).
    let mut ran_without_charts = false;
    for (dir, line) in dirs.iter().zip(&commands) {
        let without = match super::recorded_command(line) {
            Ok(super::Command::Fleet(ran)) => Ok(ran.sim.no_charts),
            Ok(_) => Err("not a `backsim fleet` command".to_string()),
            Err(e) => Err(e),
        }
        .map_err(|e| InputError {
            origin: crate::error::Origin::File(dir.join(RECORD_FILE)),
            key: Some("provenance.command_line".into()),
            position: None,
            message: format!(
                "is not a fleet command this backsim reads ({e}): merge draws the chart the fleet asked for there"
            ),
        })?;
        ran_without_charts |= without;
    }
    let dir = OutputDir::stage(out_path, "fleet_runs.json")?;
    write_outputs(&dir, &fleet, &record, no_charts || ran_without_charts)?;
    dir.publish()?;
    say(&format!(
        "merged {} folder{}: {} runs into {}\n",
        dirs.len(),
        if dirs.len() == 1 { "" } else { "s" },
        record.records.len(),
        out_path.display()
    ));
    Ok(())
}
