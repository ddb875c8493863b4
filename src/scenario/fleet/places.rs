//! Where in a fleet file something was written, for its errors.

use super::*;

/// Where `[defaults]` sets `key` in the fleet file's `text`: the key's line, or else the
/// table's.
pub(super) fn defaults_position(text: &str, key: &str) -> Option<(usize, usize)> {
    let after = nth_position(text, "[defaults]", 0)?.0;
    text.lines()
        .enumerate()
        .skip(after)
        .take_while(|(_, l)| !l.trim_start().starts_with('['))
        .find_map(|(i, line)| {
            let trimmed = line.trim_start();
            let rest = trimmed.strip_prefix(key)?;
            rest.trim_start()
                .starts_with('=')
                .then_some((i + 1, line.len() - trimmed.len() + 1))
        })
        .or(Some((after, 1)))
}

pub(super) fn display(origin: &Origin) -> String {
    match origin {
        Origin::File(p) => p.display().to_string(),
        Origin::Argument(a) => a.clone(),
    }
}

/// Where `key = …` first appears at the start of a line.
pub(super) fn key_position(text: &str, key: &str) -> Option<(usize, usize)> {
    text.lines().enumerate().find_map(|(i, line)| {
        let trimmed = line.trim_start();
        let rest = trimmed.strip_prefix(key)?;
        rest.trim_start()
            .starts_with('=')
            .then_some((i + 1, line.len() - trimmed.len() + 1))
    })
}

/// Where the `n`-th (0-based) line that starts with `header` is.
pub(super) fn nth_position(text: &str, header: &str, n: usize) -> Option<(usize, usize)> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| l.trim_start().starts_with(header))
        .nth(n)
        .map(|(i, _)| (i + 1, 1))
}

/// Where the fleet file's `text` opens `[regions.REGION]`, the region written any way that
/// names it (`[regions.NorthEurope]`, `[regions."North Europe"]`).
pub(super) fn region_position(text: &str, region: &str) -> Option<(usize, usize)> {
    let wanted = crate::model::regions::normalise(region);
    text.lines().enumerate().find_map(|(i, line)| {
        let header = line.trim_start().strip_prefix("[regions.")?;
        let written = header.split(']').next()?.trim().trim_matches(['"', '\'']);
        (crate::model::regions::normalise(written) == wanted).then_some((i + 1, 1))
    })
}

/// Where the `[[group]]` named `name` gives its name in the fleet file's `text`.
pub(super) fn group_name_position(text: &str, name: &str) -> Option<(usize, usize)> {
    let table: toml::Table = text.parse().ok()?;
    let groups = table.get("group")?.as_array()?;
    let i = groups
        .iter()
        .position(|g| g.get("name").and_then(|n| n.as_str()) == Some(name))?;
    crate::scenario::spans::exact_line_col(text, &format!("group[{i}].name"))
}
