//! Raw scenario → validated `Scenario`: every value checked against its key's range (the key
//! table holds each default and range once), defaults filled in, times resolved to seconds from
//! the start. One function per table of the file.

use chrono::{Datelike, TimeZone, Timelike};

use super::checks::{
    calendar_months, choice, duration, integer, moment, number, one_of, profile, start_time,
    warmup, Checked,
};
use super::keys::{self, Kind};
use super::names::{currency_text, portable_name, shown_name};
use super::raw::{RawBackup, RawDurability, RawEvent, RawOutages, RawRestore, RawScenario};
use super::reach::{recoveries_within_reach, surges_within_reach};
use super::Scenario;
use crate::engine::{SimTime, DAY};
use crate::error::InputError;
use crate::model::{
    backup_set_full_at, geo_restore_target, known_region, BackupConfig, Config, CostConfig,
    HighAvailability, LongTermConfig, MysqlVersion, OutageConfig, Redundancy, RestoreConfig,
    ServerAction, ServerConfig, VaultCopies, WallClock, WorkloadConfig,
};
use crate::stats::durability::{chain, DurabilityParams, Layout};

pub use super::checks::{parse_moment, DEFAULT_START};

pub fn validate(raw: &RawScenario) -> Checked<Scenario> {
    let name = name(raw.name.as_deref())?;
    let seed = raw.seed.unwrap_or(42);
    if seed > keys::MAX_SEED {
        return Err(InputError::new(
            "seed",
            format!(
                "must be a whole number from 0 to {}, got {seed}",
                keys::MAX_SEED
            ),
        ));
    }
    let start = start_time(raw.start.as_ref())?;
    // One message for every value refused, with the whole range: more than an hour, up to the
    // key's maximum ("between 0 and 36500" named a 0 that is refused too).
    let Kind::Number { max, .. } = keys::HORIZON_DAYS.kind else {
        unreachable!("horizon_days is a number key")
    };
    let out_of_range = |got: f64| {
        InputError::new(
            "horizon_days",
            format!(
                "must be longer than an hour (at least 0.04168 days: 3601 s, as the run counts whole seconds) and at most {max} days, got {}",
                super::checks::as_given(got)
            ),
        )
    };
    let horizon_days = match raw.horizon_days {
        Some(v) if !(v > 0.0 && v <= max) => return Err(out_of_range(v)),
        given => number(&keys::HORIZON_DAYS, given)?,
    };
    let horizon = (horizon_days * DAY as f64).round() as SimTime;
    if horizon <= 3_600 {
        return Err(out_of_range(horizon_days));
    }
    check_end(start, horizon, horizon_days)?;
    let runs = integer(&keys::RUNS, raw.runs)? as u32;
    let server = server(raw)?;
    outgrown(&server, horizon)?;
    let workload = workload(raw)?;
    let backup = backup(&raw.backup, &server, start, horizon)?;
    let restore = restore(&raw.restore, &server, backup.redundancy)?;
    let measured_restores = super::measured::measured(&raw.restore.measured, server.vcores)?;
    let events = events(&raw.events, &server, &backup, &raw.restore, start, horizon)?;
    let (measured_from, warmup_reached) = warmup(
        raw.warmup_days.as_ref(),
        backup_set_full_at(backup.retention_days, &events),
        horizon,
    )?;
    let config = Config {
        measured_from,
        months: calendar_months(start, horizon),
        clock: WallClock {
            start_weekday: start.weekday().num_days_from_monday(),
            start_second_of_day: start.num_seconds_from_midnight(),
        },
        horizon,
        server,
        workload,
        backup,
        outages: outages(&raw.outages)?,
        restore,
        cost: cost(raw)?,
        long_term: long_term(raw, start, horizon)?,
        events,
    };
    surges_within_reach(&config)?;
    recoveries_within_reach(&config, runs)?;
    exports_in_the_public_cloud(&config)?;
    Ok(Scenario {
        name,
        question: String::new(),
        seed,
        start,
        horizon_days,
        runs,
        warmup_reached,
        config,
        durability: durability(&raw.durability)?,
        sweep: sweep(&raw.sweep)?,
        measured_restores,
    })
}

