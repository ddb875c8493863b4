//! Raw scenario → validated `Scenario`: every value checked against its allowed range, defaults
//! filled in, times resolved to seconds from the start.

use std::ops::RangeInclusive;

use chrono::{DateTime, Datelike, FixedOffset, TimeZone, Timelike};

use super::raw::RawScenario;
use super::Scenario;
use crate::engine::{SimTime, DAY};
use crate::error::InputError;
use crate::model::{
    geo_restore_target, known_region, BackupConfig, BillingMonth, Config, CostConfig,
    HighAvailability, MysqlVersion, OutageConfig, Redundancy, RestoreConfig, ServerAction,
    ServerConfig, WallClock, WorkloadConfig,
};
use crate::stats::durability::DurabilityParams;

pub const DEFAULT_START: &str = "2026-01-05T00:00:00Z";
/// B4, a stated assumption: the service documents extra snapshots under heavy write load but
/// not the trigger; backsim takes one once this much binlog has piled up since the last.
pub const DEFAULT_EXTRA_SNAPSHOT_BINLOG_GB: f64 = 100.0;
pub const MAX_HORIZON_DAYS: f64 = 36_500.0;

type Checked<T> = Result<T, InputError>;

fn number(key: &str, value: Option<f64>, default: f64, range: RangeInclusive<f64>) -> Checked<f64> {
    let v = value.unwrap_or(default);
    if !v.is_finite() {
        return Err(InputError::new(
            key,
            format!(
                "must be a finite number between {} and {}, got {v}",
                range.start(),
                range.end()
            ),
        ));
    }
    if !range.contains(&v) {
        return Err(InputError::new(
            key,
            format!(
                "must be between {} and {}, got {v}",
                range.start(),
                range.end()
            ),
        ));
    }
    Ok(v)
}

fn positive(key: &str, value: Option<f64>, default: f64, max: f64) -> Checked<f64> {
    let v = number(key, value, default, 0.0..=max)?;
    if v == 0.0 {
        return Err(InputError::new(
            key,
            format!("must be greater than 0 (up to {max}), got 0"),
        ));
    }
    Ok(v)
}

fn integer(
    key: &str,
    value: Option<i64>,
    default: i64,
    range: RangeInclusive<i64>,
) -> Checked<i64> {
    let v = value.unwrap_or(default);
    if !range.contains(&v) {
        return Err(InputError::new(
            key,
            format!(
                "must be a whole number from {} to {}, got {v}",
                range.start(),
                range.end()
            ),
        ));
    }
    Ok(v)
}

fn choice<'v>(
    key: &str,
    value: Option<&'v str>,
    default: &'v str,
    allowed: &[&str],
) -> Checked<&'v str> {
    let v = value.unwrap_or(default);
    if allowed.contains(&v) {
        Ok(v)
    } else {
        let list = allowed
            .iter()
            .map(|a| format!("\"{a}\""))
            .collect::<Vec<_>>()
            .join(", ");
        Err(InputError::new(
            key,
            format!("must be one of {list}, got \"{v}\""),
        ))
    }
}

/// Durations are written like "300s", "5m", "1h", "7d"; whole seconds.
pub fn duration(
    key: &str,
    value: Option<&str>,
    default: &str,
    range: RangeInclusive<SimTime>,
) -> Checked<SimTime> {
    let text = value.unwrap_or(default);
    let parsed = humantime::parse_duration(text.trim()).map_err(|e| {
        InputError::new(
            key,
            format!("expected a duration such as \"300s\", \"5m\", \"20m\", \"1h\" or \"7d\", got \"{text}\" ({e})"),
        )
    })?;
    if parsed.subsec_nanos() != 0 {
        return Err(InputError::new(
            key,
            format!("must be a whole number of seconds, got \"{text}\""),
        ));
    }
    let secs = SimTime::try_from(parsed.as_secs()).unwrap_or(SimTime::MAX);
    if !range.contains(&secs) {
        return Err(InputError::new(
            key,
            format!(
                "must be between {} and {}, got \"{text}\"",
                humantime::format_duration(std::time::Duration::from_secs(*range.start() as u64)),
                humantime::format_duration(std::time::Duration::from_secs(*range.end() as u64)),
            ),
        ));
    }
    Ok(secs)
}

