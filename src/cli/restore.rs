//! `backsim restore`: one what-if restore, or the spread over request times, with its plan.

use super::{overrides, print, say, RestoreArgs};
use crate::analysis::Provenance;
use crate::engine::Streams;
use crate::error::{Error, InputError};
use crate::model::restore::restored_server;
use crate::model::vault::CopySource;
use crate::model::{
    plan_over_requests, what_if_restore, what_if_vault_restore, RestoreRefusal, RestoreTarget,
    VaultRefusal, DELETED_SERVER_RESTORE_WINDOW,
};
use crate::report::{self, RequestSpread, RestoreReport};
use crate::scenario;
use crate::stats::nearest_rank;

pub(super) fn restore(args: RestoreArgs) -> Result<(), Error> {
    if args.out.is_some() {
        return Err(InputError::argument(
            "--out",
            "restore writes no files: it prints its plan (save it with --json > FILE.json); run, sweep, compare and fleet write output folders",
        )
        .into());
    }
    let loaded = scenario::load_recorded(&args.scenario, &overrides(&args.set)?)?;
    let provenance = Provenance::new(super::command_line(), &args.set, &loaded);
    let s = loaded.scenario;
    super::run::unused_sweep_table(&s, "restore plans");
    let Some(replication) = u64::try_from(args.replication)
        .ok()
        .filter(|&r| r < u64::from(s.runs))
    else {
        return Err(InputError::argument(
            "--replication",
            format!(
                "the scenario has {} runs, numbered 0 to {}; got {}{}",
                s.runs,
                s.runs - 1,
                args.replication,
                if args.replication > 0 {
                    " (raise runs with --set runs=N to reach it)"
                } else {
                    ""
                }
            ),
        )
        .into());
    };
    let horizon = s.config.horizon;
    let target = match args.at.as_str() {
        "latest" => RestoreTarget::Latest,
        "fastest" => RestoreTarget::Fastest,
        text => RestoreTarget::At(
            scenario::parse_moment("--at", text, s.start, horizon).map_err(|e| {
                InputError::argument(
                    "--at",
                    format!("expected latest, fastest or a time: {}", e.message),
                )
            })?,
        ),
    };
    let streams = Streams::for_replication(s.seed, replication);
    // Without a request time, the answer is how the restore time varies with the moment it is
    // asked for, then the plan of a typical (median) request.
    let spread = match (&args.request_at, target) {
        (None, RestoreTarget::Latest | RestoreTarget::Fastest) => {
            request_spread(&s, &streams, target, args.geo)
        }
        _ => None,
    };
    let request = match (&args.request_at, &spread) {
        (Some(text), _) => scenario::parse_moment("--request-at", text, s.start, horizon)
            .map_err(|e| InputError::argument("--request-at", e.message))?,
        (None, Some(spread)) => spread.p50_request_s,
        (None, None) => horizon,
    };
    let what_if = what_if_restore(&s.config, &streams, request, target, args.geo);
    // Older than the recovery window, or a server purged after deletion: long-term copies may
    // still reach back there.
    if let (RestoreTarget::At(point), Err(refusal), false) = (target, &what_if, args.geo) {
        let too_old =
            matches!(refusal, RestoreRefusal::OutOfWindow { earliest, .. } if point < *earliest);
        if (too_old || matches!(refusal, RestoreRefusal::Purged { .. })) && s.config.long_term.any()
        {
            return vault_restore(&s, &args, &streams, request, point, &provenance);
        }
    }
    // With the region down, --geo is worth suggesting only if a geo-restore could be planned
    // (geo-redundant by then, with something replicated); if not, why not.
    let geo_attempt = matches!(what_if, Err(RestoreRefusal::RegionDown))
        .then(|| what_if_restore(&s.config, &streams, request, target, true).map(|_| ()));
    // A geo-restore that finds nothing in the paired region, while the primary holds a backup.
    let nothing_arrived_yet = args.geo
        && matches!(what_if, Err(RestoreRefusal::NoBackups))
        && what_if_restore(&s.config, &streams, request, target, false).is_ok();
    let what_if = what_if.map_err(|refusal| {
        let when = |t| report::clock(s.start, t);
        // A geo-restore of a server without geo backups is the --geo's fault, not the point's.
        let flag = match refusal {
            RestoreRefusal::NotGeoRedundant => "--geo",
            _ => "--at",
        };
        let message = match refusal {
            RestoreRefusal::OutOfWindow { .. } if matches!(target, RestoreTarget::At(p) if p > request) => format!(
                "{} is after the request time ({}): a restore reaches only points before it is asked for; request later with --request-at, or choose an earlier --at",
                args.at,
                when(request)
            ),
            RestoreRefusal::OutOfWindow { earliest, latest } => format!(
                "{} is outside the recovery window at the request time ({}{}): choose a point from {} to {}{}",
                args.at,
                when(request),
                if args.request_at.is_none() { ", the end of the horizon" } else { "" },
                when(earliest),
                when(latest),
                if args.request_at.is_none() {
                    ", or ask earlier with --request-at"
                } else {
                    ""
                }
            ),
            RestoreRefusal::NoBackups if nothing_arrived_yet => format!(
                "nothing had reached the paired region by the request time ({}): copies arrive up to an hour after each backup; request later, or restore locally without --geo",
                when(request)
            ),
            RestoreRefusal::NoBackups => {
                "no snapshot exists yet at the request time, so there is nothing to restore from".to_string()
            }
            RestoreRefusal::RegionDown => match geo_attempt {
                Some(Ok(())) => "the primary region is down at the request time: only a geo-restore (--geo) can bring the server back".to_string(),
                // The copies are there, but not of the point asked for.
                Some(Err(RestoreRefusal::OutOfWindow { earliest, latest })) => format!(
                    "the primary region is down at the request time ({}), and a geo-restore (--geo) reaches only from {} to {}, the newest copy in the paired region: {} is outside that",
                    when(request),
                    when(earliest),
                    when(latest),
                    args.at
                ),
                Some(Err(RestoreRefusal::NoBackups)) => format!(
                    "the primary region is down at the request time ({}) and nothing had reached the paired region yet: nothing can be restored until the region returns; request later",
                    when(request)
                ),
                // Without geo-redundant backups there is nothing to suggest but waiting.
                _ => "the primary region is down at the request time and the backups are not geo-redundant: nothing can be restored until the region returns; request later, or --set backup.redundancy=geo to see what a geo-restore would give".to_string(),
            },
            RestoreRefusal::NotGeoRedundant => format!(
                "a geo-restore needs geo-redundant backups, but backup.redundancy is \"{}\" (--set backup.redundancy=geo to plan one)",
                s.config.backup.redundancy.as_str()
            ),
            RestoreRefusal::Purged { deleted_at } => format!(
                "the server was deleted at {}; its backups are purged 5 days later, at {}, and a restore must be requested before that (this request is at {})",
                when(deleted_at),
                when(deleted_at + DELETED_SERVER_RESTORE_WINDOW),
                when(request)
            ),
        };
        // Asked for the spread, the user gave no request time: say which one this is.
        let spread_tried = !matches!(target, RestoreTarget::At(_)) && args.request_at.is_none();
        let message = if spread_tried && spread.is_none() {
            format!("no request over the run's last recovery window could be planned; at the end of the run: {message}")
        } else {
            message
        };
        Error::from(InputError::argument(flag, message))
    })?;
    let plan = what_if.plan;
    let done = plan.requested_at + plan.breakdown.total().ceil() as i64;
    let (region, (redundancy, note)) = if args.geo {
        let target = s.config.restore.geo_restore_region.as_str();
        let redundancy =
            geo_restored_redundancy(&s.config.server.region, target, what_if.region_down);
        (target, redundancy)
    } else {
        (
            s.config.server.region.as_str(),
            (s.config.backup.redundancy.as_str(), None),
        )
    };
    let mut server = restored_server(&s.config.server, done, region, redundancy);
    server.redundancy_note = note;
    let report = RestoreReport {
        spread: spread.as_ref(),
        scenario: &s.name,
        replication,
        asked_for: &args.at,
        requested_time: report::clock(s.start, plan.requested_at),
        effective_target_time: report::clock(s.start, plan.effective_target),
        base_snapshot_time: report::clock(s.start, plan.base_snapshot_at),
        plan: &plan,
        total_seconds: plan.breakdown.total(),
        restored_server: &server,
        // A deleted source keeps its backups only for the 5-day window (R5).
        source_backups_until: what_if
            .source_deleted_at
            .map(|at| report::clock(s.start, at + DELETED_SERVER_RESTORE_WINDOW)),
        provenance: &provenance,
    };
    if args.json {
        let mut json = serde_json::to_vec_pretty(&report).expect("report serializes");
        json.push(b'\n');
        print(&String::from_utf8_lossy(&json));
    } else {
        say(&report::restore_text(&report));
    }
    Ok(())
}

