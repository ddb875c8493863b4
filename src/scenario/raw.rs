//! The scenario file as written: serde structs that only check shape (unknown keys, types).
//! `validate` turns them into a `Scenario` that cannot be invalid.

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawScenario {
    pub name: Option<String>,
    pub seed: Option<u64>,
    pub start: Option<toml::Value>,
    pub horizon_days: Option<f64>,
    /// Days (a number) or a duration ("36d", "0d").
    pub warmup_days: Option<toml::Value>,
    pub runs: Option<i64>,
    #[serde(default)]
    pub server: RawServer,
    #[serde(default)]
    pub workload: RawWorkload,
    #[serde(default)]
    pub backup: RawBackup,
    #[serde(default)]
    pub outages: RawOutages,
    #[serde(default)]
    pub restore: RawRestore,
    #[serde(default)]
    pub durability: RawDurability,
    #[serde(default)]
    pub cost: RawCost,
    #[serde(default)]
    pub long_term: RawLongTerm,
    #[serde(default)]
    pub events: Vec<RawEvent>,
    #[serde(default)]
    pub sweep: toml::Table,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawServer {
    /// A string ("5.7") or, forgivingly, a number (5.7).
    pub mysql_version: Option<toml::Value>,
    pub provisioned_storage_gb: Option<f64>,
    pub db_size_gb: Option<f64>,
    pub db_growth_gb_per_day: Option<f64>,
    pub ha: Option<String>,
    pub vcores: Option<i64>,
    pub tables_without_pk_pct: Option<f64>,
    pub region: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawWorkload {
    pub binlog_gb_per_day: Option<f64>,
    pub diurnal: Option<Vec<f64>>,
    pub weekly: Option<Vec<f64>>,
    pub bursts_per_day: Option<f64>,
    pub burst_multiplier: Option<f64>,
    pub burst_hours: Option<toml::Value>,
    pub long_txn_per_day: Option<f64>,
    pub long_txn_minutes: Option<toml::Value>,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawBackup {
    pub retention_days: Option<i64>,
    pub redundancy: Option<String>,
    pub log_backup_interval: Option<toml::Value>,
    pub retry_interval: Option<toml::Value>,
    pub snapshot_failure_pct: Option<f64>,
    pub failure_load_exponent: Option<f64>,
    pub log_backup_failure_pct: Option<f64>,
    pub extra_snapshot_binlog_gb: Option<f64>,
    pub snapshot_change_ratio: Option<f64>,
    pub snapshot_duration: Option<toml::Value>,
    pub geo_replication_lag_minutes: Option<toml::Value>,
    pub on_demand: Option<Vec<toml::Value>>,
    pub on_demand_limit: Option<i64>,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawOutages {
    pub region_outages_per_year: Option<f64>,
    pub region_outage_hours: Option<toml::Value>,
    pub zone_outages_per_year: Option<f64>,
    pub zone_outage_hours: Option<toml::Value>,
    pub region_outage_cv: Option<f64>,
    pub incidents_per_year: Option<f64>,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawRestore {
    pub provision_minutes: Option<toml::Value>,
    pub hydrate_gb_per_hour_per_vcore: Option<f64>,
    pub replay_gb_per_hour_per_vcore: Option<f64>,
    pub no_pk_replay_slowdown: Option<f64>,
    pub cross_region_gb_per_hour: Option<f64>,
    pub slots_per_region: Option<i64>,
    pub background_restores_per_hour: Option<f64>,
    pub background_restore_minutes: Option<toml::Value>,
    pub outage_restore_surge: Option<f64>,
    pub detection_minutes: Option<toml::Value>,
    pub unsafe_sessions_per_day: Option<f64>,
    pub failover_seconds: Option<toml::Value>,
    pub geo_restore_region: Option<String>,
    /// Timed test restores of the real server (`[[restore.measured]]`), for `backsim calibrate`.
    #[serde(default)]
    pub measured: Vec<RawMeasured>,
}

/// One timed test restore. Every field is optional here so that a missing one is reported with
/// its dotted key by validation rather than as a bare parse error.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawMeasured {
    pub database_gb: Option<f64>,
    /// The restore point's distance after its base snapshot ("6h"), or …
    pub after_snapshot: Option<toml::Value>,
    /// … the binlog the restore replayed.
    pub binlog_gb: Option<f64>,
    pub vcores: Option<i64>,
    pub target: Option<String>,
    pub minutes: Option<f64>,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawDurability {
    pub copies: Option<i64>,
    pub device_afr_pct: Option<f64>,
    pub rack_afr_pct: Option<f64>,
    pub repair_hours: Option<f64>,
    pub datacenter_loss_per_year: Option<f64>,
    pub zone_rebuild_hours: Option<f64>,
    pub region_loss_per_year: Option<f64>,
    pub geo_reseed_hours: Option<f64>,
    pub region_pair_loss_per_year: Option<f64>,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawLongTerm {
    pub enabled: Option<bool>,
    pub weekly_day: Option<String>,
    pub weekly_keep: Option<i64>,
    pub monthly_keep: Option<i64>,
    pub yearly_keep: Option<i64>,
    pub copies: Option<String>,
    pub vault_price_per_gb_month: Option<f64>,
    pub files_gb_per_hour: Option<f64>,
    pub load_gb_per_hour_per_vcore: Option<f64>,
    pub exports: Option<Vec<toml::Value>>,
    pub export_keep: Option<toml::Value>,
    pub export_price_per_gb_month: Option<f64>,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawCost {
    pub currency: Option<String>,
    pub price_per_gb_month: Option<f64>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawEvent {
    pub at: toml::Value,
    pub action: String,
    /// How long a "region-outage" lasts: "6h", "90m", or a bare number of hours.
    pub hours: Option<toml::Value>,
    /// The new retention of a "set-retention".
    pub retention_days: Option<i64>,
}
