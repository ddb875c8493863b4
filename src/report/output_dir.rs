//! The output folder: one complete result or the one before, never a mix, and never a folder
//! that is not backsim's replaced.

use std::fs::{self, File, OpenOptions};
use std::io::{BufWriter, ErrorKind, Write};
use std::path::{Path, PathBuf};

use super::plain_file::{open_plain_file, sync_folder};
use super::staging::{fresh_name, fresh_sibling, remove_leftovers, unpublished};
use crate::error::{Error, InputError};

/// The files backsim writes into an output folder (runs and sweeps), so that it knows a folder
/// it may replace from one it must leave alone.
const OWN_FILES: &[&str] = &[
    "summary.json",
    "summary.csv",
    "runs.csv",
    "timeseries.csv",
    "events.csv",
    "bill.csv",
    "retention.csv",
    "recoveries.csv",
    "report.md",
    "storage.png",
    "rpo.png",
    "restore.png",
    "bill.png",
    "sweep.csv",
    "sweep.json",
    "compare.csv",
    "compare.json",
    "compare.png",
    "fleet_runs.json",
    "fleet.json",
    "fleet_bill.csv",
    "fleet_servers.csv",
    "fleet_recoveries.csv",
    "fleet_outages.csv",
    "fleet_recovery.png",
];

/// The files whose presence says a folder is a backsim result (a run's or a sweep's).
/// Each with the kind of output it marks, for messages.
const MARKERS: &[(&str, &str)] = &[
    ("summary.json", "a run"),
    ("sweep.json", "a sweep"),
    ("compare.json", "a comparison"),
    ("fleet_runs.json", "a fleet"),
];

fn is_marker(name: &str) -> bool {
    MARKERS.iter().any(|&(marker, _)| marker == name)
}

fn is_own_file(name: &str) -> bool {
    if let Some(inner) = name
        .strip_prefix('.')
        .and_then(|n| n.strip_suffix(".partial"))
    {
        // What an older backsim left behind when it was stopped part-way.
        return is_own_file(inner);
    }
    OWN_FILES.contains(&name)
        || (name.starts_with("sweep_") && name.ends_with(".png"))
        || FOLDER_VIEWS.contains(&name)
}

/// What a desktop's file browser leaves in a folder it shows: a run's folder opened to look at
/// the charts is still the run's.
const FOLDER_VIEWS: &[&str] = &[".DS_Store", "Thumbs.db", "desktop.ini"];

/// An output folder that only ever holds one complete result. Everything is written into a
/// fresh hidden folder beside the target, created exclusively (as is every file in it, so no
/// path planted in advance is followed), and `publish` swaps it in for the old folder at the
/// end. A run stopped at any moment leaves the old folder untouched (and, at worst, the hidden
/// staging folder beside it); a finished one leaves only its own files.
#[derive(Debug)]
pub struct OutputDir {
    /// The folder as the user named it, for messages.
    shown: PathBuf,
    /// Where it ends up: the target with its parent resolved.
    target: PathBuf,
    staging: PathBuf,
    published: bool,
    /// What this output is (its marker file), checked again on publishing.
    marker: &'static str,
}

fn refuse(target: &Path, why: impl std::fmt::Display) -> Error {
    InputError::argument("--out", format!("{}: {why}", target.display())).into()
}

impl OutputDir {
    /// Check that `target` is new, empty or an earlier backsim result (never anybody else's
    /// folder, nor the current one), then make the staging folder beside it.
    /// `marker` is the file that says what this output is (summary.json for a run, …): an
    /// earlier output of another kind is refused rather than replaced.
    pub fn stage(target: &Path, marker: &'static str) -> Result<Self, Error> {
        refuse_inside_an_output(target)?;
        let resolved = resolve(target)?;
        if let Ok(here) = std::env::current_dir().and_then(fs::canonicalize) {
            if here.starts_with(&resolved) {
                return Err(refuse(
                    target,
                    "is the current folder or holds it; write the output into a folder of its own",
                ));
            }
        }
        match fs::symlink_metadata(&resolved) {
            Ok(m) if m.is_dir() => check_replaceable(target, &resolved, marker)?,
            Ok(_) => return Err(refuse(target, "exists and is not a folder")),
            Err(e) if e.kind() == ErrorKind::NotFound => {}
            Err(e) => return Err(Error::io(format!("cannot examine {}", target.display()), e)),
        }
        remove_leftovers(&resolved, is_own_file);
        let staging = fresh_sibling(&resolved, "new")?;
        unpublished().push(staging.clone());
        Ok(Self {
            shown: target.to_path_buf(),
            target: resolved,
            staging,
            published: false,
            marker,
        })
    }

