//! The random things that arrive at random times (Poisson processes): bursts, long
//! transactions, unsafe sessions, incidents, zone and regional outages. Each draws from its own
//! stream, the same way whatever the other parameters. (Other tenants' restores arrive in the
//! regions' own time: see `region`.)

use crate::engine::{Purpose, SimTime, Stream, Streams, DAY, HOUR};
use crate::model::config::Config;

const YEAR: f64 = 365.0 * DAY as f64;

/// Which arrival process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arrival {
    Burst,
    LongTransaction,
    UnsafeSession,
    Incident,
    ZoneOutage,
    RegionOutage,
}

impl Arrival {
    /// In the order their first arrivals are drawn.
    pub const ALL: [Arrival; 6] = [
        Arrival::Burst,
        Arrival::LongTransaction,
        Arrival::UnsafeSession,
        Arrival::Incident,
        Arrival::ZoneOutage,
        Arrival::RegionOutage,
    ];
}

/// Arrivals at random (exponential gaps) from a stream of their own.
#[derive(Debug, Clone)]
pub(crate) struct Poisson {
    draws: Stream,
    /// Mean seconds between arrivals; infinite when they never come.
    mean_gap: f64,
}

impl Poisson {
    pub(crate) fn new(draws: Stream, mean_gap: f64) -> Self {
        Self { draws, mean_gap }
    }

    /// The next arrival after `now`, if it falls before `horizon` (a second later at least).
    pub(crate) fn next(&mut self, now: SimTime, horizon: SimTime) -> Option<SimTime> {
        if !self.mean_gap.is_finite() {
            return None;
        }
        let gap = self.draws.exponential(self.mean_gap).round() as SimTime;
        let at = now.saturating_add(gap.max(1));
        (at < horizon).then_some(at)
    }

    /// How long an arrival lasts, lognormal hours drawn from the same stream (a second at
    /// least).
    pub(crate) fn length(&mut self, mean_hours: f64, cv: f64) -> SimTime {
        let hours = self.draws.lognormal(mean_hours, cv);
        (hours * HOUR as f64).round().max(1.0) as SimTime
    }
}

#[derive(Debug, Clone)]
pub struct Arrivals {
    processes: [Poisson; 6],
    horizon: SimTime,
}

impl Arrivals {
    pub fn new(cfg: &Config, streams: &Streams) -> Self {
        let (w, o, r) = (&cfg.workload, &cfg.outages, &cfg.restore);
        let process = |purpose, mean_gap| Poisson::new(streams.stream(purpose), mean_gap);
        Self {
            processes: [
                process(Purpose::Bursts, DAY as f64 / w.bursts_per_day),
                process(Purpose::LongTransactions, DAY as f64 / w.long_txn_per_day),
                process(
                    Purpose::UnsafeSessions,
                    DAY as f64 / r.unsafe_sessions_per_day,
                ),
                process(Purpose::Incidents, YEAR / o.incidents_per_year),
                process(Purpose::Outages, YEAR / o.zone_outages_per_year),
                process(Purpose::RegionOutages, YEAR / o.region_outages_per_year),
            ],
            horizon: cfg.horizon,
        }
    }

    fn process(&mut self, arrival: Arrival) -> &mut Poisson {
        let i = Arrival::ALL
            .iter()
            .position(|&a| a == arrival)
            .expect("every arrival has a process");
        &mut self.processes[i]
    }

    /// The next arrival after `now`, if it falls inside the horizon.
    pub fn next(&mut self, arrival: Arrival, now: SimTime) -> Option<SimTime> {
        let horizon = self.horizon;
        self.process(arrival).next(now, horizon)
    }

    /// A regional outage's length (lognormal hours), from the outages' own stream.
    pub fn region_outage_length(&mut self, mean_hours: f64, cv: f64) -> SimTime {
        self.process(Arrival::RegionOutage).length(mean_hours, cv)
    }
}
