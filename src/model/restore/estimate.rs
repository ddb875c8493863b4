//! How long a restore takes (R3): provisioning, hydrating the base snapshot, replaying the
//! binlog from it, and the cross-region copy of a geo-restore.

use serde::Serialize;

use crate::model::config::{RestoreConfig, ServerConfig};

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

/// The speeds of one server's restores (R3): seconds of provisioning, and seconds per GB
/// hydrated, replayed and copied across regions. Worked out once per server: restore plans
/// are on the hot path (every hour's probes).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rates {
    provision: f64,
    hydrate_s_per_gb: f64,
    replay_s_per_gb: f64,
    transfer_s_per_gb: f64,
}

/// How many times slower the binlog replays (R3): tables without a primary key replay
/// `no_pk_replay_slowdown` times slower, in proportion to their share.
pub fn replay_slowdown(params: &RestoreConfig, server: &ServerConfig) -> f64 {
    1.0 + server.tables_without_pk_pct / 100.0 * (params.no_pk_replay_slowdown - 1.0)
}

impl Rates {
    pub fn new(params: &RestoreConfig, server: &ServerConfig) -> Self {
        let vcores = server.vcores as f64;
        let replay_rate =
            params.replay_gb_per_hour_per_vcore * vcores / replay_slowdown(params, server);
        Self {
            provision: params.provision as f64,
            hydrate_s_per_gb: 3600.0 / (params.hydrate_gb_per_hour_per_vcore * vcores),
            replay_s_per_gb: 3600.0 / replay_rate,
            transfer_s_per_gb: 3600.0 / params.cross_region_gb_per_hour,
        }
    }

    /// Restore time without waiting for a slot: provisioning, then hydrating the snapshot
    /// (proportional to its size, faster with more vCores), then replaying the binlog, plus the
    /// cross-region copy of both for a geo-restore.
    pub fn estimate(&self, work: RestoreWork) -> Breakdown {
        Breakdown {
            provision: self.provision,
            hydrate: work.snapshot_gb * self.hydrate_s_per_gb,
            replay: work.replay_gb * self.replay_s_per_gb,
            transfer: if work.cross_region {
                (work.snapshot_gb + work.replay_gb) * self.transfer_s_per_gb
            } else {
                0.0
            },
            queue: 0.0,
        }
    }
}

/// Restore time without waiting for a slot (R3), for one restore.
pub fn estimate(params: &RestoreConfig, server: &ServerConfig, work: RestoreWork) -> Breakdown {
    Rates::new(params, server).estimate(work)
}

/// Restore settings for unit tests: 4 slots, nobody else restoring, round rates.
#[cfg(test)]
pub(crate) fn test_params() -> RestoreConfig {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::config::{HighAvailability, MysqlVersion};

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

    fn params() -> RestoreConfig {
        test_params()
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
}
