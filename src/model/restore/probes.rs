//! The restore-time distributions (R2, R3): at a random moment of every hour the server runs
//! after the warm-up, a restore to the latest point, one to the fastest point and one to a
//! random point of the recovery window are planned (no slot contention; R7 failures included).
//! One moment drawn in each hour samples every request time alike: probes on the hour saw only
//! the log backup just taken, never the minutes of binlog that wait for the next one, and put
//! one probe in 24 on the midnight snapshot.

use super::backups_view::Backups;
use super::estimate::{Breakdown, Rates, RestoreWork};
use super::plan::{plain_replay_to, plan, RestoreTarget};
use crate::engine::{SimTime, Stream, HOUR};
use serde::Serialize;

use crate::stats::LogHistogram;
use crate::stats::Quantiles;

/// The usual hour, worked out without planning in full: the server takes writes, its newest
/// backup is behind the probe, and no unsafe session (R7) lies after the newest snapshot. Then
/// the latest point replays everything logged since that snapshot and the fastest replays
/// nothing — what `plan` finds, in a few operations. None when anything is unusual.
fn plain_latest_and_fastest(
    backups: &Backups<'_>,
    rates: &Rates,
    at: SimTime,
    latest: SimTime,
) -> Option<[Breakdown; 2]> {
    if backups.deleted_at.is_some()
        || backups.region_down
        || backups.writes_stopped_at.is_some()
        || backups.latest_point > at
    {
        return None;
    }
    let base = backups.store.base_snapshot_for(latest)?;
    if backups
        .unsafe_moments
        .back()
        .is_some_and(|&u| u > base.time)
    {
        return None;
    }
    let work = |replay_gb| RestoreWork {
        snapshot_gb: base.full_gb,
        replay_gb,
        cross_region: false,
    };
    Some([
        rates.estimate(work((backups.latest_mark - base.binlog_mark).max(0.0))),
        rates.estimate(work(0.0)),
    ])
}

/// The restore-time distributions of one run, for pooling across runs.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RestoreDistributions {
    pub latest: LogHistogram,
    pub fastest: LogHistogram,
    pub custom: LogHistogram,
}

#[derive(Debug, Clone)]
pub struct Probes {
    /// The hour whose probe is due next, and the moment in it.
    hour: SimTime,
    next: SimTime,
    /// Probes before this (the warm-up) are planned but not counted: the recovery window of
    /// a young server is still short.
    counted_from: SimTime,
    draws: Stream,
    distributions: RestoreDistributions,
    /// Sums of each target's phases, for their means.
    breakdowns: [Breakdown; 3],
}

impl Probes {
    pub fn new(mut draws: Stream, counted_from: SimTime) -> Self {
        let next = HOUR + Self::moment_in_hour(&mut draws);
        Self {
            hour: HOUR,
            next,
            counted_from,
            draws,
            distributions: RestoreDistributions::default(),
            breakdowns: [Breakdown::default(); 3],
        }
    }

    fn moment_in_hour(draws: &mut Stream) -> SimTime {
        ((draws.uniform() * HOUR as f64) as SimTime).min(HOUR - 1)
    }

    /// When the next probe is due: the run stops its folded stretches there, so that the probe
    /// reads the backups as they stand at that moment.
    pub fn next_due(&self) -> SimTime {
        self.next
    }

    /// Probe every moment due before `t`; the backups are as they stand over that stretch.
    pub fn until(&mut self, t: SimTime, active: bool, backups: &Backups<'_>, rates: &Rates) {
        while self.next < t {
            self.probe(self.next, active, backups, rates);
            // Drawn every hour, running or not, to keep the stream aligned across sweep points.
            self.hour += HOUR;
            self.next = self.hour + Self::moment_in_hour(&mut self.draws);
        }
    }

    fn probe(&mut self, at: SimTime, active: bool, backups: &Backups<'_>, rates: &Rates) {
        let u = self.draws.uniform();
        if !active || at < self.counted_from {
            return;
        }
        let (earliest, latest) = backups.window_at(at);
        let custom = earliest + ((at - earliest) as f64 * u) as SimTime;
        if let Some([to_latest, to_fastest]) = plain_latest_and_fastest(backups, rates, at, latest)
        {
            self.record(0, &to_latest);
            self.record(1, &to_fastest);
            // The usual hour again: the random point's restore as `plan` would work it out.
            if let Some(to_custom) = plain_replay_to(backups, rates, custom.min(latest)) {
                self.record(2, &to_custom);
                return;
            }
        } else {
            for (i, target) in [RestoreTarget::Latest, RestoreTarget::Fastest]
                .into_iter()
                .enumerate()
            {
                if let Ok(plan) = plan(backups, rates, at, target, false) {
                    self.record(i, &plan.breakdown);
                }
            }
        }
        if let Ok(plan) = plan(backups, rates, at, RestoreTarget::At(custom), false) {
            self.record(2, &plan.breakdown);
        }
    }

    // Inlined so that a breakdown just computed stays in registers: passed through memory, its
    // fields were stored one by one and read back two at a time, a stall profiles showed.
    #[inline(always)]
    fn record(&mut self, target: usize, breakdown: &Breakdown) {
        let hist = match target {
            0 => &mut self.distributions.latest,
            1 => &mut self.distributions.fastest,
            _ => &mut self.distributions.custom,
        };
        hist.add(breakdown.total());
        self.breakdowns[target].add(breakdown);
    }

    /// Mean seconds per phase of the latest, fastest and custom probes.
    pub fn mean_breakdowns(&self) -> [Breakdown; 3] {
        let d = &self.distributions;
        let mut out = self.breakdowns;
        for (b, h) in out.iter_mut().zip([&d.latest, &d.fastest, &d.custom]) {
            *b = b.scaled(if h.count() > 0 {
                1.0 / h.count() as f64
            } else {
                0.0
            });
        }
        out
    }

    pub fn figures(&self) -> RestoreFigures {
        let d = &self.distributions;
        let [latest_breakdown, fastest_breakdown, custom_breakdown] = self.mean_breakdowns();
        RestoreFigures {
            latest_seconds: d.latest.quantiles_if_any(),
            fastest_seconds: d.fastest.quantiles_if_any(),
            custom_seconds: d.custom.quantiles_if_any(),
            latest_breakdown,
            fastest_breakdown,
            custom_breakdown,
        }
    }

    pub fn into_distributions(self) -> RestoreDistributions {
        self.distributions
    }
}

/// Restore times to the latest, fastest and a random custom point, probed at a random moment
/// of every hour while the server runs after the warm-up (no slot contention; R7 failures
/// included); None when no hour had one.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct RestoreFigures {
    pub latest_seconds: Option<Quantiles>,
    pub fastest_seconds: Option<Quantiles>,
    pub custom_seconds: Option<Quantiles>,
    /// Mean seconds per phase of those probes.
    pub latest_breakdown: Breakdown,
    pub fastest_breakdown: Breakdown,
    pub custom_breakdown: Breakdown,
}
