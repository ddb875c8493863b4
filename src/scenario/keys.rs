//! Every scenario key, declared once: its dotted path, kind with default and allowed range, unit,
//! meaning, where the default comes from, and how to read its effective value back. This one
//! table drives validation, the `init` template and the report's parameter echo.

use crate::engine::{SimTime, DAY};
use crate::model::VaultCopies;
use crate::stats::durability::DurabilityParams;

use super::Scenario;

/// Where a default comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The service's documentation says so.
    Documented,
    /// The documentation is silent: a stated assumption, to be replaced by your own figure.
    Assumption,
    /// Yours to choose (names, sizes, prices, how long and how often to simulate).
    Setting,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Documented => "documented",
            Source::Assumption => "assumption",
            Source::Setting => "setting",
        }
    }
}

/// What values a key takes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    /// A number in [min, max]; `above_zero` excludes 0.
    Number {
        default: f64,
        min: f64,
        max: f64,
        above_zero: bool,
    },
    Integer {
        default: i64,
        min: i64,
        max: i64,
    },
    /// A duration written "90s", "30m", "6h", "7d"; a bare number counts in `number_unit`
    /// seconds (minutes for a `_minutes` key).
    Duration {
        default: &'static str,
        min: SimTime,
        max: SimTime,
        number_unit: SimTime,
    },
    Choice {
        default: &'static str,
        allowed: &'static [&'static str],
    },
    /// Free text; `None` as default means the key is optional and has no default value.
    Text {
        default: Option<&'static str>,
    },
    /// Anything else with a default as TOML text (lists, times); validated by hand.
    Other {
        default: &'static str,
    },
}

/// One scenario key.
#[derive(Debug, Clone, Copy)]
pub struct Key {
    pub path: &'static str,
    pub kind: Kind,
    pub unit: &'static str,
    pub doc: &'static str,
    pub source: Source,
    /// The effective value in a validated scenario, as the report shows it.
    pub value: fn(&Scenario) -> String,
}

impl Key {
    /// The key's name inside its table.
    pub fn name(&self) -> &'static str {
        self.path.rsplit('.').next().unwrap_or(self.path)
    }

    /// The table it belongs to ("" for the top level).
    pub fn table(&self) -> &'static str {
        self.path.rsplit_once('.').map_or("", |(t, _)| t)
    }

    /// The largest value a number key allows (unbounded for the others).
    pub fn largest(&self) -> f64 {
        match self.kind {
            Kind::Number { max, .. } => max,
            _ => f64::INFINITY,
        }
    }

    /// The default as TOML text, when there is one.
    pub fn default_toml(&self) -> Option<String> {
        match self.kind {
            Kind::Number { default, .. } => Some(number_text(default)),
            Kind::Integer { default, .. } => Some(default.to_string()),
            Kind::Duration { default, .. } | Kind::Choice { default, .. } => {
                Some(format!("\"{default}\""))
            }
            Kind::Text { default } => default.map(|d| format!("\"{d}\"")),
            Kind::Other { default } => Some(default.to_string()),
        }
    }
}

/// A number as TOML writes it: always with a decimal point or exponent, so that it reads back
/// as a float.
pub fn number_text(v: f64) -> String {
    let text = format!("{v}");
    if text.contains(['.', 'e', 'E']) || !v.is_finite() {
        text
    } else {
        format!("{text}.0")
    }
}

/// A duration in the largest unit that divides it ("11d", "36h", "150m", "90s"): the way the
/// scenario file would write it.
pub fn dur(seconds: SimTime) -> String {
    for (unit, suffix) in [(DAY, "d"), (3600, "h"), (60, "m")] {
        if seconds != 0 && seconds % unit == 0 {
            return format!("{}{suffix}", seconds / unit);
        }
    }
    format!("{seconds}s")
}

fn list(values: &[f64]) -> String {
    let shown: Vec<String> = values.iter().map(|v| format!("{v:.2}")).collect();
    format!("[{}] (rescaled to mean 1)", shown.join(", "))
}

const fn number(default: f64, min: f64, max: f64) -> Kind {
    Kind::Number {
        default,
        min,
        max,
        above_zero: false,
    }
}

