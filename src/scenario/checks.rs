//! Checking one value against its key: the default when it is missing, the allowed range or
//! choices when it is not, and a message that says what would have been accepted.

use chrono::{DateTime, Datelike, FixedOffset, TimeZone, Timelike};

use super::keys::{Key, Kind};
use crate::engine::{SimTime, DAY};
use crate::error::InputError;
use crate::model::BillingMonth;

pub type Checked<T> = Result<T, InputError>;

pub const DEFAULT_START: &str = "2026-01-05T00:00:00Z";

fn out_of_range(
    key: &str,
    min: impl std::fmt::Display,
    max: impl std::fmt::Display,
    got: impl std::fmt::Display,
) -> InputError {
    InputError::new(key, format!("must be between {min} and {max}, got {got}"))
}

/// A number as a reader would write it: 1e300 rather than its 301 digits, 1e-12 rather than
/// a row of zeros.
pub fn as_given(v: f64) -> String {
    let size = v.abs();
    if size != 0.0 && !(1e-6..1e15).contains(&size) {
        format!("{v:e}")
    } else {
        v.to_string()
    }
}

/// A number for `key` (its default when missing).
pub fn number(key: &Key, value: Option<f64>) -> Checked<f64> {
    let Kind::Number {
        default,
        min,
        max,
        above_zero,
    } = key.kind
    else {
        unreachable!("{} is not a number key", key.path)
    };
    number_in(key.path, value.unwrap_or(default), min, max, above_zero)
}

/// A number in [min, max] (and above zero when asked), for a key or an element of one.
pub fn number_in(path: &str, v: f64, min: f64, max: f64, above_zero: bool) -> Checked<f64> {
    if !v.is_finite() {
        return Err(InputError::new(
            path,
            format!("must be a finite number between {min} and {max}, got {v}"),
        ));
    }
    if above_zero && !(v > 0.0 && v <= max) {
        return Err(InputError::new(
            path,
            format!(
                "must be greater than 0 and at most {max}, got {}",
                as_given(v)
            ),
        ));
    }
    if !(min..=max).contains(&v) {
        return Err(out_of_range(path, min, max, as_given(v)));
    }
    // A -0 given stays -0 through every product ("Load: -0.0 GB/day", "-0 USD/GB-month"):
    // adding +0 makes it the plain zero and leaves every other value as it is.
    Ok(v + 0.0)
}

/// A whole number for `key`.
pub fn integer(key: &Key, value: Option<i64>) -> Checked<i64> {
    let Kind::Integer { default, min, max } = key.kind else {
        unreachable!("{} is not an integer key", key.path)
    };
    let v = value.unwrap_or(default);
    if !(min..=max).contains(&v) {
        return Err(InputError::new(
            key.path,
            format!("must be a whole number from {min} to {max}, got {v}"),
        ));
    }
    Ok(v)
}

/// One of the key's allowed words.
pub fn choice<'v>(key: &Key, value: Option<&'v str>) -> Checked<&'v str> {
    let Kind::Choice { default, allowed } = key.kind else {
        unreachable!("{} is not a choice key", key.path)
    };
    one_of(key.path, value.unwrap_or(default), allowed)
}

pub fn one_of<'v>(path: &str, v: &'v str, allowed: &[&str]) -> Checked<&'v str> {
    if allowed.contains(&v) {
        return Ok(v);
    }
    Err(InputError::new(
        path,
        format!(
            "must be one of {}, got \"{v}\"",
            super::keys::quoted(allowed)
        ),
    ))
}

/// A bound as a scenario would write it: "1m", "1d", "45m", "90s".
fn human(seconds: SimTime) -> String {
    super::keys::dur(seconds.max(0))
}

/// What a bare number counts: "seconds", "minutes", "hours", "days".
fn unit_name(seconds: SimTime) -> String {
    match seconds {
        1 => "seconds".into(),
        60 => "minutes".into(),
        3_600 => "hours".into(),
        DAY => "days".into(),
        other => format!("units of {other} s"),
    }
}

/// The units a duration may be written in: seconds to days, in humantime's spellings.
const DURATION_UNITS: &[&str] = &[
    "s", "sec", "secs", "second", "seconds", "m", "min", "mins", "minute", "minutes", "h", "hr",
    "hrs", "hour", "hours", "d", "day", "days",
];
const DURATION_EXAMPLE: &str = "a duration such as \"300s\", \"5m\", \"20m\", \"1h\" or \"7d\"";

