use std::fs::{self, File, OpenOptions};
use std::io::{BufWriter, ErrorKind, Read, Write};
use std::path::{Path, PathBuf};

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
const MARKERS: &[&str] = &[
    "summary.json",
    "sweep.json",
    "compare.json",
    "fleet_runs.json",
];

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
}

fn refuse(target: &Path, why: impl std::fmt::Display) -> Error {
    InputError::argument("--out", format!("{}: {why}", target.display())).into()
}

impl OutputDir {
    /// Check that `target` is new, empty or an earlier backsim result (never anybody else's
    /// folder, nor the current one), then make the staging folder beside it.
    pub fn stage(target: &Path) -> Result<Self, Error> {
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
            Ok(m) if m.is_dir() => check_replaceable(target, &resolved)?,
            Ok(_) => return Err(refuse(target, "exists and is not a folder")),
            Err(e) if e.kind() == ErrorKind::NotFound => {}
            Err(e) => return Err(Error::io(format!("cannot examine {}", target.display()), e)),
        }
        remove_leftovers(&resolved);
        let staging = fresh_sibling(&resolved, "new")?;
        unpublished().push(staging.clone());
        Ok(Self {
            shown: target.to_path_buf(),
            target: resolved,
            staging,
            published: false,
        })
    }

    /// The folder as the user named it.
    pub fn path(&self) -> &Path {
        &self.shown
    }

    fn create(&self, name: &str) -> Result<File, Error> {
        debug_assert!(!name.contains(['/', '\\']), "{name} is a file name");
        let path = self.staging.join(name);
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
            check_replaceable(&self.shown, &self.target)?;
        }
        let moved = |e| {
            Error::io(
                format!("cannot move the new output into {}", self.shown.display()),
                e,
            )
        };
        // An interrupt removes the unpublished staging folders. Amid the swap that would empty
        // the new output, or the old one under the staging name, so the swap holds the list
        // (an interrupt waits for it) and takes this folder off it once the swap is done.
        let mut unpublished_now = unpublished();
        let mut swapped = |published: &mut bool, staging: &PathBuf| {
            *published = true;
            unpublished_now.retain(|folder| folder != staging);
        };
        match fs::symlink_metadata(&self.target) {
            Ok(_) if exchange(&self.staging, &self.target) => {
                swapped(&mut self.published, &self.staging);
                drop(unpublished_now);
                // The old folder now sits under the staging name; only backsim's own files
                // were in it (checked when staging).
                let _ = fs::remove_dir_all(&self.staging);
            }
            Ok(_) => {
                let old = fresh_name(&self.target, "old")?;
                fs::rename(&self.target, &old).map_err(moved)?;
                if let Err(e) = fs::rename(&self.staging, &self.target) {
                    let _ = fs::rename(&old, &self.target);
                    return Err(moved(e));
                }
                swapped(&mut self.published, &self.staging);
                drop(unpublished_now);
                // Only backsim's own files were in it (checked when staging).
                let _ = fs::remove_dir_all(&old);
            }
            Err(_) => {
                fs::rename(&self.staging, &self.target).map_err(moved)?;
                swapped(&mut self.published, &self.staging);
            }
        }
        if let Some(parent) = self.target.parent() {
            sync_folder(parent);
        }
        Ok(())
    }
}

/// What differs between two shards' records, for merge to name: the labels of the checks that
/// fail, as "the seed, the runs differ"; None when all agree.
pub fn differences(checks: &[(&str, bool)]) -> Option<String> {
    let differing: Vec<&str> = checks
        .iter()
        .filter(|(_, same)| !same)
        .map(|(what, _)| *what)
        .collect();
    match differing.len() {
        0 => None,
        1 => Some(format!("{} differs", differing[0])),
        _ => Some(format!("{} differ", differing.join(", "))),
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
fn output_holding(path: &Path) -> Option<PathBuf> {
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
            MARKERS.iter().any(|m| {
                let marker = folder.join(m);
                fs::metadata(&marker).is_ok_and(|k| k.is_file()) && written_by_backsim(&marker)
            })
        })
        .map(Path::to_path_buf)
}

/// An existing folder may be replaced only when it is empty, or a backsim result: a marker file
/// that backsim wrote (its provenance names the backsim version; a file of the user's with the
/// same name does not), beside nothing but backsim's own files. Names alone are not enough: a
/// folder of the user's notes called report.md was replaced.
fn check_replaceable(shown: &Path, folder: &Path) -> Result<(), Error> {
    let entries = fs::read_dir(folder)
        .map_err(|e| Error::io(format!("cannot read {}", shown.display()), e))?;
    let mut names = Vec::new();
    let mut marked = false;
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
        marked |=
            kind.is_file() && MARKERS.contains(&name.as_str()) && written_by_backsim(&entry.path());
        if !FOLDER_VIEWS.contains(&name.as_str()) {
            names.push(name);
        }
    }
    match names.first() {
        Some(name) if !marked => Err(refuse(
            shown,
            format!("holds {name:?} but no {} that backsim wrote, so it is not a backsim output folder; the output replaces the whole folder, so choose a new or empty one", MARKERS.join(" or ")),
        )),
        _ => Ok(()),
    }
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

