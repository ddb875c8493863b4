//! The hidden folders beside an output folder: their names (the output's, what they are for,
//! and the machine, namespace and process that made them), the leftovers of killed runs, and
//! the interrupt that removes this process's own before it ends.

use std::fs;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use crate::error::Error;

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
pub(super) fn fresh_name(target: &Path, what: &str) -> Result<PathBuf, Error> {
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
/// a process that no longer exists, holding only backsim's own files (`is_own_file`: the
/// output folder knows which). Best effort: anything else stays.
pub(super) fn remove_leftovers(target: &Path, is_own_file: fn(&str) -> bool) {
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

pub(super) fn unpublished() -> std::sync::MutexGuard<'static, Vec<PathBuf>> {
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
pub(super) fn fresh_sibling(target: &Path, what: &str) -> Result<PathBuf, Error> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::OutputDir;

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
        let dir = OutputDir::stage(&target, "summary.json").unwrap();
        assert!(!stale.exists() && !stale_old.exists());
        assert!(foreign.exists(), "a file backsim did not write stays");
        assert!(running.exists(), "a live process's staging stays");
        assert!(other_output.exists(), "another output's staging stays");
        assert!(other_host.exists(), "another machine's staging stays");
        drop(dir);
    }
}
