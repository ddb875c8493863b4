//! `backsim sweep` and `backsim merge`: a grid of scenarios, sharded or whole, and its charts.

use std::path::{Path, PathBuf};

use super::{
    command_line, estimate, note, output_folder, print, progress_bar, same_path, say, thread_pool,
    warn, SweepArgs,
};
use crate::analysis::{Figure, Provenance, HEADLINE};
use crate::engine::DAY;
use crate::error::{Error, InputError};
use crate::report::charts;
use crate::report::numbers;
use crate::report::{self, OutputDir};
use crate::scenario;
use crate::sweep::{self, run_sweep_rows, Grid, Shard, SweepMeta, SweepRun, SweepTable};

/// The sweep charts, into the staged folder.
fn sweep_charts(
    dir: &OutputDir,
    meta: &SweepMeta,
    table: &SweepTable,
    y_from_data: bool,
) -> Result<(), Error> {
    let (grid, currency) = (&meta.grid, meta.currency.as_str());
    let key_names: Vec<String> = grid.keys.iter().map(|k| scenario::keys::human(k)).collect();
    // A vault's cost is what a long-term policy is swept for.
    let vault: &[Figure] = if meta.long_term {
        &[Figure::VaultCost]
    } else {
        &[]
    };
    for &figure in HEADLINE.iter().chain(vault) {
        let name = figure.name();
        let spec = charts::SweepChart {
            figure,
            currency,
            key_names: &key_names,
            y_from_data,
        };
        let png = charts::sweep_chart(table, grid, &spec)
            .map_err(|e| Error::Other(format!("cannot draw the {name} chart: {e}")))?;
        dir.write(&format!("sweep_{name}.png"), &png)?;
    }
    Ok(())
}

/// The cases are the whole sweep: a grid given beside them, by --vary or by the scenario's
/// [sweep] table, would be dropped without a word (the table once was), so either is refused
/// in the same words.
fn cases_alone(
    vary: &[String],
    file: &str,
    table: &[(String, Vec<toml::Value>)],
) -> Result<(), InputError> {
    let mut grids = Vec::new();
    if !vary.is_empty() {
        grids.push("--vary".to_string());
    }
    if !table.is_empty() {
        let keys: Vec<&str> = table.iter().map(|(k, _)| k.as_str()).collect();
        grids.push(format!(
            "the scenario's [sweep] table ({} in {file})",
            short_list(&keys)
        ));
    }
    if grids.is_empty() {
        return Ok(());
    }
    Err(InputError::argument(
        "--cases",
        format!(
            "replaces the grid, so it cannot be combined with {}: put the swept keys in the cases file as columns{}, or drop --cases to sweep the grid",
            grids.join(" or with "),
            if table.is_empty() {
                ""
            } else {
                " and remove the [sweep] table"
            }
        ),
    ))
}

/// A repeated case is run again, on the same random numbers, to the same results: likely a
/// slip in the file, so it is said, though the rows still run (sweep.csv keeps one per row).
fn repeats_note(file: &str, groups: &[Vec<usize>]) -> String {
    const SHOWN: usize = 5;
    let mut listed: Vec<String> = groups
        .iter()
        .take(SHOWN)
        .map(|rows| {
            let (last, rest) = rows.split_last().expect("a repeat has two rows");
            let rest: Vec<String> = rest.iter().map(usize::to_string).collect();
            format!("rows {} and {last}", rest.join(", "))
        })
        .collect();
    if groups.len() > SHOWN {
        listed.push(format!("{} more", groups.len() - SHOWN));
    }
    format!(
        "{file} lists the same case more than once ({}): each copy runs, on the same random numbers, so its results repeat",
        listed.join("; ")
    )
}

/// At most a few names, then how many more.
fn short_list(names: &[&str]) -> String {
    const SHOWN: usize = 4;
    let mut text = names[..names.len().min(SHOWN)].join(", ");
    if names.len() > SHOWN {
        text.push_str(&format!(" and {} more", names.len() - SHOWN));
    }
    text
}