/// The target's name, cut to 64 bytes, as the hidden folders beside it begin.
fn short_name(target: &Path) -> String {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut short: String = String::new();
    for c in name.chars() {
        if short.len() + c.len_utf8() > 64 {
            break;
        }
        short.push(c);
    }
    short
}

/// The first name `.<target>.<what>-<host>-<pid>-<n>` beside `target` that is free. The
/// target's name is cut short so that the sibling's stays a legal file name.
fn fresh_name(target: &Path, what: &str) -> Result<PathBuf, Error> {
    let short = short_name(target);
    let parent = target.parent().unwrap_or(Path::new("."));
    let (host, pid) = (host_tag(), std::process::id());
    for n in 0..10_000 {
        let candidate = parent.join(format!(".{short}.{what}-{host}-{pid}-{n}"));
        if fs::symlink_metadata(&candidate).is_err() {
            return Ok(candidate);
        }
    }
    Err(Error::Other(format!(
        "cannot find a free name beside {}",
        target.display()
    )))
}

/// This machine's name as it goes into a hidden folder's name (letters, digits and dashes, at
/// most 32, then the process-id namespace), so that a process id is only ever read where it
/// was given: on a shared file system another machine's run may use the same id. Empty when it
/// cannot be told.
fn host_tag() -> String {
    let name = fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default();
    // Containers may share the machine's name but number processes apart: their process-id
    // namespace ("pid:[4026531836]") goes in too.
    let namespace: String = fs::read_link("/proc/self/ns/pid")
        .map(|link| {
            link.to_string_lossy()
                .chars()
                .filter(char::is_ascii_digit)
                .collect()
        })
        .unwrap_or_default();
    if name.trim().is_empty() || namespace.is_empty() {
        return String::new();
    }
    let name: String = name
        .trim()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .take(32)
        .collect();
    format!("{name}-{namespace}")
}

/// Remove what runs into `target` left beside it when they were killed (no cleanup runs on
/// SIGKILL or power loss): hidden staging or old folders named for it, made on this machine by
/// a process that no longer exists, holding only backsim's own files. Best effort: anything
/// else stays.
fn remove_leftovers(target: &Path) {
    let (Some(parent), short, host) = (target.parent(), short_name(target), host_tag()) else {
        return;
    };
    if host.is_empty() {
        return;
    }
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(tail) = ["new", "old"]
            .iter()
            .find_map(|what| name.strip_prefix(&format!(".{short}.{what}-{host}-")))
        else {
            continue;
        };
        let pid = match tail.split_once('-') {
            Some((pid, n)) if n.parse::<u32>().is_ok() => pid.parse::<u32>().ok(),
            _ => None,
        };
        if !pid.is_some_and(|p| p != std::process::id() && !process_exists(p)) {
            continue;
        }
        let path = entry.path();
        let only_own_files = fs::read_dir(&path).is_ok_and(|files| {
            files.flatten().all(|f| {
                f.file_type().is_ok_and(|k| k.is_file())
                    && is_own_file(&f.file_name().to_string_lossy())
            })
        });
        if entry.file_type().is_ok_and(|k| k.is_dir()) && only_own_files {
            let _ = fs::remove_dir_all(&path);
        }
    }
}

/// Whether process `pid` is alive (or might be: where this cannot be told, it is taken as
/// alive, and its folders stay).
#[cfg(target_os = "linux")]
fn process_exists(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return true;
    };
    // SAFETY: signal 0 sends nothing; it only asks whether the process exists.
    let alive = unsafe { libc::kill(pid, 0) } == 0;
    alive || std::io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH)
}

#[cfg(not(target_os = "linux"))]
fn process_exists(_: u32) -> bool {
    true
}

/// The staging folders of this process not yet published, for an interrupt to remove.
static UNPUBLISHED: std::sync::Mutex<Vec<PathBuf>> = std::sync::Mutex::new(Vec::new());

