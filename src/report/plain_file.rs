//! Files read or synced one at a time, trusting nothing about them: only a regular file is
//! opened (never a link, a pipe or a device), and the file read is the one examined.

use std::fs::{self, File};
use std::io::Read;
use std::path::Path;

/// Make a folder's entries durable (where the platform can open a folder to sync it).
pub(super) fn sync_folder(path: &Path) {
    if let Ok(dir) = File::open(path) {
        let _ = dir.sync_all();
    }
}

/// The bytes of a file that is not to be trusted (a shard of a sweep from another machine):
/// only a regular file (a link or device is refused, not followed), at most `limit` bytes;
/// `why` says where the limit comes from, for the refusal of a larger file.
pub fn read_untrusted(path: &Path, limit: u64, why: &str) -> Result<Vec<u8>, String> {
    let (file, meta) = open_plain_file(path)?;
    if meta.len() > limit {
        return Err(format!(
            "is {} bytes, more than the {limit} merge reads: {why}",
            meta.len()
        ));
    }
    let mut bytes = Vec::new();
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read it: {e}"))?;
    if bytes.len() as u64 > limit {
        return Err(format!("grew past {limit} bytes while being read"));
    }
    Ok(bytes)
}

/// Open `path` only if it is a regular file, not a link, and the file opened is the one
/// examined (a swap between the two is refused too). Examined before it is opened: opening a
/// pipe to read would wait for a writer.
pub(super) fn open_plain_file(path: &Path) -> Result<(File, fs::Metadata), String> {
    let meta = fs::symlink_metadata(path).map_err(|e| format!("cannot read it: {e}"))?;
    if meta.file_type().is_symlink() {
        return Err("is a symbolic link; merge reads only the files a sweep wrote".to_string());
    }
    if !meta.is_file() {
        return Err("is not a regular file".to_string());
    }
    let file = File::open(path).map_err(|e| format!("cannot read it: {e}"))?;
    let opened = file
        .metadata()
        .map_err(|e| format!("cannot read it: {e}"))?;
    if !opened.is_file() || !same_file(&meta, &opened) {
        return Err("changed while being opened".to_string());
    }
    Ok((file, meta))
}

#[cfg(unix)]
fn same_file(a: &fs::Metadata, b: &fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    a.dev() == b.dev() && a.ino() == b.ino()
}

#[cfg(not(unix))]
fn same_file(a: &fs::Metadata, b: &fs::Metadata) -> bool {
    a.len() == b.len() && a.modified().ok() == b.modified().ok()
}
