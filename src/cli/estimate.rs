//! How much work and output a command is about to make, worked out from the scenario before
//! anything runs, so that a run of days or gigabytes says so first instead of filling a disk
//! without a word.

use crate::engine::DAY;
use crate::model::{Config, MysqlVersion};

/// Simulated server-years per second on one thread: the benchmark's figure for a release build,
/// and about a fifteenth of it for a debug build. A guide for the order of magnitude only: the
/// features a scenario turns on move it both ways.
const SERVER_YEARS_PER_SECOND: f64 = if cfg!(debug_assertions) { 20.0 } else { 300.0 };

/// Irregular events (a failed snapshot attempt, a burst) handled per second on one thread,
/// measured the same way: a run full of them takes longer than its server-years say.
const EVENTS_PER_SECOND: f64 = if cfg!(debug_assertions) { 2.5e5 } else { 3e6 };

/// Log backups handled one by one per second on one thread, when irregular events leave no
/// quiet stretch to fold (measured on a scenario with a burst or a long transaction every
/// minute and one-minute log backups).
const UNFOLDED_TICKS_PER_SECOND: f64 = if cfg!(debug_assertions) { 2.7e4 } else { 4e5 };

/// The fixed cost of a replication however short (its streams, durability and figures):
/// 100,000 runs of an hour took 3.1 s on one thread.
const SECONDS_PER_RUN: f64 = if cfg!(debug_assertions) { 5e-4 } else { 3e-5 };

/// Memory per retained log backup that cannot share a run with its neighbours.
const LOG_BYTES: f64 = 40.0;

/// Below these, nothing is said.
const NOTABLE_SECONDS: f64 = 60.0;
const NOTABLE_BYTES: f64 = 1e9;

/// Bytes per row, measured on the bundled scenarios' files.
const EVENT_ROW_BYTES: f64 = 90.0;
const HOUR_ROW_BYTES: f64 = 80.0;
const RUN_ROW_BYTES: f64 = 900.0;
const RECOVERY_ROW_BYTES: f64 = 110.0;

/// Memory held per replication until the end (its figures, retention table and monthly bills),
/// measured as the peak's growth from 2,000 to 20,000 runs of the bundled default (3 months)
/// and of the 12-month peer scenario.
const RUN_MEMORY_BYTES: f64 = 4_700.0;
const RUN_MEMORY_BYTES_PER_MONTH: f64 = 80.0;

/// What the replications' figures hold in memory while `runs` of them run.
fn run_memory(c: &Config, runs: u32) -> f64 {
    runs as f64 * (RUN_MEMORY_BYTES + RUN_MEMORY_BYTES_PER_MONTH * c.months.len() as f64)
}

/// The rows of run 0's event log per simulated day: snapshots and their expiry, extra
/// snapshots, failed attempts and their retries, failed log backups, bursts, long transactions,
/// unsafe sessions and outages, each at its expected rate.
fn events_per_day(c: &Config) -> f64 {
    let b = &c.backup;
    let w = &c.workload;
    let r = &c.restore;
    let peak_load = w.diurnal.iter().cloned().fold(0.0, f64::max)
        * w.weekly.iter().cloned().fold(0.0, f64::max)
        * if w.bursts_per_day > 0.0 {
            w.burst_multiplier
        } else {
            1.0
        };
    let attempts_per_day = DAY as f64 / b.retry_interval.max(1) as f64;
    let fail = (b.snapshot_failure_prob * peak_load.powf(b.failure_load_exponent)).min(1.0);
    let mut failed = if fail >= 0.999 {
        attempts_per_day
    } else {
        (fail / (1.0 - fail)).min(attempts_per_day)
    };
    if c.server.mysql_version == MysqlVersion::V5_7 {
        // Every retry during a long transaction fails.
        failed += w.long_txn_per_day * w.long_txn_duration as f64 / b.retry_interval.max(1) as f64;
    }
    // An extra snapshot is asked for at a log backup and takes its time: no more than one per
    // log backup or per snapshot's length.
    let most_extras = DAY as f64 / b.log_backup_interval.max(b.snapshot_duration).max(1) as f64;
    let extra = if b.extra_snapshot_binlog_gb.is_finite() && b.extra_snapshot_binlog_gb > 0.0 {
        (w.binlog_gb_per_day * peak_load / b.extra_snapshot_binlog_gb).min(most_extras)
    } else {
        0.0
    };
    let log_failures = b.log_backup_failure_prob * DAY as f64 / b.log_backup_interval.max(1) as f64;
    let per_year = c.outages.incidents_per_year
        + c.outages.zone_outages_per_year
        + c.outages.region_outages_per_year;
    2.0 + 2.0 * extra
        + failed.min(attempts_per_day)
        + log_failures
        + 2.0 * (w.bursts_per_day + w.long_txn_per_day)
        + r.unsafe_sessions_per_day
        + 3.0 * per_year / 365.0
}