/// Exports (a preview) are offered in public cloud regions only.
fn exports_in_the_public_cloud(config: &Config) -> Checked<()> {
    let region = &config.server.region;
    match crate::model::sovereign_cloud(region) {
        Some(cloud) if !config.long_term.exports.is_empty() => Err(InputError::new(
            keys::EXPORTS.path,
            format!(
                "exports (a preview) are offered in public cloud regions only, and server.region \"{region}\" is in {cloud}: remove the exports or plan them for a public region"
            ),
        )),
        _ => Ok(()),
    }
}

/// Every time written out is RFC 3339, whose years have four digits: the run must end by the
/// last second of 9999 on the scenario's clock.
fn check_end(
    start: chrono::DateTime<chrono::FixedOffset>,
    horizon: SimTime,
    horizon_days: f64,
) -> Checked<()> {
    let last = start
        .timezone()
        .with_ymd_and_hms(9999, 12, 31, 23, 59, 59)
        .single()
        .expect("the last second of 9999 exists at a fixed offset");
    if (last - start).num_seconds() < horizon {
        let latest = last - chrono::Duration::seconds(horizon);
        return Err(InputError::new(
            "start",
            format!(
                "the run must end by {} (RFC 3339 years have four digits): with horizon_days = {horizon_days}, start at {} at the latest",
                last.to_rfc3339(),
                latest.to_rfc3339()
            ),
        ));
    }
    Ok(())
}

fn name(raw: Option<&str>) -> Checked<String> {
    let name = match raw.map(str::trim) {
        Some(n) if !n.is_empty() => n.to_string(),
        Some(_) => return Err(InputError::new("name", "must not be empty")),
        None => {
            return Err(InputError::new(
                "name",
                "is required: every scenario needs a name, e.g. name = \"prod-eastus\"",
            ))
        }
    };
    portable_name(&name).map_err(|problem| {
        InputError::new(
            "name",
            format!(
                "names the output folder (output/<name>/), so it {problem}; got {}",
                shown_name(&name)
            ),
        )
    })?;
    Ok(name)
}

/// A database that outgrows its provisioned storage before the horizon describes a server that
/// cannot exist: its storage, allowance and bill would be figures about nothing.
fn outgrown(server: &ServerConfig, horizon: SimTime) -> Checked<()> {
    let (provisioned, growth) = (server.provisioned_storage_gb, server.db_growth_gb_per_day);
    let at_end = server.db_size_at(horizon);
    if at_end <= provisioned {
        return Ok(());
    }
    let full_on_day = ((provisioned - server.db_size_gb) / growth).floor();
    Err(InputError::new(
        keys::DB_GROWTH.path,
        format!(
            "at {growth} GB/day the database ({} GB) fills server.provisioned_storage_gb ({provisioned} GB) on day {full_on_day:.0} and reaches {} GB by the end of the run: provision at least that (as the service's storage auto-grow would), or shorten horizon_days",
            server.db_size_gb,
            at_end.ceil()
        ),
    ))
}

fn server(raw: &RawScenario) -> Checked<ServerConfig> {
    let s = &raw.server;
    let mysql_version = match &s.mysql_version {
        None => MysqlVersion::V8_0,
        Some(toml::Value::String(v)) if v == "5.7" => MysqlVersion::V5_7,
        Some(toml::Value::String(v)) if v == "8.0" => MysqlVersion::V8_0,
        Some(toml::Value::Float(v)) if *v == 5.7 => MysqlVersion::V5_7,
        Some(toml::Value::Float(v)) if *v == 8.0 => MysqlVersion::V8_0,
        Some(other) => {
            return Err(InputError::new(
                keys::MYSQL_VERSION.path,
                format!("must be \"5.7\" or \"8.0\", got {other}"),
            ))
        }
    };
    let provisioned = number(&keys::PROVISIONED, s.provisioned_storage_gb)?;
    let db_size = number(&keys::DB_SIZE, s.db_size_gb)?;
    if db_size > provisioned {
        return Err(InputError::new(
            keys::DB_SIZE.path,
            format!("the database ({db_size} GB) must fit in server.provisioned_storage_gb ({provisioned} GB)"),
        ));
    }
    let ha = match choice(&keys::HA, s.ha.as_deref())? {
        "same-zone" => HighAvailability::SameZone,
        "zone-redundant" => HighAvailability::ZoneRedundant,
        _ => HighAvailability::None,
    };
    let default_region = match keys::REGION.kind {
        keys::Kind::Text { default } => default.unwrap_or("eastus"),
        _ => "eastus",
    };
    Ok(ServerConfig {
        mysql_version,
        provisioned_storage_gb: provisioned,
        db_size_gb: db_size,
        db_growth_gb_per_day: number(&keys::DB_GROWTH, s.db_growth_gb_per_day)?,
        ha,
        vcores: integer(&keys::VCORES, s.vcores)? as u32,
        tables_without_pk_pct: number(&keys::NO_PK, s.tables_without_pk_pct)?,
        region: known_region(s.region.as_deref().unwrap_or(default_region))
            .map_err(|e| InputError::new(keys::REGION.path, e))?
            .to_string(),
    })
}