/// A restore of `point` from the vault or the exports (previews), or why none reaches it.
fn vault_restore(
    s: &scenario::Scenario,
    args: &RestoreArgs,
    streams: &Streams,
    request: i64,
    point: i64,
    provenance: &Provenance,
) -> Result<(), Error> {
    let when = |t| report::clock(s.start, t);
    let plan = what_if_vault_restore(&s.config, streams, request, point).map_err(|refusal| {
        let message = match refusal {
            VaultRefusal::TooOld {
                oldest: Some(oldest),
            } => format!(
                "{} is older than anything kept: the oldest long-term copy is from {}",
                args.at,
                when(oldest)
            ),
            VaultRefusal::TooOld { oldest: None } | VaultRefusal::NotConfigured => format!(
                "{} is outside the recovery window and no long-term copy exists yet",
                args.at
            ),
        };
        Error::from(InputError::argument("--at", message))
    })?;
    let report = report::VaultRestoreReport {
        scenario: &s.name,
        // Checked to be a run of the scenario on entry.
        replication: args.replication as u64,
        asked_for: &args.at,
        requested_time: when(plan.requested_at),
        target_time: when(plan.target),
        copy_time: when(plan.copy_at),
        plan: &plan,
        preview: match plan.source {
            CopySource::Vault => report::LONG_TERM_PREVIEW,
            CopySource::Export => report::EXPORT_PREVIEW,
        },
        provenance,
    };
    if args.json {
        let mut json = serde_json::to_vec_pretty(&report).expect("report serializes");
        json.push(b'\n');
        print(&String::from_utf8_lossy(&json));
    } else {
        say(&report::vault_restore_text(&report));
    }
    Ok(())
}

