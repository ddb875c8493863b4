//! Restoring a point older than the recovery window from long-term copies (previews): the
//! vault restores *as files* into a storage account (restoring as a server is not offered yet),
//! an export already is such files, and the owner loads them into a new server — a full
//! backup, with no log replay.

use serde::Serialize;

use super::backups_view::Backups;
use crate::engine::SimTime;
use crate::model::config::LongTermConfig;
use crate::model::vault::{CopySource, Vault};

/// A restore from a vault copy or an export.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VaultPlan {
    pub requested_at: SimTime,
    /// The point asked for, and the copy's point that a restore brings back (at or before it).
    pub target: SimTime,
    pub copy_at: SimTime,
    pub source: CopySource,
    /// The whole database at the copy.
    pub copy_gb: f64,
    /// Restoring a vault copy as files into a storage account (assumed rate); none for an
    /// export, which is those files already.
    pub files_seconds: f64,
    /// Loading those files into a new server yourself (assumed rate per vCore).
    pub load_seconds: f64,
    pub total_seconds: f64,
    /// Writing time between the copy and the point asked for, which the copy lacks (none
    /// while the server was stopped, deleted or its region down).
    pub data_loss_seconds: f64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VaultRefusal {
    /// Neither long-term retention nor exports are configured.
    NotConfigured,
    /// Nothing long-term reaches back to the point: the oldest there is, if any.
    TooOld { oldest: Option<SimTime> },
}

/// Plan a restore of `target` requested at `request` from what the vault and the exports hold;
/// `writes` says when the server wrote (the local backups themselves are not read).
pub fn plan(
    vault: &Vault,
    policy: &LongTermConfig,
    vcores: u32,
    request: SimTime,
    target: SimTime,
    writes: &Backups<'_>,
) -> Result<VaultPlan, VaultRefusal> {
    if !policy.any() {
        return Err(VaultRefusal::NotConfigured);
    }
    let (copy, source) = vault.copy_for(target).ok_or(VaultRefusal::TooOld {
        oldest: vault.oldest_point(),
    })?;
    // An export already is physical backup files in the owner's storage account; only the
    // vault's preview has to restore a copy as files first.
    let files_seconds = match source {
        CopySource::Vault => copy.full_gb / policy.files_gb_per_hour * 3600.0,
        CopySource::Export => 0.0,
    };
    let load_seconds = copy.full_gb / (policy.load_gb_per_hour_per_vcore * vcores as f64) * 3600.0;
    Ok(VaultPlan {
        requested_at: request,
        target,
        copy_at: copy.at,
        source,
        copy_gb: copy.full_gb,
        files_seconds,
        load_seconds,
        total_seconds: files_seconds + load_seconds,
        data_loss_seconds: writes.writes_lost(copy.at, target) as f64,
    })
}