/// Log backups per day handled one at a time: those in hours an irregular event falls in.
fn unfolded_ticks_per_day(c: &Config) -> f64 {
    let ticks = DAY as f64 / c.backup.log_backup_interval.max(1) as f64;
    let irregular_per_hour = events_per_day(c) / 24.0;
    ticks * (1.0 - (-irregular_per_hour).exp())
}

/// The log backups one replication holds at once: the retention's, and those since the last
/// snapshot that succeeded, which stay while no newer one can serve as a base. On 5.7 a
/// snapshot fails while a long transaction is open, so with many long transactions the chain
/// can span the whole horizon.
fn logs_held(c: &Config) -> f64 {
    let b = &c.backup;
    let w = &c.workload;
    let mut success = 1.0 - b.snapshot_failure_prob.min(1.0);
    if c.server.mysql_version == MysqlVersion::V5_7 {
        let open = w.long_txn_per_day * w.long_txn_duration as f64 / DAY as f64;
        success *= (-open).exp();
    }
    let gap = if success > 0.0 {
        (DAY as f64).max(b.retry_interval as f64 / success)
    } else {
        f64::INFINITY
    };
    let span = (b.keep_for() as f64 + gap).min(c.horizon as f64);
    span / b.log_backup_interval.max(1) as f64
}

fn bytes(n: f64) -> String {
    match n {
        n if n >= 1e12 => format!("{:.1} TB", n / 1e12),
        n if n >= 1e9 => format!("{:.1} GB", n / 1e9),
        n if n >= 1e6 => format!("{:.0} MB", n / 1e6),
        n => format!("{:.0} kB", n / 1e3),
    }
}

fn duration(seconds: f64) -> String {
    match seconds {
        s if s >= 2.0 * 86_400.0 => format!("{:.0} days", s / 86_400.0),
        s if s >= 2.0 * 3_600.0 => format!("{:.0} hours", s / 3_600.0),
        s if s >= 120.0 => format!("{:.0} minutes", s / 60.0),
        s => format!("{s:.0} seconds"),
    }
}

/// The work of `runs` replications of `c`, one thread's seconds: time, irregular events, log
/// backups handled one by one, and each run's fixed cost.
fn work_seconds(c: &Config, runs: f64) -> f64 {
    let days = c.horizon as f64 / DAY as f64;
    runs * (days / 365.25 / SERVER_YEARS_PER_SECOND
        + events_per_day(c) * days / EVENTS_PER_SECOND
        + unfolded_ticks_per_day(c) * days / UNFOLDED_TICKS_PER_SECOND
        + SECONDS_PER_RUN)
}

fn time_note(server_years: f64, one_thread_seconds: f64, threads: usize) -> (f64, String) {
    let seconds = one_thread_seconds / threads.max(1) as f64;
    (
        seconds,
        format!(
            "about {} server-years to simulate, roughly {} on {threads} thread{}",
            crate::report::numbers::fixed(server_years, 0),
            duration(seconds),
            if threads == 1 { "" } else { "s" }
        ),
    )
}

