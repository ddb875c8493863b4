//! The heap events of one simulation, each saying which unit it is for. Only irregular things
//! are events: log backups run on their grid between them.

use crate::engine::SimTime;
use crate::model::config::ServerAction;

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Event {
    Snapshot(SnapshotEvent),
    Load(LoadEvent),
    /// A scripted stop, start, deletion or move to geo.
    Server(ServerAction),
    Trouble(TroubleEvent),
    /// For long-term retention and exports.
    Vault(VaultEvent),
}

/// For the vault and the exports (previews).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VaultEvent {
    /// An on-demand export is due.
    Export,
    /// An export's keeping time is up.
    ExportExpired,
    /// A vault copy has been kept as long as its tiers say.
    CopiesAgeOut,
}

/// For the snapshot schedule (B1, B3, B4, B6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SnapshotEvent {
    Daily,
    Retry,
    Extra,
    /// Writes resumed with a snapshot missed or failing.
    CatchUp,
    OnDemand,
}

/// For the write load.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoadEvent {
    BurstStart,
    BurstEnd,
    LongTxnStart,
    /// The end of a long transaction opened in this generation (see `Load`).
    LongTxnEnd {
        generation: u32,
    },
}

/// For the server's troubles and recoveries (O1–O3, R5, R7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TroubleEvent {
    /// A deleted server's restore window has closed: its backups go.
    PurgeDeleted,
    UnsafeSession,
    Incident,
    /// The damage of an incident is noticed and a restore to just before it is requested.
    IncidentNoticed {
        damage_at: SimTime,
    },
    ZoneOutage,
    /// The primary region goes down, for a scripted time or a sampled one.
    RegionOutage {
        duration: Option<SimTime>,
    },
    RegionRecovered,
    /// A restore planned at an outage reaches its region once the outage has been noticed.
    SubmitDelayedRestore,
}
