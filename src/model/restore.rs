//! Restores (R1–R3, R5–R7): how long one takes from a given base snapshot and log volume, the
//! restore slots of a region (a resource with a capacity: a restore that finds them all busy
//! waits its turn), and what the restored server looks like.

use std::collections::VecDeque;

use serde::Serialize;

use super::config::{MysqlVersion, RestoreConfig, ServerConfig};
use crate::engine::SimTime;

/// Seconds spent in each phase of a restore (R3).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Breakdown {
    pub provision: f64,
    pub hydrate: f64,
    pub replay: f64,
    pub transfer: f64,
    pub queue: f64,
}

impl Breakdown {
    pub fn total(&self) -> f64 {
        self.provision + self.hydrate + self.replay + self.transfer + self.queue
    }

    pub fn add(&mut self, other: &Breakdown) {
        self.provision += other.provision;
        self.hydrate += other.hydrate;
        self.replay += other.replay;
        self.transfer += other.transfer;
        self.queue += other.queue;
    }

    pub fn scaled(&self, k: f64) -> Breakdown {
        Breakdown {
            provision: self.provision * k,
            hydrate: self.hydrate * k,
            replay: self.replay * k,
            transfer: self.transfer * k,
            queue: self.queue * k,
        }
    }
}

/// The data a restore moves: the base snapshot (whole database) and the binlog replayed on it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RestoreWork {
    pub snapshot_gb: f64,
    pub replay_gb: f64,
    /// Both cross to another region (geo-restore).
    pub cross_region: bool,
}

/// Restore time without waiting for a slot (R3): provisioning, then hydrating the snapshot
/// (proportional to its size, faster with more vCores), then replaying the binlog (slower when
/// tables lack primary keys), plus the cross-region copy of both for a geo-restore.
pub fn estimate(params: &RestoreConfig, server: &ServerConfig, work: RestoreWork) -> Breakdown {
    let vcores = server.vcores as f64;
    let no_pk_share = server.tables_without_pk_pct / 100.0;
    let replay_rate = params.replay_gb_per_hour_per_vcore * vcores
        / (1.0 + no_pk_share * (params.no_pk_replay_slowdown - 1.0));
    let hydrate_rate = params.hydrate_gb_per_hour_per_vcore * vcores;
    Breakdown {
        provision: params.provision as f64,
        hydrate: work.snapshot_gb / hydrate_rate * 3600.0,
        replay: work.replay_gb / replay_rate * 3600.0,
        transfer: if work.cross_region {
            (work.snapshot_gb + work.replay_gb) / params.cross_region_gb_per_hour * 3600.0
        } else {
            0.0
        },
        queue: 0.0,
    }
}

/// What the new server looks like and what its owner must still do (R1, R6).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RestoredServer {
    pub region: String,
    /// Backup redundancy of the new server: the source's, except that a geo-restore while the
    /// primary region is down comes up locally redundant (R4).
    pub redundancy: String,
    /// HA is never carried over: the new server starts without it.
    pub ha: &'static str,
    /// The new server's own first snapshot, taken as soon as it exists (B1).
    pub first_snapshot_at_s: SimTime,
    /// The source server keeps its own backups; nothing is copied to the new one.
    pub source_keeps_backups: bool,
    pub post_restore_tasks: Vec<&'static str>,
}

pub fn restored_server(
    server: &ServerConfig,
    completed_at: SimTime,
    region: &str,
    redundancy: &str,
) -> RestoredServer {
    let mut tasks = vec!["time_zone is reset to SYSTEM: set it again if the source changed it"];
    if server.mysql_version == MysqlVersion::V5_7 {
        tasks.push("event_scheduler is not copied (5.7): turn it back on if the source used it");
    }
    tasks.extend([
        "point clients and applications at the new server",
        "check server-level firewall and virtual network rules",
        "check logins and database-level permissions",
        "set up alerts again",
    ]);
    if server.ha != super::config::HighAvailability::None {
        tasks.push("re-enable high availability: the restored server has none");
    }
    RestoredServer {
        region: region.to_string(),
        redundancy: redundancy.to_string(),
        ha: "none",
        first_snapshot_at_s: completed_at,
        source_keeps_backups: true,
        post_restore_tasks: tasks,
    }
}

/// A region's restore slots: at most `capacity` restores run at once; the rest wait first come,
/// first served. The simulation tells it when jobs arrive and finish; it says which job starts.
#[derive(Debug, Clone)]
pub struct RestoreSlots<J> {
    capacity: usize,
    busy: usize,
    waiting: VecDeque<(SimTime, J)>,
    peak_waiting: usize,
}

impl<J> RestoreSlots<J> {
    pub fn new(capacity: u32) -> Self {
        Self {
            capacity: capacity.max(1) as usize,
            busy: 0,
            waiting: VecDeque::new(),
            peak_waiting: 0,
        }
    }

    /// A job arrives at `now`: returns it back if it can start at once (it then holds a slot).
    pub fn arrive(&mut self, now: SimTime, job: J) -> Option<J> {
        if self.busy < self.capacity {
            self.busy += 1;
            Some(job)
        } else {
            self.waiting.push_back((now, job));
            self.peak_waiting = self.peak_waiting.max(self.waiting.len());
            None
        }
    }

    /// A running job finished: the next waiting one (with its arrival time) takes the slot.
    pub fn finish(&mut self) -> Option<(SimTime, J)> {
        match self.waiting.pop_front() {
            Some(next) => Some(next),
            None => {
                self.busy = self.busy.saturating_sub(1);
                None
            }
        }
    }