fn workload(raw: &RawScenario) -> Checked<WorkloadConfig> {
    let w = &raw.workload;
    Ok(WorkloadConfig {
        binlog_gb_per_day: number(&keys::BINLOG, w.binlog_gb_per_day)?,
        diurnal: profile::<24>(
            keys::DIURNAL.path,
            w.diurnal.as_ref(),
            "one per hour of the day, 00:00 first",
        )?,
        weekly: profile::<7>(
            keys::WEEKLY.path,
            w.weekly.as_ref(),
            "one per day, Monday first",
        )?,
        bursts_per_day: number(&keys::BURSTS, w.bursts_per_day)?,
        burst_multiplier: number(&keys::BURST_MULTIPLIER, w.burst_multiplier)?,
        burst_duration: duration(&keys::BURST_HOURS, w.burst_hours.as_ref())?,
        long_txn_per_day: number(&keys::LONG_TXNS, w.long_txn_per_day)?,
        long_txn_duration: duration(&keys::LONG_TXN_MINUTES, w.long_txn_minutes.as_ref())?,
    })
}

/// Geo-redundant backups are copied to the region's pair: a region without one cannot have them
/// (it can still be a universal geo-restore target).
fn no_pair_for_geo(region: &str) -> Result<(), String> {
    match crate::model::paired_region(region) {
        Some(_) => Ok(()),
        None => Err(format!(
            "geo-redundant backups are copied to the server's paired region, and \"{region}\" has none; use \"local\" (or \"zone\" with zone-redundant HA), or a region with a pair"
        )),
    }
}

fn backup(
    b: &RawBackup,
    server: &ServerConfig,
    start: chrono::DateTime<chrono::FixedOffset>,
    horizon: SimTime,
) -> Checked<BackupConfig> {
    let default_redundancy = if server.ha == HighAvailability::ZoneRedundant {
        "zone"
    } else {
        "local"
    };
    let redundancy = match choice(
        &keys::REDUNDANCY,
        Some(b.redundancy.as_deref().unwrap_or(default_redundancy)),
    )? {
        "zone" => Redundancy::Zone,
        "geo" => Redundancy::Geo,
        _ => Redundancy::Local,
    };
    if redundancy == Redundancy::Geo {
        no_pair_for_geo(&server.region).map_err(|e| InputError::new(keys::REDUNDANCY.path, e))?;
    }
    // The HA chosen at creation makes the backup storage zone-redundant, for good: a local
    // choice beside it describes a server the service does not offer.
    if redundancy == Redundancy::Local && server.ha == HighAvailability::ZoneRedundant {
        return Err(InputError::new(
            keys::REDUNDANCY.path,
            "\"local\" is not offered with server.ha = \"zone-redundant\": zone-redundant HA keeps the backups zone-redundant; use \"zone\" or \"geo\" (e.g. --set backup.redundancy=zone beside the HA), or leave backup.redundancy out of the file (it then follows the HA)",
        ));
    }
    // Zone-redundant backups come with zone-redundant HA chosen at creation; the HA can be
    // turned off later and the backups stay zone-redundant, so "none" is such a server too.
    if redundancy == Redundancy::Zone && server.ha == HighAvailability::SameZone {
        return Err(InputError::new(
            keys::REDUNDANCY.path,
            "\"zone\" comes with zone-redundant HA chosen when the server is created, but server.ha is \"same-zone\": use server.ha = \"zone-redundant\" (or \"none\" for a server whose zone-redundant HA was turned off since: its backups stay zone-redundant), or backup.redundancy \"local\" or \"geo\"",
        ));
    }
    let extra = number(&keys::EXTRA_SNAPSHOT, b.extra_snapshot_binlog_gb)?;
    let mut on_demand = Vec::new();
    for (i, v) in b.on_demand.iter().flatten().enumerate() {
        on_demand.push(moment(
            &format!("{}[{i}]", keys::ON_DEMAND.path),
            v,
            start,
            horizon,
        )?);
    }
    on_demand.sort_unstable();
    Ok(BackupConfig {
        retention_days: integer(&keys::RETENTION, b.retention_days)? as u32,
        redundancy,
        log_backup_interval: duration(&keys::LOG_INTERVAL, b.log_backup_interval.as_ref())?,
        retry_interval: duration(&keys::RETRY_INTERVAL, b.retry_interval.as_ref())?,
        snapshot_failure_prob: number(&keys::SNAPSHOT_FAILURE, b.snapshot_failure_pct)? / 100.0,
        failure_load_exponent: number(&keys::FAILURE_EXPONENT, b.failure_load_exponent)?,
        log_backup_failure_prob: number(&keys::LOG_FAILURE, b.log_backup_failure_pct)? / 100.0,
        // 0 switches extra snapshots off.
        extra_snapshot_binlog_gb: if extra > 0.0 { extra } else { f64::INFINITY },
        snapshot_change_ratio: number(&keys::CHANGE_RATIO, b.snapshot_change_ratio)?,
        snapshot_duration: duration(&keys::SNAPSHOT_DURATION, b.snapshot_duration.as_ref())?,
        geo_lag_mean: duration(&keys::GEO_LAG, b.geo_replication_lag_minutes.as_ref())? as f64,
        on_demand,
        on_demand_limit: integer(&keys::ON_DEMAND_LIMIT, b.on_demand_limit)? as u32,
    })
}