    /// The folder as the user named it.
    pub fn path(&self) -> &Path {
        &self.shown
    }

    fn create(&self, name: &str) -> Result<File, Error> {
        debug_assert!(!name.contains(['/', '\\']), "{name} is a file name");
        let path = self.staging.join(name);
        // Made under the lock an interrupt takes to remove the staging folder, and holds to
        // the end: each file is in the folder before it goes, or never made. Made beside the
        // removal, a chart's file now and then kept the folder from going.
        let _no_interrupt_meanwhile = unpublished();
        OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|e| Error::io(format!("cannot create {}", path.display()), e))
    }

    pub fn write(&self, name: &str, bytes: &[u8]) -> Result<(), Error> {
        let mut file = self.create(name)?;
        file.write_all(bytes)
            .and_then(|_| file.sync_all())
            .map_err(|e| Error::io(format!("cannot write {name}"), e))
    }

    /// A file written bit by bit (the event log); `finish_stream` completes it.
    pub fn stream(&self, name: &str) -> Result<BufWriter<File>, Error> {
        self.create(name).map(BufWriter::new)
    }

    pub fn finish_stream(&self, name: &str, mut writer: BufWriter<File>) -> Result<(), Error> {
        writer
            .flush()
            .and_then(|_| writer.get_ref().sync_all())
            .map_err(|e| Error::io(format!("cannot write {name}"), e))
    }

    /// Put the finished folder in place of the old one: exchanged in one step where the system
    /// can (Linux), so the target always holds one whole run; elsewhere, between two renames, it
    /// is briefly absent, never half old and half new.
    pub fn publish(mut self) -> Result<(), Error> {
        sync_folder(&self.staging);
        // Checked again: something put in the folder while the run went on (a folder of one's
        // own work) would otherwise go with the old output.
        if fs::symlink_metadata(&self.target).is_ok_and(|m| m.is_dir()) {
            check_replaceable(&self.shown, &self.target, self.marker)?;
        }
        let moved = |e| {
            Error::io(
                format!("cannot move the new output into {}", self.shown.display()),
                e,
            )
        };
        // An interrupt removes the unpublished staging folders. Amid the swap that would empty
        // the new output, or the old one under the staging name, so the swap holds the list
        // (an interrupt waits for it) and takes this folder off it once the swap is done. What
        // the swap leaves of the old output goes before the list is let go: removed after it,
        // an interrupt amid the removal left the old output's last few files in a hidden folder.
        {
            let mut list = unpublished();
            let old_output = match fs::symlink_metadata(&self.target) {
                // The old folder now sits under the staging name.
                Ok(_) if exchange(&self.staging, &self.target) => Some(self.staging.clone()),
                Ok(_) => {
                    let old = fresh_name(&self.target, "old")?;
                    fs::rename(&self.target, &old).map_err(moved)?;
                    if let Err(e) = fs::rename(&self.staging, &self.target) {
                        let _ = fs::rename(&old, &self.target);
                        return Err(moved(e));
                    }
                    Some(old)
                }
                Err(_) => {
                    fs::rename(&self.staging, &self.target).map_err(moved)?;
                    None
                }
            };
            self.published = true;
            list.retain(|folder| *folder != self.staging);
            // Only backsim's own files were in it (checked when staging and again above).
            if let Some(old) = old_output {
                let _ = fs::remove_dir_all(old);
            }
        }
        if let Some(parent) = self.target.parent() {
            sync_folder(parent);
        }
        Ok(())
    }
}

