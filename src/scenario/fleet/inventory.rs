//! An inventory CSV: a header of columns, a group per row.

use super::*;
use crate::scenario::keys::{self, Key};
use crate::scenario::spans::{field_starts, header_line, RecordLines};

/// The inventory's columns (as `backsim import` writes them) and the scenario key behind each;
/// `name`, `count` and `region` are the group's own.
pub const INVENTORY_KEYS: [(&str, &Key); 8] = [
    ("provisioned_storage_gb", &keys::PROVISIONED),
    ("db_size_gb", &keys::DB_SIZE),
    ("binlog_gb_per_day", &keys::BINLOG),
    ("vcores", &keys::VCORES),
    ("retention_days", &keys::RETENTION),
    ("redundancy", &keys::REDUNDANCY),
    ("ha", &keys::HA),
    ("mysql_version", &keys::MYSQL_VERSION),
];

/// Inventory rows: a header naming columns (name, count and region required; the others of
/// `INVENTORY_KEYS` optional, an empty cell taking the default), one group per row.
pub(super) fn inventory(
    text: &str,
    origin: &Origin,
    notes: &mut Vec<String>,
) -> Result<Vec<GroupSpec>, InputError> {
    // The csv reader takes a quote left open as a value running to the end of the file.
    if let Some((line, column)) = crate::safe_csv::unclosed_quote(text) {
        return Err(InputError {
            origin: origin.clone(),
            key: Some(format!("line {line}")),
            position: Some((line, column)),
            message: "this quote is never closed: the value would run to the end of the file"
                .into(),
        });
    }
    let line_of_row = std::cell::Cell::new(None::<usize>);
    // Where each field of the row being read starts on its line.
    let columns_of_row = std::cell::RefCell::new(Vec::<(usize, usize)>::new());
    let header_names = std::cell::RefCell::new(Vec::<String>::new());
    let lines = std::cell::RefCell::new(RecordLines::new(text));
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let fail = |row: Option<usize>, column: Option<&str>, message: String| InputError {
        origin: origin.clone(),
        key: Some(match (row, column) {
            (Some(r), Some(c)) => format!("row {r}, column {c}"),
            (Some(r), None) => format!("row {r}"),
            (None, Some(c)) => format!("column {c}"),
            (None, None) => "header".to_string(),
        }),
        // A row's own line: blank lines in between are skipped, so it is not the row's number;
        // and the cell's column where the error is about one.
        position: row.map(|r| {
            let field = column.and_then(|c| header_names.borrow().iter().position(|h| h == c));
            let (below, at) = field
                .and_then(|f| columns_of_row.borrow().get(f).copied())
                .unwrap_or((0, 1));
            (line_of_row.get().unwrap_or(r + 1) + below, at)
        }),
        message,
    };
    let all: Vec<&str> = ["name", "count", "region"]
        .into_iter()
        .chain(INVENTORY_KEYS.iter().map(|(c, _)| *c))
        .collect();
    if text.trim().is_empty() {
        return Err(fail(
            None,
            None,
            format!(
                "is empty: an inventory is a header line ({}) and a row per server or group",
                all.join(",")
            ),
        ));
    }
    // A TOML file named as the inventory (the fleet file itself, or a scenario) was read as a
    // CSV header and blamed for an unknown column `name = "…"`.
    let first_line = text.lines().map(str::trim).find(|l| !l.is_empty());
    if first_line.is_some_and(|l| l.starts_with('[') || (l.contains('=') && !l.contains(','))) {
        return Err(InputError {
            position: Some((header_line(text), 1)),
            ..fail(
                None,
                None,
                format!(
                    "reads as TOML, not as an inventory: an inventory is a CSV file, a header line ({}) and a row per server or group; a TOML file goes to `backsim fleet` itself, or as a group's `scenario`",
                    all.join(",")
                ),
            )
        });
    }
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| fail(None, None, format!("cannot read the header: {e}")))?
        .iter()
        .map(str::to_string)
        .collect();
    header_names.replace(header.clone());
    let mut ignored = Vec::new();
    for (i, column) in header.iter().enumerate() {
        if all.contains(&column.as_str()) {
            // Two columns for one key: only one would be read, and which is a guess.
            if header[..i].contains(column) {
                return Err(InputError {
                    position: Some((header_line(text), i + 1)),
                    ..fail(
                        None,
                        Some(column),
                        "appears twice in the header: give each column once".into(),
                    )
                });
            }
            continue;
        }
        // A near miss is a typo, and ignoring it would silently drop the value; anything else
        // (an owner, a cost centre) is what real inventories carry beside these.
        if let Some(meant) = closest(column, &all) {
            return Err(fail(
                None,
                Some(column),
                format!(
                    "unknown column; did you mean `{meant}`? The inventory has {}",
                    all.join(", ")
                ),
            ));
        }
        ignored.push(column.clone());
    }
    if !ignored.is_empty() {
        notes.push(format!(
            "{}: column{} {} ignored (not one backsim reads: {})",
            display(origin),
            if ignored.len() == 1 { "" } else { "s" },
            ignored.join(", "),
            all.join(", ")
        ));
    }
    for required in ["name", "region"] {
        if !header.iter().any(|c| c == required) {
            return Err(fail(None, Some(required), "is required".into()));
        }
    }
    let mut groups = Vec::new();
    // Per column of ours, the rows that left it empty: they take the defaults, said in a note.
    let mut empty: Vec<(&str, Vec<usize>)> = INVENTORY_KEYS
        .iter()
        .filter(|(column, _)| header.iter().any(|c| c == column))
        .map(|(column, _)| (*column, Vec::new()))
        .collect();
    // Rows whose count cell is empty: one server each, said in the note.
    let mut empty_count: Vec<usize> = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let row = i + 1;
        let record = record.map_err(|e| {
            line_of_row.set(e.position().map(|p| lines.borrow_mut().line(p.byte())));
            fail(Some(row), None, format!("cannot read: {e}"))
        })?;
        line_of_row.set(record.position().map(|p| lines.borrow_mut().line(p.byte())));
        columns_of_row.replace(
            record
                .position()
                .map_or_else(Vec::new, |p| field_starts(text, p.byte())),
        );
        let cell = |column: &str| {
            header
                .iter()
                .position(|c| c == column)
                .and_then(|p| record.get(p))
                .filter(|v| !v.is_empty())
        };
        let name = cell("name")
            .ok_or_else(|| {
                fail(
                    Some(row),
                    Some("name"),
                    "is empty: every row needs a name".into(),
                )
            })?
            .to_string();
        let region = cell("region")
            .ok_or_else(|| fail(Some(row), Some("region"), "is empty".into()))?
            .to_string();
        let count = match cell("count") {
            None => {
                if header.iter().any(|c| c == "count") {
                    empty_count.push(row);
                }
                1
            }
            Some(c) => c
                .parse::<u32>()
                .ok()
                .filter(|n| (1..=MAX_SERVERS as u32).contains(n))
                .ok_or_else(|| {
                    fail(
                        Some(row),
                        Some("count"),
                        format!("expected a whole number of servers from 1 to {MAX_SERVERS}, got \"{c}\""),
                    )
                })?,
        };
        for (column, rows) in empty.iter_mut() {
            if cell(column).is_none() {
                rows.push(row);
            }
        }
        let keys = INVENTORY_KEYS
            .iter()
            .filter_map(|(column, key)| cell(column).map(|v| (key.path.to_string(), cell_value(v))))
            .collect();
        groups.push(GroupSpec {
            name: name.clone(),
            count,
            region,
            base: None,
            keys,
            source: format!("row {row} ({})", display(origin)),
            label: format!("row {row} (\"{name}\")"),
            origin: origin.clone(),
            position: Some((line_of_row.get().unwrap_or(row + 1), 1)),
            table: None,
            cells: cells_at(
                &header,
                &columns_of_row.borrow(),
                line_of_row.get().unwrap_or(row + 1),
            ),
        });
    }
    let mut filled: Vec<String> = Vec::new();
    if !empty_count.is_empty() {
        filled.push(format!("count (one server) in {}", rows_text(&empty_count)));
    }
    filled.extend(
        empty
            .iter()
            .filter(|(_, rows)| !rows.is_empty())
            .map(|(column, rows)| {
                let key = INVENTORY_KEYS
                    .iter()
                    .find(|(c, _)| c == column)
                    .map_or("", |(_, k)| k.path);
                format!("{column} ({key}) in {}", rows_text(rows))
            }),
    );
    if !filled.is_empty() {
        notes.push(format!(
            "{}: empty cells take the fleet's [defaults], or the scenario defaults without them: {}",
            display(origin),
            filled.join("; ")
        ));
    }
    if groups.is_empty() {
        return Err(fail(
            None,
            None,
            "has no rows: a fleet needs at least one server".into(),
        ));
    }
    Ok(groups)
}