/// What `run` is about to do, when it is large enough to mention: the simulated time and the
/// size of the files it writes.
pub fn run_note(c: &Config, runs: u32, threads: usize) -> Option<String> {
    let days = c.horizon as f64 / DAY as f64;
    let per_run = events_per_day(c) * days;
    let threads = threads.min(runs as usize);
    let (seconds, work) = time_note(
        runs as f64 * days / 365.25,
        work_seconds(c, runs as f64),
        threads,
    );
    let events = per_run * EVENT_ROW_BYTES;
    let series = days * 24.0 * HOUR_ROW_BYTES;
    let per_year = c.outages.incidents_per_year
        + c.outages.zone_outages_per_year
        + c.outages.region_outages_per_year;
    let recoveries = runs as f64 * per_year * days / 365.0 * RECOVERY_ROW_BYTES;
    let total = events + series + recoveries + runs as f64 * RUN_ROW_BYTES;
    // Every thread holds one replication's backups at a time.
    let memory = run_memory(c, runs) + threads.max(1) as f64 * logs_held(c) * LOG_BYTES;
    (seconds >= NOTABLE_SECONDS || total >= NOTABLE_BYTES || memory >= NOTABLE_BYTES).then(|| {
        format!(
            "{work}, holding about {} in memory; the output comes to about {} (events.csv {}, timeseries.csv {}, recoveries.csv {}). Fewer runs or a shorter horizon_days cut all three.",
            bytes(memory),
            bytes(total),
            bytes(events),
            bytes(series),
            bytes(recoveries)
        )
    })
}

/// What `sweep` is about to do, when it takes long enough to mention.
pub fn sweep_note(c: &Config, runs: u32, points: usize, threads: usize) -> Option<String> {
    let days = c.horizon as f64 / DAY as f64;
    let threads = threads.min(points.saturating_mul(runs as usize));
    let runs = points as f64 * runs as f64;
    let (seconds, work) = time_note(runs * days / 365.25, work_seconds(c, runs), threads);
    (seconds >= NOTABLE_SECONDS).then(|| {
        format!(
            "{points} points, {work} (each point's own values change it). Split it with --shard I/N over several machines, or sweep fewer values."
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn default_config() -> Config {
        crate::scenario::load(
            std::path::Path::new(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/scenarios/default.toml"
            )),
            &[],
        )
        .unwrap()
        .config
    }

    /// A million quick runs fill memory long before the disk or the clock: the note says so
    /// (it spoke only of time and files), and not for a run of ordinary size.
    #[test]
    fn a_run_of_many_replications_announces_its_memory() {
        let c = default_config();
        assert!(run_note(&c, 100, 2).is_none());
        let note = run_note(&c, 1_000_000, 2).expect("a million runs are announced");
        assert!(note.contains("GB in memory"), "{note}");
        assert!(run_memory(&c, 200_000) >= NOTABLE_BYTES);
    }

    fn with(sets: &[(&str, &str)]) -> Config {
        let sets: Vec<crate::scenario::Override> = sets
            .iter()
            .map(|(k, v)| crate::scenario::Override {
                key: k.to_string(),
                value: v.to_string(),
            })
            .collect();
        crate::scenario::load(
            std::path::Path::new(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/scenarios/default.toml"
            )),
            &sets,
        )
        .unwrap()
        .config
    }

    /// On 5.7, a thousand half-hour transactions a day leave a snapshot almost no moment to
    /// succeed: every one-minute log backup of a ten-year horizon stays (5.3 million, about
    /// 210 MB, as measured), where the default holds its 8 days' and up to a day's more back to their base snapshot
    /// (2,592 logs, 104 kB). The note
    /// said 101 kB for the first.
    #[test]
    fn a_chain_no_snapshot_can_cut_is_held_in_memory() {
        let busy = with(&[
            ("server.mysql_version", "\"5.7\""),
            ("workload.long_txn_per_day", "1000"),
            ("backup.log_backup_interval", "\"1m\""),
            ("horizon_days", "3650"),
            ("server.provisioned_storage_gb", "4096"),
        ]);
        assert!((logs_held(&busy) - 3650.0 * 1440.0).abs() < 1.0);
        assert_eq!(bytes(logs_held(&busy) * LOG_BYTES), "210 MB");
        assert!((logs_held(&default_config()) - 9.0 * 288.0).abs() < 1.0);
    }

    /// Extra snapshots come at log backups, one at a time: a threshold of a millionth of a GB
    /// asks for one at each, not 100 million a day (the note said 57 GB of events for 713 MB).
    #[test]
    fn extra_snapshots_are_counted_at_most_one_per_log_backup() {
        let c = with(&[
            ("workload.binlog_gb_per_day", "100000"),
            ("backup.extra_snapshot_binlog_gb", "0.000001"),
            ("backup.log_backup_interval", "\"1m\""),
            ("server.provisioned_storage_gb", "16384"),
        ]);
        let per_day = events_per_day(&c);
        assert!((2880.0..3200.0).contains(&per_day), "{per_day}");
    }
}