/// A duration for `key`: a string such as "5m", or a bare number counted in the key's unit.
pub fn duration(key: &Key, value: Option<&toml::Value>) -> Checked<SimTime> {
    let Kind::Duration {
        default,
        min,
        max,
        number_unit,
    } = key.kind
    else {
        unreachable!("{} is not a duration key", key.path)
    };
    let default = toml::Value::String(default.to_string());
    duration_in(key.path, value.unwrap_or(&default), number_unit, min, max)
}

/// A duration at `path` (a key, or a field such as an event's `hours`): "90s", "30m", "6h",
/// "7d", or a bare number counted in `number_unit` seconds; within [min, max].
pub fn duration_in(
    path: &str,
    value: &toml::Value,
    number_unit: SimTime,
    min: SimTime,
    max: SimTime,
) -> Checked<SimTime> {
    let (seconds, shown) = match value {
        toml::Value::String(text) => (parse_duration(path, text)?, format!("\"{text}\"")),
        // A bare number counts in the key's unit, which the message must say.
        toml::Value::Integer(n) => {
            // Shown only when out of range: the units that would bring it in, if any ("120m"
            // and "120h" were offered for a key that stops at an hour).
            let fits: Vec<String> = [("s", 1), ("m", 60), ("h", 3_600), ("d", DAY)]
                .into_iter()
                .filter(|&(_, f)| n.checked_mul(f).is_some_and(|v| (min..=max).contains(&v)))
                .map(|(unit, _)| format!("\"{n}{unit}\""))
                .collect();
            let hint = if fits.is_empty() {
                String::new()
            } else {
                format!("; with a unit, {} is in range", fits.join(" or "))
            };
            (
                n.saturating_mul(number_unit),
                format!("{n} ({n} {}{hint})", unit_name(number_unit)),
            )
        }
        toml::Value::Float(x) if x.is_finite() => (
            (x * number_unit as f64).round() as SimTime,
            format!("{0} ({0} {1})", as_given(*x), unit_name(number_unit)),
        ),
        other => {
            return Err(InputError::new(
                path,
                format!(
                    "expected {DURATION_EXAMPLE}, from {} to {}, got {other}",
                    human(min),
                    human(max)
                ),
            ))
        }
    };
    if !(min..=max).contains(&seconds) {
        return Err(out_of_range(path, human(min), human(max), shown));
    }
    Ok(seconds)
}

/// Whole seconds from "300s", "5m", "1h", "7d".
pub fn parse_duration(path: &str, text: &str) -> Checked<SimTime> {
    // humantime also takes weeks, months ("1M", of 30.44 days) and years, which a scenario
    // does not document and which read like minutes ("20M"): only seconds to days pass.
    if let Some(unit) = text
        .split(|c: char| !c.is_ascii_alphabetic())
        .find(|u| !u.is_empty() && !DURATION_UNITS.contains(u))
    {
        let hint = match unit {
            "M" | "month" | "months" => ": minutes are m, M would be months",
            _ => "",
        };
        return Err(InputError::new(
            path,
            format!(
                "expected {DURATION_EXAMPLE}, got \"{text}\" (unknown unit \"{unit}\"; use s, m, h or d{hint})"
            ),
        ));
    }
    // humantime's own advice names units a scenario does not document (ns, weeks, "90sec"):
    // say it in the scenario's terms.
    let parsed = humantime::parse_duration(text.trim()).map_err(|e| {
        let bare = text.trim();
        let why = if !bare.is_empty() && bare.chars().all(|c| c.is_ascii_digit()) {
            format!("a unit is needed: \"{bare}s\", \"{bare}m\" or \"{bare}h\"")
        } else {
            match e {
                humantime::DurationError::NumberExpected(_) | humantime::DurationError::Empty => {
                    "a number and a unit".to_string()
                }
                humantime::DurationError::UnknownUnit { unit, .. } => {
                    format!("unknown unit \"{unit}\"; use s, m, h or d")
                }
                humantime::DurationError::NumberOverflow => "too large".to_string(),
                humantime::DurationError::InvalidCharacter(_) => {
                    "an unexpected character".to_string()
                }
            }
        };
        InputError::new(
            path,
            format!("expected {DURATION_EXAMPLE}, got \"{text}\" ({why})"),
        )
    })?;
    if parsed.subsec_nanos() != 0 {
        return Err(InputError::new(
            path,
            format!("must be a whole number of seconds, got \"{text}\""),
        ));
    }
    Ok(SimTime::try_from(parsed.as_secs()).unwrap_or(SimTime::MAX))
}