const fn positive(default: f64, max: f64) -> Kind {
    Kind::Number {
        default,
        min: 0.0,
        max,
        above_zero: true,
    }
}

const fn integer(default: i64, min: i64, max: i64) -> Kind {
    Kind::Integer { default, min, max }
}

const fn duration(default: &'static str, min: SimTime, max: SimTime, unit: SimTime) -> Kind {
    Kind::Duration {
        default,
        min,
        max,
        number_unit: unit,
    }
}

const D: DurabilityParams = DurabilityParams::DEFAULT;

/// The most replications of one scenario (`runs`, `--runs`, `--max-runs`): every run's figures
/// are kept until the end, about a kilobyte each.
pub const MAX_RUNS: i64 = 1_000_000;

/// The slowest restore rate (GB per hour, per vCore where it says so): a restore of the largest
/// database at the slowest rates then takes centuries, but a finite number of them, so every
/// restore time, chart and printed figure stays a number.
pub const MIN_RATE: f64 = 0.01;

/// Monday first, as the weekly load profile.
pub const WEEKDAYS: [&str; 7] = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

macro_rules! keys {
    ($($id:ident: $path:literal, $kind:expr, $unit:literal, $source:ident, $doc:literal, |$s:ident| $value:expr;)*) => {
        $(
            pub const $id: Key = Key {
                path: $path,
                kind: $kind,
                unit: $unit,
                doc: $doc,
                source: Source::$source,
                value: |$s| $value,
            };
        )*
        /// Every key, in the template's order.
        pub const ALL: &[Key] = &[$($id,)*];
    };
}