pub(super) fn sweep(args: SweepArgs) -> Result<(), Error> {
    if scenario::is_stdin(&args.scenario) && args.cases.as_deref().is_some_and(scenario::is_stdin) {
        return Err(InputError::argument(
            "--cases",
            "standard input can be read only once, and the scenario reads it: name the cases file (or the scenario)",
        )
        .into());
    }
    let sets = args.sim.overrides()?;
    let loaded = scenario::load_recorded(&args.scenario, &sets)?;
    note(&format!("read {} (sha256 {})", loaded.file, loaded.sha256));
    let base = &loaded.scenario;
    let grid = match &args.cases {
        Some(path) => {
            cases_alone(&args.vary, &loaded.file, &base.sweep)?;
            let grid = Grid::from_cases(path)?;
            let repeated = grid.repeated_cases();
            if !repeated.is_empty() {
                warn(&repeats_note(&path.display().to_string(), &repeated));
            }
            grid
        }
        None => {
            let grid = super::sweep_table_grid(&loaded, &args.scenario, &args.vary)?;
            // Said as a repeated case is: a value listed twice ran twice without a word.
            for (key, values) in grid.repeated_values() {
                let given = if grid.varied.iter().any(|k| k == key) {
                    "--vary".to_string()
                } else {
                    format!("{}'s [sweep] table", loaded.file)
                };
                warn(&format!(
                    "{given} gives {key} the same value more than once ({}): each copy runs, on the same random numbers, so its results repeat",
                    short_list(&values)
                ));
            }
            grid
        }
    };
    // The sweep sets its keys at every point: a --set of one would never take effect, nor one
    // of a key inside a swept table, nor a table holding a swept key (compared key by key, as
    // a table merges into the file's and sets only what it holds).
    let swept: Vec<(String, &String)> = grid
        .keys
        .iter()
        .zip(&grid.values)
        .flat_map(|(key, values)| {
            values.iter().flat_map(move |value| {
                let o = scenario::Override {
                    key: key.clone(),
                    value: value.clone(),
                };
                scenario::set_keys(&o)
                    .into_iter()
                    .map(move |set| (set, key))
            })
        })
        .collect();
    for o in &sets {
        let clash = scenario::set_keys(o).into_iter().find_map(|given| {
            swept
                .iter()
                .find(|(set, _)| scenario::keys::overlap(&given, set))
                .map(|(_, key)| *key)
        });
        if let Some(key) = clash {
            let what = if *key == o.key {
                format!("{}: the sweep varies it", o.key)
            } else {
                format!(
                    "{}={}: the sweep varies {key}, which holds the same setting,",
                    o.key, o.value
                )
            };
            return Err(InputError::argument(
                "--set",
                format!(
                    "{what} at every point, so this value would never be used; leave it out of --set, or give it among the sweep's values"
                ),
            )
            .into());
        }
    }
    let shard = match &args.shard {
        Some(text) => Shard::parse(text)?,
        None => Shard::WHOLE,
    };
    let pool = thread_pool(args.sim.threads)?;
    let out_path = output_folder(
        args.out.as_deref(),
        Path::new("output").join(format!("{}-sweep", base.name)),
    )?;
    let owned = shard.owned(grid.points());
    if let Some(size) =
        estimate::sweep_note(&base.config, base.runs, owned, pool.current_num_threads())
    {
        warn(&size);
    }
    let bar = progress_bar(owned as u64 * base.runs as u64, "replications");
    let tick = || {
        if let Some(b) = &bar {
            b.inc(1);
        }
    };
    let SweepRun {
        table,
        measured_from,
        long_term,
        vault_filling,
    } = pool.install(|| run_sweep_rows(&args.scenario, &sets, &grid, shard, &tick))?;
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    let before_steady_state = table.points_still_filling();
    if !before_steady_state.is_empty() {
        warn(&unsteady_note(&before_steady_state));
    }
    if !vault_filling.is_empty() {
        warn(&vault_note(&vault_filling));
    }
    let meta = SweepMeta {
        scenario: base.name.clone(),
        seed: base.seed,
        runs: base.runs,
        currency: base.config.cost.currency.clone(),
        grid: grid.clone(),
        points: grid.points(),
        shard,
        rows: (0..grid.points()).filter(|&p| shard.owns(p)).collect(),
        provenance: Provenance::new(command_line(), &args.sim.set, &loaded),
        measured_from_days: measured_from.map(|at| at as f64 / DAY as f64),
        long_term,
    };
    let charts = !args.sim.no_charts && shard == Shard::WHOLE;
    let json = write_sweep(&out_path, &meta, &table, charts.then_some(args.y_from_data))?;
    note(&format!("wrote {}", out_path.display()));
    if args.json {
        print(&String::from_utf8_lossy(&json));
        return Ok(());
    }
    say(&report::overrides_line(&args.sim.set));
    say(&sweep_table(&table, grid.keys.len(), &meta.currency));
    let measured = meta.measured_from_days.map_or(String::new(), |days| {
        format!(
            ", each measured from day {} (the latest warm-up of {})",
            numbers::sig(days, 4),
            if before_steady_state.is_empty() {
                "all points"
            } else {
                "the points that reach theirs"
            }
        )
    });
    say(&format!(
        "\n{} of {} points ({} replications each, common random numbers){measured}; wrote {}\n",
        table.rows.len(),
        grid.points(),
        base.runs,
        out_path.display()
    ));
    Ok(())
}

