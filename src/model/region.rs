//! The regions restores run in (R3, O1): each has a fixed number of restore slots shared by
//! every restore in it, other tenants' as well as the server's own, taken first come, first
//! served; and each may be down.
//!
//! Other tenants' restores arrive as a Poisson stream in the server's region, with more of them
//! in a region during an outage (O1, O2). They matter only to the server's own restores, so they
//! are worked out lazily: the regions stand still until one of the server's restores joins a
//! queue (or the run ends), then catch up in time order. Nothing about them reaches the run's
//! event queue, and the hours between the server's restores cost one draw per arrival. Other
//! tenants' waiting restores are a count and their lengths are drawn when they get a slot, so a
//! region that cannot keep up holds a number, not a list: memory stays bounded whatever the
//! rates.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

use crate::engine::{Purpose, SimTime, Stream, Streams, HOUR};
use crate::model::config::RestoreConfig;

/// Which region: an index into the simulation's regions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RegionId(pub usize);

impl RegionId {
    /// The server's own region.
    pub const HOME: RegionId = RegionId(0);
    /// Where its geo-restores go: the paired region, or the one the scenario names (R4).
    pub const GEO_TARGET: RegionId = RegionId(1);
}

/// A place in a region's line: a run of other tenants' restores, or one of the server's.
#[derive(Debug, Clone)]
enum InLine<J> {
    Others(u64),
    Own { arrived: SimTime, job: J },
}

#[derive(Debug, Clone)]
struct Region<J> {
    spec: RegionSpec,
    /// Other tenants' arrival gaps and restore lengths here.
    others: Stream,
    surge_draws: Stream,
    capacity: usize,
    /// Slots held, by anyone.
    busy: usize,
    line: VecDeque<InLine<J>>,
    waiting: u64,
    peak_waiting: u64,
}

/// What a region is like to restore in.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RegionSpec {
    /// Restores that can run at once (R3).
    pub slots: u32,
    /// Other tenants' restores an hour on an ordinary day, and their mean length in seconds.
    pub others_per_hour: f64,
    pub others_mean_seconds: f64,
    /// Whether those everyday restores are simulated here (a region the simulation only
    /// restores into during an outage sees just the outage's surge).
    pub everyday: bool,
    /// During an outage other tenants restore this many times as often (O1, O2).
    pub surge_factor: f64,
}

impl RegionSpec {
    /// The server's own region and its geo-restore target, as one scenario describes them.
    pub fn home_and_target(r: &RestoreConfig) -> [RegionSpec; 2] {
        let home = RegionSpec {
            slots: r.slots_per_region,
            others_per_hour: r.background_restores_per_hour,
            others_mean_seconds: r.background_restore_duration as f64,
            everyday: true,
            surge_factor: r.outage_restore_surge,
        };
        [
            home,
            RegionSpec {
                everyday: false,
                ..home
            },
        ]
    }
}

/// What the regions have due, in time order (then in the order it was scheduled).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Due {
    /// Another tenant's everyday restore.
    OthersArrive { region: RegionId },
    /// One more restore of an outage's surge.
    SurgeArrives { surge: usize },
    /// A restore holding a slot finishes.
    SlotFreed { region: RegionId },
}

/// Extra restores other tenants start in a region during an outage: a Poisson stream of `rate`
/// from `start` for `seconds`, drawn one gap at a time.
#[derive(Debug, Clone, Copy)]
struct Surge {
    region: RegionId,
    start: SimTime,
    seconds: f64,
    per_second: f64,
    /// Seconds from the start to the latest arrival drawn.
    offset: f64,
}

/// One of the server's restores got its slot at `now` after waiting since `arrived`.
#[derive(Debug, Clone, PartialEq)]
pub struct Started<J> {
    pub region: RegionId,
    pub arrived: SimTime,
    pub job: J,
}

#[derive(Debug, Clone)]
pub struct Regions<J> {
    regions: Vec<Region<J>>,
    due: BinaryHeap<Reverse<(SimTime, u64, Due)>>,
    scheduled: u64,
    now: SimTime,
    surges: Vec<Option<Surge>>,
    /// The server's restores waiting in some line: while any does, every due moment matters.
    own_waiting: usize,
}

