//! CSV that is safe to open in a spreadsheet: every CSV backsim writes goes through `SafeCsv`,
//! so no cell can carry a formula; and, on the way in, a check the csv reader leaves out. A
//! leaf, so that every layer that reads or writes a table can use it.

use std::borrow::Cow;

/// A cell as a spreadsheet may safely open it. A cell that starts with `=`, `+`, `-`, `@`, a tab
/// or a carriage return is a formula to Excel, LibreOffice and Sheets (a swept value
/// `=cmd|' /C calc'!A0` would run), so it gets a leading `'`, which makes it plain text; a
/// number (`-3.5`, `1e-9`) is left as it is, so numeric columns stay numbers (the OWASP rule
/// for CSV injection).
pub fn spreadsheet_safe(cell: &str) -> Cow<'_, str> {
    let risky = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if risky && !is_plain_number(cell) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// A decimal number as Rust and every spreadsheet write it: sign, digits, point, exponent.
fn is_plain_number(text: &str) -> bool {
    let unsigned = text.strip_prefix(['-', '+']).unwrap_or(text);
    let (mantissa, exponent) = match unsigned.split_once(['e', 'E']) {
        Some((m, e)) => (m, Some(e.strip_prefix(['-', '+']).unwrap_or(e))),
        None => (unsigned, None),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    !(whole.is_empty() && fraction.is_empty())
        && digits(whole)
        && digits(fraction)
        && exponent.is_none_or(|e| !e.is_empty() && digits(e))
}

/// A CSV writer that passes every cell through `spreadsheet_safe`: every CSV backsim writes
/// goes through one, so no file can carry a formula.
pub struct SafeCsv<W: std::io::Write> {
    inner: csv::Writer<W>,
}

impl<W: std::io::Write> SafeCsv<W> {
    pub fn new(out: W) -> Self {
        Self {
            inner: csv::Writer::from_writer(out),
        }
    }

    pub fn write_record<I, T>(&mut self, record: I) -> csv::Result<()>
    where
        I: IntoIterator<Item = T>,
        T: AsRef<str>,
    {
        self.inner.write_record(
            record
                .into_iter()
                .map(|cell| spreadsheet_safe(cell.as_ref()).into_owned()),
        )
    }

    pub fn into_inner(self) -> Result<W, String> {
        self.inner.into_inner().map_err(|e| e.to_string())
    }
}

/// Where a quoted CSV field opens without closing, as (line, column) from 1. A quote inside a
/// quoted field is written twice, so scanning in and out of quotes pairs every quote.
pub fn unclosed_quote(text: &str) -> Option<(usize, usize)> {
    let mut open_at = None;
    for (l, line) in text.lines().enumerate() {
        for (c, ch) in line.chars().enumerate() {
            if ch == '"' {
                open_at = match open_at {
                    None => Some((l + 1, c + 1)),
                    Some(_) => None,
                };
            }
        }
    }
    open_at
}

#[cfg(test)]
mod tests {
    use super::*;

    /// OWASP CSV injection: a cell a spreadsheet would run as a formula becomes text; numbers,
    /// negative ones included, stay numbers.
    #[test]
    fn formulas_are_neutralised_and_numbers_kept() {
        for risky in [
            "=1+1",
            "@x",
            "+cmd",
            "-cmd",
            "=cmd|' /C calc'!A0",
            "\tx",
            "\rx",
            "-",
            "-1-1",
            "+-1",
        ] {
            assert_eq!(spreadsheet_safe(risky), format!("'{risky}"), "{risky:?}");
        }
        for plain in [
            "-3.5",
            "+2",
            "-1e-9",
            "12",
            "0.5",
            "-.5",
            "1E+10",
            "2026-01-05T00:00:00Z",
            "x=1",
            "",
            "'=already",
        ] {
            assert_eq!(spreadsheet_safe(plain), plain, "{plain:?}");
        }
    }
}
