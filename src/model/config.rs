//! The validated description of one simulated server: what the model runs on. Built by
//! `scenario` from a file; every value here is already in range.

use crate::engine::{SimTime, DAY};
use crate::stats::durability::Layout;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MysqlVersion {
    V5_7,
    V8_0,
}

impl MysqlVersion {
    pub fn as_str(self) -> &'static str {
        match self {
            MysqlVersion::V5_7 => "5.7",
            MysqlVersion::V8_0 => "8.0",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HighAvailability {
    None,
    SameZone,
    ZoneRedundant,
}

impl HighAvailability {
    pub fn as_str(self) -> &'static str {
        match self {
            HighAvailability::None => "none",
            HighAvailability::SameZone => "same-zone",
            HighAvailability::ZoneRedundant => "zone-redundant",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Redundancy {
    Local,
    Zone,
    Geo,
}

impl Redundancy {
    pub fn as_str(self) -> &'static str {
        match self {
            Redundancy::Local => "local",
            Redundancy::Zone => "zone",
            Redundancy::Geo => "geo",
        }
    }

    /// How the copies are laid out, for the durability model (D1).
    pub fn layout(self) -> Layout {
        match self {
            Redundancy::Local => Layout::Local,
            Redundancy::Zone => Layout::Zone,
            Redundancy::Geo => Layout::Geo,
        }
    }

    /// How many times each backed-up gigabyte is counted in backup storage (S5).
    pub fn storage_factor(self) -> f64 {
        match self {
            Redundancy::Geo => 2.0,
            Redundancy::Local | Redundancy::Zone => 1.0,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerAction {
    Stop,
    Start,
    Delete,
    /// The primary region goes down for this long (O1).
    RegionOutage {
        duration: SimTime,
    },
    /// Move local backup storage to geo-redundant (D2 allows local → geo, not zone → geo).
    EnableGeo,
    /// Change the backup retention (S1 allows it after creation): a shorter one lets the
    /// backups it no longer needs go at once, a longer one keeps what would have aged out.
    SetRetention {
        days: u32,
    },
}

impl ServerAction {
    pub fn as_str(self) -> &'static str {
        match self {
            ServerAction::Stop => "stop",
            ServerAction::Start => "start",
            ServerAction::Delete => "delete",
            ServerAction::RegionOutage { .. } => "region-outage",
            ServerAction::EnableGeo => "enable-geo",
            ServerAction::SetRetention { .. } => "set-retention",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Seconds east of UTC of the scenario's wall clock, and the weekday and second-of-day at
    /// t = 0: the diurnal and weekly profiles are read on this clock.
    pub clock: WallClock,
    pub horizon: SimTime,
    pub server: ServerConfig,
    pub workload: WorkloadConfig,
    pub backup: BackupConfig,
    pub outages: OutageConfig,
    pub restore: RestoreConfig,
    pub cost: CostConfig,
    /// Long-term retention in a backup vault, and exported backups (both previews).
    pub long_term: LongTermConfig,
    /// Stop / start / delete, sorted by time.
    pub events: Vec<(SimTime, ServerAction)>,
    /// Storage, allowance and cost headlines are measured from here on: by default once the
    /// backup set is full (retention + 1 days), so that the filling start does not dilute them.
    pub measured_from: SimTime,
    /// The calendar months the horizon touches, in order: each month's bill is summed apart.
    pub months: Vec<BillingMonth>,
}

/// The part of one calendar month that the run covers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BillingMonth {
    /// 1 = January.
    pub month_of_year: u32,
    /// Simulated seconds [from, to) inside the month.
    pub from: SimTime,
    pub to: SimTime,
    /// The whole calendar month's length: a month's GB-months are its GB·seconds over this.
    pub length: SimTime,
}

impl BillingMonth {
    /// The run covers only part of this month (it starts or ends inside it).
    pub fn partial(&self) -> bool {
        self.to - self.from < self.length
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WallClock {
    /// 0 = Monday.
    pub start_weekday: u32,
    pub start_second_of_day: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ServerConfig {
    pub mysql_version: MysqlVersion,
    pub provisioned_storage_gb: f64,
    pub db_size_gb: f64,
    pub db_growth_gb_per_day: f64,
    pub ha: HighAvailability,
    pub vcores: u32,
    pub tables_without_pk_pct: f64,
    pub region: String,
}

impl Config {
    /// The retention in force at `t`: the scenario's, or the last "set-retention" at or before.
    pub fn retention_at(&self, t: SimTime) -> Retention {
        let days = self
            .events
            .iter()
            .filter(|&&(at, _)| at <= t)
            .rev()
            .find_map(|&(_, action)| match action {
                ServerAction::SetRetention { days } => Some(days),
                _ => None,
            })
            .unwrap_or(self.backup.retention_days);
        Retention(days)
    }

    /// The backup redundancy in force at the end of the horizon (after any local → geo move).
    pub fn final_redundancy(&self) -> Redundancy {
        if self
            .events
            .iter()
            .any(|(_, a)| *a == ServerAction::EnableGeo)
        {
            Redundancy::Geo
        } else {
            self.backup.redundancy
        }
    }

    /// The retention in days in force at the end of the horizon (after any "set-retention"), as
    /// `final_redundancy` is the redundancy's.
    pub fn final_retention_days(&self) -> u32 {
        self.retention_at(self.horizon).0
    }

    /// When the backup set of the retention in force at the end is first full (see
    /// `backup_set_full_at`).
    pub fn backup_set_full_at(&self) -> SimTime {
        backup_set_full_at(self.backup.retention_days, &self.events)
    }

    /// "7", or "35 → 14" when a "set-retention" changes it (the last one stands).
    pub fn retention_label(&self) -> String {
        let (first, last) = (self.backup.retention_days, self.final_retention_days());
        if first == last {
            first.to_string()
        } else {
            format!("{first} → {last}")
        }
    }

    /// "local", or "local → geo" when the scenario moves it.
    pub fn redundancy_label(&self) -> String {
        let (first, last) = (self.backup.redundancy, self.final_redundancy());
        if first == last {
            first.as_str().to_string()
        } else {
            format!("{} → {}", first.as_str(), last.as_str())
        }
    }
}

impl ServerConfig {
    pub fn db_size_at(&self, t: SimTime) -> f64 {
        self.db_size_gb + self.db_growth_gb_per_day * t as f64 / DAY as f64
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct WorkloadConfig {
    pub binlog_gb_per_day: f64,
    /// Normalised to mean 1, so `binlog_gb_per_day` stays the mean daily volume.
    pub diurnal: [f64; 24],
    /// Normalised to mean 1, Monday first.
    pub weekly: [f64; 7],
    pub bursts_per_day: f64,
    pub burst_multiplier: f64,
    pub burst_duration: SimTime,
    pub long_txn_per_day: f64,
    pub long_txn_duration: SimTime,
}

#[derive(Debug, Clone, PartialEq)]
pub struct BackupConfig {
    pub retention_days: u32,
    pub redundancy: Redundancy,
    pub log_backup_interval: SimTime,
    pub retry_interval: SimTime,
    /// Chance (0..1) that a snapshot attempt fails at load multiplier 1.
    pub snapshot_failure_prob: f64,
    /// The failure chance scales with load^exponent.
    pub failure_load_exponent: f64,
    pub log_backup_failure_prob: f64,
    /// Binlog written since the last snapshot that triggers an extra one (B4); infinite = never.
    pub extra_snapshot_binlog_gb: f64,
    /// Changed data in an incremental snapshot per GB of binlog written since the previous one.
    pub snapshot_change_ratio: f64,
    pub snapshot_duration: SimTime,
    /// Mean of the exponential delay before a backup reaches the paired region, before each
    /// draw is capped at `GEO_LAG_CAP` (so the delays' own mean is a little lower: 14.7 min for
    /// 15 min).
    pub geo_lag_mean: f64,
    /// Requested on-demand backups, sorted by time.
    pub on_demand: Vec<SimTime>,
    pub on_demand_limit: u32,
}

/// Documented: a backup reaches the paired region at most an hour after it is taken (D3).
pub const GEO_LAG_CAP: SimTime = 3_600;

impl BackupConfig {
    /// Backups are kept for retention + 1 day (S2).
    pub fn keep_for(&self) -> SimTime {
        Retention(self.retention_days).keep_for()
    }

    /// The recovery window: any point this far back can be restored.
    pub fn window(&self) -> SimTime {
        Retention(self.retention_days).window()
    }
}

/// When the backups kept reach the full depth of the last retention in force: retention + 1
/// days after creation, or after a "set-retention" once the oldest backup kept is that old. A
/// shorter retention is full at once (its surplus goes); a longer one fills for the difference.
pub fn backup_set_full_at(retention_days: u32, events: &[(SimTime, ServerAction)]) -> SimTime {
    let (mut keep, mut oldest, mut changed_at) = (Retention(retention_days).keep_for(), 0, 0);
    for &(at, action) in events {
        if let ServerAction::SetRetention { days } = action {
            oldest = (at - keep).max(oldest);
            keep = Retention(days).keep_for();
            changed_at = at;
        }
    }
    changed_at.max(oldest + keep)
}

/// A backup retention in days, and what it keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention(pub u32);

impl Retention {
    /// Backups are kept for retention + 1 day (S2).
    pub fn keep_for(self) -> SimTime {
        (self.0 as SimTime + 1) * DAY
    }

    /// The recovery window: any point this far back can be restored.
    pub fn window(self) -> SimTime {
        self.0 as SimTime * DAY
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct OutageConfig {
    pub region_outages_per_year: f64,
    pub region_outage_hours: f64,
    pub zone_outages_per_year: f64,
    pub zone_outage_hours: f64,
    /// Spread of regional outage lengths (coefficient of variation of a lognormal; 0 = fixed).
    pub region_outage_cv: f64,
    pub incidents_per_year: f64,
}

/// How long a restore takes and what it competes with (R3), and the random events that call for
/// one (O3, R7). Rates are per vCore of the restored server.
#[derive(Debug, Clone, PartialEq)]
pub struct RestoreConfig {
    pub provision: SimTime,
    pub hydrate_gb_per_hour_per_vcore: f64,
    pub replay_gb_per_hour_per_vcore: f64,
    /// Replay of changes to tables without a primary key is this many times slower.
    pub no_pk_replay_slowdown: f64,
    pub cross_region_gb_per_hour: f64,
    /// Restores that can run at once in a region; more wait in line.
    pub slots_per_region: u32,
    /// Other tenants' restores in the region (Poisson), and their mean length.
    pub background_restores_per_hour: f64,
    pub background_restore_duration: SimTime,
    /// Background restore demand is multiplied by this during a zone or region outage.
    pub outage_restore_surge: f64,
    /// From the damage (O3) to the restore request.
    pub detection_delay: SimTime,
    /// Sessions that write rows breaking a foreign key with the checks off (R7), per day.
    pub unsafe_sessions_per_day: f64,
    /// Downtime of a zone-redundant HA failover (O2).
    pub failover: SimTime,
    /// Where a geo-restore goes: the paired region, or another chosen one (R4).
    pub geo_restore_region: String,
}

/// How a vault stores its copies (a stated assumption: the preview does not say).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VaultCopies {
    /// Every copy is a whole, independent copy of the database.
    Full,
    /// The oldest kept copy is whole; each later one holds the data changed since the one
    /// before it.
    Incremental,
}

/// Long-term retention (preview, paused by the service): the first snapshot of each week, month
/// and year is copied to a backup vault in a separate fault domain and kept there for the
/// newest `weekly_keep` weeks, `monthly_keep` months and `yearly_keep` years (up to 10).
/// Exports (preview) are physical backups copied to the user's own storage account.
#[derive(Debug, Clone, PartialEq)]
pub struct LongTermConfig {
    pub enabled: bool,
    /// 0 = Monday: the week's copy is its first snapshot on or after this day.
    pub weekly_day: u32,
    pub weekly_keep: u32,
    pub monthly_keep: u32,
    pub yearly_keep: u32,
    pub copies: VaultCopies,
    pub vault_price_per_gb_month: f64,
    /// Restoring vault files into a storage account (restore as files).
    pub files_gb_per_hour: f64,
    /// The user's own load of those files into a new server, per vCore.
    pub load_gb_per_hour_per_vcore: f64,
    /// On-demand exports, sorted by time, each kept for `export_keep`.
    pub exports: Vec<SimTime>,
    pub export_keep: SimTime,
    pub export_price_per_gb_month: f64,
}

impl LongTermConfig {
    pub const OFF: LongTermConfig = LongTermConfig {
        enabled: false,
        weekly_day: 6,
        weekly_keep: 0,
        monthly_keep: 0,
        yearly_keep: 0,
        copies: VaultCopies::Full,
        vault_price_per_gb_month: 0.0,
        files_gb_per_hour: 1.0,
        load_gb_per_hour_per_vcore: 1.0,
        exports: Vec::new(),
        export_keep: 0,
        export_price_per_gb_month: 0.0,
    };

    /// Exports matter even without the vault.
    pub fn any(&self) -> bool {
        self.enabled || !self.exports.is_empty()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct CostConfig {
    pub currency: String,
    pub price_per_gb_month: f64,
}

#[cfg(test)]
mod tests {
    use super::*;

    const fn set(at_days: SimTime, days: u32) -> (SimTime, ServerAction) {
        (at_days * DAY, ServerAction::SetRetention { days })
    }

    /// By hand: 7 days keeps 8, full on day 8. Cut 35 → 14 on day 60: full at the cut. Raised
    /// 7 → 35 on day 60: the oldest kept is from day 52, 36 days old on day 88. Raised 7 → 35 on
    /// day 3, before the set is full: from day 0, full on day 36. Two changes, 7 → 35 on day
    /// 20 then 35 → 14 on day 40: oldest from day 12, the 15 days kept reached on day 40 itself.
    #[test]
    fn backup_set_full_after_retention_changes() {
        let stop = (5 * DAY, ServerAction::Stop);
        assert_eq!(backup_set_full_at(7, &[]), 8 * DAY);
        assert_eq!(backup_set_full_at(7, &[stop]), 8 * DAY);
        assert_eq!(backup_set_full_at(35, &[set(60, 14)]), 60 * DAY);
        assert_eq!(backup_set_full_at(7, &[set(60, 35)]), 88 * DAY);
        assert_eq!(backup_set_full_at(7, &[set(3, 35)]), 36 * DAY);
        assert_eq!(backup_set_full_at(7, &[set(20, 35), set(40, 14)]), 40 * DAY);
        assert_eq!(backup_set_full_at(7, &[set(20, 35), set(30, 7)]), 30 * DAY);
    }
}
