//! `--set KEY=VALUE` and the other ways a value is given over a scenario file: how an argument
//! is cut into values, how an override is laid over the parsed document (a table over a table
//! merges), and how an error is traced back to the override that gave the value.

use std::borrow::Cow;

use toml::de::{DeTable, DeValue};
use toml::Spanned;

use crate::error::InputError;

/// One `--set KEY=VALUE`, already split.
#[derive(Debug, Clone, PartialEq)]
pub struct Override {
    pub key: String,
    pub value: String,
}

impl Override {
    pub fn parse(arg: &str) -> Result<Self, InputError> {
        match arg.split_once('=') {
            Some((k, v)) if !k.trim().is_empty() => Ok(Self {
                key: k.trim().to_string(),
                value: v.trim().to_string(),
            }),
            _ => Err(InputError::argument(
                "--set",
                format!("expected KEY=VALUE with a dotted scenario key, e.g. backup.retention_days=14, got \"{arg}\""),
            )),
        }
    }

    /// The value as TOML (a number, a list, a quoted string), or else as a bare string: so both
    /// `backup.redundancy=geo` and `backup.redundancy="geo"` work.
    pub(crate) fn toml_value(&self) -> toml::Value {
        toml_value_of(&self.value).unwrap_or_else(|| toml::Value::String(self.value.clone()))
    }

    /// The same, as a value of the parsed document.
    fn de_value(&self) -> DeValue<'_> {
        match DeValue::parse(&self.value) {
            Ok(v) => v.into_inner(),
            Err(_) => DeValue::String(Cow::Borrowed(&self.value)),
        }
    }
}

/// The byte offsets of `text`'s commas outside brackets, braces and quoted strings: where a
/// comma-separated argument (`--vary`'s values, `--vs`'s assignments) may be cut without cutting
/// a list (`[1, 2]`), an inline table (`{at = "30d", action = "stop"}`) or a string (`"a,b"`).
/// A closer with nothing open is taken as text, and so is a quote inside a bare word (`it's`):
/// TOML opens a string only where a value starts. What is left open keeps its commas.
pub fn top_level_commas(text: &str) -> Vec<usize> {
    let mut commas = Vec::new();
    let mut depth = 0usize;
    // The quote a string opened with, and whether the last character escaped the next (only
    // a basic string, "…", has escapes; a literal one, '…', has none).
    let mut quote: Option<char> = None;
    let mut escaped = false;
    // The last character outside strings and spaces: a value starts after none or one of these.
    let mut last = None;
    for (i, c) in text.char_indices() {
        match quote {
            Some(q) => {
                if escaped {
                    escaped = false;
                } else if c == '\\' && q == '"' {
                    escaped = true;
                } else if c == q {
                    quote = None;
                }
            }
            None => match c {
                '"' | '\'' if matches!(last, None | Some(',' | '[' | '{' | '=')) => quote = Some(c),
                '[' | '{' => depth += 1,
                ']' | '}' => depth = depth.saturating_sub(1),
                ',' if depth == 0 => commas.push(i),
                _ => {}
            },
        }
        if quote.is_none() && !c.is_whitespace() {
            last = Some(c);
        }
    }
    commas
}

/// `text` cut at its top-level commas (see `top_level_commas`).
pub fn split_top_level(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut from = 0;
    for i in top_level_commas(text) {
        parts.push(&text[from..i]);
        from = i + 1;
    }
    parts.push(&text[from..]);
    parts
}

/// A value written as TOML (`7`, `"geo"`, `[1, 2]`), if it is one.
pub fn toml_value_of(text: &str) -> Option<toml::Value> {
    toml::from_str::<toml::Table>(&format!("v = {text}"))
        .ok()
        .and_then(|mut t| t.remove("v"))
}

