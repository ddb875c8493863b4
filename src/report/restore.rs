use std::fmt::Write;

use chrono::{DateTime, Duration, FixedOffset, SecondsFormat};
use serde::Serialize;

use crate::analysis::Provenance;

use crate::engine::SimTime;
use crate::model::vault::CopySource;
use crate::model::{RestorePlan, RestoredServer, VaultPlan};

/// "3 h 12 min", "25 min", "40 s": restore times read by people.
pub fn human_duration(seconds: f64) -> String {
    // Rounded as `{:.0}` rounds (ties to even), so that "1498 s" is never shown beside
    // "24 min 59 s"; past an hour, to the nearest minute rather than cut down to it.
    let s = seconds.round_ties_even() as i64;
    let minutes = (seconds / 60.0).round_ties_even() as i64;
    if s < 60 {
        format!("{s} s")
    } else if s < 3600 {
        format!("{} min {} s", s / 60, s % 60)
    } else if minutes < 48 * 60 {
        format!("{} h {} min", minutes / 60, minutes % 60)
    } else {
        // Days of lost writes (a vault copy's): read in days and hours, not in 660 h.
        let hours = (seconds / 3600.0).round_ties_even() as i64;
        format!("{} d {} h", hours / 24, hours % 24)
    }
}

pub fn clock(start: DateTime<FixedOffset>, t: SimTime) -> String {
    (start + Duration::seconds(t)).to_rfc3339_opts(SecondsFormat::Secs, true)
}

pub use crate::model::vault::{EXPORT_PREVIEW, LONG_TERM_PREVIEW};

/// Everything `backsim restore` says about a restore from long-term copies, for --json.
#[derive(Serialize)]
pub struct VaultRestoreReport<'a> {
    pub scenario: &'a str,
    pub replication: u64,
    pub asked_for: &'a str,
    pub requested_time: String,
    pub target_time: String,
    pub copy_time: String,
    #[serde(flatten)]
    pub plan: &'a VaultPlan,
    pub preview: &'a str,
    pub provenance: &'a Provenance,
}

pub fn vault_restore_text(r: &VaultRestoreReport<'_>) -> String {
    let p = r.plan;
    let mut out = String::new();
    let source = match p.source {
        CopySource::Vault => "the long-term vault",
        CopySource::Export => "an export in your storage account",
    };
    let _ = writeln!(
        out,
        "Restore of \"{}\" to {} requested at {} (replication {}): older than the recovery window, from {source}",
        r.scenario, r.target_time, r.requested_time, r.replication
    );
    let _ = writeln!(
        out,
        "  copy              {} ({:.1} GB, a full backup: no log replay)",
        r.copy_time, p.copy_gb
    );
    if p.source == CopySource::Vault {
        let _ = writeln!(
            out,
            "  restore as files  {:>9.0} s   {}   (into a storage account: the preview does not restore a server)",
            p.files_seconds,
            human_duration(p.files_seconds)
        );
    }
    let _ = writeln!(
        out,
        "  load into server  {:>9.0} s   {}   (your own load of those files into a new server)",
        p.load_seconds,
        human_duration(p.load_seconds)
    );
    let _ = writeln!(
        out,
        "  total             {:>9.0} s   {}\n",
        p.total_seconds,
        human_duration(p.total_seconds)
    );
    let _ = writeln!(
        out,
        "  data-loss window  {:.0} s   {}: writing time between the copy and the point asked for",
        p.data_loss_seconds,
        human_duration(p.data_loss_seconds)
    );
    let _ = writeln!(out, "\n{}", r.preview);
    out
}

/// How the restore time of one target varies with the moment the restore is asked for.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RequestSpread {
    /// Requests tried, and how many could be planned (the rest were refused).
    pub requests: usize,
    pub planned: usize,
    /// The requests ran from `from` to `to`, one every `step_s` seconds.
    pub from: String,
    pub to: String,
    pub step_s: i64,
    pub p50_s: f64,
    pub p95_s: f64,
    pub worst_s: f64,
    pub worst_at: String,
    pub worst_time_of_day: String,
    pub best_s: f64,
    pub best_at: String,
    pub best_time_of_day: String,
    /// Requests whose restore point was a snapshot itself: nothing to replay.
    pub at_a_snapshot: usize,
    /// The request (seconds from the start) whose plan is shown: the median one.
    #[serde(skip)]
    pub p50_request_s: i64,
}

