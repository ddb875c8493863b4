//! Log backups (B2): every `log_backup_interval` on a fixed grid, each uploading the binlog
//! written since the last one that succeeded.

use crate::engine::{SimTime, Stream};

#[derive(Debug, Clone)]
pub struct LogBackups {
    interval: SimTime,
    next_tick: SimTime,
    /// Binlog written since the last successful log backup, GB.
    pending_gb: f64,
    failure_prob: f64,
    draws: Stream,
    uploaded: u64,
    failed: u64,
}

impl LogBackups {
    pub fn new(interval: SimTime, failure_prob: f64, draws: Stream) -> Self {
        Self {
            interval,
            next_tick: interval,
            pending_gb: 0.0,
            failure_prob,
            draws,
            uploaded: 0,
            failed: 0,
        }
    }

    /// When the next log backup is due.
    pub fn next_tick(&self) -> SimTime {
        self.next_tick
    }

    /// The tick due now has been handled.
    pub fn ticked(&mut self) {
        self.next_tick += self.interval;
    }

    pub fn interval(&self) -> SimTime {
        self.interval
    }

    /// Whether a log backup can fail (then each one draws, and none can be folded).
    pub fn can_fail(&self) -> bool {
        self.failure_prob > 0.0
    }

    /// `count` log backups ran, the last due at `last`, uploading everything pending.
    pub fn folded(&mut self, count: u64, last: SimTime) {
        self.uploaded += count;
        self.pending_gb = 0.0;
        self.next_tick = last + self.interval;
    }

    pub fn add_binlog(&mut self, gb: f64) {
        self.pending_gb += gb;
    }

    pub fn pending_gb(&self) -> f64 {
        self.pending_gb
    }

    /// A log backup due while the server takes writes. It fails with the configured chance
    /// (its binlog then waits for the next); drawn on every tick whenever log backups can fail,
    /// so that sweep points with different (non-zero) chances stay aligned — the stream serves
    /// nothing else, so skipping it when they cannot fail costs no alignment.
    pub fn due(&mut self) -> Option<f64> {
        let p = self.failure_prob;
        if p > 0.0 && self.draws.uniform() < p {
            self.failed += 1;
            None
        } else {
            Some(self.upload())
        }
    }

    /// Upload whatever is pending (a clean stop flushes the binlog this way, unconditionally).
    pub fn upload(&mut self) -> f64 {
        let gb = self.pending_gb;
        self.pending_gb = 0.0;
        self.uploaded += 1;
        gb
    }

    pub fn uploaded(&self) -> u64 {
        self.uploaded
    }

    pub fn failed(&self) -> u64 {
        self.failed
    }
}