/// The sweep's files in one staged folder, swapped in whole: the charts (when asked for, with
/// their y-axis choice), sweep.csv, sweep.json (returned, for --json).
fn write_sweep(
    out: &Path,
    meta: &SweepMeta,
    table: &SweepTable,
    charts: Option<bool>,
) -> Result<Vec<u8>, Error> {
    let dir = OutputDir::stage(out, "sweep.json")?;
    if let Some(y_from_data) = charts {
        sweep_charts(&dir, meta, table, y_from_data)?;
    }
    dir.write("sweep.csv", &report::sweep_csv(table))?;
    let json = report::sweep_json(meta, table);
    dir.write("sweep.json", &json)?;
    dir.publish()?;
    Ok(json)
}

/// Points whose horizon ends before the backup set is full are averaged from the empty start,
/// as `run` says of such a scenario; a sweep says it once, naming them.
fn unsteady_note(points: &[usize]) -> String {
    format!(
        "{}: the horizon ends before the backup set is full (retention + 1 days), so storage and cost are averaged over days before it is full and understate the running cost; raise horizon_days past the longest retention swept",
        named_points(points)
    )
}

/// A vault grows until its longest keep has passed: over a shorter run its columns average a
/// vault still filling, as `run` and `compare` say.
fn vault_note(points: &[usize]) -> String {
    format!(
        "{}: the vault still fills when the run ends (it is full once its longest keep has passed: ten yearly copies take ten years), so the vault columns are means after the warm-up, below its running cost, and a longer keep mostly shows past the horizon",
        named_points(points)
    )
}

/// "point 3" or "points 0, 1 and 2 more" (sweep.csv's point column).
fn named_points(points: &[usize]) -> String {
    const SHOWN: usize = 12;
    let mut named: Vec<String> = points.iter().take(SHOWN).map(|p| p.to_string()).collect();
    if points.len() > SHOWN {
        named.push(format!("and {} more", points.len() - SHOWN));
    }
    format!(
        "point{} {} (sweep.csv's point column)",
        if points.len() == 1 { "" } else { "s" },
        named.join(", ")
    )
}

/// A few columns of sweep.csv for the terminal: the keys, then the headline means.
fn sweep_table(table: &SweepTable, keys: usize, currency: &str) -> String {
    let (header, rows) = (&table.header, &table.rows);
    let figures = [
        Figure::StorageMean,
        Figure::CostPerMonth,
        Figure::RpoMean,
        Figure::RestoreLatestMean,
        Figure::VaultCost,
    ];
    let mut shown: Vec<(String, String)> = figures
        .iter()
        .map(|f| (format!("{f}_mean"), f.unit().label(currency)))
        .collect();
    // The nines only where the points differ in them (a redundancy or HA swept): a column
    // of one value says nothing.
    let nines = header.iter().position(|h| h == "durability_nines");
    if nines.is_some_and(|c| rows.iter().any(|r| r.get(c) != rows[0].get(c))) {
        shown.push(("durability_nines".into(), "nines".into()));
    }
    shown.push((sweep::MAX_FREE_RETENTION.to_string(), "days".into()));
    let wanted: Vec<(usize, &str)> = header
        .iter()
        .enumerate()
        .filter_map(|(i, h)| {
            if (1..=keys).contains(&i) {
                Some((i, ""))
            } else {
                shown
                    .iter()
                    .find(|(name, _)| name == h)
                    .map(|(_, unit)| (i, unit.as_str()))
            }
        })
        .collect();
    let names: Vec<&str> = wanted
        .iter()
        .map(|&(i, _)| header[i].trim_end_matches("_mean"))
        .collect();
    let units: Vec<String> = wanted
        .iter()
        .map(|&(_, unit)| {
            if unit.is_empty() {
                String::new()
            } else {
                format!("({unit})")
            }
        })
        .collect();
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|row| {
            wanted
                .iter()
                .map(|&(i, _)| match row[i].parse::<f64>() {
                    Ok(x) if i > keys => report::numbers::sig(x, 4),
                    _ => row[i].clone(),
                })
                .collect()
        })
        .collect();
    // As wide as the widest of the name and every value below it, two spaces apart.
    let widths: Vec<usize> = names
        .iter()
        .enumerate()
        .map(|(c, n)| {
            let widest = cells.iter().map(|r| r[c].chars().count()).max();
            n.len()
                .max(units[c].chars().count())
                .max(widest.unwrap_or(0))
                .max(10)
                + 2
        })
        .collect();
    let mut out = String::new();
    for line in [names.iter().map(|n| n.to_string()).collect(), units] {
        for (text, w) in line.iter().zip(&widths) {
            out.push_str(&format!("{text:>w$}"));
        }
        out.push('\n');
    }
    for (row, shown) in rows.iter().zip(&cells) {
        for (v, w) in shown.iter().zip(&widths) {
            out.push_str(&format!("{v:>w$}"));
        }
        // Its storage and cost understate the running ones.
        if table.still_filling(row) {
            out.push_str("  (still filling)");
        }
        out.push('\n');
    }
    out
}