/// Everything `backsim restore` says, for --json.
#[derive(Serialize)]
pub struct RestoreReport<'a> {
    /// Without --request-at: the spread over request times; the plan is the median request's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spread: Option<&'a RequestSpread>,
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
    /// When the source was deleted before the request: when its backups are purged (R5).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_backups_until: Option<String>,
    pub provenance: &'a Provenance,
}

pub fn restore_text(report: &RestoreReport<'_>) -> String {
    let p = report.plan;
    let b = &p.breakdown;
    let mut out = String::new();
    if let Some(s) = report.spread {
        let _ = writeln!(
            out,
            "Restore to {} of \"{}\" (replication {}), asked for every {} through the last recovery window ({} to {}):",
            report.asked_for,
            report.scenario,
            report.replication,
            human_duration(s.step_s as f64),
            s.from,
            s.to
        );
        let _ = writeln!(
            out,
            "  p50 {}   p95 {}   worst {} (asked at {}, {})   best {} (asked at {}, {})",
            human_duration(s.p50_s),
            human_duration(s.p95_s),
            human_duration(s.worst_s),
            s.worst_time_of_day,
            s.worst_at,
            human_duration(s.best_s),
            s.best_time_of_day,
            s.best_at
        );
        if s.planned < s.requests {
            let _ = writeln!(
                out,
                "  {} of {} requests could not be planned (no backup, region down or server gone)",
                s.requests - s.planned,
                s.requests
            );
        }
        if s.at_a_snapshot > 0 && report.asked_for == "latest" {
            let _ = writeln!(
                out,
                "  {} of {} requests landed on a snapshot itself (nothing to replay): the best case",
                s.at_a_snapshot, s.planned
            );
        }
        let _ = writeln!(out, "\nThe median request, planned in full:\n");
    }
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
    let _ = writeln!(out, "  binlog replayed   {:.2} GB", p.replay_gb);
    if p.effective_target == p.base_snapshot_at {
        let _ = writeln!(
            out,
            "  (the restore point is the snapshot itself: nothing to replay)"
        );
    }
    let _ = writeln!(out);
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
        "  data-loss window  {:.0} s   {}: writes the new server lacks, from the restore point to the last write before the request",
        p.data_loss_seconds,
        human_duration(p.data_loss_seconds)
    );
    if p.unbacked_seconds > 0.0 {
        let _ = writeln!(
            out,
            "  binlog missing    the binlog after the last log backup before the target is in no backup yet (the next is due, or those since failed): the replay stops {:.0} s short",
            p.unbacked_seconds
        );
    }
    if p.past_newest_seconds > 0.0 {
        let newest = if b.transfer > 0.0 {
            "the newest point copied to the paired region by the request (copies follow each backup with a lag)"
        } else {
            "the newest restorable point at the request (the last log backup; the binlog since waits for the next)"
        };
        let _ = writeln!(
            out,
            "  past the newest   the chosen time lies {:.0} s after {newest}: the restore lands there",
            p.past_newest_seconds
        );
    }
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
        "\nThe new server: in {}, {} backup redundancy{}, HA {}; its own first snapshot at once; {}.",
        s.region,
        s.redundancy,
        s.redundancy_note
            .as_ref()
            .map_or(String::new(), |why| format!(" ({why})")),
        s.ha,
        report.source_backups_until.as_ref().map_or(
            "the source keeps its backups".to_string(),
            |until| format!(
                "the deleted source's backups are kept until {until} (5 days after its deletion), then purged"
            )
        )
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
        assert_eq!(human_duration(11_570.0), "3 h 13 min");
        // To the nearest minute, not cut down to it: 7:07:40 is nearer 7 h 8 min.
        assert_eq!(human_duration(25_660.0), "7 h 8 min");
        assert_eq!(human_duration(11_396.0), "3 h 10 min");
        assert_eq!(human_duration(3_599.6), "1 h 0 min");
        // Seconds round as the figure beside them does: 1498.5 is "1498 s" there.
        assert_eq!(format!("{:.0}", 1498.5), "1498");
        assert_eq!(human_duration(1498.5), "24 min 58 s");
        // Past two days, in days and hours: a vault copy's 27.5 days of lost writes.
        assert_eq!(human_duration(47.0 * 3600.0), "47 h 0 min");
        assert_eq!(human_duration(2_376_000.0), "27 d 12 h");
    }
}