keys! {
    NAME: "name", Kind::Text { default: None }, "", Setting,
        "Names the output folder (output/<name>/). The only key without a default.",
        |s| s.name.clone();
    SEED: "seed", Kind::Other { default: "42" }, "", Setting,
        "Same scenario and seed give byte-identical outputs, whatever the thread count.",
        |s| s.seed.to_string();
    START: "start", Kind::Other { default: "\"2026-01-05T00:00:00Z\"" }, "RFC 3339", Setting,
        "The wall clock at t = 0; the load profiles and the calendar months follow its offset.",
        |s| s.start.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true);
    HORIZON_DAYS: "horizon_days", positive(30.0, 36_500.0), "days", Setting,
        "How long to simulate.",
        |s| s.horizon_days.to_string();
    WARMUP_DAYS: "warmup_days", Kind::Other { default: "\"8d\"" }, "days or duration", Setting,
        "Storage and cost headlines are measured after this: by default once the backup set is full (retention + 1 days); \"0d\" measures from the start. The bill per calendar month covers all of it.",
        |s| dur(s.config.measured_from);
    RUNS: "runs", integer(20, 1, MAX_RUNS), "", Setting,
        "Monte Carlo replications.",
        |s| s.runs.to_string();

    MYSQL_VERSION: "server.mysql_version", Kind::Choice { default: "8.0", allowed: &["5.7", "8.0"] }, "", Setting,
        "On 5.7 long transactions block snapshots and the event scheduler is off while one runs (B5).",
        |s| s.config.server.mysql_version.as_str().to_string();
    PROVISIONED: "server.provisioned_storage_gb", number(250.0, 20.0, 16_384.0), "GB", Setting,
        "Also the free backup allowance while the server runs (documented: 100% of provisioned storage, S4).",
        |s| s.config.server.provisioned_storage_gb.to_string();
    DB_SIZE: "server.db_size_gb", positive(100.0, 16_384.0), "GB", Setting,
        "The database: the size of a full snapshot. Must fit in the provisioned storage.",
        |s| s.config.server.db_size_gb.to_string();
    DB_GROWTH: "server.db_growth_gb_per_day", number(0.0, 0.0, 10_000.0), "GB/day", Setting,
        "How fast the database grows.",
        |s| s.config.server.db_growth_gb_per_day.to_string();
    HA: "server.ha", Kind::Choice { default: "none", allowed: &["none", "same-zone", "zone-redundant"] }, "", Setting,
        "High availability; zone-redundant HA fails over in a zone outage (O2) and allows zone-redundant backups (D2).",
        |s| s.config.server.ha.as_str().to_string();
    VCORES: "server.vcores", integer(4, 1, 128), "", Setting,
        "Restores hydrate and replay faster with more vCores (R3).",
        |s| s.config.server.vcores.to_string();
    NO_PK: "server.tables_without_pk_pct", number(0.0, 0.0, 100.0), "%", Setting,
        "Share of tables without a primary key: their changes replay slower (R3).",
        |s| s.config.server.tables_without_pk_pct.to_string();
    REGION: "server.region", Kind::Text { default: Some("eastus") }, "", Setting,
        "The server's region (a name such as \"eastus\" or a display name such as \"East US\").",
        |s| s.config.server.region.clone();

    BINLOG: "workload.binlog_gb_per_day", number(25.0, 0.0, 100_000.0), "GB/day", Setting,
        "Mean binlog volume per day before bursts (load multiplier 1); bursts add to it (see bursts_per_day).",
        |s| s.config.workload.binlog_gb_per_day.to_string();
    DIURNAL: "workload.diurnal", Kind::Other { default: "[1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0,\n           1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]" }, "", Setting,
        "Load multiplier for each hour of the day, 00:00 first; rescaled to mean 1, so it shapes the load without changing binlog_gb_per_day.",
        |s| list(&s.config.workload.diurnal);
    WEEKLY: "workload.weekly", Kind::Other { default: "[1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]" }, "", Setting,
        "Load multiplier for each day, Monday first; rescaled to mean 1.",
        |s| list(&s.config.workload.weekly);
    BURSTS: "workload.bursts_per_day", number(0.0, 0.0, 1_000.0), "per day", Setting,
        "Random write bursts (Poisson arrivals).",
        |s| s.config.workload.bursts_per_day.to_string();
    BURST_MULTIPLIER: "workload.burst_multiplier", number(3.0, 1.0, 1_000.0), "×", Setting,
        "Load multiplier during a burst.",
        |s| s.config.workload.burst_multiplier.to_string();
    BURST_HOURS: "workload.burst_hours", duration("1h", 1, 720 * 3_600, 3_600), "", Setting,
        "How long a burst lasts (a bare number counts hours).",
        |s| dur(s.config.workload.burst_duration);
    LONG_TXNS: "workload.long_txn_per_day", number(0.0, 0.0, 1_000.0), "per day", Setting,
        "Long-running transactions (Poisson arrivals).",
        |s| s.config.workload.long_txn_per_day.to_string();
    LONG_TXN_MINUTES: "workload.long_txn_minutes", duration("30m", 1, 7 * DAY, 60), "", Setting,
        "How long a long transaction stays open (a bare number counts minutes).",
        |s| dur(s.config.workload.long_txn_duration);

    RETENTION: "backup.retention_days", integer(7, 1, 35), "days", Documented,
        "1 to 35 days, default 7 (S1); backups are kept retention + 1 days (S2).",
        |s| s.config.backup.retention_days.to_string();
    REDUNDANCY: "backup.redundancy", Kind::Choice { default: "local", allowed: &["local", "zone", "geo"] }, "", Documented,
        "Default local, or zone with zone-redundant HA; zone comes with zone-redundant HA chosen at creation, kept when the HA is turned off since (server.ha none; D2). Geo counts every GB twice (S5).",
        |s| s.config.redundancy_label();
    LOG_INTERVAL: "backup.log_backup_interval", duration("5m", 60, DAY, 1), "", Documented,
        "Transaction-log backups every five minutes (B2).",
        |s| dur(s.config.backup.log_backup_interval);
    RETRY_INTERVAL: "backup.retry_interval", duration("20m", 60, DAY, 1), "", Documented,
        "A failed snapshot is retried every 20 minutes until one succeeds (B3).",
        |s| dur(s.config.backup.retry_interval);
    SNAPSHOT_FAILURE: "backup.snapshot_failure_pct", number(2.0, 0.0, 100.0), "%", Assumption,
        "Chance that a snapshot attempt fails at load multiplier 1 (B3).",
        |s| (s.config.backup.snapshot_failure_prob * 100.0).to_string();
    FAILURE_EXPONENT: "backup.failure_load_exponent", number(2.0, 0.0, 10.0), "", Assumption,
        "The failure chance grows as load^exponent: heavier load fails more (documented, not its size).",
        |s| s.config.backup.failure_load_exponent.to_string();
    LOG_FAILURE: "backup.log_backup_failure_pct", number(0.0, 0.0, 100.0), "%", Assumption,
        "Chance that a log backup fails (its binlog waits for the next one).",
        |s| (s.config.backup.log_backup_failure_prob * 100.0).to_string();
    EXTRA_SNAPSHOT: "backup.extra_snapshot_binlog_gb", number(100.0, 0.0, 1_000_000.0), "GB", Assumption,
        "An extra snapshot once this much binlog has piled up since the last one (B4: the service takes several a day under heavy writes without saying when); 0 = never.",
        |s| number_or_off(s.config.backup.extra_snapshot_binlog_gb);
    CHANGE_RATIO: "backup.snapshot_change_ratio", number(0.5, 0.0, 10.0), "", Assumption,
        "GB of changed pages in an incremental snapshot per GB of binlog (row images carry before and after values, so about half is new data).",
        |s| s.config.backup.snapshot_change_ratio.to_string();
    SNAPSHOT_DURATION: "backup.snapshot_duration", duration("10s", 0, DAY, 1), "", Assumption,
        "The documentation says a snapshot takes a few seconds; 10 s is our reading of that (the 5.7 event scheduler is off that long at least).",
        |s| dur(s.config.backup.snapshot_duration);
    GEO_LAG: "backup.geo_replication_lag_minutes", duration("15m", 0, 3_600, 60), "", Assumption,
        "Mean delay before a backup reaches the paired region (exponential, each draw capped at the documented hour, which lowers the mean a little: 14.7 min for 15; D3; a bare number counts minutes).",
        |s| dur(s.config.backup.geo_lag_mean.round() as SimTime);
    ON_DEMAND: "backup.on_demand", Kind::Other { default: "[]" }, "", Setting,
        "Times of on-demand backups: RFC 3339 or offsets such as \"10d\" (B6).",
        |s| format!("{} requested", s.config.backup.on_demand.len());
    ON_DEMAND_LIMIT: "backup.on_demand_limit", integer(50, 0, 50), "", Documented,
        "At most 50 on-demand backups (B6), as documented; more are refused and reported. Lower it to plan for a stricter limit.",
        |s| s.config.backup.on_demand_limit.to_string();

    REGION_OUTAGES: "outages.region_outages_per_year", number(0.0, 0.0, 365.0), "per year", Setting,
        "The primary region goes down (O1).",
        |s| s.config.outages.region_outages_per_year.to_string();
    REGION_OUTAGE_HOURS: "outages.region_outage_hours", duration("6h", 1, 365 * DAY, 3_600), "", Assumption,
        "Mean length of a regional outage (a bare number counts hours).",
        |s| dur((s.config.outages.region_outage_hours * 3_600.0).round() as SimTime);
    REGION_OUTAGE_CV: "outages.region_outage_cv", number(0.5, 0.0, 10.0), "", Assumption,
        "Spread of that length (lognormal coefficient of variation; 0 = always the mean).",
        |s| s.config.outages.region_outage_cv.to_string();
    ZONE_OUTAGES: "outages.zone_outages_per_year", number(0.0, 0.0, 365.0), "per year", Setting,
        "Zone outages (O2): with zone-redundant HA a failover, else a restore to the latest point.",
        |s| s.config.outages.zone_outages_per_year.to_string();
    ZONE_OUTAGE_HOURS: "outages.zone_outage_hours", duration("2h", 1, 365 * DAY, 3_600), "", Assumption,
        "How long a zone stays down (a bare number counts hours).",
        |s| dur((s.config.outages.zone_outage_hours * 3_600.0).round() as SimTime);
    INCIDENTS: "outages.incidents_per_year", number(0.0, 0.0, 10_000.0), "per year", Setting,
        "Bad writes and dropped tables (O3), each restored to just before it.",
        |s| s.config.outages.incidents_per_year.to_string();

    PROVISION: "restore.provision_minutes", duration("5m", 0, DAY, 60), "", Assumption,
        "Creating the new server (a restore always creates one, R1).",
        |s| dur(s.config.restore.provision);
    HYDRATE: "restore.hydrate_gb_per_hour_per_vcore", number(100.0, MIN_RATE, 100_000.0), "GB/h/vCore", Assumption,
        "Hydrating the base snapshot: 100 GB on 4 vCores in 15 minutes (R3; calibrated so that the fastest point is about 90% quicker than a late-day one, as documented).",
        |s| s.config.restore.hydrate_gb_per_hour_per_vcore.to_string();
    REPLAY: "restore.replay_gb_per_hour_per_vcore", number(2.0, MIN_RATE, 100_000.0), "GB/h/vCore", Assumption,
        "Replaying the binlog: the slow part of a restore (documented), its rate assumed.",
        |s| s.config.restore.replay_gb_per_hour_per_vcore.to_string();
    NO_PK_SLOWDOWN: "restore.no_pk_replay_slowdown", number(10.0, 1.0, 10_000.0), "×", Assumption,
        "Changes to tables without a primary key replay this many times slower (documented: slower).",
        |s| s.config.restore.no_pk_replay_slowdown.to_string();
    CROSS_REGION: "restore.cross_region_gb_per_hour", number(500.0, MIN_RATE, 1_000_000.0), "GB/h", Assumption,
        "Copying a geo-restore's data to another region.",
        |s| s.config.restore.cross_region_gb_per_hour.to_string();
    SLOTS: "restore.slots_per_region", integer(8, 1, 10_000), "", Assumption,
        "Restores that can run at once in a region; more wait in line (R3).",
        |s| s.config.restore.slots_per_region.to_string();
    BACKGROUND: "restore.background_restores_per_hour", number(0.5, 0.0, 10_000.0), "per hour", Assumption,
        "Other tenants' restores in the region (Poisson arrivals).",
        |s| s.config.restore.background_restores_per_hour.to_string();
    BACKGROUND_DURATION: "restore.background_restore_minutes", duration("45m", 0, 7 * DAY, 60), "", Assumption,
        "Mean length of another tenant's restore (exponentially distributed).",
        |s| dur(s.config.restore.background_restore_duration);
    SURGE: "restore.outage_restore_surge", number(20.0, 1.0, 10_000.0), "×", Assumption,
        "Other tenants' restores multiply by this during a zone or regional outage: everyone restores at once.",
        |s| s.config.restore.outage_restore_surge.to_string();
    DETECTION: "restore.detection_minutes", duration("30m", 0, 7 * DAY, 60), "", Assumption,
        "From an incident or outage to the restore request.",
        |s| dur(s.config.restore.detection_delay);
    UNSAFE: "restore.unsafe_sessions_per_day", number(0.0, 0.0, 1_000.0), "per day", Setting,
        "Sessions writing foreign-key-violating rows with the checks off: a restore replaying past one fails (R7).",
        |s| s.config.restore.unsafe_sessions_per_day.to_string();
    FAILOVER: "restore.failover_seconds", duration("120s", 0, DAY, 1), "", Assumption,
        "Downtime of a zone-redundant HA failover.",
        |s| dur(s.config.restore.failover);
    GEO_RESTORE_REGION: "restore.geo_restore_region", Kind::Text { default: None }, "", Documented,
        "Where a geo-restore goes: by default the paired region; any other region works (universal geo-restore) except Brazil South, USGov Virginia and West US 3 (R4).",
        |s| s.config.restore.geo_restore_region.clone();
    MEASURED: "restore.measured", Kind::Other { default: "[]" }, "", Setting,
        "Timed test restores of your server, one [[restore.measured]] table each (an example ends this file): `backsim calibrate` fits provisioning, hydration and replay to them and writes the fitted rates into the keys above.",
        |s| format!("{} measured", s.measured_restores.len());

    COPIES: "durability.copies", integer(D.copies as i64, 1, 6), "", Assumption,
        "Copies per region (on distinct racks, or one per zone). D1: the defaults of this failure model land just above the documented 11 / 12 / 16 nines.",
        |s| s.durability.copies.to_string();
    DEVICE_AFR: "durability.device_afr_pct", number(D.device_afr * 100.0, 0.0, 10_000.0), "%/year", Assumption,
        "Annual failure rate of a device holding a copy.",
        |s| (s.durability.device_afr * 100.0).to_string();
    RACK_AFR: "durability.rack_afr_pct", number(D.rack_afr * 100.0, 0.0, 10_000.0), "%/year", Assumption,
        "Rack events, each taking the copy on that rack.",
        |s| (s.durability.rack_afr * 100.0).to_string();
    REPAIR: "durability.repair_hours", number(D.repair_hours, 0.1, 1e6), "h", Assumption,
        "Re-replicating a lost copy.",
        |s| s.durability.repair_hours.to_string();
    DATACENTER_LOSS: "durability.datacenter_loss_per_year", number(D.datacenter_loss_per_year, 0.0, 100.0), "per year", Assumption,
        "A datacenter destroyed (all local copies, one zone's copy).",
        |s| s.durability.datacenter_loss_per_year.to_string();
    ZONE_REBUILD: "durability.zone_rebuild_hours", number(D.zone_rebuild_hours, 0.1, 1e6), "h", Assumption,
        "Rebuilding a zone's copy elsewhere.",
        |s| s.durability.zone_rebuild_hours.to_string();
    REGION_LOSS: "durability.region_loss_per_year", number(D.region_loss_per_year, 0.0, 100.0), "per year", Assumption,
        "A whole region destroyed.",
        |s| s.durability.region_loss_per_year.to_string();
    GEO_RESEED: "durability.geo_reseed_hours", number(D.geo_reseed_hours, 0.1, 1e6), "h", Assumption,
        "Re-seeding a region's copies from its pair.",
        |s| s.durability.geo_reseed_hours.to_string();
    PAIR_LOSS: "durability.region_pair_loss_per_year", number(D.region_pair_loss_per_year, 0.0, 100.0), "per year", Assumption,
        "Both paired regions destroyed together.",
        |s| s.durability.region_pair_loss_per_year.to_string();

    CURRENCY: "cost.currency", Kind::Text { default: Some("USD") }, "", Setting,
        "The currency of the prices.",
        |s| s.config.cost.currency.clone();
    PRICE: "cost.price_per_gb_month", number(0.095, 0.0, 1_000.0), "per GB-month", Setting,
        "EXAMPLE price of a GB-month of backup storage above the free allowance: put your region's. Geo storage already counts every GB twice (S5), so give the price per GB stored, not a doubled geo price.",
        |s| s.config.cost.price_per_gb_month.to_string();

    LONG_TERM: "long_term.enabled", Kind::Other { default: "false" }, "", Setting,
        "Long-term retention (preview; the service has paused it): the first snapshot of each week, month and year is copied to a backup vault in a separate fault domain, where it outlives the server.",
        |s| s.config.long_term.enabled.to_string();
    WEEKLY_DAY: "long_term.weekly_day", Kind::Choice { default: "sunday", allowed: &WEEKDAYS }, "", Setting,
        "The week's vault copy is its first snapshot on or after this day.",
        |s| WEEKDAYS[s.config.long_term.weekly_day as usize].to_string();
    WEEKLY_KEEP: "long_term.weekly_keep", integer(4, 0, 520), "weeks", Setting,
        "How many weekly copies the vault keeps (0 = none).",
        |s| s.config.long_term.weekly_keep.to_string();
    MONTHLY_KEEP: "long_term.monthly_keep", integer(12, 0, 120), "months", Setting,
        "How many monthly copies (the first snapshot of each calendar month) it keeps.",
        |s| s.config.long_term.monthly_keep.to_string();
    YEARLY_KEEP: "long_term.yearly_keep", integer(10, 0, 10), "years", Documented,
        "How many yearly copies (the first snapshot of each calendar year) it keeps: up to 10 years, as documented.",
        |s| s.config.long_term.yearly_keep.to_string();
    VAULT_COPIES: "long_term.copies", Kind::Choice { default: "full", allowed: &["full", "incremental"] }, "", Assumption,
        "\"full\": every vault copy is a whole copy of the database; \"incremental\": the oldest is whole and each later one holds what changed since the one before (the preview does not say which).",
        |s| match s.config.long_term.copies { VaultCopies::Full => "full".into(), VaultCopies::Incremental => "incremental".into() };
    VAULT_PRICE: "long_term.vault_price_per_gb_month", number(0.05, 0.0, 1_000.0), "per GB-month", Setting,
        "EXAMPLE price of vault storage (billed apart from backup storage, with no free allowance).",
        |s| s.config.long_term.vault_price_per_gb_month.to_string();
    FILES_RATE: "long_term.files_gb_per_hour", number(200.0, MIN_RATE, 100_000.0), "GB/h", Assumption,
        "The preview restores a vault copy as files into a storage account: copying them at this rate.",
        |s| s.config.long_term.files_gb_per_hour.to_string();
    LOAD_RATE: "long_term.load_gb_per_hour_per_vcore", number(25.0, MIN_RATE, 100_000.0), "GB/h/vCore", Assumption,
        "Then you load the files into a new server yourself (a full backup, no log replay), at this rate per vCore.",
        |s| s.config.long_term.load_gb_per_hour_per_vcore.to_string();
    EXPORTS: "long_term.exports", Kind::Other { default: "[]" }, "", Setting,
        "Times of on-demand exports (preview): a physical backup copied to your own storage account.",
        |s| format!("{} requested", s.config.long_term.exports.len());
    EXPORT_KEEP: "long_term.export_keep", duration("365d", DAY, 3_650 * DAY, DAY), "", Setting,
        "How long you keep each export.",
        |s| dur(s.config.long_term.export_keep);
    EXPORT_PRICE: "long_term.export_price_per_gb_month", number(0.02, 0.0, 1_000.0), "per GB-month", Setting,
        "EXAMPLE price of your storage account holding the exports.",
        |s| s.config.long_term.export_price_per_gb_month.to_string();
}