/// Whether override `o` gave the value of `key`: the key itself, an item of it, or a key inside
/// it — for a table, only one the table holds, since it merges into the file's.
pub(super) fn gave(o: &Override, key: &str) -> bool {
    if key == o.key || key.starts_with(&format!("{}[", o.key)) {
        return true;
    }
    let Some(inner) = key.strip_prefix(&format!("{}.", o.key)) else {
        return false;
    };
    match o.toml_value() {
        toml::Value::Table(table) => holds(&table, inner),
        _ => true,
    }
}

/// The dotted keys `o` sets: its own, or for a table each key inside it (`server={vcores=4}` sets
/// `server.vcores`, not every message's word "server").
pub fn set_keys(o: &Override) -> Vec<String> {
    fn walk(prefix: &str, value: &toml::Value, out: &mut Vec<String>) {
        match value {
            toml::Value::Table(table) => {
                for (k, v) in table {
                    walk(&format!("{prefix}.{k}"), v, out);
                }
            }
            _ => out.push(prefix.to_string()),
        }
    }
    let mut out = Vec::new();
    walk(&o.key, &o.toml_value(), &mut out);
    out
}

/// The most `--set`s a record read back (by merge) may list: a command line sets each scenario
/// key once (and a fleet's region keys once per region), a few hundred in all.
pub const MOST_OVERRIDES: usize = 10_000;
/// Where [`MOST_OVERRIDES`] comes from, for the message refusing more.
pub const MOST_OVERRIDES_WHY: &str =
    "a command line sets each scenario key at most once, a few hundred in all";

/// The first key two of `sets` both give, with the two (earlier first): a table merges into the
/// file's, so it clashes only through the keys it holds (`backup={retention_days=3}` and
/// `backup.redundancy=geo` do not).
pub fn first_clash(sets: &[Override]) -> Option<(&Override, &Override, String)> {
    let keys_of: Vec<Vec<String>> = sets.iter().map(set_keys).collect();
    for (i, later) in sets.iter().enumerate() {
        for (earlier, earlier_keys) in sets[..i].iter().zip(&keys_of) {
            if let Some(key) = keys_of[i]
                .iter()
                .find(|k| super::keys::holding(earlier_keys, k).is_some())
            {
                return Some((earlier, later, key.clone()));
            }
        }
    }
    None
}

/// Whether `table` holds the dotted `path` (an item index ends the walk: the list is the table's).
fn holds(table: &toml::Table, path: &str) -> bool {
    let (head, rest) = match path.find(['.', '[']) {
        Some(i) if path.as_bytes()[i] == b'.' => (&path[..i], Some(&path[i + 1..])),
        Some(i) => (&path[..i], None),
        None => (path, None),
    };
    match (table.get(head), rest) {
        (None, _) => false,
        (Some(toml::Value::Table(inner)), Some(rest)) => holds(inner, rest),
        (Some(_), _) => true,
    }
}

/// Whether `message` names the dotted `key` as a whole key (not `key` inside a longer one, nor
/// inside quotes, where a value such as an event's "start" is shown).
pub(super) fn mentions(message: &str, key: &str) -> bool {
    let part_of_key = |c: char| c.is_alphanumeric() || matches!(c, '_' | '.' | '-');
    message.match_indices(key).any(|(at, _)| {
        if message[..at].matches('"').count() % 2 == 1 {
            return false;
        }
        let after = &message[at + key.len()..];
        // A full stop after the key ends a sentence; one before a letter continues the key.
        let continues = after.starts_with(|c: char| c.is_alphanumeric() || matches!(c, '_' | '-'))
            || (after.starts_with('.') && after[1..].starts_with(|c: char| c.is_alphanumeric()));
        !message[..at].ends_with(part_of_key) && !continues
    })
}

