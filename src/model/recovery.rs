//! Recoveries (O1–O3): what each trouble cost, one record per incident, zone outage and
//! regional outage.

use serde::Serialize;

use crate::engine::SimTime;

/// What went wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RecoveryKind {
    /// A bad write or dropped table (O3): restored to just before it.
    Incident,
    /// The server's availability zone went down (O2).
    ZoneOutage,
    /// The primary region went down (O1).
    RegionOutage,
}

impl RecoveryKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RecoveryKind::Incident => "incident",
            RecoveryKind::ZoneOutage => "zone-outage",
            RecoveryKind::RegionOutage => "region-outage",
        }
    }

    pub const ALL: [RecoveryKind; 3] = [
        RecoveryKind::Incident,
        RecoveryKind::ZoneOutage,
        RecoveryKind::RegionOutage,
    ];
}

/// How it ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RecoveryOutcome {
    /// A restore brought a new server up.
    Restored,
    /// Zone-redundant HA failed over to the standby: no restore, no loss.
    FailedOver,
    /// The zone or region returned before the restore finished: the original server (with all
    /// its data) was serving again first, and the restore was called off.
    CameBackFirst,
    /// Nothing could bring the server back: it waited for its region (no geo-redundant
    /// backups) or had no backup to restore from.
    Unrecoverable,
}

impl RecoveryOutcome {
    pub fn as_str(self, kind: RecoveryKind) -> &'static str {
        match (self, kind) {
            (RecoveryOutcome::Restored, _) => "restored",
            (RecoveryOutcome::FailedOver, _) => "failed over",
            (RecoveryOutcome::CameBackFirst, RecoveryKind::ZoneOutage) => "zone came back first",
            (RecoveryOutcome::CameBackFirst, _) => "region came back first",
            (RecoveryOutcome::Unrecoverable, _) => "unrecoverable",
        }
    }
}

/// One trouble and its recovery.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct RecoveryRecord {
    pub kind: RecoveryKind,
    /// When the trouble began (the damage, or the outage).
    pub started: SimTime,
    /// The point the restored server holds; None when nothing was restored.
    pub restore_point: Option<SimTime>,
    /// Writes the service lost for good: those after the restore point (0 when the original
    /// server came back with its data).
    pub data_lost_s: f64,
    /// Waiting for a restore slot in the target region.
    pub wait_s: f64,
    /// The restore itself (provision, hydrate, replay, transfer; failed attempts included), as
    /// far as it ran.
    pub restore_s: f64,
    /// From the trouble's start until the server, or its replacement, was serving again.
    pub downtime_s: f64,
    pub outcome: RecoveryOutcome,
    /// Restore attempts that failed on an unsafe session (R7).
    pub failed_attempts: u32,
}