fn number_or_off(v: f64) -> String {
    if v.is_finite() {
        v.to_string()
    } else {
        "0 (off)".to_string()
    }
}

/// A key as a person names it on a chart's axis: "retention (days)", "binlog (GB/day)",
/// "MySQL version": its name without the unit suffix, in words, then its unit.
pub fn human(path: &str) -> String {
    const SUFFIXES: [&str; 14] = [
        "_gb_per_hour_per_vcore",
        "_gb_per_hour",
        "_gb_per_day",
        "_per_gb_month",
        "_per_day",
        "_per_year",
        "_per_hour",
        "_days",
        "_hours",
        "_minutes",
        "_seconds",
        "_gb",
        "_pct",
        "_afr_pct",
    ];
    let Some(key) = find(path) else {
        return path.to_string();
    };
    let mut name = key.name();
    for suffix in SUFFIXES {
        if let Some(stem) = name.strip_suffix(suffix) {
            name = stem;
            break;
        }
    }
    let words: Vec<String> = name
        .split('_')
        .map(|w| match w {
            "mysql" => "MySQL".to_string(),
            "ha" => "HA".to_string(),
            "pk" => "primary key".to_string(),
            "vcores" => "vCores".to_string(),
            "txn" => "transaction".to_string(),
            "afr" => "failure rate".to_string(),
            other => other.to_string(),
        })
        .collect();
    let words = words.join(" ");
    // Duration keys carry their unit in the value ("30m").
    let unit = match key.kind {
        Kind::Duration { .. } => "",
        _ => key.unit,
    };
    if unit.is_empty() {
        words
    } else {
        format!("{words} ({unit})")
    }
}