    pub fn busy(&self) -> usize {
        self.busy
    }

    pub fn waiting(&self) -> usize {
        self.waiting.len()
    }

    pub fn peak_waiting(&self) -> usize {
        self.peak_waiting
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::config::HighAvailability;

    fn server(vcores: u32, no_pk: f64) -> ServerConfig {
        ServerConfig {
            mysql_version: MysqlVersion::V8_0,
            provisioned_storage_gb: 250.0,
            db_size_gb: 100.0,
            db_growth_gb_per_day: 0.0,
            ha: HighAvailability::ZoneRedundant,
            vcores,
            tables_without_pk_pct: no_pk,
            region: "eastus".into(),
        }
    }

    pub(crate) fn params() -> RestoreConfig {
        RestoreConfig {
            provision: 300,
            hydrate_gb_per_hour_per_vcore: 100.0,
            replay_gb_per_hour_per_vcore: 2.0,
            no_pk_replay_slowdown: 10.0,
            cross_region_gb_per_hour: 500.0,
            slots_per_region: 4,
            background_restores_per_hour: 0.0,
            background_restore_duration: 3600,
            outage_restore_surge: 1.0,
            detection_delay: 1800,
            unsafe_sessions_per_day: 0.0,
            failover: 120,
            geo_restore_region: "westus".into(),
        }
    }

    fn work(snapshot_gb: f64, replay_gb: f64) -> RestoreWork {
        RestoreWork {
            snapshot_gb,
            replay_gb,
            cross_region: false,
        }
    }

    /// R3: each factor moves the estimate the documented way.
    #[test]
    fn r3_estimate_follows_size_vcores_and_primary_keys() {
        let p = params();
        let base = estimate(&p, &server(4, 0.0), work(100.0, 20.0));
        let big = estimate(&p, &server(4, 0.0), work(1000.0, 20.0));
        assert!(big.hydrate >= 2.0 * base.hydrate);
        let more_cores = estimate(&p, &server(16, 0.0), work(100.0, 20.0));
        assert!(more_cores.total() < base.total());
        let no_pk = estimate(&p, &server(4, 100.0), work(100.0, 20.0));
        assert!(no_pk.replay > 5.0 * base.replay);
        let geo = estimate(
            &p,
            &server(4, 0.0),
            RestoreWork {
                cross_region: true,
                ..work(100.0, 20.0)
            },
        );
        assert!(geo.transfer > 0.0 && base.transfer == 0.0);
    }

    /// R1, R6: no HA on the new server, its first snapshot at once, the tasks listed.
    #[test]
    fn r1_r6_restored_server_has_no_ha_and_lists_tasks() {
        let mut s = server(4, 0.0);
        s.mysql_version = MysqlVersion::V5_7;
        let r = restored_server(&s, 5_000, "eastus", "local");
        assert_eq!(r.ha, "none");
        assert_eq!(r.first_snapshot_at_s, 5_000);
        assert!(r.source_keeps_backups);
        assert!(r.post_restore_tasks.iter().any(|t| t.contains("time_zone")));
        assert!(r
            .post_restore_tasks
            .iter()
            .any(|t| t.contains("event_scheduler")));
        assert!(r
            .post_restore_tasks
            .iter()
            .any(|t| t.contains("high availability")));
        let r8 = restored_server(&server(4, 0.0), 0, "eastus", "local");
        assert!(!r8
            .post_restore_tasks
            .iter()
            .any(|t| t.contains("event_scheduler")));
    }

    /// Slots: a job beyond capacity waits and starts when one finishes, in arrival order.
    #[test]
    fn slots_queue_first_come_first_served() {
        let mut slots = RestoreSlots::new(2);
        assert_eq!(slots.arrive(0, 'a'), Some('a'));
        assert_eq!(slots.arrive(0, 'b'), Some('b'));
        assert_eq!(slots.arrive(1, 'c'), None);
        assert_eq!(slots.arrive(2, 'd'), None);
        assert_eq!(slots.waiting(), 2);
        assert_eq!(slots.finish(), Some((1, 'c')));
        assert_eq!(slots.finish(), Some((2, 'd')));
        assert_eq!(slots.finish(), None);
        assert_eq!(slots.busy(), 1);
    }

    /// Twenty one-hour restores asked for at once: total waiting grows as the slots shrink.
    #[test]
    fn simultaneous_restores_wait_longer_with_fewer_slots() {
        let total_wait = |capacity: u32| {
            let mut slots = RestoreSlots::new(capacity);
            let mut finishing: Vec<SimTime> = Vec::new();
            let mut waited = 0;
            for job in 0..20 {
                if slots.arrive(0, job).is_some() {
                    finishing.push(3600);
                }
            }
            while let Some(pos) = (0..finishing.len()).min_by_key(|&i| finishing[i]) {
                let now = finishing.swap_remove(pos);
                if let Some((arrived, _)) = slots.finish() {
                    waited += now - arrived;
                    finishing.push(now + 3600);
                }
            }
            waited
        };
        let waits: Vec<SimTime> = [20, 8, 4, 2, 1].into_iter().map(total_wait).collect();
        assert_eq!(waits[0], 0, "enough slots: nobody waits");
        assert!(waits.windows(2).all(|w| w[1] > w[0]), "{waits:?}");
        // One slot: the k-th restore waits k hours.
        assert_eq!(waits[4], (0..20).sum::<SimTime>() * 3600);
    }
}