fn start_time(value: Option<&toml::Value>) -> Checked<DateTime<FixedOffset>> {
    let text = match value {
        None => DEFAULT_START.to_string(),
        Some(toml::Value::String(s)) => s.clone(),
        Some(toml::Value::Datetime(d)) => d.to_string(),
        Some(other) => {
            return Err(InputError::new(
                "start",
                format!("expected an RFC 3339 time such as \"{DEFAULT_START}\", got {other}"),
            ))
        }
    };
    DateTime::parse_from_rfc3339(&text).map_err(|e| {
        InputError::new(
            "start",
            format!("expected an RFC 3339 time with an offset, such as \"{DEFAULT_START}\", got \"{text}\" ({e})"),
        )
    })
}

/// A moment in the run: an RFC 3339 time, or an offset from the start such as "10d" or "36h".
fn moment(
    key: &str,
    value: &toml::Value,
    start: DateTime<FixedOffset>,
    horizon: SimTime,
) -> Checked<SimTime> {
    let text = match value {
        toml::Value::String(s) => s.clone(),
        toml::Value::Datetime(d) => d.to_string(),
        other => {
            return Err(InputError::new(
                key,
                format!("expected an RFC 3339 time or an offset from the start such as \"10d\", got {other}"),
            ))
        }
    };
    parse_moment(key, &text, start, horizon - 1)
}

/// A moment of the run from an RFC 3339 time or an offset from the start ("10d", "36h"),
/// no later than `last` seconds.
pub fn parse_moment(
    key: &str,
    text: &str,
    start: DateTime<FixedOffset>,
    last: SimTime,
) -> Checked<SimTime> {
    let at = match DateTime::parse_from_rfc3339(text) {
        Ok(time) => (time - start).num_seconds(),
        Err(_) => duration(key, Some(text), "0s", 0..=SimTime::MAX).map_err(|_| {
            InputError::new(
                key,
                format!("expected an RFC 3339 time (\"2026-01-15T09:30:00Z\") or an offset from the start (\"10d\", \"36h\"), got \"{text}\""),
            )
        })?,
    };
    if at < 0 {
        return Err(InputError::new(
            key,
            format!("\"{text}\" is before the scenario's start"),
        ));
    }
    if at > last {
        return Err(InputError::new(
            key,
            format!(
                "\"{text}\" is past the end of the horizon ({} days)",
                (last + 1) as f64 / DAY as f64
            ),
        ));
    }
    Ok(at)
}

/// When the headline storage and cost figures start: `warmup_days` (days, or a duration such as
/// "36d"; "0d" measures from the start), by default once the backup set is full (retention +
/// 1 days). An explicit warm-up must end before the horizon; the default one, when the horizon
/// is too short to fill the set, gives way to measuring from the start (the report says so).
fn warmup(
    value: Option<&toml::Value>,
    retention_days: u32,
    horizon: SimTime,
) -> Checked<(SimTime, bool)> {
    let key = "warmup_days";
    let explicit = match value {
        None => None,
        Some(toml::Value::Integer(d)) if *d >= 0 => Some(*d as f64 * DAY as f64),
        Some(toml::Value::Float(d)) if d.is_finite() && *d >= 0.0 => Some(d * DAY as f64),
        Some(toml::Value::String(text)) => Some(duration(key, Some(text), "0d", 0..=SimTime::MAX)? as f64),
        Some(other) => {
            return Err(InputError::new(
                key,
                format!("expected days (a number such as 36) or a duration such as \"36d\" or \"0d\", got {other}"),
            ))
        }
    };
    match explicit {
        Some(seconds) => {
            let at = seconds.round() as SimTime;
            if at >= horizon {
                return Err(InputError::new(
                    key,
                    format!(
                        "the warm-up ({} days) must end before the horizon ({} days)",
                        at as f64 / DAY as f64,
                        horizon as f64 / DAY as f64
                    ),
                ));
            }
            Ok((at, true))
        }
        None => {
            let full = (retention_days as SimTime + 1) * DAY;
            Ok(if full < horizon {
                (full, true)
            } else {
                (0, false)
            })
        }
    }
}

