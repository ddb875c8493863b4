//! The random things that arrive at random times (Poisson processes): bursts, long
//! transactions, unsafe sessions, incidents, zone and regional outages, other tenants'
//! restores. Each draws from its own stream, the same way whatever the other parameters.

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
    /// Another tenant's restore in the server's region.
    BackgroundRestore,
}

impl Arrival {
    /// In the order their first arrivals are drawn.
    pub const ALL: [Arrival; 7] = [
        Arrival::Burst,
        Arrival::LongTransaction,
        Arrival::UnsafeSession,
        Arrival::Incident,
        Arrival::ZoneOutage,
        Arrival::RegionOutage,
        Arrival::BackgroundRestore,
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
    processes: [Poisson; 7],
    /// Other tenants' extra restores during an outage.
    surge: Stream,
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
                process(
                    Purpose::BackgroundRestores,
                    HOUR as f64 / r.background_restores_per_hour,
                ),
            ],
            surge: streams.stream(Purpose::SurgeRestores),
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

    /// Another tenant's restore length (exponential), from the background restores' stream.
    pub fn background_duration(&mut self, mean: f64) -> SimTime {
        self.process(Arrival::BackgroundRestore)
            .draws
            .exponential(mean)
            .round() as SimTime
    }

    /// Offsets (seconds from now) of the extra restores other tenants start during an outage
    /// of `seconds`, at `rate_per_second`.
    pub fn surge(&mut self, rate_per_second: f64, seconds: f64) -> Vec<SimTime> {
        let mut out = Vec::new();
        if rate_per_second <= 0.0 {
            return out;
        }
        let mut t = 0.0;
        loop {
            t += self.surge.exponential(1.0 / rate_per_second);
            if t >= seconds {
                return out;
            }
            out.push(t.round() as SimTime);
        }
    }
}
