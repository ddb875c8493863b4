//! The commented scenario `backsim init` writes: generated from the key table, so that every key
//! appears with its default, its meaning and where the default comes from. A test keeps it
//! parsing to exactly the default configuration.

use super::keys::{Key, Kind, ALL};

const HEADER: &str = "\
# A backsim scenario: every key with its default; delete what you do not need. Only `name` is
# required. Durations are strings (\"90s\", \"30m\", \"6h\", \"7d\"); sizes are GB. Each key says
# where its default comes from: [documented] by the service's documentation, [assumption] where
# the documentation is silent (replace it with your own figure), [setting] yours to choose.
";

const TRAILER: &str = "
# Scripted events at RFC 3339 times or offsets from the start:
# [[events]]
# at = \"10d\"
# action = \"stop\"           # \"stop\" | \"start\" | \"delete\" (B7, R5) | \"enable-geo\" (local → geo,
#                           # D2) | \"region-outage\" (O1, with hours = 6) | \"set-retention\"
#                           # (S1, with retention_days = 14)

# Timed test restores for `backsim calibrate` (restore.measured), one table each; the restore
# point is either after_snapshot (time after its base snapshot) or binlog_gb (binlog replayed):
# [[restore.measured]]
# database_gb = 250.0
# after_snapshot = \"6h\"
# vcores = 4  # default: server.vcores
# target = \"custom\"  # \"latest\" | \"custom\" | \"fastest\" (replays nothing)
# minutes = 41.5

# A grid for `backsim sweep`: dotted key = list of values.
[sweep]
# \"backup.retention_days\" = [7, 14, 35]
";

/// Comment lines of at most `width` characters.
fn wrapped(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::from("#");
    for word in text.split_whitespace() {
        if line.len() + 1 + word.len() > width && line.len() > 1 {
            lines.push(std::mem::replace(&mut line, String::from("#")));
        }
        line.push(' ');
        line.push_str(word);
    }
    lines.push(line);
    lines
}

fn entry(key: &Key) -> String {
    let mut out = String::new();
    let mut doc = key.doc.to_string();
    if let Kind::Choice { allowed, .. } = key.kind {
        let list: Vec<String> = allowed.iter().map(|a| format!("\"{a}\"")).collect();
        doc = format!("{doc} One of {}.", list.join(", "));
    }
    let unit = if key.unit.is_empty() {
        String::new()
    } else {
        format!(", {}", key.unit)
    };
    for line in wrapped(&format!("{doc} [{}{unit}]", key.source.as_str()), 96) {
        out.push_str(&line);
        out.push('\n');
    }
    match (key.path, key.default_toml()) {
        ("name", _) => out.push_str("name = \"my-server\"\n"),
        // Computed defaults: shown, commented out, with what the computation gives.
        ("warmup_days", _) => out.push_str(
            "# warmup_days = \"8d\"   # default: backup.retention_days + 1 days (8 at the default 7)\n",
        ),
        // An array of tables cannot sit among [restore]'s keys: its example ends the file.
        ("restore.measured", _) => out.push_str("# measured: see [[restore.measured]] below\n"),
        (_, None) => out.push_str(&format!("# {} = \"westus\"\n", key.name())),
        (_, Some(default)) => out.push_str(&format!("{} = {default}\n", key.name())),
    }
    out
}

/// The template, table by table in the key table's order.
pub fn template() -> String {
    let mut out = String::from(HEADER);
    let mut table = "";
    for key in ALL {
        if key.table() != table {
            table = key.table();
            out.push_str(&format!("\n[{table}]\n"));
        } else {
            out.push('\n');
        }
        out.push_str(&entry(key));
    }
    out.push_str(TRAILER);
    out
}
