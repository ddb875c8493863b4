//! A single file of the user's written whole (a calibrated scenario beside their own), never
//! where an output folder or something other than a plain file stands.

use std::fs::{self, OpenOptions};
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};

use super::output_dir::output_holding;
use super::plain_file::sync_folder;
use super::staging::fresh_name;
use crate::error::{Error, InputError};

/// One file written whole among others (a calibrated scenario beside the user's own): its bytes
/// go to a new hidden file beside it, created exclusively (nothing planted there is followed),
/// made durable, then renamed over `path`.
pub fn write_whole_file(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    // The new file is renamed into place, which would replace a device, a pipe or a link
    // itself (not what it leads to) with a plain file.
    if let Some(why) = not_a_plain_file(path) {
        return Err(InputError::argument("--out", why).into());
    }
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&parent)
        .map_err(|e| Error::io(format!("cannot create {}", parent.display()), e))?;
    let (tmp, mut file) = loop {
        let candidate = fresh_name(path, "new")?;
        match OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&candidate)
        {
            Ok(file) => break (candidate, file),
            Err(e) if e.kind() == ErrorKind::AlreadyExists => continue,
            Err(e) => {
                return Err(Error::io(
                    format!("cannot create {}", candidate.display()),
                    e,
                ))
            }
        }
    };
    let written = file
        .write_all(bytes)
        .and_then(|_| file.sync_all())
        .and_then(|_| fs::rename(&tmp, path));
    if let Err(e) = written {
        let _ = fs::remove_file(&tmp);
        return Err(Error::io(format!("cannot write {}", path.display()), e));
    }
    sync_folder(&parent);
    Ok(())
}

/// Why `path` is no place for a file of its own: inside an earlier run's output folder (which
/// the next run there replaces whole, and which the file would block), or, existing, not a
/// plain file that a new one may replace (a device, a pipe, a socket or a link). None when it is
/// one, or nothing is there.
pub fn not_a_plain_file(path: &Path) -> Option<String> {
    if let Some(folder) = output_holding(path) {
        return Some(format!(
            "{} lies inside {}, the output of an earlier run, which the next run there replaces whole; write it outside",
            path.display(),
            folder.display()
        ));
    }
    let kind = fs::symlink_metadata(path).ok()?.file_type();
    if kind.is_file() {
        return None;
    }
    let what = if kind.is_symlink() {
        "a link (name the file it leads to, if that is the one to replace)"
    } else if kind.is_dir() {
        "a folder"
    } else {
        "a device, pipe or socket"
    };
    Some(format!(
        "{} is {what}, not a plain file: name a file to write",
        path.display()
    ))
}
