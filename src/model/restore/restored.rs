//! The server a restore creates (R1, R6): its settings and the tasks left to its owner.

use serde::Serialize;

use crate::engine::SimTime;
use crate::model::config::{HighAvailability, MysqlVersion, ServerConfig};

/// What the new server looks like and what its owner must still do (R1, R6).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RestoredServer {
    pub region: String,
    /// Backup redundancy of the new server: the source's, except that a geo-restore while the
    /// primary region is down comes up locally redundant (R4).
    pub redundancy: String,
    /// Why it is not the source's, where it is not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redundancy_note: Option<String>,
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
    if server.ha != HighAvailability::None {
        tasks.push("re-enable high availability: the restored server has none");
    }
    RestoredServer {
        region: region.to_string(),
        redundancy: redundancy.to_string(),
        redundancy_note: None,
        ha: "none",
        first_snapshot_at_s: completed_at,
        source_keeps_backups: true,
        post_restore_tasks: tasks,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server(ha: HighAvailability) -> ServerConfig {
        ServerConfig {
            mysql_version: MysqlVersion::V8_0,
            provisioned_storage_gb: 250.0,
            db_size_gb: 100.0,
            db_growth_gb_per_day: 0.0,
            ha,
            vcores: 4,
            tables_without_pk_pct: 0.0,
            region: "eastus".into(),
        }
    }

    /// R1, R6: no HA on the new server, its first snapshot at once, the tasks listed.
    #[test]
    fn r1_r6_restored_server_has_no_ha_and_lists_tasks() {
        let mut s = server(HighAvailability::ZoneRedundant);
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
        let r8 = restored_server(
            &server(HighAvailability::ZoneRedundant),
            0,
            "eastus",
            "local",
        );
        assert!(!r8
            .post_restore_tasks
            .iter()
            .any(|t| t.contains("event_scheduler")));
    }
}