fn unpublished() -> std::sync::MutexGuard<'static, Vec<PathBuf>> {
    UNPUBLISHED
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Ctrl-C, a terminal closed or a polite kill leaves no staging folder behind: from here on
/// those signals are taken by a thread of their own (blocked in this thread and every thread
/// started after it), which removes the folders of unfinished outputs, then lets the signal end
/// the process as it would have (a shell loop sees a child killed by Ctrl-C and stops). A
/// signal the process was started ignoring (`nohup`, a script's background job) stays ignored.
/// Call first thing, before any other thread starts.
#[cfg(target_os = "linux")]
pub fn clean_up_on_interrupt() {
    // SAFETY: sigset_t and sigaction are plain data, initialised before use (sigemptyset, or
    // filled in by sigaction); the calls only read and write them, this thread's mask and the
    // signals' actions.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        let mut taken = 0;
        for signal in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
            let mut action: libc::sigaction = std::mem::zeroed();
            let ignored = libc::sigaction(signal, std::ptr::null(), &mut action) == 0
                && action.sa_sigaction == libc::SIG_IGN;
            if !ignored {
                libc::sigaddset(&mut set, signal);
                taken += 1;
            }
        }
        if taken == 0 || libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut()) != 0 {
            return;
        }
        let spawned = std::thread::Builder::new()
            .name("interrupt".into())
            .spawn(move || loop {
                let mut signal = 0;
                if libc::sigwait(&set, &mut signal) != 0 {
                    continue;
                }
                // Held to the end: a publish in progress finishes its swap first, and none
                // starts after.
                let mut folders = unpublished();
                for folder in folders.drain(..) {
                    let _ = fs::remove_dir_all(folder);
                }
                let mut only: libc::sigset_t = std::mem::zeroed();
                libc::sigemptyset(&mut only);
                libc::sigaddset(&mut only, signal);
                libc::signal(signal, libc::SIG_DFL);
                libc::pthread_sigmask(libc::SIG_UNBLOCK, &only, std::ptr::null_mut());
                libc::raise(signal);
                std::process::exit(128 + signal);
            });
        if spawned.is_err() {
            // Nobody to take them: the signals act as before.
            libc::pthread_sigmask(libc::SIG_UNBLOCK, &set, std::ptr::null_mut());
        }
    }
}

#[cfg(not(target_os = "linux"))]
pub fn clean_up_on_interrupt() {}

/// A new, empty folder beside `target`, made by this call and no one else.
fn fresh_sibling(target: &Path, what: &str) -> Result<PathBuf, Error> {
    loop {
        let candidate = fresh_name(target, what)?;
        match fs::create_dir(&candidate) {
            Ok(()) => return Ok(candidate),
            Err(e) if e.kind() == ErrorKind::AlreadyExists => continue,
            Err(e) => {
                return Err(Error::io(
                    format!("cannot create {}", candidate.display()),
                    e,
                ))
            }
        }
    }
}

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

/// Make a folder's entries durable (where the platform can open a folder to sync it).
fn sync_folder(path: &Path) {
    if let Ok(dir) = File::open(path) {
        let _ = dir.sync_all();
    }
}

/// The bytes of a file that is not to be trusted (a shard of a sweep from another machine):
/// only a regular file (a link or device is refused, not followed), at most `limit` bytes.
pub fn read_untrusted(path: &Path, limit: u64) -> Result<Vec<u8>, String> {
    let (file, meta) = open_plain_file(path)?;
    if meta.len() > limit {
        return Err(format!(
            "is {} bytes, more than the {limit} a sweep writes at most",
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
fn open_plain_file(path: &Path) -> Result<(File, fs::Metadata), String> {
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A run killed part-way left its hidden staging folder beside the output for good; the
    /// next run into the same folder removes those of dead processes that hold only backsim's
    /// files, and nothing else.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_killed_runs_staging_folder_goes_with_the_next_run() {
        let tmp = tempfile::TempDir::new().unwrap();
        let target = tmp.path().join("out");
        let dead = (1_000_000..4_000_000)
            .rev()
            .find(|&p| !process_exists(p))
            .expect("a free process id");
        let leftover = |name: &str, file: &str| {
            let folder = tmp.path().join(name);
            fs::create_dir(&folder).unwrap();
            fs::write(folder.join(file), "x").unwrap();
            folder
        };
        let host = host_tag();
        assert!(!host.is_empty());
        let stale = leftover(&format!(".out.new-{host}-{dead}-0"), "summary.json");
        let stale_old = leftover(&format!(".out.old-{host}-{dead}-3"), "runs.csv");
        let foreign = leftover(&format!(".out.new-{host}-{dead}-1"), "notes.txt");
        let running = leftover(
            &format!(".out.new-{host}-{}-0", std::process::id()),
            "runs.csv",
        );
        let other_output = leftover(&format!(".other.new-{host}-{dead}-0"), "runs.csv");
        let other_host = leftover(&format!(".out.new-elsewhere-{dead}-0"), "runs.csv");
        let dir = OutputDir::stage(&target).unwrap();
        assert!(!stale.exists() && !stale_old.exists());
        assert!(foreign.exists(), "a file backsim did not write stays");
        assert!(running.exists(), "a live process's staging stays");
        assert!(other_output.exists(), "another output's staging stays");
        assert!(other_host.exists(), "another machine's staging stays");
        drop(dir);
    }

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
        let dir = OutputDir::stage(&target).unwrap();
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