/// The tables a scenario may have (besides the top level).
pub const TABLES: &[&str] = &[
    "server",
    "workload",
    "backup",
    "outages",
    "restore",
    "durability",
    "cost",
    "long_term",
    "events",
    "sweep",
];

/// Whether two dotted keys set some of the same value: the same key, or a table and a key in it
/// (`backup` given as a table, and `backup.retention_days`).
pub fn overlap(a: &str, b: &str) -> bool {
    let within = |inner: &str, outer: &str| {
        inner
            .strip_prefix(outer)
            .is_some_and(|rest| rest.starts_with(['.', '[']))
    };
    a == b || within(a, b) || within(b, a)
}

/// The first of `among` that sets some of what `key` sets (the key itself, a table holding it,
/// or a key inside it): a sweep's keys, a cases file's columns and `--set`'s keys are checked
/// alike.
pub fn holding<'k>(among: &'k [String], key: &str) -> Option<&'k String> {
    among.iter().find(|e| overlap(e, key))
}

/// The fields of each `[[events]]` entry.
pub const EVENT_FIELDS: &[&str] = &["at", "action", "hours"];

/// Whether `path` names something a scenario may set: a key, a table, a `[sweep]` entry or a
/// field of an event.
pub fn is_known(path: &str) -> bool {
    find(path).is_some()
        || TABLES.contains(&path)
        || path.starts_with("sweep.")
        || event_field(path).is_some_and(|(_, f)| EVENT_FIELDS.contains(&f))
}

