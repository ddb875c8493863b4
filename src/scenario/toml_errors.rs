//! TOML errors in a reader's words: located at their key and line, the types named as a
//! scenario's author knows them.

use toml::de::DeTable;

use super::{spans, spelling};
use crate::error::{InputError, Origin};

/// The parser's two words for a nesting past its limit (80 levels), in the reader's.
const NESTED_TOO_DEEPLY: &str =
    "nested too deeply: tables, arrays and dotted keys may go at most 80 levels deep (a scenario needs 3)";

/// A parse error the TOML parser gives without a position (too deep a nesting): the first line
/// whose inclusion brings it on, found by bisecting the text's line prefixes, and the error in
/// words a user can act on.
pub(super) fn unlocated_error(
    text: &str,
    message: &str,
) -> (Option<String>, Option<(usize, usize)>, String) {
    let readable = if message == "recursion limit" {
        NESTED_TOO_DEEPLY.to_string()
    } else {
        message.to_string()
    };
    let line_ends: Vec<usize> = text
        .match_indices('\n')
        .map(|(i, _)| i + 1)
        .chain(std::iter::once(text.len()))
        .collect();
    let fails = |lines: usize| {
        let (_, errors) = DeTable::parse_recoverable(&text[..line_ends[lines - 1]]);
        errors
            .iter()
            .any(|e| e.span().is_none() && e.message().trim() == message)
    };
    // The smallest number of lines that shows the error.
    let (mut lo, mut hi) = (1, line_ends.len());
    if !fails(hi) {
        return (None, None, readable);
    }
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if fails(mid) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    (None, Some((lo, 1)), readable)
}

/// The `[table]` (or `[[table]]`) whose header last precedes `at`, if any.
fn table_around(text: &str, at: usize) -> Option<String> {
    let before = text.get(..at)?;
    before.lines().rev().find_map(|line| {
        let line = line.trim();
        let inner = line.strip_prefix('[')?;
        let inner = inner.strip_prefix('[').unwrap_or(inner);
        let end = inner.find(']')?;
        Some(inner[..end].trim().to_string())
    })
}

/// Whether a text is CSV (an inventory, sweep cases): its first line is a header of
/// comma-separated names, where TOML starts with a key, a table or a comment.
pub(crate) fn looks_like_csv(text: &str) -> bool {
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .is_some_and(|l| l.contains(',') && !l.contains('=') && !l.starts_with(['[', '#']))
}

/// A TOML parse error's `message`, with what the file may be instead and where it goes when it
/// looks like JSON or CSV: the files backsim reads elsewhere are easily handed to the wrong
/// command.
pub(crate) fn with_format_hint(message: String, text: &str) -> String {
    let start = text.trim_start_matches('\u{feff}').trim_start();
    let after_bracket = start.strip_prefix('[').map(str::trim_start);
    let hint = if start.starts_with('{')
        || after_bracket.is_some_and(|rest| rest.starts_with(['{', '"', ']']))
    {
        "this looks like JSON, not TOML: a server description becomes a scenario with `backsim import FILE`, and storage metrics go to `backsim calibrate SCENARIO --metrics FILE`"
    } else if looks_like_csv(start) {
        "this looks like CSV, not TOML: a fleet inventory runs with `backsim fleet FILE.csv`, and sweep cases go to `backsim sweep SCENARIO --cases FILE`"
    } else {
        return message;
    };
    format!("{message}; {hint}")
}

/// A TOML syntax or shape error, located at its key, in words a reader of the file uses: an
/// unknown key with the likely one ("did you mean …?"), a wrong type as "expected a number".
pub(super) fn toml_error(text: &str, origin: &Origin, e: &toml::de::Error) -> InputError {
    let offset = e.span().map(|s| s.start);
    let key = offset.and_then(|at| spans::key_at(text, at));
    let raw = e.message().trim();
    // The parser names neither the key nor the table given twice; its span holds the name.
    let named_twice = (raw == "duplicate key")
        .then(|| e.span().and_then(|s| text.get(s)))
        .flatten()
        .map(|name| name.trim().trim_matches(['"', '\'']).to_string())
        .filter(|name| !name.is_empty())
        .map(|name| match offset.and_then(|at| table_around(text, at)) {
            // A key inside a table: named with its table, as every other error names it.
            Some(table) if table != name && !name.contains('.') => format!("{table}.{name}"),
            _ => name,
        });
    let message = match (&key, named_twice) {
        (Some(k), _) if raw.starts_with("unknown field") => spelling::unknown_key_message(k),
        (_, Some(name)) => format!(
            "`{name}` is given twice (a key, or a [table] header): give it once, with all its keys together"
        ),
        _ => match &key {
            Some(k) => value_message(k, raw),
            None => plain_words(raw),
        },
    };
    InputError {
        origin: origin.clone(),
        key,
        position: offset.map(|at| spans::line_col(text, at)),
        message,
    }
}

/// The parser's `raw` complaint about `key`'s value, in a reader's words: the types a scenario's
/// author knows, how to write a unit the key's name already says, and what the key takes. One
/// composition for the file and for `--set`.
pub fn value_message(key: &str, raw: &str) -> String {
    with_allowed(key, raw, with_unit_hint(key, plain_words(raw)))
}

