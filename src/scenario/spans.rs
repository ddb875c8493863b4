//! Where a dotted key sits in the scenario text, so that an error found after parsing (a value out
//! of range) still points at a line and column.

use toml::de::{DeTable, DeValue};

/// 1-based line and column of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

/// The line (from 1) of a CSV record the reader placed at byte `at`: the reader counts blank
/// lines before a record into it, and its own line count skips them, so the first character
/// that is not a line break is the record's.
pub fn record_line(text: &str, at: u64) -> usize {
    RecordLines::new(text).line(at)
}

/// `record_line` for the records of one file in order, each counted on from the one before:
/// counted from the top every time, 100,000 rows took a quarter of a minute.
pub struct RecordLines<'t> {
    text: &'t str,
    /// Bytes before `at` hold `breaks` line breaks; `at` is never inside a \r\n.
    at: usize,
    breaks: usize,
}

impl<'t> RecordLines<'t> {
    pub fn new(text: &'t str) -> Self {
        Self {
            text,
            at: 0,
            breaks: 0,
        }
    }

    /// The line of the record at byte `at`; one before the last asked for is counted from the
    /// top again.
    pub fn line(&mut self, at: u64) -> usize {
        let bytes = self.text.as_bytes();
        let at = (at as usize).min(bytes.len());
        if at < self.at {
            (self.at, self.breaks) = (0, 0);
        }
        let start = bytes[at..]
            .iter()
            .position(|&b| b != b'\n' && b != b'\r')
            .map_or(bytes.len(), |i| at + i);
        self.breaks += bytes[self.at..start]
            .iter()
            .enumerate()
            .filter(|&(i, &b)| {
                b == b'\n' || (b == b'\r' && bytes.get(self.at + i + 1) != Some(&b'\n'))
            })
            .count();
        self.at = start;
        self.breaks + 1
    }
}

/// Where each field of the CSV record at byte `at` starts: lines after the record's first (a
/// quoted cell may hold line breaks) and the column there (from 1, in characters). Commas and
/// line breaks inside quotes belong to the cell.
pub fn field_starts(text: &str, at: u64) -> Vec<(usize, usize)> {
    let at = (at as usize).min(text.len());
    let start = text[at..]
        .find(|c| c != '\n' && c != '\r')
        .map_or(text.len(), |i| at + i);
    let mut starts = vec![(0, 1)];
    let (mut line, mut column) = (0, 0);
    let mut quoted = false;
    let mut chars = text[start..].chars().peekable();
    while let Some(c) = chars.next() {
        column += 1;
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => starts.push((line, column + 1)),
            '\n' | '\r' if !quoted => break,
            '\n' | '\r' => {
                if c == '\r' && chars.peek() == Some(&'\n') {
                    chars.next();
                }
                (line, column) = (line + 1, 0);
            }
            _ => {}
        }
    }
    starts
}

/// The line of a CSV file's header: its first line that is not blank.
pub fn header_line(text: &str) -> usize {
    record_line(text, 0)
}

enum Segment<'k> {
    Key(&'k str),
    Index(usize),
}

/// "events[2].action" → Key(events), Index(2), Key(action); a quoted part is one key whatever
/// it holds: `sweep."backup.retention_days"` → Key(sweep), Key(backup.retention_days).
fn segments(path: &str) -> Vec<Segment<'_>> {
    let mut out = Vec::new();
    let mut rest = path;
    while !rest.is_empty() {
        let (name, after) = match rest.strip_prefix('"').and_then(|r| {
            let close = r.find('"')?;
            Some((&r[..close], &r[close + 1..]))
        }) {
            Some(quoted) => quoted,
            None => {
                let end = rest.find(['.', '[']).unwrap_or(rest.len());
                (&rest[..end], &rest[end..])
            }
        };
        if !name.is_empty() {
            out.push(Segment::Key(name));
        }
        rest = after;
        while let Some(inner) = rest.strip_prefix('[') {
            let Some(close) = inner.find(']') else {
                rest = "";
                break;
            };
            if let Ok(i) = inner[..close].parse() {
                out.push(Segment::Index(i));
            }
            rest = &inner[close + 1..];
        }
        rest = rest.strip_prefix('.').unwrap_or(rest);
    }
    out
}

/// Byte offset of the value at `path`, or of the deepest part of the path that exists (so a
/// missing key inside `[backup]` points at the table).
pub fn offset_of(text: &str, path: &str) -> Option<usize> {
    deepest_of(text, path).map(|(at, _)| at)
}

/// Byte offset of the value at `path` only if the whole path is there.
pub fn exact_offset_of(text: &str, path: &str) -> Option<usize> {
    deepest_of(text, path).and_then(|(at, whole)| whole.then_some(at))
}

/// Line and column of the value at `path` only if the whole path is there: where an error
/// about that key points.
pub fn exact_line_col(text: &str, path: &str) -> Option<(usize, usize)> {
    exact_offset_of(text, path).map(|at| line_col(text, at))
}

/// The offset of the deepest part of `path` there, and whether that is all of it.
fn deepest_of(text: &str, path: &str) -> Option<(usize, bool)> {
    let doc = DeTable::parse(text).ok()?;
    let mut best: Option<usize> = None;
    let mut table = doc.get_ref();
    let mut current: Option<&toml::Spanned<DeValue<'_>>> = None;
    let mut whole = true;
    for seg in segments(path) {
        let next = match (seg, current.map(|v| v.get_ref())) {
            (Segment::Key(k), None) => table.get(k),
            (Segment::Key(k), Some(DeValue::Table(t))) => {
                table = t;
                table.get(k)
            }
            (Segment::Index(i), Some(DeValue::Array(a))) => a.get(i),
            _ => None,
        };
        match next {
            Some(v) => {
                best = Some(v.span().start);
                current = Some(v);
            }
            None => {
                whole = false;
                break;
            }
        }
    }
    best.map(|at| (at, whole))
}

