//! Per-region state, apart from any server's: a region's restore slots (shared by every
//! restore in it, other tenants' included) and whether it is down.

use super::restore::RestoreSlots;
use crate::engine::SimTime;

/// Which region: an index into the simulation's regions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RegionId(pub usize);

impl RegionId {
    /// The server's own region.
    pub const HOME: RegionId = RegionId(0);
    /// Where its geo-restores go: the paired region, or the one the scenario names (R4).
    pub const GEO_TARGET: RegionId = RegionId(1);
}

#[derive(Debug, Clone)]
pub struct Region<J> {
    pub slots: RestoreSlots<J>,
    /// Down since this moment (O1).
    down_since: Option<SimTime>,
}

impl<J> Region<J> {
    pub fn new(slots: u32) -> Self {
        Self {
            slots: RestoreSlots::new(slots),
            down_since: None,
        }
    }

    pub fn is_down(&self) -> bool {
        self.down_since.is_some()
    }

    pub fn go_down(&mut self, now: SimTime) {
        self.down_since = Some(now);
    }

    /// The region is back: how long it was down.
    pub fn come_back(&mut self, now: SimTime) -> SimTime {
        now - self.down_since.take().unwrap_or(now)
    }
}
