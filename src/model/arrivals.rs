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

#[derive(Debug, Clone)]
struct Poisson {
    draws: Stream,
    /// Mean seconds between arrivals; infinite when they never come.
    mean_gap: f64,
}

#[derive(Debug, Clone)]
pub struct Arrivals {
    processes: [Poisson; 6],
    horizon: SimTime,
}

impl Arrivals {
    pub fn new(cfg: &Config, streams: &Streams) -> Self {
        let (w, o, r) = (&cfg.workload, &cfg.outages, &cfg.restore);
        let process = |purpose, mean_gap| Poisson {
            draws: streams.stream(purpose),
            mean_gap,
        };
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
        let p = self.process(arrival);
        if !p.mean_gap.is_finite() {
            return None;
        }
        let gap = p.draws.exponential(p.mean_gap).round() as SimTime;
        let at = now.saturating_add(gap.max(1));
        (at < horizon).then_some(at)
    }

    /// A regional outage's length (lognormal hours), from the outages' own stream.
    pub fn region_outage_length(&mut self, mean_hours: f64, cv: f64) -> SimTime {
        let hours = self
            .process(Arrival::RegionOutage)
            .draws
            .lognormal(mean_hours, cv);
        (hours * HOUR as f64).round().max(1.0) as SimTime
    }
}
