//! `backsim import` and `backsim calibrate`: read the server's own files, write a scenario about it.

use std::path::{Path, PathBuf};

use super::print;
use crate::calibrate::import::{self, Import, INVENTORY_COLUMNS};
use crate::error::{Error, InputError, Origin};
use crate::report::OutputDir;

fn read(path: &Path, what: &str) -> Result<String, Error> {
    std::fs::read_to_string(path).map_err(|e| {
        InputError {
            origin: Origin::File(path.to_path_buf()),
            key: None,
            position: None,
            message: format!("cannot read the {what}: {e}"),
        }
        .into()
    })
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// Where a result goes: `--out`, or beside `input` with `extension`. The default never replaces
/// an existing file, and nothing ever replaces an input.
fn destination(
    out: Option<&Path>,
    input: &Path,
    extension: &str,
    inputs: &[&Path],
) -> Result<PathBuf, Error> {
    let path = match out {
        Some(p) => p.to_path_buf(),
        None => {
            let default = input.with_extension(extension);
            if default.exists() {
                return Err(InputError::argument(
                    "--out",
                    format!(
                        "{} already exists; name the output with --out (it may replace that file)",
                        default.display()
                    ),
                )
                .into());
            }
            default
        }
    };
    if let Some(clash) = inputs.iter().find(|i| same_file(i, &path)) {
        return Err(InputError::argument(
            "--out",
            format!("{} is an input; name another output", clash.display()),
        )
        .into());
    }
    Ok(path)
}

/// Write one file whole (aside, then renamed into place).
fn write_file(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let name = path.file_name().and_then(|n| n.to_str()).ok_or_else(|| {
        InputError::argument("--out", format!("{} is not a file name", path.display()))
    })?;
    let folder = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    OutputDir::create(folder, name)?.write(name, bytes)
}

pub(super) fn import(description: &Path, out: Option<&Path>) -> Result<(), Error> {
    let text = read(description, "server description")?;
    let origin = Origin::File(description.to_path_buf());
    match import::parse(&text, &origin)? {
        Import::Server(server) => {
            let path = destination(out, description, "toml", &[description])?;
            let shown = description.display().to_string();
            write_file(&path, import::scenario_text(&server, &shown).as_bytes())?;
            let mut lines = vec![format!(
                "wrote {}: scenario \"{}\" ({})",
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
            print(&(lines.join("\n") + "\n"));
        }
        Import::Fleet(servers) => {
            let path = destination(out, description, "csv", &[description])?;
            write_file(&path, &import::inventory_csv(&servers))?;
            let mut lines = vec![format!(
                "wrote {}: a fleet inventory of {} servers, one row each (count 1)",
                path.display(),
                servers.len()
            )];
            for (column, key) in INVENTORY_COLUMNS.iter() {
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
            print(&(lines.join("\n") + "\n"));
        }
    }
    Ok(())
}