impl<J> Regions<J> {
    /// Region `i` is `specs[i]`; its other tenants draw from their own streams (place `i`), and
    /// keep arriving past any horizon: a restore still waiting when a run ends is worked out
    /// behind them.
    pub fn new(specs: &[RegionSpec], streams: &Streams) -> Self {
        let region = |(i, spec): (usize, &RegionSpec)| Region {
            spec: *spec,
            others: streams.stream_of(Purpose::BackgroundRestores, i as u32),
            surge_draws: streams.stream_of(Purpose::SurgeRestores, i as u32),
            capacity: spec.slots.max(1) as usize,
            busy: 0,
            line: VecDeque::new(),
            waiting: 0,
            peak_waiting: 0,
        };
        let mut regions = Self {
            regions: specs.iter().enumerate().map(region).collect(),
            due: BinaryHeap::new(),
            scheduled: 0,
            now: 0,
            surges: Vec::new(),
            own_waiting: 0,
        };
        for (i, spec) in specs.iter().enumerate() {
            if spec.everyday {
                regions.next_others_arrival(RegionId(i));
            }
        }
        regions
    }

    fn schedule(&mut self, at: SimTime, due: Due) {
        self.due.push(Reverse((at, self.scheduled, due)));
        self.scheduled += 1;
    }

    fn next_others_arrival(&mut self, region: RegionId) {
        let r = &mut self.regions[region.0];
        let mean_gap = HOUR as f64 / r.spec.others_per_hour;
        if !mean_gap.is_finite() {
            return;
        }
        let gap = r.others.exponential(mean_gap).round() as SimTime;
        let at = self.now.saturating_add(gap.max(1));
        if at < SimTime::MAX {
            self.schedule(at, Due::OthersArrive { region });
        }
    }

    /// When the regions next need the simulation's attention: the next due moment while one of
    /// the server's restores waits for a slot, else never (they catch up on their own).
    pub fn next_due(&self) -> Option<SimTime> {
        if self.own_waiting == 0 {
            return None;
        }
        self.due.peek().map(|Reverse((at, _, _))| *at)
    }

    /// Handle what falls due up to `until` until one of the server's restores gets a slot:
    /// that one, and when; None once nothing of the server's is due by then.
    pub fn next_started(&mut self, until: SimTime) -> Option<(SimTime, Started<J>)> {
        while self.next_due()? <= until {
            if let Some(started) = self.step() {
                return Some((self.now, started));
            }
        }
        None
    }

    /// Handle the next due moment; returns the server's restore that got a slot, if one did.
    pub fn step(&mut self) -> Option<Started<J>> {
        let Reverse((at, _, due)) = self.due.pop()?;
        self.now = at;
        match due {
            Due::OthersArrive { region } => {
                self.next_others_arrival(region);
                self.others_join(region);
                None
            }
            Due::SurgeArrives { surge } => {
                let region = self.surges[surge]
                    .expect("a surge with arrivals is live")
                    .region;
                self.next_surge_arrival(surge);
                self.others_join(region);
                None
            }
            Due::SlotFreed { region } => self.free_slot(region),
        }
    }

    /// The moment of the last due thing handled.
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// Everything due up to and including `t` (none of the server's restores is waiting).
    pub fn catch_up(&mut self, t: SimTime) {
        while self.due.peek().is_some_and(|Reverse((at, _, _))| *at <= t) {
            let started = self.step();
            debug_assert!(
                started.is_none(),
                "the simulation steps while its restores wait"
            );
        }
        self.now = self.now.max(t);
    }

    fn others_join(&mut self, region: RegionId) {
        let r = &mut self.regions[region.0];
        if r.busy < r.capacity {
            r.busy += 1;
            self.others_start(region);
            return;
        }
        match r.line.back_mut() {
            Some(InLine::Others(n)) => *n += 1,
            _ => r.line.push_back(InLine::Others(1)),
        }
        r.waiting += 1;
        r.peak_waiting = r.peak_waiting.max(r.waiting);
    }