/// The calendar months (on the scenario's wall clock) that [0, horizon) touches.
fn calendar_months(start: DateTime<FixedOffset>, horizon: SimTime) -> Vec<BillingMonth> {
    let month_start = |year: i32, month: u32| {
        start
            .timezone()
            .with_ymd_and_hms(year, month, 1, 0, 0, 0)
            .single()
            .expect("the first of a month at midnight exists at a fixed offset")
    };
    let next = |(year, month): (i32, u32)| {
        if month == 12 {
            (year + 1, 1)
        } else {
            (year, month + 1)
        }
    };
    let mut ym = (start.year(), start.month());
    let mut out = Vec::new();
    loop {
        let begin = (month_start(ym.0, ym.1) - start).num_seconds();
        let after = next(ym);
        let end = (month_start(after.0, after.1) - start).num_seconds();
        if begin >= horizon {
            break;
        }
        out.push(BillingMonth {
            from: begin.max(0),
            to: end.min(horizon),
            length: end - begin,
        });
        ym = after;
    }
    out
}

fn profile<const N: usize>(key: &str, values: Option<&Vec<f64>>, what: &str) -> Checked<[f64; N]> {
    let Some(values) = values else {
        return Ok([1.0; N]);
    };
    if values.len() != N {
        return Err(InputError::new(
            key,
            format!(
                "must list exactly {N} multipliers ({what}), got {}",
                values.len()
            ),
        ));
    }
    let mut out = [0.0; N];
    for (i, (slot, &v)) in out.iter_mut().zip(values).enumerate() {
        *slot = number(&format!("{key}[{i}]"), Some(v), 1.0, 0.0..=1000.0)?;
    }
    let mean = out.iter().sum::<f64>() / N as f64;
    if mean <= 0.0 {
        return Err(InputError::new(
            key,
            "needs at least one multiplier above 0",
        ));
    }
    // Normalised to mean 1: the profile shapes the load, `binlog_gb_per_day` sets its size.
    for v in &mut out {
        *v /= mean;
    }
    Ok(out)
}