fn outages(o: &RawOutages) -> Checked<OutageConfig> {
    Ok(OutageConfig {
        region_outages_per_year: number(&keys::REGION_OUTAGES, o.region_outages_per_year)?,
        region_outage_hours: duration(&keys::REGION_OUTAGE_HOURS, o.region_outage_hours.as_ref())?
            as f64
            / 3_600.0,
        zone_outages_per_year: number(&keys::ZONE_OUTAGES, o.zone_outages_per_year)?,
        region_outage_cv: number(&keys::REGION_OUTAGE_CV, o.region_outage_cv)?,
        zone_outage_hours: duration(&keys::ZONE_OUTAGE_HOURS, o.zone_outage_hours.as_ref())? as f64
            / 3_600.0,
        incidents_per_year: number(&keys::INCIDENTS, o.incidents_per_year)?,
    })
}

fn restore(
    r: &RawRestore,
    server: &ServerConfig,
    redundancy: Redundancy,
) -> Checked<RestoreConfig> {
    let region = &server.region;
    let geo_restore_region =
        geo_restore_target(region, r.geo_restore_region.as_deref()).or_else(|e| {
            // Only a geo-redundant server needs somewhere to geo-restore to.
            if redundancy == Redundancy::Geo || r.geo_restore_region.is_some() {
                let key = if r.geo_restore_region.is_some() {
                    keys::GEO_RESTORE_REGION.path
                } else {
                    keys::REGION.path
                };
                Err(InputError::new(key, e))
            } else {
                Ok(String::new())
            }
        })?;
    let restore = RestoreConfig {
        provision: duration(&keys::PROVISION, r.provision_minutes.as_ref())?,
        hydrate_gb_per_hour_per_vcore: number(&keys::HYDRATE, r.hydrate_gb_per_hour_per_vcore)?,
        replay_gb_per_hour_per_vcore: number(&keys::REPLAY, r.replay_gb_per_hour_per_vcore)?,
        no_pk_replay_slowdown: number(&keys::NO_PK_SLOWDOWN, r.no_pk_replay_slowdown)?,
        cross_region_gb_per_hour: number(&keys::CROSS_REGION, r.cross_region_gb_per_hour)?,
        slots_per_region: integer(&keys::SLOTS, r.slots_per_region)? as u32,
        background_restores_per_hour: number(&keys::BACKGROUND, r.background_restores_per_hour)?,
        background_restore_duration: duration(
            &keys::BACKGROUND_DURATION,
            r.background_restore_minutes.as_ref(),
        )?,
        outage_restore_surge: number(&keys::SURGE, r.outage_restore_surge)?,
        detection_delay: duration(&keys::DETECTION, r.detection_minutes.as_ref())?,
        unsafe_sessions_per_day: number(&keys::UNSAFE, r.unsafe_sessions_per_day)?,
        failover: duration(&keys::FAILOVER, r.failover_seconds.as_ref())?,
        geo_restore_region,
    };
    // Outside outages the region's restore slots must keep up with the background demand, or
    // the line would grow without end.
    let utilisation = restore.background_restores_per_hour
        * restore.background_restore_duration as f64
        / 3600.0
        / restore.slots_per_region as f64;
    if utilisation >= 1.0 {
        return Err(InputError::new(
            keys::BACKGROUND.path,
            format!(
                "keeps the region's {} restore slots {:.0}% busy; it must stay below 100% (lower the rate or background_restore_minutes, or add slots)",
                restore.slots_per_region,
                utilisation * 100.0
            ),
        ));
    }
    Ok(restore)
}