/// "events[2].action" → ("events[2].", "action").
pub(super) fn event_field(path: &str) -> Option<(&str, &str)> {
    if !path.starts_with("events[") {
        return None;
    }
    let dot = path.rfind("].")? + 2;
    Some((&path[..dot], &path[dot..]))
}

/// The key at `path`, if there is one.
pub fn find(path: &str) -> Option<&'static Key> {
    ALL.iter().find(|k| k.path == path)
}

/// The largest seed: every value the scenario holds is recorded in its resolved TOML (the
/// outputs' provenance), whose integers are 64-bit signed, so the file, `--set seed` and
/// `--seed` all stop at 2^63 − 1.
pub const MAX_SEED: u64 = i64::MAX as u64;

/// Words as a scenario writes them, in a list: "\"none\", \"same-zone\"".
pub fn quoted(words: &[&str]) -> String {
    words
        .iter()
        .map(|w| format!("\"{w}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

/// What the key at `path` takes, in the words its range errors use: for a message about a value
/// of the wrong type, which names the type expected but not the values allowed.
pub fn allowed(path: &str) -> Option<String> {
    if path == SEED.path {
        // Checked by hand (it is read as any whole number first, to name one too large).
        return Some(format!("a whole number from 0 to {}", MAX_SEED));
    }
    Some(match find(path)?.kind {
        Kind::Number {
            min,
            max,
            above_zero: true,
            ..
        } if min <= 0.0 => format!("a number greater than 0 and at most {max}"),
        Kind::Number { min, max, .. } => format!("a number from {min} to {max}"),
        Kind::Integer { min, max, .. } => format!("a whole number from {min} to {max}"),
        Kind::Duration {
            default, min, max, ..
        } => format!(
            "a duration from {} to {}, e.g. \"{default}\"",
            dur(min.max(0)),
            dur(max)
        ),
        Kind::Choice { allowed, .. } => format!("one of {}", quoted(allowed)),
        Kind::Text { .. } | Kind::Other { .. } => return None,
    })
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_table_and_a_key_in_it_overlap() {
        assert!(overlap("backup", "backup.retention_days"));
        assert!(overlap("backup.retention_days", "backup"));
        assert!(overlap("events", "events[0].at"));
        assert!(overlap("cost", "cost"));
        assert!(!overlap("backup", "backup_x"));
        assert!(!overlap("backup.retention_days", "backup.redundancy"));
    }

    use super::*;

    #[test]
    fn sweep_entries_and_event_fields_are_known() {
        assert!(is_known("sweep.\"backup.retention_days\""));
        assert!(is_known("events[3].at"));
        assert!(!is_known("backup.retention"));
    }

    #[test]
    fn paths_are_unique_and_defaults_in_range() {
        for (i, k) in ALL.iter().enumerate() {
            assert!(
                ALL[..i].iter().all(|o| o.path != k.path),
                "{} twice",
                k.path
            );
            match k.kind {
                Kind::Number {
                    default, min, max, ..
                } => {
                    assert!((min..=max).contains(&default), "{}", k.path)
                }
                Kind::Integer { default, min, max } => {
                    assert!((min..=max).contains(&default), "{}", k.path)
                }
                Kind::Choice { default, allowed } => assert!(allowed.contains(&default)),
                _ => {}
            }
            assert!(!k.doc.is_empty());
        }
        assert_eq!(
            find("backup.retention_days").unwrap().name(),
            "retention_days"
        );
        assert_eq!(find("backup.retention_days").unwrap().table(), "backup");
        assert_eq!(human("backup.retention_days"), "retention (days)");
        assert_eq!(human("workload.binlog_gb_per_day"), "binlog (GB/day)");
        assert_eq!(human("server.mysql_version"), "MySQL version");
        assert_eq!(human("backup.redundancy"), "redundancy");
        assert_eq!(human("no.such_key"), "no.such_key");
    }
}
