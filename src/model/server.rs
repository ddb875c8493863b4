//! The server's lifecycle (B7, R5, D2): running, stopped or deleted; its backup redundancy;
//! and when writes stopped, which anchors what can still be restored.

use std::collections::VecDeque;

use crate::engine::SimTime;
use crate::model::backups::snapshots::Availability;
use crate::model::config::Redundancy;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerState {
    Running,
    Stopped,
    /// Deleted at this moment: its backups are held for a restore (R5), billed to nobody.
    Deleted {
        at: SimTime,
    },
}

#[derive(Debug, Clone)]
pub struct Lifecycle {
    state: ServerState,
    redundancy: Redundancy,
    /// When writes last stopped (stop, deletion, regional outage), while they are stopped.
    writes_stopped_at: Option<SimTime>,
    /// Past stretches without writes (start, end), as far back as a restore can reach: the
    /// writes a restore lacks are counted in writing time, not wall-clock time.
    pauses: WritePauses,
}

/// Stretches in which nothing was written, oldest first.
pub type WritePauses = VecDeque<(SimTime, SimTime)>;

impl Lifecycle {
    pub fn new(redundancy: Redundancy) -> Self {
        Self {
            state: ServerState::Running,
            redundancy,
            writes_stopped_at: None,
            pauses: WritePauses::new(),
        }
    }

    pub fn state(&self) -> ServerState {
        self.state
    }

    pub fn running(&self) -> bool {
        self.state == ServerState::Running
    }

    pub fn deleted_at(&self) -> Option<SimTime> {
        match self.state {
            ServerState::Deleted { at } => Some(at),
            _ => None,
        }
    }

    pub fn redundancy(&self) -> Redundancy {
        self.redundancy
    }

    pub fn geo_redundant(&self) -> bool {
        self.redundancy == Redundancy::Geo
    }

    /// Can a snapshot be taken when one comes due, given whether the home region is down?
    pub fn availability(&self, region_down: bool) -> Availability {
        match self.state {
            ServerState::Running if region_down => Availability::RegionDown,
            ServerState::Running => Availability::Active,
            ServerState::Stopped => Availability::Stopped,
            ServerState::Deleted { .. } => Availability::Deleted,
        }
    }

    /// running, region-down, stopped or deleted (the hourly series' state column).
    pub fn label(&self, region_down: bool) -> &'static str {
        match self.state {
            ServerState::Running if region_down => "region-down",
            ServerState::Running => "running",
            ServerState::Stopped => "stopped",
            ServerState::Deleted { .. } => "deleted",
        }
    }

    /// S4: free backup storage equals the provisioned storage, only while the server runs.
    pub fn free_allowance_gb(&self, provisioned_gb: f64) -> f64 {
        match self.state {
            ServerState::Running => provisioned_gb,
            ServerState::Stopped | ServerState::Deleted { .. } => 0.0,
        }
    }

    /// Backup storage the owner is charged for, all copies (S3, S5), from the logical GB the
    /// store holds. A deleted server's backups are held for restore only and billed to nobody.
    pub fn billed_gb(&self, logical_gb: f64) -> f64 {
        match self.state {
            ServerState::Deleted { .. } => 0.0,
            _ => logical_gb * self.redundancy.storage_factor(),
        }
    }

    pub fn writes_stopped_at(&self) -> Option<SimTime> {
        self.writes_stopped_at
    }

    /// Writes stop at `now` (kept as the first such moment while they stay stopped).
    pub fn stop_writes(&mut self, now: SimTime) {
        if self.writes_stopped_at.is_none() {
            self.writes_stopped_at = Some(now);
        }
    }

    /// Writes resume at `now`; pauses that ended before `oldest_point` (no restore reaches
    /// back past it) are forgotten, so the history stays as short as the retention.
    pub fn resume_writes(&mut self, now: SimTime, oldest_point: SimTime) {
        if let Some(since) = self.writes_stopped_at.take() {
            if now > since {
                self.pauses.push_back((since, now));
            }
        }
        while self
            .pauses
            .front()
            .is_some_and(|&(_, end)| end < oldest_point)
        {
            self.pauses.pop_front();
        }
    }

    pub fn write_pauses(&self) -> &WritePauses {
        &self.pauses
    }

    pub fn stop(&mut self) {
        self.state = ServerState::Stopped;
    }

    pub fn start(&mut self) {
        self.state = ServerState::Running;
    }

    pub fn delete(&mut self, now: SimTime) {
        self.state = ServerState::Deleted { at: now };
    }

    /// D2: local backup storage becomes geo-redundant.
    pub fn enable_geo(&mut self) {
        self.redundancy = Redundancy::Geo;
    }
}