/// An override set on the parsed document, as a dotted path; the value (and any table made for
/// it) carries `span`, which tells an error in it from one in the file.
pub(super) fn set_dotted_de<'v>(
    table: &mut DeTable<'v>,
    o: &'v Override,
    span: std::ops::Range<usize>,
) -> Result<(), InputError> {
    let parts: Vec<&str> = o.key.split('.').collect();
    let (leaf, parents) = parts.split_last().expect("split yields at least one part");
    let name = |part: &str| Spanned::new(span.clone(), Cow::Owned(part.to_string()));
    let mut current = table;
    for part in parents {
        if current.get(*part).is_none() {
            current.insert(
                name(part),
                Spanned::new(span.clone(), DeValue::Table(DeTable::new())),
            );
        }
        current = match current.get_mut(*part).map(Spanned::get_mut) {
            Some(DeValue::Table(t)) => t,
            _ => {
                return Err(InputError::argument(
                    "--set",
                    format!("\"{}\": `{part}` is not a table", o.key),
                ))
            }
        };
    }
    let value = respanned(o.de_value(), &span);
    merge_de(current, name(leaf), Spanned::new(span, value));
    Ok(())
}

/// Set `key` to `value`; a table over a table merges key by key, so that `--set
/// backup={retention_days=3}` changes that key as `--set backup.retention_days=3` does, rather
/// than dropping every other key the file's `[backup]` gave.
fn merge_de<'v>(table: &mut DeTable<'v>, key: Spanned<Cow<'v, str>>, value: Spanned<DeValue<'v>>) {
    if let (Some(DeValue::Table(existing)), DeValue::Table(_)) = (
        table.get_mut(key.get_ref().as_ref()).map(Spanned::get_mut),
        value.get_ref(),
    ) {
        let DeValue::Table(given) = value.into_inner() else {
            unreachable!("matched a table")
        };
        for (k, v) in given {
            merge_de(existing, k, v);
        }
        return;
    }
    table.insert(key, value);
}

/// `value` with every key and value inside it placed at `span`: parsed from an override's own
/// text, their spans were offsets into that text, which an error then placed in the file
/// (an unknown field in `--set events=[{…}]` was blamed on `server.db_size_gb`, line 4).
fn respanned<'v>(value: DeValue<'v>, span: &std::ops::Range<usize>) -> DeValue<'v> {
    match value {
        DeValue::Array(mut items) => {
            for item in items.iter_mut() {
                let inner = std::mem::replace(item.get_mut(), DeValue::Boolean(false));
                *item = Spanned::new(span.clone(), respanned(inner, span));
            }
            DeValue::Array(items)
        }
        DeValue::Table(table) => {
            let mut out = DeTable::new();
            for (key, item) in table {
                out.insert(
                    Spanned::new(span.clone(), key.into_inner()),
                    Spanned::new(span.clone(), respanned(item.into_inner(), span)),
                );
            }
            DeValue::Table(out)
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn top_level_commas_leave_lists_tables_and_strings_whole() {
        assert_eq!(split_top_level("7,14, 35"), ["7", "14", " 35"]);
        assert_eq!(
            split_top_level("[1,1,1,1,1,0.5,0.5],[1,1,1,1,1,1,1]"),
            ["[1,1,1,1,1,0.5,0.5]", "[1,1,1,1,1,1,1]"]
        );
        assert_eq!(
            split_top_level(r#"[{at = "5d", action = "stop"}],[]"#),
            [r#"[{at = "5d", action = "stop"}]"#, "[]"]
        );
        assert_eq!(
            split_top_level(r#""a,b",'c,d',"e\",f""#),
            [r#""a,b""#, "'c,d'", r#""e\",f""#]
        );
        // A quote inside a bare word opens no string; a stray closer opens nothing either.
        assert_eq!(split_top_level("it's,x"), ["it's", "x"]);
        assert_eq!(split_top_level("a],b"), ["a]", "b"]);
        assert_eq!(split_top_level(""), [""]);
    }

    #[test]
    fn a_key_is_mentioned_only_whole() {
        assert!(!mentions("\"start\" at 172800s starts a server", "start"));
        assert!(mentions("fits in a.b (3 GB)", "a.b"));
        assert!(mentions("raise a.b.", "a.b"));
        assert!(!mentions("raise a.bc", "a.b"));
        assert!(!mentions("raise a.b.c", "a.b"));
        assert!(!mentions("raise xa.b", "a.b"));
    }
}