/// Swap two paths in one step (Linux's renameat2 with RENAME_EXCHANGE): the target is never
/// absent, whenever the process dies. False where the system or file system cannot, and the
/// caller renames twice instead.
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> bool {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let (Ok(a), Ok(b)) = (
        CString::new(a.as_os_str().as_bytes()),
        CString::new(b.as_os_str().as_bytes()),
    ) else {
        return false;
    };
    // SAFETY: both are valid NUL-terminated paths that live across the call; renameat2 only
    // reads them.
    let done = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    done == 0
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> bool {
    false
}

impl Drop for OutputDir {
    fn drop(&mut self) {
        if !self.published {
            let _ = fs::remove_dir_all(&self.staging);
        }
        unpublished().retain(|folder| *folder != self.staging);
    }
}

/// The target resolved to an absolute path without links (a link to a folder stands for the
/// folder: the user pointed there); when it does not exist yet, its parent is created first.
fn resolve(target: &Path) -> Result<PathBuf, Error> {
    if fs::symlink_metadata(target).is_ok() {
        return fs::canonicalize(target).map_err(|e| {
            if e.kind() == ErrorKind::NotFound {
                refuse(
                    target,
                    "is a link to nothing; name a folder, or remove the link",
                )
            } else {
                Error::io(format!("cannot resolve {}", target.display()), e)
            }
        });
    }
    let Some(name) = target.file_name() else {
        return Err(refuse(
            target,
            "names no folder of its own; give a path such as output/run-1",
        ));
    };
    let parent = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&parent).map_err(|e| {
        // A file where a folder of the path should be is the path's fault, not the system's.
        if matches!(
            e.kind(),
            ErrorKind::AlreadyExists | ErrorKind::NotADirectory
        ) {
            refuse(
                target,
                format!(
                    "its folder {} cannot be made: a file, or a link to nothing, stands in its path",
                    parent.display()
                ),
            )
        } else {
            Error::io(
                format!("cannot create output folder {}", parent.display()),
                e,
            )
        }
    })?;
    let parent = fs::canonicalize(&parent)
        .map_err(|e| Error::io(format!("cannot resolve {}", parent.display()), e))?;
    Ok(parent.join(name))
}

/// A folder inside another run's output would be accepted once and then block that output: the
/// next run into it finds a folder that is not its own. Checked before any folder is made.
fn refuse_inside_an_output(target: &Path) -> Result<(), Error> {
    match output_holding(target) {
        Some(folder) => Err(refuse(
            target,
            format!(
                "lies inside {}, the output of an earlier run, which the next run there replaces whole; choose a folder outside it",
                folder.display()
            ),
        )),
        None => Ok(()),
    }
}

/// The earlier run's output folder that `path` would lie inside, if any.
pub fn output_holding(path: &Path) -> Option<PathBuf> {
    let absolute = std::env::current_dir().ok()?.join(path);
    // The folders the path ends up in, not those it passes through: `../run2` from inside
    // run1 is run1's sibling. The part that exists is resolved (links and `..`); the rest,
    // still to be made, is read as written.
    let existing = absolute.ancestors().find(|a| fs::canonicalize(a).is_ok())?;
    let mut resolved = fs::canonicalize(existing).ok()?;
    for part in absolute.strip_prefix(existing).ok()?.components() {
        match part {
            std::path::Component::ParentDir => {
                resolved.pop();
            }
            std::path::Component::Normal(name) => resolved.push(name),
            _ => {}
        }
    }
    resolved
        .ancestors()
        .skip(1)
        .find(|folder| {
            // written_by_backsim reads only a plain file: no other check is needed first.
            MARKERS
                .iter()
                .any(|(m, _)| written_by_backsim(&folder.join(m)))
        })
        .map(Path::to_path_buf)
}

/// An existing folder may be replaced only when it is empty, or a backsim result: a marker file
/// that backsim wrote (its provenance names the backsim version; a file of the user's with the
/// same name does not), beside nothing but backsim's own files. Names alone are not enough: a
/// folder of the user's notes called report.md was replaced.
fn check_replaceable(shown: &Path, folder: &Path, marker: &str) -> Result<(), Error> {
    let entries = fs::read_dir(folder)
        .map_err(|e| Error::io(format!("cannot read {}", shown.display()), e))?;
    let mut names = Vec::new();
    let mut marked = false;
    let mut other_kind = None;
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(format!("cannot read {}", shown.display()), e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let kind = entry
            .file_type()
            .map_err(|e| Error::io(format!("cannot read {}", shown.display()), e))?;
        if kind.is_dir() {
            return Err(refuse(
                shown,
                format!("holds the folder {name:?}, so it is not a backsim output folder; choose a new or empty folder"),
            ));
        }
        if !is_own_file(&name) {
            return Err(refuse(
                shown,
                format!("holds {name:?}, which backsim did not write; the output replaces the whole folder, so choose a new or empty one"),
            ));
        }
        if kind.is_file() && is_marker(&name) && written_by_backsim(&entry.path()) {
            marked = true;
            if name != marker {
                other_kind = Some(name.clone());
            }
        }
        if !FOLDER_VIEWS.contains(&name.as_str()) {
            names.push(name);
        }
    }
    if let Some(found) = other_kind {
        // Each kind is a different question (a fleet may have taken many minutes): replacing
        // one with another is never what an --out reused by habit meant.
        return Err(refuse(
            shown,
            format!(
                "holds the output of {} ({found}), not of {}: choose another folder, or remove that one first",
                kind_of_output(&found),
                kind_of_output(marker)
            ),
        ));
    }
    match names.first() {
        Some(name) if !marked => Err(refuse(
            shown,
            format!("holds {name:?} but no {} that backsim wrote, so it is not a backsim output folder; the output replaces the whole folder, so choose a new or empty one", MARKERS.iter().map(|(m, _)| *m).collect::<Vec<_>>().join(" or ")),
        )),
        _ => Ok(()),
    }
}