fn long_term(
    raw: &RawScenario,
    start: chrono::DateTime<chrono::FixedOffset>,
    horizon: SimTime,
) -> Checked<LongTermConfig> {
    let l = &raw.long_term;
    let weekday = choice(&keys::WEEKLY_DAY, l.weekly_day.as_deref())?;
    let mut exports = Vec::new();
    for (i, v) in l.exports.iter().flatten().enumerate() {
        exports.push(moment(
            &format!("{}[{i}]", keys::EXPORTS.path),
            v,
            start,
            horizon,
        )?);
    }
    exports.sort_unstable();
    let config = LongTermConfig {
        enabled: l.enabled.unwrap_or(false),
        weekly_day: keys::WEEKDAYS
            .iter()
            .position(|d| *d == weekday)
            .unwrap_or(6) as u32,
        weekly_keep: integer(&keys::WEEKLY_KEEP, l.weekly_keep)? as u32,
        monthly_keep: integer(&keys::MONTHLY_KEEP, l.monthly_keep)? as u32,
        yearly_keep: integer(&keys::YEARLY_KEEP, l.yearly_keep)? as u32,
        copies: match choice(&keys::VAULT_COPIES, l.copies.as_deref())? {
            "incremental" => VaultCopies::Incremental,
            _ => VaultCopies::Full,
        },
        vault_price_per_gb_month: number(&keys::VAULT_PRICE, l.vault_price_per_gb_month)?,
        files_gb_per_hour: number(&keys::FILES_RATE, l.files_gb_per_hour)?,
        load_gb_per_hour_per_vcore: number(&keys::LOAD_RATE, l.load_gb_per_hour_per_vcore)?,
        exports,
        export_keep: duration(&keys::EXPORT_KEEP, l.export_keep.as_ref())?,
        export_price_per_gb_month: number(&keys::EXPORT_PRICE, l.export_price_per_gb_month)?,
    };
    // A vault that keeps nothing ran through, reporting 0 copies as if that were the policy's
    // answer: every keep set to 0 is a slip, not a policy.
    if config.enabled && config.weekly_keep + config.monthly_keep + config.yearly_keep == 0 {
        return Err(InputError::new(
            keys::LONG_TERM.path,
            format!(
                "is true but {}, {} and {} are all 0, so the vault would keep no copy: keep at least one tier (the defaults are 4 weeks, 12 months and 10 years), or set enabled = false",
                keys::WEEKLY_KEEP.path,
                keys::MONTHLY_KEEP.path,
                keys::YEARLY_KEEP.path
            ),
        ));
    }
    Ok(config)
}

fn cost(raw: &RawScenario) -> Checked<CostConfig> {
    let c = &raw.cost;
    let currency = c.currency.clone().unwrap_or_else(|| "USD".to_string());
    currency_text(&currency).map_err(|e| InputError::new(keys::CURRENCY.path, e))?;
    Ok(CostConfig {
        currency,
        price_per_gb_month: number(&keys::PRICE, c.price_per_gb_month)?,
    })
}