pub fn start_time(value: Option<&toml::Value>) -> Checked<DateTime<FixedOffset>> {
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
    let start = DateTime::parse_from_rfc3339(&text).map_err(|e| {
        InputError::new(
            "start",
            format!("expected an RFC 3339 time with an offset, such as \"{DEFAULT_START}\", got \"{text}\" ({e})"),
        )
    })?;
    whole_second("start", &text, start)
}

/// A time of the run: its clock counts whole seconds, and a start half a second past midnight
/// put each month's boundary inside a second (a phantom row of the bill, every month a row off).
fn whole_second(
    key: &str,
    text: &str,
    time: DateTime<FixedOffset>,
) -> Checked<DateTime<FixedOffset>> {
    // A leap second's nanoseconds count past a whole second: it has its own message first.
    let time = refuse_leap_second(key, text, time)?;
    if time.nanosecond() != 0 {
        return Err(InputError::new(
            key,
            format!("\"{text}\" has a fraction of a second; the run's clock counts whole seconds: leave the fraction out"),
        ));
    }
    Ok(time)
}

/// A time whose seconds read 60 (a leap second). The run's clock counts whole seconds from the
/// start without leap seconds, so one there would put every hour, snapshot and month a second
/// early (a start of "2026-06-30T23:59:60Z" billed June twice).
pub fn refuse_leap_second(
    key: &str,
    text: &str,
    time: DateTime<FixedOffset>,
) -> Checked<DateTime<FixedOffset>> {
    if time.nanosecond() >= 1_000_000_000 {
        return Err(InputError::new(
            key,
            format!("\"{text}\" is a leap second (:60), which the run's clock does not have: give :59 or the next minute"),
        ));
    }
    Ok(time)
}

/// A moment in the run: an RFC 3339 time, or an offset from the start such as "10d" or "36h".
pub fn moment(
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
        Ok(time) => (whole_second(key, text, time)? - start).num_seconds(),
        Err(_) => parse_duration(key, text).map_err(|_| {
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
                "\"{text}\" is past the end of the run: the latest moment is {}",
                (start + chrono::Duration::seconds(last))
                    .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            ),
        ));
    }
    Ok(at)
}

/// When the headline storage and cost figures start: `warmup_days` (days, or a duration such as
/// "36d"; "0d" measures from the start), by default once the backup set is full (retention +
/// 1 days). An explicit warm-up must end before the horizon; the default one, when the horizon
/// is too short to fill the set, gives way to measuring from the start (the report says so).
/// Returns the warm-up and whether it ends inside the horizon.
pub fn warmup(
    value: Option<&toml::Value>,
    backup_set_full_at: SimTime,
    horizon: SimTime,
) -> Checked<(SimTime, bool)> {
    let key = "warmup_days";
    let explicit = match value {
        None => None,
        Some(toml::Value::Integer(d)) if *d >= 0 => Some(*d as f64 * DAY as f64),
        Some(toml::Value::Float(d)) if d.is_finite() && *d >= 0.0 => Some(d * DAY as f64),
        Some(toml::Value::String(text)) => Some(parse_duration(key, text)? as f64),
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
            let full = backup_set_full_at;
            Ok(if full < horizon {
                (full, true)
            } else {
                (0, false)
            })
        }
    }
}

/// The calendar months (on the scenario's wall clock) that [0, horizon) touches.
pub fn calendar_months(start: DateTime<FixedOffset>, horizon: SimTime) -> Vec<BillingMonth> {
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
            month_of_year: ym.1,
            from: begin.max(0),
            to: end.min(horizon),
            length: end - begin,
        });
        ym = after;
    }
    out
}

/// A load profile of `N` multipliers, rescaled to mean 1: it shapes the load, the mean rate
/// sets its size.
pub fn profile<const N: usize>(
    key: &str,
    values: Option<&Vec<f64>>,
    what: &str,
) -> Checked<[f64; N]> {
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
        *slot = number_in(&format!("{key}[{i}]"), v, 0.0, 1000.0, false)?;
    }
    let mean = out.iter().sum::<f64>() / N as f64;
    if mean <= 0.0 {
        let message = if out.iter().any(|&v| v > 0.0) {
            // 5e-324 alone is above 0, but a mean of it is 0 in floating point.
            "is too small to rescale to mean 1: its mean rounds to 0; write the shape in ordinary numbers, 1 for an ordinary hour or day"
        } else {
            "needs at least one multiplier above 0"
        };
        return Err(InputError::new(key, message));
    }
    for v in &mut out {
        *v /= mean;
    }
    Ok(out)
}
