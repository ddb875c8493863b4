//! The write load as a fluid: a piecewise-constant binlog rate (diurnal × weekly profile, times a
//! burst multiplier while a burst is on). Volumes between any two instants come from a prefix sum
//! over the week, so no event is needed for the hourly changes of rate.

use super::config::{WallClock, WorkloadConfig};
use crate::engine::{SimTime, DAY, HOUR};

/// The server's write load: the profile, the bursts and long transactions open now, and the
/// binlog written so far.
#[derive(Debug, Clone)]
pub struct Load {
    profile: LoadProfile,
    burst_multiplier: f64,
    active_bursts: u32,
    active_long_txns: u32,
    /// Bumped when the open long transactions are rolled back together (a stop, a deletion, a
    /// regional outage): the end each of them had scheduled then finds nothing to end.
    long_txn_generation: u32,
    written_gb: f64,
    /// Binlog GB per second (multiplier 1) in the hour ending at the second value.
    hour_rate: (f64, SimTime),
}

impl Load {
    pub fn new(workload: &WorkloadConfig, clock: WallClock) -> Self {
        Self {
            profile: LoadProfile::new(workload, clock),
            burst_multiplier: workload.burst_multiplier,
            active_bursts: 0,
            active_long_txns: 0,
            long_txn_generation: 0,
            written_gb: 0.0,
            hour_rate: (0.0, SimTime::MIN + HOUR),
        }
    }

    fn burst_factor(&self) -> f64 {
        if self.active_bursts > 0 {
            self.burst_multiplier
        } else {
            1.0
        }
    }

    /// The binlog written over [now, t) at the current burst state; it adds to the total.
    pub fn write(&mut self, now: SimTime, t: SimTime) -> f64 {
        let gb = self.volume(now, t) * self.burst_factor();
        self.written_gb += gb;
        gb
    }

    /// `times` more spans of `gb` binlog each, added one by one exactly as `write` would add
    /// them over the same span at the same rate: the folded log backups repeat the last span's
    /// volume without recomputing it.
    pub fn write_again_times(&mut self, gb: f64, times: u64) {
        let mut written = self.written_gb;
        for _ in 0..times {
            written += gb;
        }
        self.written_gb = written;
    }

    /// Binlog GB (at burst multiplier 1) written from `now` to `t`. Most calls stay inside the
    /// current hour, where the rate is constant: those use the cached rate.
    fn volume(&mut self, now: SimTime, t: SimTime) -> f64 {
        let (rate, until) = self.hour_rate;
        if now >= until - HOUR && t <= until {
            return (t - now) as f64 * rate;
        }
        let volume = self.profile.volume(now, t);
        let hour_end = self.profile.hour_end(t);
        self.hour_rate = (self.profile.gb_per_hour_at(t) / HOUR as f64, hour_end);
        volume
    }

    /// Binlog GB per second at `t`, bursts included; constant until `rate_end(t)`.
    pub fn gb_per_second_at(&self, t: SimTime) -> f64 {
        self.gb_per_hour_at(t) / HOUR as f64
    }

    /// The end of the wall-clock hour containing `t`: the rate holds until then (bursts change
    /// only at events).
    pub fn rate_end(&self, t: SimTime) -> SimTime {
        self.profile.hour_end(t)
    }

    /// Binlog GB written since creation: every backup carries this mark.
    pub fn written_gb(&self) -> f64 {
        self.written_gb
    }

    /// The load multiplier at `t` (profile × burst): snapshot failures rise with it (B3).
    pub fn multiplier_at(&self, t: SimTime) -> f64 {
        self.profile.multiplier_at(t) * self.burst_factor()
    }

    /// Binlog GB per hour at `t`, bursts included.
    pub fn gb_per_hour_at(&self, t: SimTime) -> f64 {
        self.profile.gb_per_hour_at(t) * self.burst_factor()
    }

    pub fn burst_started(&mut self) {
        self.active_bursts += 1;
    }

    pub fn burst_ended(&mut self) {
        self.active_bursts -= 1;
    }

    /// A long transaction opens; its end must come back with the generation returned.
    pub fn long_transaction_started(&mut self) -> u32 {
        self.active_long_txns += 1;
        self.long_txn_generation
    }

    /// A long transaction of `generation` runs to its end; false if it had been rolled back.
    pub fn long_transaction_ended(&mut self, generation: u32) -> bool {
        if generation != self.long_txn_generation {
            return false;
        }
        self.active_long_txns -= 1;
        true
    }

    /// The server's sessions end (a stop, a deletion, its region going down): every open long
    /// transaction is rolled back, the documented cure for a 5.7 snapshot it blocks. Returns
    /// how many were open.
    pub fn roll_back_long_transactions(&mut self) -> u32 {
        let open = std::mem::take(&mut self.active_long_txns);
        if open > 0 {
            self.long_txn_generation = self.long_txn_generation.wrapping_add(1);
        }
        open
    }

    /// A long transaction is open: on 5.7 it holds the lock a snapshot needs (B5).
    pub fn long_transaction_open(&self) -> bool {
        self.active_long_txns > 0
    }
}

const WEEK: SimTime = 7 * DAY;
const HOURS_PER_WEEK: usize = 168;

