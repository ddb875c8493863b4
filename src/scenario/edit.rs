//! Changing a few keys of a scenario file in place: the value is replaced where it stands and its
//! line's comment becomes the given one, so that everything else in the file (the author's
//! comments, key order, the tables `calibrate` does not touch) stays as it was written.

use toml::de::{DeTable, DeValue};

/// One key to set: where, what (as TOML text), and why (a one-line comment).
#[derive(Debug, Clone, PartialEq)]
pub struct KeyEdit {
    /// Dotted path with at most one table: "workload.binlog_gb_per_day", or "start".
    pub path: String,
    pub value: String,
    pub comment: String,
}

/// `text` with every edit applied; each is checked to read back as the value given. Fails (with
/// the reason) where the file writes a table in a way a line edit cannot reach, such as an
/// inline table.
pub fn set_keys(text: &str, edits: &[KeyEdit]) -> Result<String, String> {
    let mut out = text.to_string();
    for edit in edits {
        out = set_key(&out, edit)?;
    }
    let doc: toml::Table = toml::from_str(&out).map_err(|e| e.message().to_string())?;
    for edit in edits {
        let wanted: toml::Table = toml::from_str(&format!("v = {}", edit.value))
            .map_err(|e| format!("{} = {}: {}", edit.path, edit.value, e.message()))?;
        let (table, key) = split(&edit.path);
        let found = if table.is_empty() {
            doc.get(key)
        } else {
            doc.get(table).and_then(|t| t.get(key))
        };
        if found != wanted.get("v") {
            return Err(format!(
                "{} could not be set in place (the file writes it in a form a line edit cannot change)",
                edit.path
            ));
        }
    }
    Ok(out)
}

fn split(path: &str) -> (&str, &str) {
    path.rsplit_once('.').unwrap_or(("", path))
}

fn line_end(text: &str, from: usize) -> usize {
    text[from..].find('\n').map_or(text.len(), |i| from + i)
}

fn set_key(text: &str, edit: &KeyEdit) -> Result<String, String> {
    let doc = DeTable::parse(text).map_err(|e| e.to_string())?;
    let (table, key) = split(&edit.path);
    let line = format!("{key} = {}  # {}", edit.value, edit.comment);
    let holder = if table.is_empty() {
        Some(doc.get_ref())
    } else {
        match doc.get_ref().get(table).map(|t| t.get_ref()) {
            Some(DeValue::Table(t)) => Some(t),
            Some(_) => return Err(format!("`{table}` is not a table")),
            None => None,
        }
    };
    let existing = holder.and_then(|t| t.get(key));
    if let Some(value) = existing {
        // The value, then to the end of its line (only blanks or a comment can follow).
        let span = value.span();
        let end = line_end(text, span.end);
        return Ok(format!(
            "{}{}  # {}{}",
            &text[..span.start],
            edit.value,
            edit.comment,
            &text[end..]
        ));
    }
    if table.is_empty() {
        // Top-level keys go before the first table: right after `name`.
        let at = doc
            .get_ref()
            .get("name")
            .map(|v| line_end(text, v.span().end))
            .ok_or("the scenario has no `name`")?;
        return Ok(insert_line(text, at, &line));
    }
    let header = doc
        .get_ref()
        .get(table)
        .map(|t| t.span())
        .filter(|s| is_header(&text[s.clone()], table));
    match header {
        Some(span) => {
            // After the table's last key, so that added keys follow the author's in order.
            let last = holder
                .into_iter()
                .flat_map(|t| t.iter())
                .filter(|(_, v)| !holds_tables(v.get_ref()))
                .map(|(_, v)| v.span().end)
                .fold(span.end, usize::max);
            Ok(insert_line(text, line_end(text, last), &line))
        }
        None if holder.is_some() && has_explicit_table_inside(text, table) => Err(format!(
            "`{table}` is written as an inline table or dotted keys; write it as a [{table}] table"
        )),
        None => {
            let sep = if text.ends_with('\n') { "" } else { "\n" };
            Ok(format!("{text}{sep}\n[{table}]\n{line}\n"))
        }
    }
}

/// A sub-table or an array of tables: written under headers of their own, not as keys.
fn holds_tables(v: &DeValue<'_>) -> bool {
    match v {
        DeValue::Table(_) => true,
        DeValue::Array(items) => items
            .iter()
            .any(|i| matches!(i.get_ref(), DeValue::Table(_))),
        _ => false,
    }
}