    /// Another tenant's restore takes a slot: its length is drawn now.
    fn others_start(&mut self, region: RegionId) {
        let r = &mut self.regions[region.0];
        let seconds = r.others.exponential(r.spec.others_mean_seconds).round() as SimTime;
        self.schedule(self.now + seconds.max(1), Due::SlotFreed { region });
    }

    fn free_slot(&mut self, region: RegionId) -> Option<Started<J>> {
        let r = &mut self.regions[region.0];
        match r.line.pop_front() {
            None => {
                r.busy = r.busy.saturating_sub(1);
                None
            }
            Some(InLine::Others(n)) => {
                if n > 1 {
                    r.line.push_front(InLine::Others(n - 1));
                }
                r.waiting -= 1;
                self.others_start(region);
                None
            }
            Some(InLine::Own { arrived, job }) => {
                r.waiting -= 1;
                self.own_waiting -= 1;
                Some(Started {
                    region,
                    arrived,
                    job,
                })
            }
        }
    }

    /// One of the server's restores reaches `region` at `now`: returned at once when a slot is
    /// free (it then holds it: say for how long with [`Regions::hold`]), else it waits its turn.
    pub fn join(&mut self, region: RegionId, now: SimTime, job: J) -> Option<J> {
        self.catch_up(now);
        let r = &mut self.regions[region.0];
        if r.busy < r.capacity {
            r.busy += 1;
            return Some(job);
        }
        r.line.push_back(InLine::Own { arrived: now, job });
        r.waiting += 1;
        r.peak_waiting = r.peak_waiting.max(r.waiting);
        self.own_waiting += 1;
        None
    }

    /// The server's restore that started in `region` holds its slot until `until`.
    pub fn hold(&mut self, region: RegionId, until: SimTime) {
        self.schedule(until, Due::SlotFreed { region });
    }

    /// An outage of `seconds` from `now` brings other tenants' restores in `region` to the
    /// surge factor times the everyday rate: where the everyday ones are simulated they keep
    /// coming, and the surge adds the rest; a region that only takes restores during outages
    /// gets the whole rate from the surge (it had given only the rest, too few by one everyday
    /// rate).
    pub fn surge(&mut self, region: RegionId, now: SimTime, seconds: f64) {
        let spec = &self.regions[region.0].spec;
        let added = if spec.everyday {
            spec.surge_factor - 1.0
        } else {
            spec.surge_factor
        };
        let per_second = spec.others_per_hour / HOUR as f64 * added;
        if per_second <= 0.0 || !per_second.is_finite() {
            return;
        }
        self.catch_up(now);
        let slot = match self.surges.iter().position(Option::is_none) {
            Some(free) => free,
            None => {
                self.surges.push(None);
                self.surges.len() - 1
            }
        };
        self.surges[slot] = Some(Surge {
            region,
            start: now,
            seconds,
            per_second,
            offset: 0.0,
        });
        self.next_surge_arrival(slot);
    }

    fn next_surge_arrival(&mut self, slot: usize) {
        let mut surge = self.surges[slot].expect("a live surge");
        let draws = &mut self.regions[surge.region.0].surge_draws;
        surge.offset += draws.exponential(1.0 / surge.per_second);
        if surge.offset >= surge.seconds {
            self.surges[slot] = None;
            return;
        }
        self.surges[slot] = Some(surge);
        let at = surge.start + surge.offset.round() as SimTime;
        self.schedule(at, Due::SurgeArrives { surge: slot });
    }

    /// The longest line any region has had so far, other tenants' restores included.
    pub fn peak_waiting(&self) -> u64 {
        self.regions
            .iter()
            .map(|r| r.peak_waiting)
            .max()
            .unwrap_or(0)
    }
}

/// What one server of a fleet asks of the fleet's shared regions, in its own region numbering
/// (home, geo target): replayed for all servers together, in time order, once each has run.
#[derive(Debug, Clone, PartialEq)]
pub enum FleetRequest<J> {
    /// One of its restores joins a region's line.
    Join {
        at: SimTime,
        region: RegionId,
        job: J,
    },
    /// An outage it saw sends other tenants' restores to a region (O1, O2).
    Surge {
        at: SimTime,
        region: RegionId,
        seconds: f64,
    },
}