/// Byte offset of the entry `key` (a dotted key) of the `[sweep]` table, written quoted
/// (`"backup.retention_days"`), unquoted (a nested table) or part one way, part the other.
pub fn offset_of_sweep_entry(text: &str, key: &str) -> Option<usize> {
    fn find(table: &DeTable<'_>, key: &str) -> Option<usize> {
        if let Some(v) = table.get(key) {
            return Some(v.span().start);
        }
        table.iter().find_map(|(k, v)| match v.get_ref() {
            DeValue::Table(inner) => key
                .strip_prefix(k.get_ref().as_ref())
                .and_then(|rest| rest.strip_prefix('.'))
                .and_then(|rest| find(inner, rest)),
            _ => None,
        })
    }
    let doc = DeTable::parse(text).ok()?;
    let sweep = doc.get_ref().get("sweep")?;
    match sweep.get_ref() {
        DeValue::Table(t) => find(t, key),
        _ => None,
    }
}

/// The dotted key whose key or value text contains `offset`: names the key a parse error is about.
pub fn key_at(text: &str, offset: usize) -> Option<String> {
    let doc = DeTable::parse(text).ok()?;
    let mut path = String::new();
    find_in_table(doc.get_ref(), offset, &mut path).then_some(path)
}

fn find_in_table(table: &DeTable<'_>, offset: usize, path: &mut String) -> bool {
    for (key, value) in table.iter() {
        let in_key = key.span().contains(&offset);
        let in_value = value.span().contains(&offset);
        if in_key || in_value {
            if !path.is_empty() {
                path.push('.');
            }
            path.push_str(key.get_ref());
            if in_value {
                find_in_value(value.get_ref(), offset, path);
            }
            return true;
        }
    }
    // Tables declared with a header span only their header: look inside each one as well.
    for (key, value) in table.iter() {
        if let DeValue::Table(inner) = value.get_ref() {
            let len = path.len();
            if !path.is_empty() {
                path.push('.');
            }
            path.push_str(key.get_ref());
            if find_in_table(inner, offset, path) {
                return true;
            }
            path.truncate(len);
        }
        if let DeValue::Array(items) = value.get_ref() {
            for (i, item) in items.iter().enumerate() {
                if let DeValue::Table(inner) = item.get_ref() {
                    let len = path.len();
                    if !path.is_empty() {
                        path.push('.');
                    }
                    path.push_str(&format!("{}[{i}]", key.get_ref()));
                    if find_in_table(inner, offset, path) {
                        return true;
                    }
                    path.truncate(len);
                }
            }
        }
    }
    false
}

fn find_in_value(value: &DeValue<'_>, offset: usize, path: &mut String) -> bool {
    match value {
        DeValue::Table(t) => find_in_table(t, offset, path),
        DeValue::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                if item.span().contains(&offset) {
                    path.push_str(&format!("[{i}]"));
                    if let DeValue::Table(t) = item.get_ref() {
                        find_in_table(t, offset, path);
                    }
                    return true;
                }
            }
            false
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "name = \"x\"\n\n[backup]\nretention_days = 40\n\n[[events]]\nat = \"1d\"\naction = \"stop\"\n\n[[events]]\nat = \"2d\"\naction = \"explode\"\n";

    #[test]
    fn csv_fields_are_placed_by_line_and_column_with_quoted_commas_and_breaks_inside() {
        let text = "name,region\n\na,\"east, us\",7\nlast";
        let at = text.find("\n\na").unwrap() as u64;
        assert_eq!(field_starts(text, at), vec![(0, 1), (0, 3), (0, 14)]);
        assert_eq!(
            field_starts(text, text.rfind("last").unwrap() as u64),
            vec![(0, 1)]
        );
        let broken = "\"a\r\nb\",api,1\n";
        assert_eq!(field_starts(broken, 0), vec![(0, 1), (1, 4), (1, 8)]);
    }

    #[test]
    fn finds_nested_keys_and_array_items() {
        let at = offset_of(DOC, "backup.retention_days").unwrap();
        assert_eq!(line_col(DOC, at), (4, 18));
        let at = offset_of(DOC, "events[1].action").unwrap();
        assert_eq!(line_col(DOC, at), (12, 10));
        // Missing leaf: the deepest existing part.
        let at = offset_of(DOC, "backup.redundancy");
        assert!(at.is_some());
    }

    /// A quoted part of a path is one key, dots and all; unquoted parts are nested keys.
    #[test]
    fn a_quoted_dotted_key_is_one_key() {
        let text = "[sweep]\n\"backup.retention_days\" = 7\n[group.set]\n\"server.vcores\" = 9\n";
        let at = exact_offset_of(text, "sweep.\"backup.retention_days\"").unwrap();
        assert_eq!(line_col(text, at), (2, 27));
        let at = exact_offset_of(text, "group.set.\"server.vcores\"").unwrap();
        assert_eq!(line_col(text, at), (4, 19));
        assert!(exact_offset_of(text, "sweep.backup.retention_days").is_none());
    }

    #[test]
    fn names_the_key_at_an_offset() {
        let offset = DOC.find("40").unwrap();
        assert_eq!(
            key_at(DOC, offset).as_deref(),
            Some("backup.retention_days")
        );
        let offset = DOC.find("explode").unwrap();
        assert_eq!(key_at(DOC, offset).as_deref(), Some("events[1].action"));
    }
}
