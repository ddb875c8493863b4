//! "Did you mean …?": the key, table or name someone probably meant by one that is not known,
//! by spelling (Jaro–Winkler, strsim) or by the same name in another table.

use super::keys::{event_field, find, ALL, EVENT_FIELDS, TABLES};

/// The candidate whose name is spelt most like `word` (Jaro–Winkler, strsim), if above
/// `threshold`; of equally close ones, the last.
pub fn closest<'n, T>(
    word: &str,
    candidates: impl IntoIterator<Item = (&'n str, T)>,
    threshold: f64,
) -> Option<T> {
    candidates
        .into_iter()
        .map(|(name, t)| (strsim::jaro_winkler(word, name), t))
        .filter(|(score, _)| *score > threshold)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, t)| t)
}

/// The key someone probably meant by an unknown `path` ("did you mean …?"): a key of the same
/// name in another table, else the closest path by spelling (Jaro–Winkler, strsim), if close.
pub fn suggest(path: &str) -> Option<String> {
    if let Some((prefix, field)) = event_field(path) {
        return closest(field, EVENT_FIELDS.iter().map(|&f| (f, f)), 0.7)
            .map(|f| format!("{prefix}{f}"));
    }
    let (table, leaf) = path.rsplit_once('.').unwrap_or(("", path));
    if let Some(k) = ALL.iter().find(|k| k.name() == leaf && k.path != path) {
        return Some(k.path.to_string());
    }
    let best = |candidates: &mut dyn Iterator<Item = (&str, &'static str)>, of: &str| {
        closest(of, candidates, 0.8).map(String::from)
    };
    if TABLES.contains(&table) {
        // A known table: the likely key is one of its own, by name.
        best(
            &mut ALL
                .iter()
                .filter(|k| k.table() == table)
                .map(|k| (k.name(), k.path)),
            leaf,
        )
    } else {
        // A misspelt table or top-level key: by the whole path.
        best(
            &mut ALL
                .iter()
                .map(|k| (k.path, k.path))
                .chain(TABLES.iter().map(|t| (*t, *t))),
            path,
        )
        .or_else(|| {
            // "servr.db_size_gb": the table is the misspelt part.
            let (t, rest) = path.split_once('.')?;
            let table = best(&mut TABLES.iter().map(|t| (*t, *t)), t)?;
            let fixed = format!("{table}.{rest}");
            find(&fixed).map(|k| k.path.to_string())
        })
    }
}

/// The message for an unknown key: a suggestion where one is close, else where to look. Never
/// the whole list of keys.
pub fn unknown_key_message(path: &str) -> String {
    // A fleet file given to `run` (or `sweep`, `compare`): say which command reads it.
    let table = path.split(['.', '[']).next().unwrap_or(path);
    if ["defaults", "group", "regions", "outage", "inventory"].contains(&table) {
        return format!(
            "unknown key: `{table}` belongs to a fleet file, which `backsim fleet FILE` runs"
        );
    }
    match suggest(path) {
        // `"server.vcores" = 4` at the top: quotes make the dotted path one name.
        Some(s) if s == path => {
            let (table, key) = path.split_once('.').unwrap_or(("", path));
            format!(
                "unknown key: in quotes, \"{path}\" is one name, not the key {path}; write it without quotes ({path} = …) or as {key} under [{table}]"
            )
        }
        Some(s) => format!("unknown key; did you mean `{s}`?"),
        None => "unknown key (`backsim init -` prints every key with its meaning and default)"
            .to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn misspelt_keys_get_the_likely_one() {
        assert_eq!(
            suggest("backup.retention_dayz").as_deref(),
            Some("backup.retention_days")
        );
        assert_eq!(suggest("servr").as_deref(), Some("server"));
        assert_eq!(
            suggest("server.retention_days").as_deref(),
            Some("backup.retention_days")
        );
        assert_eq!(
            suggest("events[0].acton").as_deref(),
            Some("events[0].action")
        );
        assert_eq!(suggest("zzz.qqq"), None);
        assert_eq!(suggest("backup.zzzzz"), None);
        assert_eq!(
            suggest("servr.db_size_gb").as_deref(),
            Some("server.db_size_gb")
        );
    }
}