#[derive(Debug, Clone)]
pub struct LoadProfile {
    /// Second of the week (Monday 00:00 = 0) at t = 0.
    origin: SimTime,
    /// Load multiplier (diurnal × weekly) for each hour of the week.
    multiplier: [f64; HOURS_PER_WEEK],
    /// Binlog GB per second at multiplier 1.
    gb_per_second: f64,
    /// Cumulative GB at multiplier-weighted rate from the start of the week to each hour.
    prefix_gb: [f64; HOURS_PER_WEEK + 1],
}

impl LoadProfile {
    pub fn new(workload: &WorkloadConfig, clock: WallClock) -> Self {
        let mut multiplier = [0.0; HOURS_PER_WEEK];
        for (h, m) in multiplier.iter_mut().enumerate() {
            *m = workload.diurnal[h % 24] * workload.weekly[h / 24];
        }
        let gb_per_second = workload.binlog_gb_per_day / DAY as f64;
        let mut prefix_gb = [0.0; HOURS_PER_WEEK + 1];
        for h in 0..HOURS_PER_WEEK {
            prefix_gb[h + 1] = prefix_gb[h] + multiplier[h] * gb_per_second * HOUR as f64;
        }
        Self {
            origin: clock.start_weekday as SimTime * DAY + clock.start_second_of_day as SimTime,
            multiplier,
            gb_per_second,
            prefix_gb,
        }
    }

    fn hour_of_week(&self, t: SimTime) -> usize {
        (((self.origin + t).rem_euclid(WEEK)) / HOUR) as usize
    }

    /// Diurnal × weekly multiplier in force at `t` (without bursts).
    pub fn multiplier_at(&self, t: SimTime) -> f64 {
        self.multiplier[self.hour_of_week(t)]
    }

    /// The end of the wall-clock hour containing `t`, exclusive: the rate holds until then.
    pub fn hour_end(&self, t: SimTime) -> SimTime {
        t - (self.origin + t).rem_euclid(HOUR) + HOUR
    }

    /// Binlog GB per hour at `t` at burst multiplier 1.
    pub fn gb_per_hour_at(&self, t: SimTime) -> f64 {
        self.multiplier_at(t) * self.gb_per_second * HOUR as f64
    }

    /// GB written from the start of the week containing t = 0 up to `t`.
    fn cumulative(&self, t: SimTime) -> f64 {
        let absolute = self.origin + t;
        let weeks = absolute.div_euclid(WEEK);
        let second = absolute.rem_euclid(WEEK);
        let hour = (second / HOUR) as usize;
        let into_hour = (second - hour as SimTime * HOUR) as f64;
        weeks as f64 * self.prefix_gb[HOURS_PER_WEEK]
            + self.prefix_gb[hour]
            + into_hour * self.multiplier[hour] * self.gb_per_second
    }

    /// Binlog GB written in [from, to) at burst multiplier 1.
    pub fn volume(&self, from: SimTime, to: SimTime) -> f64 {
        if to <= from {
            return 0.0;
        }
        // Within one hour the rate is constant: skip the large cumulative sums (and their rounding).
        let hour_start = from - (self.origin + from).rem_euclid(HOUR);
        if to <= hour_start + HOUR {
            return (to - from) as f64 * self.multiplier_at(from) * self.gb_per_second;
        }
        self.cumulative(to) - self.cumulative(from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn workload(diurnal: [f64; 24], weekly: [f64; 7]) -> WorkloadConfig {
        WorkloadConfig {
            binlog_gb_per_day: 24.0,
            diurnal,
            weekly,
            bursts_per_day: 0.0,
            burst_multiplier: 1.0,
            burst_duration: HOUR,
            long_txn_per_day: 0.0,
            long_txn_duration: HOUR,
        }
    }

    #[test]
    fn flat_profile_writes_the_daily_volume() {
        let clock = WallClock {
            start_weekday: 2,
            start_second_of_day: 5_000,
        };
        let p = LoadProfile::new(&workload([1.0; 24], [1.0; 7]), clock);
        assert!((p.volume(0, DAY) - 24.0).abs() < 1e-9);
        assert!((p.volume(123, 123 + 30 * DAY) - 720.0).abs() < 1e-7);
        assert!((p.volume(10, 310) - 300.0 / 3600.0).abs() < 1e-12);
    }

    #[test]
    fn volume_is_additive_and_follows_the_profile() {
        let mut diurnal = [0.5; 24];
        for d in diurnal.iter_mut().skip(8).take(12) {
            *d = 1.5;
        }
        let clock = WallClock {
            start_weekday: 0,
            start_second_of_day: 0,
        };
        let p = LoadProfile::new(&workload(diurnal, [1.0; 7]), clock);
        // Night hour: 0.5 GB/h; day hour: 1.5 GB/h.
        assert!((p.volume(0, HOUR) - 0.5).abs() < 1e-12);
        assert!((p.volume(9 * HOUR, 10 * HOUR) - 1.5).abs() < 1e-12);
        let (a, b, c) = (1_234, 50_000, 200_000);
        assert!((p.volume(a, b) + p.volume(b, c) - p.volume(a, c)).abs() < 1e-9);
        assert!((p.volume(0, DAY) - 24.0).abs() < 1e-9);
    }
}