pub fn validate(raw: &RawScenario) -> Checked<Scenario> {
    let name = match raw.name.as_deref().map(str::trim) {
        Some(n) if !n.is_empty() => n.to_string(),
        Some(_) => return Err(InputError::new("name", "must not be empty")),
        None => {
            return Err(InputError::new(
                "name",
                "is required: every scenario needs a name, e.g. name = \"prod-eastus\"",
            ))
        }
    };
    if name.contains(['/', '\\']) || name == "." || name == ".." {
        return Err(InputError::new(
            "name",
            format!("names the output folder, so it cannot contain '/' or '\\', got \"{name}\""),
        ));
    }
    let seed = raw.seed.unwrap_or(42);
    let start = start_time(raw.start.as_ref())?;
    let horizon_days = positive("horizon_days", raw.horizon_days, 30.0, MAX_HORIZON_DAYS)?;
    let horizon = (horizon_days * DAY as f64).round() as SimTime;
    if horizon <= 3_600 {
        return Err(InputError::new(
            "horizon_days",
            format!("must be longer than an hour (0.0417 days), got {horizon_days}"),
        ));
    }
    let runs = integer("runs", raw.runs, 20, 1..=1_000_000)? as u32;

    let s = &raw.server;
    let mysql_version = match &s.mysql_version {
        None => MysqlVersion::V8_0,
        Some(toml::Value::String(v)) if v == "5.7" => MysqlVersion::V5_7,
        Some(toml::Value::String(v)) if v == "8.0" => MysqlVersion::V8_0,
        Some(toml::Value::Float(v)) if *v == 5.7 => MysqlVersion::V5_7,
        Some(toml::Value::Float(v)) if *v == 8.0 => MysqlVersion::V8_0,
        Some(other) => {
            return Err(InputError::new(
                "server.mysql_version",
                format!("must be \"5.7\" or \"8.0\", got {other}"),
            ))
        }
    };
    let provisioned = number(
        "server.provisioned_storage_gb",
        s.provisioned_storage_gb,
        250.0,
        20.0..=16_384.0,
    )?;
    let db_size = positive("server.db_size_gb", s.db_size_gb, 100.0, 16_384.0)?;
    if db_size > provisioned {
        return Err(InputError::new(
            "server.db_size_gb",
            format!("the database ({db_size} GB) must fit in server.provisioned_storage_gb ({provisioned} GB)"),
        ));
    }
    let growth = number(
        "server.db_growth_gb_per_day",
        s.db_growth_gb_per_day,
        0.0,
        0.0..=10_000.0,
    )?;
    let ha = match choice(
        "server.ha",
        s.ha.as_deref(),
        "none",
        &["none", "same-zone", "zone-redundant"],
    )? {
        "same-zone" => HighAvailability::SameZone,
        "zone-redundant" => HighAvailability::ZoneRedundant,
        _ => HighAvailability::None,
    };
    let vcores = integer("server.vcores", s.vcores, 4, 1..=128)? as u32;
    let no_pk = number(
        "server.tables_without_pk_pct",
        s.tables_without_pk_pct,
        0.0,
        0.0..=100.0,
    )?;
    let region = known_region(s.region.as_deref().unwrap_or("eastus"))
        .map_err(|e| InputError::new("server.region", e))?
        .to_string();

    let w = &raw.workload;
    let workload = WorkloadConfig {
        binlog_gb_per_day: number(
            "workload.binlog_gb_per_day",
            w.binlog_gb_per_day,
            25.0,
            0.0..=100_000.0,
        )?,
        diurnal: profile::<24>(
            "workload.diurnal",
            w.diurnal.as_ref(),
            "one per hour of the day, 00:00 first",
        )?,
        weekly: profile::<7>(
            "workload.weekly",
            w.weekly.as_ref(),
            "one per day, Monday first",
        )?,
        bursts_per_day: number(
            "workload.bursts_per_day",
            w.bursts_per_day,
            0.0,
            0.0..=1_000.0,
        )?,
        burst_multiplier: number(
            "workload.burst_multiplier",
            w.burst_multiplier,
            3.0,
            1.0..=1_000.0,
        )?,
        burst_duration: (positive("workload.burst_hours", w.burst_hours, 1.0, 24.0 * 30.0)?
            * 3600.0)
            .round() as SimTime,
        long_txn_per_day: number(
            "workload.long_txn_per_day",
            w.long_txn_per_day,
            0.0,
            0.0..=1_000.0,
        )?,
        long_txn_duration: (positive(
            "workload.long_txn_minutes",
            w.long_txn_minutes,
            30.0,
            60.0 * 24.0 * 7.0,
        )? * 60.0)
            .round() as SimTime,
    };

    let b = &raw.backup;
    let retention_days = integer("backup.retention_days", b.retention_days, 7, 1..=35)? as u32;
    let default_redundancy = if ha == HighAvailability::ZoneRedundant {
        "zone"
    } else {
        "local"
    };
    let redundancy = match choice(
        "backup.redundancy",
        b.redundancy.as_deref(),
        default_redundancy,
        &["local", "zone", "geo"],
    )? {
        "zone" => Redundancy::Zone,
        "geo" => Redundancy::Geo,
        _ => Redundancy::Local,
    };
    if redundancy == Redundancy::Zone && ha != HighAvailability::ZoneRedundant {
        return Err(InputError::new(
            "backup.redundancy",
            format!(
                "\"zone\" needs server.ha = \"zone-redundant\" (chosen when the server is created), but server.ha is \"{}\"; use \"local\" or \"geo\"",
                ha.as_str()
            ),
        ));
    }
    let extra = number(
        "backup.extra_snapshot_binlog_gb",
        b.extra_snapshot_binlog_gb,
        DEFAULT_EXTRA_SNAPSHOT_BINLOG_GB,
        0.0..=1_000_000.0,
    )?;
    let mut on_demand = Vec::new();
    for (i, v) in b.on_demand.iter().flatten().enumerate() {
        on_demand.push(moment(
            &format!("backup.on_demand[{i}]"),
            v,
            start,
            horizon,
        )?);
    }
    on_demand.sort_unstable();
    let backup = BackupConfig {
        retention_days,
        redundancy,
        log_backup_interval: duration(
            "backup.log_backup_interval",
            b.log_backup_interval.as_deref(),
            "5m",
            60..=DAY,
        )?,
        retry_interval: duration(
            "backup.retry_interval",
            b.retry_interval.as_deref(),
            "20m",
            60..=DAY,
        )?,
        snapshot_failure_prob: number(
            "backup.snapshot_failure_pct",
            b.snapshot_failure_pct,
            2.0,
            0.0..=100.0,
        )? / 100.0,
        failure_load_exponent: number(
            "backup.failure_load_exponent",
            b.failure_load_exponent,
            2.0,
            0.0..=10.0,
        )?,
        log_backup_failure_prob: number(
            "backup.log_backup_failure_pct",
            b.log_backup_failure_pct,
            0.0,
            0.0..=100.0,
        )? / 100.0,
        // 0 (the default) switches extra snapshots off.
        extra_snapshot_binlog_gb: if extra > 0.0 { extra } else { f64::INFINITY },
        snapshot_change_ratio: number(
            "backup.snapshot_change_ratio",
            b.snapshot_change_ratio,
            0.5,
            0.0..=10.0,
        )?,
        snapshot_duration: duration(
            "backup.snapshot_duration",
            b.snapshot_duration.as_deref(),
            "10s",
            0..=DAY,
        )?,
        geo_lag_mean: number(
            "backup.geo_replication_lag_minutes",
            b.geo_replication_lag_minutes,
            15.0,
            0.0..=60.0,
        )? * 60.0,
        on_demand,
        on_demand_limit: integer("backup.on_demand_limit", b.on_demand_limit, 50, 0..=10_000)?
            as u32,
    };

    let o = &raw.outages;
    let outages = OutageConfig {
        region_outages_per_year: number(
            "outages.region_outages_per_year",
            o.region_outages_per_year,
            0.0,
            0.0..=365.0,
        )?,
        region_outage_hours: positive(
            "outages.region_outage_hours",
            o.region_outage_hours,
            6.0,
            24.0 * 365.0,
        )?,
        zone_outages_per_year: number(
            "outages.zone_outages_per_year",
            o.zone_outages_per_year,
            0.0,
            0.0..=365.0,
        )?,
        region_outage_cv: number(
            "outages.region_outage_cv",
            o.region_outage_cv,
            0.5,
            0.0..=10.0,
        )?,
        zone_outage_hours: positive(
            "outages.zone_outage_hours",
            o.zone_outage_hours,
            2.0,
            24.0 * 365.0,
        )?,
        incidents_per_year: number(
            "outages.incidents_per_year",
            o.incidents_per_year,
            0.0,
            0.0..=10_000.0,
        )?,
    };

    let r = &raw.restore;
    let minutes = |key: &str, v: Option<f64>, default: f64, max: f64| -> Checked<SimTime> {
        Ok((number(key, v, default, 0.0..=max)? * 60.0).round() as SimTime)
    };
    let restore = RestoreConfig {
        provision: minutes(
            "restore.provision_minutes",
            r.provision_minutes,
            5.0,
            24.0 * 60.0,
        )?,
        hydrate_gb_per_hour_per_vcore: positive(
            "restore.hydrate_gb_per_hour_per_vcore",
            r.hydrate_gb_per_hour_per_vcore,
            100.0,
            100_000.0,
        )?,
        replay_gb_per_hour_per_vcore: positive(
            "restore.replay_gb_per_hour_per_vcore",
            r.replay_gb_per_hour_per_vcore,
            2.0,
            100_000.0,
        )?,
        no_pk_replay_slowdown: number(
            "restore.no_pk_replay_slowdown",
            r.no_pk_replay_slowdown,
            10.0,
            1.0..=10_000.0,
        )?,
        cross_region_gb_per_hour: positive(
            "restore.cross_region_gb_per_hour",
            r.cross_region_gb_per_hour,
            500.0,
            1_000_000.0,
        )?,
        slots_per_region: integer(
            "restore.slots_per_region",
            r.slots_per_region,
            8,
            1..=10_000,
        )? as u32,
        background_restores_per_hour: number(
            "restore.background_restores_per_hour",
            r.background_restores_per_hour,
            0.5,
            0.0..=10_000.0,
        )?,
        background_restore_duration: minutes(
            "restore.background_restore_minutes",
            r.background_restore_minutes,
            45.0,
            7.0 * 24.0 * 60.0,
        )?,
        outage_restore_surge: number(
            "restore.outage_restore_surge",
            r.outage_restore_surge,
            20.0,
            1.0..=10_000.0,
        )?,
        detection_delay: minutes(
            "restore.detection_minutes",
            r.detection_minutes,
            30.0,
            7.0 * 24.0 * 60.0,
        )?,
        unsafe_sessions_per_day: number(
            "restore.unsafe_sessions_per_day",
            r.unsafe_sessions_per_day,
            0.0,
            0.0..=1_000.0,
        )?,
        failover: number(
            "restore.failover_seconds",
            r.failover_seconds,
            120.0,
            0.0..=86_400.0,
        )?
        .round() as SimTime,
        geo_restore_region: geo_restore_target(&region, r.geo_restore_region.as_deref()).or_else(
            |e| {
                // Only a geo-redundant server needs somewhere to geo-restore to.
                if redundancy == Redundancy::Geo || r.geo_restore_region.is_some() {
                    Err(InputError::new(
                        if r.geo_restore_region.is_some() {
                            "restore.geo_restore_region"
                        } else {
                            "server.region"
                        },
                        e,
                    ))
                } else {
                    Ok(String::new())
                }
            },
        )?,
    };
    // Outside outages the region's restore slots must keep up with the background demand, or
    // the line would grow without end.
    let utilisation = restore.background_restores_per_hour
        * restore.background_restore_duration as f64
        / 3600.0
        / restore.slots_per_region as f64;
    if utilisation >= 1.0 {
        return Err(InputError::new(
            "restore.background_restores_per_hour",
            format!(
                "keeps the region's {} restore slots {:.0}% busy; it must stay below 100% (lower the rate or background_restore_minutes, or add slots)",
                restore.slots_per_region,
                utilisation * 100.0
            ),
        ));
    }

    let c = &raw.cost;
    let currency = c.currency.clone().unwrap_or_else(|| "USD".to_string());
    if currency.trim().is_empty() {
        return Err(InputError::new(
            "cost.currency",
            "must not be empty, e.g. \"USD\"",
        ));
    }
    let cost = CostConfig {
        currency,
        price_per_gb_month: number(
            "cost.price_per_gb_month",
            c.price_per_gb_month,
            0.095,
            0.0..=1_000.0,
        )?,
    };

    let mut events = Vec::new();
    for (i, e) in raw.events.iter().enumerate() {
        let at = moment(&format!("events[{i}].at"), &e.at, start, horizon)?;
        let action = match choice(
            &format!("events[{i}].action"),
            Some(&e.action),
            "",
            &["stop", "start", "delete", "region-outage", "enable-geo"],
        )? {
            "stop" => ServerAction::Stop,
            "start" => ServerAction::Start,
            "region-outage" => ServerAction::RegionOutage {
                duration: match e.hours {
                    Some(h) => {
                        (positive(&format!("events[{i}].hours"), Some(h), 1.0, 24.0 * 365.0)?
                            * 3600.0)
                            .round() as SimTime
                    }
                    None => {
                        return Err(InputError::new(
                            format!("events[{i}].hours"),
                            "a \"region-outage\" needs its length, e.g. hours = 6",
                        ))
                    }
                },
            },
            "enable-geo" => ServerAction::EnableGeo,
            _ => ServerAction::Delete,
        };
        if e.hours.is_some() && !matches!(action, ServerAction::RegionOutage { .. }) {
            return Err(InputError::new(
                format!("events[{i}].hours"),
                "only a \"region-outage\" event takes hours",
            ));
        }
        events.push((at, action, i));
    }
    events.sort_by_key(|&(at, _, i)| (at, i));
    let mut running = true;
    let mut deleted = false;
    let mut geo = redundancy == Redundancy::Geo;
    for &(at, action, i) in &events {
        let key = format!("events[{i}].action");
        let problem = match action {
            _ if deleted => Some("comes after the server was deleted"),
            ServerAction::Stop if !running => Some("stops a server that is already stopped"),
            ServerAction::Start if running => Some("starts a server that is already running"),
            // D2: zone-redundant backup storage cannot be converted; local can.
            ServerAction::EnableGeo if redundancy == Redundancy::Zone => Some(
                "cannot move zone-redundant backup storage to geo: only a point-in-time restore or a new server can (D2)",
            ),
            ServerAction::EnableGeo if ha == HighAvailability::ZoneRedundant => Some(
                "cannot make a zone-redundant HA server's backups geo-redundant after creation: the service lets such a server choose geo-redundancy only when it is created (D2)",
            ),
            ServerAction::EnableGeo if geo => Some("finds the backups already geo-redundant"),
            _ => None,
        };
        if let Some(problem) = problem {
            return Err(InputError::new(
                key,
                format!("\"{}\" at {}s {problem}", action.as_str(), at),
            ));
        }
        match action {
            ServerAction::Stop => running = false,
            ServerAction::Start => running = true,
            ServerAction::Delete => deleted = true,
            ServerAction::EnableGeo => geo = true,
            ServerAction::RegionOutage { .. } => {}
        }
        if geo && action == ServerAction::EnableGeo {
            geo_restore_target(&region, raw.restore.geo_restore_region.as_deref())
                .map_err(|e| InputError::new(key.clone(), format!("enables geo, but {e}")))?;
        }
    }

    let mut sweep = Vec::new();
    for (key, values) in &raw.sweep {
        let list = match values {
            toml::Value::Array(list) if !list.is_empty() => list.clone(),
            _ => return Err(InputError::new(
                format!("sweep.{key}"),
                "must be a non-empty list of values, e.g. \"backup.retention_days\" = [7, 14, 35]",
            )),
        };
        sweep.push((key.clone(), list));
    }

    let d = &raw.durability;
    let defaults = DurabilityParams::default();
    let durability = DurabilityParams {
        copies: integer("durability.copies", d.copies, defaults.copies as i64, 1..=6)? as u32,
        device_afr: number(
            "durability.device_afr_pct",
            d.device_afr_pct,
            defaults.device_afr * 100.0,
            0.0..=10_000.0,
        )? / 100.0,
        rack_afr: number(
            "durability.rack_afr_pct",
            d.rack_afr_pct,
            defaults.rack_afr * 100.0,
            0.0..=10_000.0,
        )? / 100.0,
        repair_hours: number(
            "durability.repair_hours",
            d.repair_hours,
            defaults.repair_hours,
            0.1..=1e6,
        )?,
        datacenter_loss_per_year: number(
            "durability.datacenter_loss_per_year",
            d.datacenter_loss_per_year,
            defaults.datacenter_loss_per_year,
            0.0..=100.0,
        )?,
        zone_rebuild_hours: number(
            "durability.zone_rebuild_hours",
            d.zone_rebuild_hours,
            defaults.zone_rebuild_hours,
            0.1..=1e6,
        )?,
        region_loss_per_year: number(
            "durability.region_loss_per_year",
            d.region_loss_per_year,
            defaults.region_loss_per_year,
            0.0..=100.0,
        )?,
        geo_reseed_hours: number(
            "durability.geo_reseed_hours",
            d.geo_reseed_hours,
            defaults.geo_reseed_hours,
            0.1..=1e6,
        )?,
        region_pair_loss_per_year: number(
            "durability.region_pair_loss_per_year",
            d.region_pair_loss_per_year,
            defaults.region_pair_loss_per_year,
            0.0..=100.0,
        )?,
    };

    let (measured_from, warmup_reached) =
        warmup(raw.warmup_days.as_ref(), retention_days, horizon)?;
    let config = Config {
        measured_from,
        months: calendar_months(start, horizon),
        clock: WallClock {
            start_weekday: start.weekday().num_days_from_monday(),
            start_second_of_day: start.num_seconds_from_midnight(),
        },
        horizon,
        server: ServerConfig {
            mysql_version,
            provisioned_storage_gb: provisioned,
            db_size_gb: db_size,
            db_growth_gb_per_day: growth,
            ha,
            vcores,
            tables_without_pk_pct: no_pk,
            region,
        },
        workload,
        backup,
        outages,
        restore,
        cost,
        events: events
            .into_iter()
            .map(|(at, action, _)| (at, action))
            .collect(),
    };
    Ok(Scenario {
        name,
        question: String::new(),
        seed,
        start,
        horizon_days,
        runs,
        warmup_reached,
        config,
        durability,
        sweep,
    })
}