/// Where a server's restores queue, and whether its own region is down (O1).
#[derive(Debug, Clone)]
pub struct Desk<J> {
    home_down_since: Option<SimTime>,
    lines: Lines<J>,
}

/// Regions of the server's own (a single-server run), or a fleet's, reached through requests
/// worked out after every server of the run has been simulated (a restore's wait changes
/// nothing the server does afterwards, only how its recovery ends).
#[derive(Debug, Clone)]
enum Lines<J> {
    Own(Regions<J>),
    Fleet(Vec<FleetRequest<J>>),
}

impl<J> Desk<J> {
    pub fn own(regions: Regions<J>) -> Self {
        Desk {
            home_down_since: None,
            lines: Lines::Own(regions),
        }
    }

    pub fn fleet() -> Self {
        Desk {
            home_down_since: None,
            lines: Lines::Fleet(Vec::new()),
        }
    }

    /// The server's next restore to get a slot by `until` (a fleet's wait in the fleet's own
    /// lines, later).
    pub fn next_started(&mut self, until: SimTime) -> Option<(SimTime, Started<J>)> {
        match &mut self.lines {
            Lines::Own(regions) => regions.next_started(until),
            Lines::Fleet(_) => None,
        }
    }

    /// A restore joins `region`'s line at `now`: returned when it holds a slot at once.
    pub fn join(&mut self, region: RegionId, now: SimTime, job: J) -> Option<J> {
        match &mut self.lines {
            Lines::Own(regions) => regions.join(region, now, job),
            Lines::Fleet(requests) => {
                requests.push(FleetRequest::Join {
                    at: now,
                    region,
                    job,
                });
                None
            }
        }
    }

    pub fn hold(&mut self, region: RegionId, until: SimTime) {
        if let Lines::Own(regions) = &mut self.lines {
            regions.hold(region, until);
        }
    }

    pub fn surge(&mut self, region: RegionId, now: SimTime, seconds: f64) {
        match &mut self.lines {
            Lines::Own(regions) => regions.surge(region, now, seconds),
            Lines::Fleet(requests) => requests.push(FleetRequest::Surge {
                at: now,
                region,
                seconds,
            }),
        }
    }

    /// Whether the server's own region is down.
    pub fn home_is_down(&self) -> bool {
        self.home_down_since.is_some()
    }

    pub fn home_goes_down(&mut self, now: SimTime) {
        self.home_down_since = Some(now);
    }

    /// The server's region is back: how long it was down.
    pub fn home_comes_back(&mut self, now: SimTime) -> SimTime {
        now - self.home_down_since.take().unwrap_or(now)
    }

    pub fn peak_waiting(&self) -> u64 {
        match &self.lines {
            Lines::Own(regions) => regions.peak_waiting(),
            Lines::Fleet(_) => 0,
        }
    }