/// The text is the header `[table]` itself (not `[[table.sub]]` or a dotted key).
fn is_header(text: &str, table: &str) -> bool {
    text.trim()
        .strip_prefix('[')
        .and_then(|t| t.strip_suffix(']'))
        .is_some_and(|inner| !inner.starts_with('[') && inner.trim() == table)
}

/// The table exists without a header of its own, and not only as the parent of `[table.sub]`
/// or `[[table.sub]]` headers (which a `[table]` header may still follow).
fn has_explicit_table_inside(text: &str, table: &str) -> bool {
    text.lines().any(|l| {
        let l = l.trim_start();
        l.starts_with(&format!("{table}.")) || l.starts_with(&format!("{table} ="))
    })
}

fn insert_line(text: &str, at: usize, line: &str) -> String {
    if at >= text.len() {
        let sep = if text.ends_with('\n') || text.is_empty() {
            ""
        } else {
            "\n"
        };
        return format!("{text}{sep}{line}\n");
    }
    format!("{}\n{line}{}", &text[..at], &text[at..])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edit(path: &str, value: &str, comment: &str) -> KeyEdit {
        KeyEdit {
            path: path.into(),
            value: value.into(),
            comment: comment.into(),
        }
    }

    #[test]
    fn a_value_is_replaced_in_place_with_its_new_comment() {
        let text = "# my server\nname = \"x\"\n\n[workload]\n# the author's note\nbinlog_gb_per_day = 25.0  # default: assumption\nbursts_per_day = 2.0\n";
        let out = set_keys(
            text,
            &[edit("workload.binlog_gb_per_day", "31.5", "fitted")],
        )
        .unwrap();
        assert_eq!(
            out,
            "# my server\nname = \"x\"\n\n[workload]\n# the author's note\nbinlog_gb_per_day = 31.5  # fitted\nbursts_per_day = 2.0\n"
        );
    }

    #[test]
    fn a_multi_line_array_is_replaced_whole() {
        let text = "name = \"x\"\n[workload]\nweekly = [1.0, 1.0,\n  1.0, 1.0, 1.0,\n  0.5, 0.5]\nbursts_per_day = 2.0\n";
        let out = set_keys(
            text,
            &[edit(
                "workload.weekly",
                "[1.1, 1.1, 1.1, 1.1, 1.1, 0.75, 0.75]",
                "fitted",
            )],
        )
        .unwrap();
        assert_eq!(out, "name = \"x\"\n[workload]\nweekly = [1.1, 1.1, 1.1, 1.1, 1.1, 0.75, 0.75]  # fitted\nbursts_per_day = 2.0\n");
    }

    #[test]
    fn missing_keys_and_tables_are_added() {
        let text = "name = \"x\"  # the server\n\n[backup]\nretention_days = 14\n\n[[restore.measured]]\ndatabase_gb = 1.0\n";
        let out = set_keys(
            text,
            &[
                edit("start", "\"2026-02-01T03:00:00Z\"", "snapshot time"),
                edit("backup.snapshot_change_ratio", "0.4", "fitted"),
                edit("restore.replay_gb_per_hour_per_vcore", "3.2", "fitted"),
            ],
        )
        .unwrap();
        assert_eq!(
            out,
            "name = \"x\"  # the server\nstart = \"2026-02-01T03:00:00Z\"  # snapshot time\n\n[backup]\nretention_days = 14\nsnapshot_change_ratio = 0.4  # fitted\n\n[[restore.measured]]\ndatabase_gb = 1.0\n\n[restore]\nreplay_gb_per_hour_per_vcore = 3.2  # fitted\n"
        );
    }

    #[test]
    fn dotted_keys_are_replaced_and_inline_tables_refused() {
        let text = "name = \"x\"\nworkload.binlog_gb_per_day = 3.0\n";
        let out = set_keys(text, &[edit("workload.binlog_gb_per_day", "4.0", "fitted")]).unwrap();
        assert_eq!(
            out,
            "name = \"x\"\nworkload.binlog_gb_per_day = 4.0  # fitted\n"
        );
        let inline = "name = \"x\"\nworkload = { bursts_per_day = 1.0 }\n";
        assert!(set_keys(inline, &[edit("workload.binlog_gb_per_day", "4.0", "f")]).is_err());
    }
}
