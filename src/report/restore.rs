use std::fmt::Write;

use chrono::{DateTime, Duration, FixedOffset, SecondsFormat};
use serde::Serialize;

use crate::engine::SimTime;
use crate::model::{RestorePlan, RestoredServer};

/// "3 h 12 min", "25 min", "40 s": restore times read by people.
pub fn human_duration(seconds: f64) -> String {
    let s = seconds.round() as i64;
    if s < 60 {
        format!("{s} s")
    } else if s < 3600 {
        format!("{} min {} s", s / 60, s % 60)
    } else {
        format!("{} h {} min", s / 3600, (s % 3600) / 60)
    }
}

pub fn clock(start: DateTime<FixedOffset>, t: SimTime) -> String {
    (start + Duration::seconds(t)).to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Everything `backsim restore` says, for --json.
#[derive(Serialize)]
pub struct RestoreReport<'a> {
    pub scenario: &'a str,
    pub replication: u64,
    /// The --at argument as given.
    pub asked_for: &'a str,
    /// The plan's moments as wall-clock times (the plan itself has them in seconds from start).
    pub requested_time: String,
    pub effective_target_time: String,
    pub base_snapshot_time: String,
    #[serde(flatten)]
    pub plan: &'a RestorePlan,
    pub total_seconds: f64,
    pub restored_server: &'a RestoredServer,
}

pub fn restore_text(report: &RestoreReport<'_>) -> String {
    let p = report.plan;
    let b = &p.breakdown;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Restore of \"{}\" requested at {} (replication {})",
        report.scenario, report.requested_time, report.replication
    );
    let _ = writeln!(
        out,
        "  target            {} → restores to {}",
        report.asked_for, report.effective_target_time
    );
    let _ = writeln!(
        out,
        "  base snapshot     {} ({:.1} GB)",
        report.base_snapshot_time, p.base_snapshot_gb
    );
    let _ = writeln!(out, "  binlog replayed   {:.2} GB\n", p.replay_gb);
    for (phase, secs) in [
        ("provision", b.provision),
        ("hydrate", b.hydrate),
        ("replay", b.replay),
        ("transfer", b.transfer),
        ("queue", b.queue),
    ] {
        let _ = writeln!(
            out,
            "  {phase:<10} {secs:>9.0} s   {}",
            human_duration(secs)
        );
    }
    let _ = writeln!(
        out,
        "  {:<10} {:>9.0} s   {}\n",
        "total",
        b.total(),
        human_duration(b.total())
    );
    let _ = writeln!(
        out,
        "  data-loss window  {:.0} s: writes between the restore point and the request that the new server lacks",
        p.data_loss_seconds
    );
    if p.failed_attempts > 0 {
        let _ = writeln!(
            out,
            "  failed attempts   {}: replay crossed a session that broke a foreign key with checks off (R7); \
             the restore lands {:.0} s earlier than asked",
            p.failed_attempts, p.extra_loss_seconds
        );
    }
    let s = report.restored_server;
    let _ = writeln!(
        out,
        "\nThe new server: in {}, {} backup redundancy, HA {}; its own first snapshot at once; the source keeps its backups.",
        s.region, s.redundancy, s.ha
    );
    let _ = writeln!(out, "Post-restore tasks:");
    for task in &s.post_restore_tasks {
        let _ = writeln!(out, "  - {task}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_naturally() {
        assert_eq!(human_duration(42.0), "42 s");
        assert_eq!(human_duration(1500.0), "25 min 0 s");
        assert_eq!(human_duration(11_570.0), "3 h 12 min");
    }
}
