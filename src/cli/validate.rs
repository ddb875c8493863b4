//! `backsim validate` and `backsim init`: a scenario (or fleet) file checked, or a new one
//! written from the template.

use std::path::Path;

use super::*;

pub(super) fn validate(path: &Path, set: &[String], json: bool) -> Result<(), Error> {
    if !json && scenario::fleet::is_fleet_file(path) {
        let fleet = scenario::fleet::load_fleet(path, &overrides(set)?)?;
        let counted = |n: u64, noun: &str| match n {
            1 => format!("1 {noun}"),
            n => format!("{n} {noun}s"),
        };
        // Counted as `fleet` counts them, the regions servers run in; the fleet also holds the
        // regions their geo-restores go to, which were counted here as well (2 where fleet said 1).
        let homes = (0..fleet.regions.len())
            .filter(|&r| fleet.groups.iter().any(|g| g.home == r))
            .count();
        let paired = fleet.regions.len() - homes;
        say(&format!(
            "ok: {} is a valid fleet (\"{}\": {} in {}, {}{}; {} × {} days, seed {})\n",
            path.display(),
            fleet.name,
            counted(fleet.servers(), "server"),
            counted(fleet.groups.len() as u64, "group"),
            counted(homes as u64, "region"),
            if paired > 0 {
                format!(
                    " and {}",
                    counted(paired as u64, "geo-restore target region")
                )
            } else {
                String::new()
            },
            counted(fleet.runs.into(), "run"),
            fleet.horizon_days,
            fleet.seed
        ));
        return Ok(());
    }
    // A [sweep] table is checked as `sweep` will check it: passed here, refused there, it was
    // found only when the sweep ran.
    let loaded = overrides(set)
        .and_then(|sets| Ok(scenario::load_recorded(path, &sets)?))
        .and_then(|loaded| {
            if !loaded.scenario.sweep.is_empty() {
                sweep_table_grid(&loaded, path, &[])?;
            }
            Ok(loaded)
        });
    match (loaded, json) {
        (Ok(loaded), false) => {
            let s = &loaded.scenario;
            note(&format!("read {} (sha256 {})", loaded.file, loaded.sha256));
            for doubt in scenario::doubts(s) {
                warn(&doubt);
            }
            say(&format!(
                "ok: {} is valid (\"{}\": {} runs × {} days, seed {})\n",
                // Named as the errors name it.
                if scenario::is_stdin(path) {
                    "<stdin>"
                } else {
                    &loaded.file
                },
                s.name,
                s.runs,
                s.horizon_days,
                s.seed
            ));
            Ok(())
        }
        (Ok(loaded), true) => {
            let provenance = crate::analysis::Provenance::new(command_line(), set, &loaded);
            let mut out = serde_json::to_vec_pretty(&serde_json::json!({
                "valid": true,
                "scenario": loaded.scenario.name,
                "runs": loaded.scenario.runs,
                "horizon_days": loaded.scenario.horizon_days,
                "seed": loaded.scenario.seed,
                "provenance": provenance,
            }))
            .expect("JSON of plain values");
            out.push(b'\n');
            print(&String::from_utf8_lossy(&out));
            Ok(())
        }
        (Err(e), true) => {
            // The same error, for a machine: where it is and what is wrong; still exit 2.
            if let Error::Input(input) = &e {
                let mut out = serde_json::to_vec_pretty(&serde_json::json!({
                    "valid": false,
                    "error": {
                        "file": match &input.origin {
                            crate::error::Origin::File(p) => Some(p.display().to_string()),
                            crate::error::Origin::Argument(_) => None,
                        },
                        "argument": match &input.origin {
                            crate::error::Origin::Argument(a) if !a.is_empty() => Some(a.clone()),
                            _ => None,
                        },
                        "key": input.key,
                        "line": input.position.map(|p| p.0),
                        "column": input.position.map(|p| p.1),
                        "message": input.message,
                    },
                }))
                .expect("JSON of plain values");
                out.push(b'\n');
                print(&String::from_utf8_lossy(&out));
            }
            Err(e)
        }
        (Err(e), false) => Err(e),
    }
}

pub(super) fn init(path: &Path) -> Result<(), Error> {
    if scenario::is_stdin(path) {
        print(&scenario::template());
        return Ok(());
    }
    // A link counts as there even when what it names is not (`exists` follows it): init
    // writes a new file and never through a link.
    if std::fs::symlink_metadata(path).is_ok() {
        let what = if path.is_symlink() && !path.exists() {
            "is a link to nothing"
        } else {
            "already exists"
        };
        return Err(InputError::argument(
            "init",
            format!(
                "{} {what}; choose another path or remove it",
                path.display()
            ),
        )
        .into());
    }
    // Folders missing on the way are made, as for import's and calibrate's output; an
    // existing file is never replaced (create_new), even one made since the check above.
    if let Some(folder) = path.parent().filter(|f| !f.as_os_str().is_empty()) {
        if let Some(file) = folder.ancestors().find(|a| a.is_file()) {
            return Err(InputError::argument(
                "init",
                format!(
                    "cannot make the folder {}: {} is a file",
                    folder.display(),
                    file.display()
                ),
            )
            .into());
        }
        std::fs::create_dir_all(folder).map_err(|e| {
            InputError::argument("init", format!("cannot create {}: {e}", folder.display()))
        })?;
    }
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .and_then(|mut file| std::io::Write::write_all(&mut file, scenario::template().as_bytes()))
        .map_err(|e| Error::io(format!("cannot write {}", path.display()), e))?;
    say(&format!(
        "wrote {} — edit it, then: backsim run {}\n",
        path.display(),
        path.display()
    ));
    Ok(())
}
