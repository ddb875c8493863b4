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
    let extra = if b.extra_snapshot_binlog_gb.is_finite() && b.extra_snapshot_binlog_gb > 0.0 {
        w.binlog_gb_per_day * peak_load / b.extra_snapshot_binlog_gb
    } else {
        0.0
    };
    let log_failures = b.log_backup_failure_prob * DAY as f64 / b.log_backup_interval.max(1) as f64;
    let per_year = c.outages.incidents_per_year
        + c.outages.zone_outages_per_year
        + c.outages.region_outages_per_year;
    2.0 + 2.0 * extra.min(DAY as f64)
        + failed.min(attempts_per_day)
        + log_failures
        + 2.0 * (w.bursts_per_day + w.long_txn_per_day)
        + r.unsafe_sessions_per_day
        + 3.0 * per_year / 365.0
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

fn time_note(server_years: f64, events: f64, threads: usize) -> (f64, String) {
    let seconds = (server_years / SERVER_YEARS_PER_SECOND + events / EVENTS_PER_SECOND)
        / threads.max(1) as f64;
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
    let (seconds, work) = time_note(runs as f64 * days / 365.25, runs as f64 * per_run, threads);
    let events = per_run * EVENT_ROW_BYTES;
    let series = days * 24.0 * HOUR_ROW_BYTES;
    let per_year = c.outages.incidents_per_year
        + c.outages.zone_outages_per_year
        + c.outages.region_outages_per_year;
    let recoveries = runs as f64 * per_year * days / 365.0 * RECOVERY_ROW_BYTES;
    let total = events + series + recoveries + runs as f64 * RUN_ROW_BYTES;
    let memory = run_memory(c, runs);
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
    let (seconds, work) = time_note(
        runs * days / 365.25,
        runs * events_per_day(c) * days,
        threads,
    );
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
}