/// "row 2", "rows 2, 5, 9", or the first ten and how many more.
fn rows_text(rows: &[usize]) -> String {
    const SHOWN: usize = 10;
    let listed: Vec<String> = rows.iter().take(SHOWN).map(usize::to_string).collect();
    let more = if rows.len() > SHOWN {
        format!(" and {} more", rows.len() - SHOWN)
    } else {
        String::new()
    };
    format!(
        "row{} {}{more}",
        if rows.len() == 1 { "" } else { "s" },
        listed.join(", ")
    )
}

/// A CSV cell as a TOML value: a number when it reads as one, else text.
pub(super) fn cell_value(cell: &str) -> toml::Value {
    if let Ok(n) = cell.parse::<i64>() {
        return toml::Value::Integer(n);
    }
    match cell.parse::<f64>() {
        Ok(x) if x.is_finite() => toml::Value::Float(x),
        _ => toml::Value::String(cell.to_string()),
    }
}

/// Where each of the row's cells that sets a key sits, by the key it sets (the group's own
/// name, count and region by their column names), for errors about them.
fn cells_at(
    header: &[String],
    starts: &[(usize, usize)],
    line: usize,
) -> Vec<(String, (usize, usize))> {
    header
        .iter()
        .zip(starts)
        .filter_map(|(column, &(below, at))| {
            let key = match INVENTORY_KEYS.iter().find(|(c, _)| c == column) {
                Some((_, key)) => key.path,
                None if ["name", "count", "region"].contains(&column.as_str()) => column.as_str(),
                None => return None,
            };
            Some((key.to_string(), (line + below, at)))
        })
        .collect()
}