/// Restores to `target` asked for every 10 min 7 s (so that requests fall at every phase of the
/// 5-minute log grid) through the last recovery window of the run.
fn request_spread(
    s: &scenario::Scenario,
    streams: &Streams,
    target: RestoreTarget,
    geo: bool,
) -> Option<RequestSpread> {
    const STEP: i64 = 607;
    let c = &s.config;
    let to = c.horizon;
    // The window in force at the end: a "set-retention" may have changed the scenario's.
    let from = (to - c.retention_at(to).window()).max(0);
    let requests: Vec<i64> = (from..to).step_by(STEP as usize).collect();
    let mut planned: Vec<(f64, i64, bool)> = plan_over_requests(c, streams, &requests, target, geo)
        .into_iter()
        .filter_map(|(at, plan)| {
            plan.ok().map(|p| {
                (
                    p.breakdown.total(),
                    at,
                    p.effective_target == p.base_snapshot_at,
                )
            })
        })
        .collect();
    if planned.is_empty() {
        return None;
    }
    planned.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let rank = |q: f64| *nearest_rank(&planned, q);
    let (p50, p95) = (rank(0.5), rank(0.95));
    let (best, worst) = (planned[0], planned[planned.len() - 1]);
    let time_of_day = |t: i64| {
        (s.start + chrono::Duration::seconds(t))
            .format("%H:%M")
            .to_string()
    };
    Some(RequestSpread {
        requests: requests.len(),
        planned: planned.len(),
        from: report::clock(s.start, from),
        to: report::clock(s.start, to),
        step_s: STEP,
        p50_s: p50.0,
        p95_s: p95.0,
        worst_s: worst.0,
        worst_at: report::clock(s.start, worst.1),
        worst_time_of_day: time_of_day(worst.1),
        best_s: best.0,
        best_at: report::clock(s.start, best.1),
        best_time_of_day: time_of_day(best.1),
        at_a_snapshot: planned.iter().filter(|p| p.2).count(),
        p50_request_s: p50.1,
    })
}

/// The backup redundancy a geo-restored server has in `target`, and why, where it is local.
fn geo_restored_redundancy(
    primary: &str,
    target: &str,
    primary_down: bool,
) -> (&'static str, Option<String>) {
    use crate::model::GeoRestoredBackups;
    match crate::model::geo_restored_backups(primary, target, primary_down) {
        GeoRestoredBackups::LocalNoPair => (
            "local",
            Some(format!(
                "{target} has no paired region to hold geo-redundant backups"
            )),
        ),
        GeoRestoredBackups::LocalPairDown { pair } => (
            "local",
            Some(format!(
                "geo cannot be enabled while {pair}, {target}'s pair and the primary region, is down"
            )),
        ),
        GeoRestoredBackups::Geo => ("geo", None),
    }
}
