use std::borrow::Cow;
use std::fs::File;
use std::io::BufWriter;

use chrono::{DateTime, Duration, FixedOffset, SecondsFormat};

use super::charts::StoragePoint;
use super::Analysis;
use crate::analysis::Figure;
use crate::engine::{SimTime, HOUR};
use crate::model::{EventRecord, Observer, Sample};

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

pub(super) fn csv_bytes(rows: impl FnOnce(&mut SafeCsv<Vec<u8>>) -> csv::Result<()>) -> Vec<u8> {
    let mut w = SafeCsv::new(Vec::new());
    rows(&mut w).expect("writing CSV to memory cannot fail");
    w.into_inner().expect("flushing to memory cannot fail")
}

pub(super) fn num(v: f64) -> String {
    if v.is_finite() {
        format!("{v}")
    } else {
        String::new()
    }
}

/// summary.csv: one row per figure with its mean, 95% CI, min and max across runs.
pub fn summary_csv(a: &Analysis<'_>) -> Vec<u8> {
    csv_bytes(|w| {
        w.write_record(["figure", "mean", "ci95_lo", "ci95_hi", "min", "max", "runs"])?;
        for f in &a.figures {
            let (lo, hi) = f
                .estimate
                .ci95
                .map_or((f64::NAN, f64::NAN), |[l, h]| (l, h));
            w.write_record([
                f.figure.name().to_string(),
                num(f.estimate.mean),
                num(lo),
                num(hi),
                num(f.min),
                num(f.max),
                f.estimate.n.to_string(),
            ])?;
        }
        Ok(())
    })
}

/// runs.csv: one row per replication, one column per figure.
pub fn runs_csv(a: &Analysis<'_>) -> Vec<u8> {
    csv_bytes(|w| {
        let mut header = vec!["replication"];
        header.extend(Figure::ALL.iter().map(|f| f.name()));
        w.write_record(&header)?;
        for (i, m) in a.reps.metrics.iter().enumerate() {
            let mut row = vec![i.to_string()];
            row.extend(
                Figure::ALL
                    .iter()
                    .map(|f| f.of(m).map_or(String::new(), num)),
            );
            w.write_record(&row)?;
        }
        Ok(())
    })
}

pub(super) fn timestamp(start: DateTime<FixedOffset>, t: SimTime) -> String {
    (start + Duration::seconds(t)).to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Listens to replication 0 and streams its event log and hourly series to their files.
pub struct RunZeroWriter {
    start: DateTime<FixedOffset>,
    events: SafeCsv<BufWriter<File>>,
    series: SafeCsv<BufWriter<File>>,
    error: Option<csv::Error>,
    /// The storage chart's points: at most about 2,000, each the worst hour of its bucket, so
    /// a ten-year run holds no more than a month-long one.
    chart_bucket_hours: i64,
    chart: Vec<StoragePoint>,
}

/// The most points the storage chart keeps.
const CHART_POINTS: i64 = 2_000;

impl RunZeroWriter {
    pub fn new(
        start: DateTime<FixedOffset>,
        horizon: SimTime,
        events: BufWriter<File>,
        series: BufWriter<File>,
    ) -> csv::Result<Self> {
        let mut events = SafeCsv::new(events);
        events.write_record(["time", "t_seconds", "event", "detail", "storage_gb"])?;
        let mut series = SafeCsv::new(series);
        series.write_record([
            "time",
            "hour",
            "state",
            "region",
            "storage_used_gb",
            "free_allowance_gb",
            "billable_gb",
            "binlog_gb_per_hour",
            "rpo_seconds",
            "rpo_max_seconds_in_hour",
            "retained_snapshots",
        ])?;
        let hours = horizon / HOUR + 1;
        Ok(Self {
            start,
            events,
            series,
            error: None,
            chart_bucket_hours: (hours + CHART_POINTS - 1) / CHART_POINTS,
            chart: Vec::new(),
        })
    }

    /// The two writers, flushed, and the storage chart's points; or the first error met.
    #[allow(clippy::type_complexity)]
    pub fn finish(self) -> Result<(BufWriter<File>, BufWriter<File>, Vec<StoragePoint>), String> {
        if let Some(e) = self.error {
            return Err(e.to_string());
        }
        let events = self.events.into_inner()?;
        let series = self.series.into_inner()?;
        Ok((events, series, self.chart))
    }

    fn chart_point(&mut self, s: &Sample) {
        let hour = s.time / HOUR;
        let day = (hour - hour % self.chart_bucket_hours) as f64 / 24.0;
        match self.chart.last_mut() {
            Some(p) if p.day == day => {
                p.used_gb = p.used_gb.max(s.storage_gb);
                p.allowance_gb = p.allowance_gb.min(s.free_allowance_gb);
            }
            _ => self.chart.push(StoragePoint {
                day,
                used_gb: s.storage_gb,
                allowance_gb: s.free_allowance_gb,
            }),
        }
    }

    fn keep(&mut self, result: csv::Result<()>) {
        if let Err(e) = result {
            self.error.get_or_insert(e);
        }
    }
}

impl Observer for RunZeroWriter {
    fn event(&mut self, r: EventRecord) {
        let row = [
            timestamp(self.start, r.time),
            r.time.to_string(),
            r.kind.to_string(),
            r.detail,
            format!("{:.4}", r.storage_gb),
        ];
        let result = self.events.write_record(&row);
        self.keep(result);
    }

    fn sample(&mut self, s: Sample) {
        self.chart_point(&s);
        let row = [
            timestamp(self.start, s.time),
            (s.time / HOUR).to_string(),
            s.state.to_string(),
            if s.region_up { "up" } else { "down" }.to_string(),
            format!("{:.4}", s.storage_gb),
            format!("{:.4}", s.free_allowance_gb),
            format!("{:.4}", s.billable_gb),
            format!("{:.4}", s.binlog_gb_per_hour),
            s.rpo_seconds.to_string(),
            s.rpo_max_seconds.to_string(),
            s.retained_snapshots.to_string(),
        ];
        let result = self.series.write_record(&row);
        self.keep(result);
    }
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