/// A value of the wrong type (or one TOML cannot hold, as 1e400) for `key`: `message` with what
/// the key takes, as its range errors say it ("expected a whole number, got the number 1.5"
/// named no range, "expected text in quotes, got true" no choices).
fn with_allowed(key: &str, raw: &str, message: String) -> String {
    let about_the_value = raw.starts_with("invalid type:")
        || raw.starts_with("invalid value:")
        || raw.contains("overflow")
        || raw.starts_with("expected a duration");
    match super::keys::allowed(key).filter(|_| about_the_value) {
        Some(allowed) => format!("{message}; {key} takes {allowed}"),
        None => message,
    }
}

/// `message` about `key`, with how to write it when a number was written with a unit ("90d"
/// for `horizon_days`) where the key's name already says the unit: other keys take "7d".
pub fn with_unit_hint(key: &str, message: String) -> String {
    match unit_in_name(key, &message) {
        Some(hint) => format!("{message}: {hint}"),
        None => message,
    }
}

fn unit_in_name(key: &str, message: &str) -> Option<String> {
    // plain_words' "expected <a number kind>, got the text \"…\"", whichever number kind.
    let (want, text) = message.split_once(", got the text \"")?;
    if !(want.starts_with("expected a ") && want.contains("number")) {
        return None;
    }
    let text = text.strip_suffix('"')?;
    let name = key.rsplit('.').next().unwrap_or(key);
    let (unit, in_unit) = [
        ("_days", "a number of days", "d"),
        ("_hours", "a number of hours", "h"),
        ("_minutes", "a number of minutes", "m"),
        ("_seconds", "a number of seconds", "s"),
        ("_pct", "a percentage", "%"),
        ("_gb", "a number of GB", "gb"),
    ]
    .into_iter()
    .find_map(|(suffix, unit, base)| name.ends_with(suffix).then_some((unit, base)))?;
    let text = text.trim();
    let digits: String = text
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    // "1TB" for a key in GB is 1024, not 1: the number in the key's own unit, where the unit
    // written is one of the same kind; none where it is not.
    let written_unit = text[digits.len()..].trim();
    let example = match (digits.parse::<f64>(), factor(written_unit), factor(in_unit)) {
        (Ok(v), Some((kind, f)), Some((key_kind, key_f))) if kind == key_kind => {
            // Four decimals: 90s is 1.5 minutes, 100 MB 0.0977 GB.
            let converted = (v * f / key_f * 1e4).round() / 1e4;
            format!(", e.g. {name} = {converted}")
        }
        (Ok(_), None, _) if written_unit.is_empty() => format!(", e.g. {name} = {digits}"),
        _ => String::new(),
    };
    Some(format!(
        "`{name}` is {unit}, written without a unit or quotes{example}"
    ))
}

/// A unit as written after a number: its kind and size in that kind's smallest unit.
fn factor(unit: &str) -> Option<(&'static str, f64)> {
    let unit = unit.to_ascii_lowercase();
    let time = |seconds: f64| Some(("time", seconds));
    let size = |gb: f64| Some(("size", gb));
    match unit.as_str() {
        "s" | "sec" | "secs" | "second" | "seconds" => time(1.0),
        "m" | "min" | "mins" | "minute" | "minutes" => time(60.0),
        "h" | "hr" | "hrs" | "hour" | "hours" => time(3600.0),
        "d" | "day" | "days" => time(86400.0),
        "w" | "week" | "weeks" => time(7.0 * 86400.0),
        "mb" | "mib" => size(1.0 / 1024.0),
        "gb" | "gib" => size(1.0),
        "tb" | "tib" => size(1024.0),
        "%" => Some(("share", 1.0)),
        _ => None,
    }
}

/// serde's "invalid type: string \"abc\", expected f64" as "expected a number, got the text
/// \"abc\"": the types a scenario's author knows, not Rust's.
pub fn plain_words(message: &str) -> String {
    if message == "cannot recurse further; max recursion depth met" {
        return NESTED_TOO_DEEPLY.to_string();
    }
    let body = message
        .strip_prefix("invalid type: ")
        .or_else(|| message.strip_prefix("invalid value: "));
    let Some((got, want)) = body.and_then(|b| b.split_once(", expected ")) else {
        return message.to_string();
    };
    let quoted = |s: &str| s.trim_matches('`').to_string();
    let got = if let Some(v) = got
        .strip_prefix("integer ")
        .and_then(|v| v.strip_suffix(" as i128").or(v.strip_suffix(" as u128")))
    {
        // Read as a wider integer than any key takes: it is its size that is wrong, not its type.
        format!(
            "the whole number {}, beyond the largest a scenario holds ({})",
            quoted(v),
            i64::MAX
        )
    } else if let Some(v) = got.strip_prefix("integer ") {
        format!("the whole number {}", quoted(v))
    } else if let Some(v) = got.strip_prefix("floating point ") {
        format!("the number {}", quoted(v))
    } else if let Some(v) = got.strip_prefix("string ") {
        format!("the text {v}")
    } else if let Some(v) = got.strip_prefix("boolean ") {
        quoted(v)
    } else if got == "sequence" {
        "a list".to_string()
    } else if got == "map" {
        "a table".to_string()
    } else {
        got.to_string()
    };
    let want = match want {
        "u64" | "u32" | "usize" => "a whole number (0 or more)".to_string(),
        "i64" | "i32" => "a whole number".to_string(),
        "f64" | "f32" => "a number".to_string(),
        "a string" => "text in quotes".to_string(),
        "a sequence" => "a list in brackets, e.g. [1, 2]".to_string(),
        "a boolean" => "true or false".to_string(),
        w if w.starts_with("struct ") || w == "a map" => {
            "a table (a [section] of keys)".to_string()
        }
        w => w.to_string(),
    };
    format!("expected {want}, got {got}")
}