    /// What the server asked of the fleet's regions (nothing for a server of its own).
    pub fn take_requests(&mut self) -> Vec<FleetRequest<J>> {
        match &mut self.lines {
            Lines::Own(_) => Vec::new(),
            Lines::Fleet(requests) => std::mem::take(requests),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn restore_config(per_hour: f64, minutes: i64, slots: u32) -> RestoreConfig {
        RestoreConfig {
            slots_per_region: slots,
            background_restores_per_hour: per_hour,
            background_restore_duration: minutes * 60,
            ..crate::model::restore::estimate::test_params()
        }
    }

    /// Nobody else restoring: the server's restores queue only behind each other, first come
    /// first served.
    #[test]
    fn own_restores_queue_first_come_first_served() {
        let r = restore_config(0.0, 60, 2);
        let streams = Streams::for_replication(1, 0);
        let mut regions: Regions<char> = Regions::new(&RegionSpec::home_and_target(&r), &streams);
        let home = RegionId::HOME;
        assert_eq!(regions.join(home, 0, 'a'), Some('a'));
        regions.hold(home, 100);
        assert_eq!(regions.join(home, 0, 'b'), Some('b'));
        regions.hold(home, 200);
        assert_eq!(regions.join(home, 10, 'c'), None);
        assert_eq!(regions.join(home, 20, 'd'), None);
        assert_eq!(regions.next_due(), Some(100));
        let c = regions.step().expect("c starts when a finishes");
        assert_eq!((regions.now, c.arrived, c.job), (100, 10, 'c'));
        regions.hold(home, 300);
        let d = regions.step().expect("d starts when b finishes");
        assert_eq!((regions.now, d.arrived, d.job), (200, 20, 'd'));
        regions.hold(home, 400);
        assert_eq!(regions.next_due(), None, "nothing of ours waits");
        assert_eq!(regions.peak_waiting(), 2);
        // The other region's slots are its own.
        assert_eq!(regions.join(RegionId::GEO_TARGET, 250, 'e'), Some('e'));
    }

    /// One slot and other tenants' restores of an hour on average (exponential) at 0.5 an hour:
    /// an M/M/1 queue with ρ = 0.5, where a newcomer waits ρ / (μ − λ) = 1 hour on average.
    /// One-second restores of our own, ten hours apart, see that mean (standard error ≈ 0.015).
    #[test]
    fn others_form_an_m_m_1_queue() {
        let r = restore_config(0.5, 60, 1);
        let streams = Streams::for_replication(3, 0);
        let mut regions: Regions<()> =
            Regions::new(&RegionSpec::home_and_target(&r)[..1], &streams);
        let mut waited = 0.0;
        let probes = 20_000;
        for k in 0..probes {
            let at = (k as SimTime) * 10 * HOUR + 7;
            if regions.join(RegionId::HOME, at, ()).is_some() {
                regions.hold(RegionId::HOME, at + 1);
                continue;
            }
            while regions.next_due().is_some() {
                if let Some(started) = regions.step() {
                    waited += (regions.now - started.arrived) as f64;
                    regions.hold(RegionId::HOME, regions.now + 1);
                }
            }
        }
        let mean_hours = waited / probes as f64 / HOUR as f64;
        assert!((mean_hours - 1.0).abs() < 0.06, "mean wait {mean_hours} h");
    }

    /// O1: during an outage the paired region, which sees no everyday restores of its own in a
    /// single server's run, takes other tenants' restores at the surge factor times the everyday
    /// rate, as the home region does in a zone outage: 3 × 2 an hour for 2,000 hours is 12,000
    /// arrivals (±110), where the surge's excess alone would be 8,000.
    #[test]
    fn o1_the_paired_region_takes_the_whole_surge() {
        let mut r = restore_config(2.0, 1_000_000, 1);
        r.outage_restore_surge = 3.0;
        let streams = Streams::for_replication(9, 0);
        let mut regions: Regions<()> = Regions::new(&RegionSpec::home_and_target(&r), &streams);
        let hours = 2_000;
        regions.surge(RegionId::GEO_TARGET, 0, (hours * HOUR) as f64);
        regions.catch_up(hours * HOUR);
        let target = &regions.regions[RegionId::GEO_TARGET.0];
        // Restores a million minutes long: the first holds the only slot, the rest wait.
        let arrived = target.waiting as f64 + target.busy as f64;
        assert!((arrived - 12_000.0).abs() < 450.0, "{arrived} arrivals");
    }

    /// A region swamped for a year by ten thousand times its usual restores holds a count,
    /// not a list: the line's length grows, its memory does not.
    #[test]
    fn a_swamped_region_holds_a_count() {
        let mut r = restore_config(1.0, 60, 2);
        r.outage_restore_surge = 10_000.0;
        let streams = Streams::for_replication(5, 0);
        let mut regions: Regions<()> = Regions::new(&RegionSpec::home_and_target(&r), &streams);
        regions.surge(RegionId::HOME, 0, (24 * HOUR) as f64);
        regions.catch_up(24 * HOUR);
        let home = &regions.regions[0];
        assert!(home.waiting > 200_000, "{}", home.waiting);
        assert!(home.line.len() <= 1, "{}", home.line.len());
        assert!(regions.due.len() <= 4, "{}", regions.due.len());
    }
}