fn kind_of_output(marker: &str) -> &'static str {
    MARKERS
        .iter()
        .find(|&&(m, _)| m == marker)
        .map_or("another command", |&(_, kind)| kind)
}

/// Whether a marker file is one backsim wrote: JSON whose provenance names backsim's version.
/// Read as a stream, every other value skipped unkept: a fleet's marker holds every server's
/// records (tens of megabytes), which read whole took ten times that in memory.
fn written_by_backsim(path: &Path) -> bool {
    #[derive(serde::Deserialize)]
    struct Marker {
        provenance: Option<Provenance>,
    }
    #[derive(serde::Deserialize)]
    struct Provenance {
        #[allow(dead_code)] // read only to be present
        backsim_version: String,
    }
    let Ok((file, _)) = open_plain_file(path) else {
        return false;
    };
    let mut json = serde_json::Deserializer::from_reader(std::io::BufReader::new(file));
    serde::Deserialize::deserialize(&mut json)
        .is_ok_and(|marker: Marker| marker.provenance.is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A folder of one's own put in the output folder while the run went on was deleted with
    /// the old output when the new one was published: publishing checks the folder again.
    #[test]
    fn publishing_checks_the_old_folder_again() {
        let tmp = tempfile::TempDir::new().unwrap();
        let target = tmp.path().join("out");
        fs::create_dir(&target).unwrap();
        fs::write(
            target.join("summary.json"),
            r#"{"provenance": {"backsim_version": "0.1.0"}}"#,
        )
        .unwrap();
        let dir = OutputDir::stage(&target, "summary.json").unwrap();
        dir.write("summary.json", b"{\"new\": 1}").unwrap();
        fs::create_dir(target.join("mywork")).unwrap();
        fs::write(target.join("mywork/important.txt"), "precious").unwrap();
        assert!(dir.publish().is_err());
        assert_eq!(
            fs::read_to_string(target.join("mywork/important.txt")).unwrap(),
            "precious"
        );
    }

    /// Publishing over an old folder is one exchange on Linux: the two folders trade places
    /// whole, so there is no moment without either (the two renames it replaced had one).
    #[cfg(target_os = "linux")]
    #[test]
    fn two_folders_trade_places_in_one_exchange() {
        let tmp = tempfile::TempDir::new().unwrap();
        let (old, new) = (tmp.path().join("out"), tmp.path().join(".out.new"));
        for (dir, mark) in [(&old, "old"), (&new, "new")] {
            fs::create_dir(dir).unwrap();
            fs::write(dir.join("mark"), mark).unwrap();
        }
        assert!(exchange(&new, &old));
        assert_eq!(fs::read_to_string(old.join("mark")).unwrap(), "new");
        assert_eq!(fs::read_to_string(new.join("mark")).unwrap(), "old");
        // Nothing to trade with: refused, and the caller renames instead.
        assert!(!exchange(&tmp.path().join("none"), &old));
    }

    #[test]
    fn own_files_and_their_partials_are_recognised() {
        assert!(is_own_file("summary.json"));
        assert!(is_own_file(".report.md.partial"));
        assert!(is_own_file("sweep_cost_per_month.png"));
        assert!(!is_own_file("notes.txt"));
        assert!(!is_own_file(".notes.txt.partial"));
        assert!(is_own_file(".DS_Store") && is_own_file("Thumbs.db"));
    }
}