pub(super) fn merge(dirs: &[PathBuf], out: Option<&Path>, no_charts: bool) -> Result<(), Error> {
    let report::Merged {
        meta,
        table,
        commands,
    } = report::merge(dirs)?;
    // The scenario's name was checked as a file name by merge: the default folder stays
    // inside output/.
    let default = Path::new("output").join(format!("{}-sweep", meta.scenario));
    let out = out.unwrap_or(&default);
    if let Some(clash) = dirs.iter().find(|d| same_path(d, out)) {
        return Err(InputError::argument(
            "merge",
            format!(
                "the merged sweep would overwrite {}, one of the folders being merged: name another with --out",
                clash.display()
            ),
        )
        .into());
    }
    // The charts the shards' command would have drawn unsharded: none after --no-charts, y
    // from the data after --y-from-data (merge drew them from 0, unlike the unsharded sweep).
    let mut asked: Vec<(bool, bool)> = Vec::with_capacity(dirs.len());
    for (dir, line) in dirs.iter().zip(&commands) {
        let ran = match super::recorded_command(line) {
            Ok(super::Command::Sweep(ran)) => Ok((ran.sim.no_charts, ran.y_from_data)),
            Ok(_) => Err("not a `backsim sweep` command".to_string()),
            Err(e) => Err(e),
        }
        .map_err(|e| {
            InputError::argument(
                &format!("merge {}", dir.display()),
                format!(
                    "sweep.json's provenance.command_line is not a sweep this backsim reads ({e}): merge reads the charts the sweep asked for there"
                ),
            )
        })?;
        asked.push(ran);
    }
    let y_from_data = asked[0].1;
    if let Some(i) = asked.iter().position(|a| a.1 != y_from_data) {
        let (with, without) = if y_from_data { (0, i) } else { (i, 0) };
        return Err(InputError::argument(
            "merge",
            format!(
                "{} ran with --y-from-data and {} without: the merged charts can draw y only one way; run the shards alike",
                dirs[with].display(),
                dirs[without].display()
            ),
        )
        .into());
    }
    // A shard run again by hand without --no-charts asks for no charts either: shards draw none.
    let charts = !(no_charts || asked.iter().any(|a| a.0));
    write_sweep(out, &meta, &table, charts.then_some(y_from_data))?;
    let filling = table.points_still_filling();
    if !filling.is_empty() {
        warn(&unsteady_note(&filling));
    }
    say(&format!(
        "merged {} folder{}: {} points into {}\n",
        dirs.len(),
        if dirs.len() == 1 { "" } else { "s" },
        table.rows.len(),
        out.display()
    ));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A swept value longer than its key's name still leaves a gap before the next column.
    #[test]
    fn long_values_do_not_run_into_the_next_column() {
        let header = [
            "point",
            "backup.redundancy",
            "server.ha",
            "storage_mean_gb_mean",
        ];
        let table = SweepTable {
            header: header.iter().map(|h| h.to_string()).collect(),
            rows: vec![vec![
                "0".into(),
                "local".into(),
                "zone-redundant".into(),
                "798.4".into(),
            ]],
        };
        let text = sweep_table(&table, 2, "USD");
        let row = text.lines().nth(2).unwrap();
        assert_eq!(
            row.split_whitespace().collect::<Vec<_>>(),
            ["local", "zone-redundant", "798.4"],
            "{text}"
        );
        let header_line = text.lines().next().unwrap();
        assert_eq!(header_line.len(), row.len(), "{text}");
        // The units line under the names: none for the swept keys.
        let units = text.lines().nth(1).unwrap();
        assert_eq!(units.split_whitespace().collect::<Vec<_>>(), ["(GB)"]);
        assert_eq!(units.len(), row.len(), "{text}");
    }
}