/// A scripted event's action.
fn action(i: usize, e: &RawEvent) -> Checked<ServerAction> {
    let action = match one_of(
        &format!("events[{i}].action"),
        &e.action,
        &[
            "stop",
            "start",
            "delete",
            "region-outage",
            "enable-geo",
            "set-retention",
        ],
    )? {
        "stop" => ServerAction::Stop,
        "start" => ServerAction::Start,
        "region-outage" => {
            let Some(hours) = &e.hours else {
                return Err(InputError::new(
                    format!("events[{i}].hours"),
                    "a \"region-outage\" needs its length, e.g. hours = \"6h\" (or 6)",
                ));
            };
            ServerAction::RegionOutage {
                duration: super::checks::duration_in(
                    &format!("events[{i}].hours"),
                    hours,
                    3_600,
                    1,
                    365 * DAY,
                )?,
            }
        }
        "enable-geo" => ServerAction::EnableGeo,
        "set-retention" => {
            let key = format!("events[{i}].retention_days");
            let Some(days) = e.retention_days else {
                return Err(InputError::new(
                    key,
                    "a \"set-retention\" needs the new retention, e.g. retention_days = 14",
                ));
            };
            // The range of backup.retention_days (S1), said at this event's key.
            let days = integer(&keys::RETENTION, Some(days))
                .map_err(|err| InputError::new(key, err.message))?;
            ServerAction::SetRetention { days: days as u32 }
        }
        _ => ServerAction::Delete,
    };
    if e.retention_days.is_some() && !matches!(action, ServerAction::SetRetention { .. }) {
        return Err(InputError::new(
            format!("events[{i}].retention_days"),
            "only a \"set-retention\" event takes retention_days",
        ));
    }
    if e.hours.is_some() && !matches!(action, ServerAction::RegionOutage { .. }) {
        return Err(InputError::new(
            format!("events[{i}].hours"),
            "only a \"region-outage\" event takes hours",
        ));
    }
    Ok(action)
}

/// The scripted events, in time order, checked as a sequence: no start of a running server,
/// nothing after a deletion, and the D2 rules for moving to geo.
fn events(
    raw: &[RawEvent],
    server: &ServerConfig,
    backup: &BackupConfig,
    restore: &RawRestore,
    start: chrono::DateTime<chrono::FixedOffset>,
    horizon: SimTime,
) -> Checked<Vec<(SimTime, ServerAction)>> {
    let mut events = Vec::new();
    for (i, e) in raw.iter().enumerate() {
        let at = moment(&format!("events[{i}].at"), &e.at, start, horizon)?;
        events.push((at, action(i, e)?, i));
    }
    events.sort_by_key(|&(at, _, i)| (at, i));
    let (mut running, mut deleted) = (true, false);
    let mut geo = backup.redundancy == Redundancy::Geo;
    for &(_, action, i) in &events {
        let key = format!("events[{i}].action");
        let problem = match action {
            _ if deleted => Some("comes after the server was deleted"),
            ServerAction::Stop if !running => Some("stops a server that is already stopped"),
            ServerAction::Start if running => Some("starts a server that is already running"),
            // D2: zone-redundant backup storage cannot be converted; local can.
            ServerAction::EnableGeo if backup.redundancy == Redundancy::Zone => Some(
                "cannot move zone-redundant backup storage to geo: only a point-in-time restore or a new server can (D2)",
            ),
            ServerAction::EnableGeo if server.ha == HighAvailability::ZoneRedundant => Some(
                "cannot make a zone-redundant HA server's backups geo-redundant after creation: the service lets such a server choose geo-redundancy only when it is created (D2)",
            ),
            ServerAction::EnableGeo if geo => Some("finds the backups already geo-redundant"),
            _ => None,
        };
        if let Some(problem) = problem {
            return Err(InputError::new(
                key,
                // The moment as the user wrote it ("4d", a date), not in seconds.
                format!("\"{}\" at {} {problem}", action.as_str(), raw[i].at),
            ));
        }
        match action {
            ServerAction::Stop => running = false,
            ServerAction::Start => running = true,
            ServerAction::Delete => deleted = true,
            ServerAction::EnableGeo => geo = true,
            ServerAction::RegionOutage { .. } | ServerAction::SetRetention { .. } => {}
        }
        if geo && action == ServerAction::EnableGeo {
            no_pair_for_geo(&server.region)
                .and_then(|()| {
                    geo_restore_target(&server.region, restore.geo_restore_region.as_deref())
                        .map(|_| ())
                })
                .map_err(|e| InputError::new(key.clone(), format!("enables geo, but {e}")))?;
        }
    }
    Ok(events
        .into_iter()
        .map(|(at, action, _)| (at, action))
        .collect())
}

fn sweep(raw: &toml::Table) -> Checked<Vec<(String, Vec<toml::Value>)>> {
    let mut sweep = Vec::new();
    let mut seen = std::collections::HashSet::new();
    flatten_sweep(raw, "", &mut sweep, &mut seen)?;
    Ok(sweep)
}

