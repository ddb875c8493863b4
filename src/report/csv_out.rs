use std::fs::File;
use std::io::BufWriter;

use chrono::{DateTime, Duration, FixedOffset, SecondsFormat};

pub use crate::safe_csv::{spreadsheet_safe, SafeCsv};

use super::charts::StoragePoint;
use super::Analysis;
use crate::analysis::Figure;
use crate::engine::{SimTime, HOUR};
use crate::model::{EventRecord, Observer, Sample};
use crate::stats::Estimate;

pub(super) fn csv_bytes(rows: impl FnOnce(&mut SafeCsv<Vec<u8>>) -> csv::Result<()>) -> Vec<u8> {
    let mut w = SafeCsv::new(Vec::new());
    rows(&mut w).expect("writing CSV to memory cannot fail");
    w.into_inner().expect("flushing to memory cannot fail")
}

pub(super) fn num(v: f64) -> String {
    if v.is_finite() {
        // + 0.0 turns a negative zero (a sum of nothing below zero) into a plain 0.
        format!("{}", v + 0.0)
    } else {
        String::new()
    }
}

/// mean, ci95_lo, ci95_hi of an estimate, as CSV cells (the interval's empty when it has none).
pub(super) fn cells(e: &Estimate) -> [String; 3] {
    let (lo, hi) = e.ci95.map_or((f64::NAN, f64::NAN), |[l, h]| (l, h));
    [num(e.mean), num(lo), num(hi)]
}

/// A header: `fixed` columns, then mean, ci95_lo and ci95_hi of each of `estimates`, then
/// `tail`.
pub(super) fn header(fixed: &[&str], estimates: &[&str], tail: &[&str]) -> Vec<String> {
    let mut h: Vec<String> = fixed.iter().map(|s| s.to_string()).collect();
    for e in estimates {
        for suffix in ["mean", "ci95_lo", "ci95_hi"] {
            h.push(format!("{e}_{suffix}"));
        }
    }
    h.extend(tail.iter().map(|s| s.to_string()));
    h
}

/// summary.csv: one row per figure with its mean, 95% CI, min and max across runs; for a figure
/// every run gave alike, whose CI has no width, the share of runs that may still give another
/// value (3/runs, the rule of three, 95%), as summary.json's `other_value_share_below`.
pub fn summary_csv(a: &Analysis<'_>) -> Vec<u8> {
    csv_bytes(|w| {
        w.write_record([
            "figure",
            "mean",
            "ci95_lo",
            "ci95_hi",
            "min",
            "max",
            "runs",
            "other_value_share_below",
        ])?;
        for f in a.listed_figures() {
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
                f.estimate
                    .other_value_share_below()
                    .map_or(String::new(), num),
            ])?;
        }
        Ok(())
    })
}

/// runs.csv: one row per replication, one column per figure.
pub fn runs_csv(a: &Analysis<'_>) -> Vec<u8> {
    csv_bytes(|w| {
        let listed: Vec<Figure> = Figure::listed(a.long_term.is_some()).collect();
        let mut header = vec!["replication"];
        header.extend(listed.iter().map(|f| f.name()));
        w.write_record(&header)?;
        for (i, m) in a.reps.metrics.iter().enumerate() {
            let mut row = vec![i.to_string()];
            row.extend(listed.iter().map(|f| f.of(m).map_or(String::new(), num)));
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

/// `format!("{:.4}", v)`, the same text. The standard library's exact formatting often takes
/// its slow big-number path for these, and run 0 writes four of them an hour (a fifth of a
/// short run's time went there); where `v` × 10⁴ is safely away from a rounding tie, rounding
/// it and printing the integer gives the same digits. Ties, negatives and huge values go the
/// standard way.
pub(super) fn fixed4(v: f64) -> String {
    let scaled = v * 1e4;
    if v > 0.0 && scaled < 1e9 {
        let fraction = scaled - scaled.trunc();
        if (fraction - 0.5).abs() > 1e-6 {
            let units = scaled.round() as u64;
            return format!("{}.{:04}", units / 10_000, units % 10_000);
        }
    }
    format!("{v:.4}")
}

impl Observer for RunZeroWriter {
    fn event(&mut self, r: EventRecord) {
        let row = [
            timestamp(self.start, r.time),
            r.time.to_string(),
            r.kind.to_string(),
            r.detail,
            fixed4(r.storage_gb),
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
            fixed4(s.storage_gb),
            fixed4(s.free_allowance_gb),
            fixed4(s.billable_gb),
            fixed4(s.binlog_gb_per_hour),
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
    use super::{fixed4, num};
    use proptest::prelude::*;

    proptest! {
        /// The shortcut writes what the standard formatting writes, for any value at all and
        /// for values on and around four-decimal ties.
        #[test]
        fn fixed4_is_the_standard_formatting(bits in any::<u64>(), units in 0u64..10_000_000_000, nudge in -3i64..=3) {
            let v = f64::from_bits(bits);
            prop_assert_eq!(fixed4(v), format!("{v:.4}"));
            let tie = (units as f64 + 0.5) / 1e4;
            let near = f64::from_bits((tie.to_bits() as i64 + nudge) as u64);
            prop_assert_eq!(fixed4(near), format!("{near:.4}"));
            let plain = units as f64 / 1e4;
            prop_assert_eq!(fixed4(plain), format!("{plain:.4}"));
        }
    }

    /// A negative zero is written as 0, and a number that is not one as an empty cell.
    #[test]
    fn cells_show_plain_numbers() {
        assert_eq!(num(-0.0), "0");
        assert_eq!(num(-1.5), "-1.5");
        assert_eq!(num(f64::NAN), "");
    }
}
