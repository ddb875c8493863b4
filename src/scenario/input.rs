//! Reading an input file (or standard input, `-`): bounded in size, UTF-8, and every failure an
//! input error that names the file.

use std::io::Read;
use std::path::Path;

use super::spans;
use crate::error::{InputError, Origin};

pub fn is_stdin(path: &Path) -> bool {
    path == Path::new("-")
}

/// Where errors in a scenario read from `path` point.
pub fn origin_of(path: &Path) -> Origin {
    if is_stdin(path) {
        Origin::File("<stdin>".into())
    } else {
        Origin::File(path.to_path_buf())
    }
}

/// The largest scenario file read: real ones are a few kilobytes (the full template about 12),
/// so a path to a device, a log or a disk image fails at once instead of filling memory.
pub const MAX_FILE_BYTES: usize = 1 << 20;

/// At most `MAX_FILE_BYTES` + 1 bytes of `source`: one more than allowed shows it is too long.
fn read_bounded(source: impl Read) -> Result<Vec<u8>, String> {
    let mut bytes = Vec::new();
    source
        .take(MAX_FILE_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map(|_| bytes)
        .map_err(|e| e.to_string())
}

/// Standard input, read once: a command may name `-` more than once (a scenario compared with
/// itself) and every use sees the same bytes.
fn stdin_bytes() -> Result<Vec<u8>, String> {
    static BYTES: std::sync::OnceLock<Result<Vec<u8>, String>> = std::sync::OnceLock::new();
    BYTES.get_or_init(|| read_bounded(std::io::stdin())).clone()
}

/// The text of a scenario file (standard input for `-`), or an input error that names it: at
/// most `MAX_FILE_BYTES`, and UTF-8 (a bad byte is reported at its line and column).
pub fn read_text(path: &Path) -> Result<String, InputError> {
    read_input(path, "scenario file")
}

/// The same for any input file, `what` saying which kind it is ("fleet file").
pub fn read_input(path: &Path, what: &str) -> Result<String, InputError> {
    let refused = |position, message: String| InputError {
        origin: origin_of(path),
        key: None,
        position,
        message,
    };
    let bytes = if is_stdin(path) {
        stdin_bytes()
    } else {
        std::fs::File::open(path)
            .map_err(|e| e.to_string())
            .and_then(read_bounded)
    }
    .map_err(|e| refused(None, format!("cannot read the {what}: {e}")))?;
    if bytes.len() > MAX_FILE_BYTES {
        return Err(refused(
            None,
            format!(
                "is larger than {} KiB: not {} {what} (a short text)",
                MAX_FILE_BYTES / 1024,
                if what.starts_with(['a', 'e', 'i', 'o', 'u']) {
                    "an"
                } else {
                    "a"
                }
            ),
        ));
    }
    String::from_utf8(bytes).map_err(|e| {
        let good = e.utf8_error().valid_up_to();
        let bytes = e.as_bytes();
        let before = std::str::from_utf8(&bytes[..good]).unwrap_or_default();
        refused(
            Some(spans::line_col(before, good)),
            format!(
                "is not UTF-8 text: byte 0x{:02X} cannot start or continue a character",
                bytes[good]
            ),
        )
    })
}