/// The `[sweep]` entries as dotted keys. Written unquoted, `backup.retention_days = [7, 14]` is
/// TOML for a table `backup` holding `retention_days`: both spellings name the same swept key,
/// and a key spelt both ways at once is refused rather than one silently replacing the other.
fn flatten_sweep(
    table: &toml::Table,
    prefix: &str,
    sweep: &mut Vec<(String, Vec<toml::Value>)>,
    seen: &mut std::collections::HashSet<String>,
) -> Checked<()> {
    for (key, values) in table {
        let join = |key: &str| {
            if prefix.is_empty() {
                key.to_string()
            } else {
                format!("{prefix}.{key}")
            }
        };
        let path = join(key);
        // Errors name the key as written (quoted when it holds a dot), so that they are found
        // on its line.
        let written = if key.contains('.') {
            join(&format!("\"{key}\""))
        } else {
            path.clone()
        };
        match values {
            toml::Value::Array(list) if !list.is_empty() => {
                if !seen.insert(path.clone()) {
                    return Err(InputError::new(
                        format!("sweep.{path}"),
                        "is swept twice, once quoted (\"a.b\" = [...]) and once unquoted (a.b = [...]): keep one",
                    ));
                }
                sweep.push((path, list.clone()));
            }
            toml::Value::Table(inner) if !inner.is_empty() => {
                flatten_sweep(inner, &path, sweep, seen)?
            }
            _ => return Err(InputError::new(
                format!("sweep.{written}"),
                "must be a non-empty list of values, e.g. \"backup.retention_days\" = [7, 14, 35] or backup.retention_days = [7, 14, 35]",
            )),
        }
    }
    Ok(())
}

fn durability(d: &RawDurability) -> Checked<DurabilityParams> {
    let params = DurabilityParams {
        copies: integer(&keys::COPIES, d.copies)? as u32,
        device_afr: number(&keys::DEVICE_AFR, d.device_afr_pct)? / 100.0,
        rack_afr: number(&keys::RACK_AFR, d.rack_afr_pct)? / 100.0,
        repair_hours: number(&keys::REPAIR, d.repair_hours)?,
        datacenter_loss_per_year: number(&keys::DATACENTER_LOSS, d.datacenter_loss_per_year)?,
        zone_rebuild_hours: number(&keys::ZONE_REBUILD, d.zone_rebuild_hours)?,
        region_loss_per_year: number(&keys::REGION_LOSS, d.region_loss_per_year)?,
        geo_reseed_hours: number(&keys::GEO_RESEED, d.geo_reseed_hours)?,
        region_pair_loss_per_year: number(&keys::PAIR_LOSS, d.region_pair_loss_per_year)?,
    };
    never_lost(&params)?;
    Ok(params)
}

/// A failure model under which some redundancy never loses its backups has infinitely many
/// nines: printed, they were the float's floor (307.7), an artefact read as a result. Checked
/// on the chain's shape (every point of a sweep is validated; solving it is slower).
fn never_lost(p: &DurabilityParams) -> Checked<()> {
    let layouts = [
        (Layout::Local, "locally redundant"),
        (Layout::Zone, "zone-redundant"),
        (Layout::Geo, "geo-redundant"),
    ];
    let Some((_, layout)) = layouts
        .into_iter()
        .find(|&(l, _)| !chain(l, p).can_be_lost())
    else {
        return Ok(());
    };
    let zeros: Vec<&str> = [
        (&keys::DEVICE_AFR, p.device_afr),
        (&keys::RACK_AFR, p.rack_afr),
        (&keys::DATACENTER_LOSS, p.datacenter_loss_per_year),
        (&keys::REGION_LOSS, p.region_loss_per_year),
        (&keys::PAIR_LOSS, p.region_pair_loss_per_year),
    ]
    .into_iter()
    .filter(|(_, rate)| *rate == 0.0)
    .map(|(key, _)| key.path)
    .collect();
    Err(InputError::new(
        zeros.first().copied().unwrap_or(keys::DEVICE_AFR.path),
        format!(
            "with {} at 0, {layout} backups are never lost and their durability has no finite number of nines: give at least one of these failure rates a value above 0 (the defaults reproduce the documented nines)",
            zeros.join(", ")
        ),
    ))
}
