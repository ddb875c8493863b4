//! What the backups cost (S4): storage used against the free allowance, integrated exactly over
//! time, per calendar month (the bill) and over the measured stretch after the warm-up (the
//! steady-state headline).

use serde::Serialize;

use super::config::BillingMonth;
use super::retention_ledger::RetentionRow;
use super::retention_ledger::{billable_gb, RetentionLedger};
use super::vault::LongTermFigures;
use crate::engine::SimTime;

/// GB·seconds of storage, allowance and storage above the allowance over some stretch of time.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Integrals {
    pub seconds: SimTime,
    pub storage: f64,
    pub allowance: f64,
    pub billable: f64,
}

impl Integrals {
    fn add(&mut self, seconds: SimTime, used: f64, allowance: f64) {
        let dt = seconds as f64;
        self.seconds += seconds;
        self.storage += used * dt;
        self.allowance += allowance * dt;
        self.billable += billable_gb(used, allowance) * dt;
    }

    /// Time-averages: mean storage, mean allowance, billable GB-month (per 30-day month).
    pub fn means(&self) -> (f64, f64, f64) {
        if self.seconds == 0 {
            return (0.0, 0.0, 0.0);
        }
        let t = self.seconds as f64;
        (self.storage / t, self.allowance / t, self.billable / t)
    }
}

/// Long-term storage of one calendar month: the vault and the exports, each at its own price.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct LongTermBill {
    pub mean_vault_gb: f64,
    pub vault_cost: f64,
    pub mean_export_gb: f64,
    pub export_cost: f64,
}

/// One calendar month of one run, as it would be billed.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct MonthBill {
    /// Simulated days of the month (less than the month for the first or last, partial one).
    pub days_simulated: f64,
    pub mean_storage_gb: f64,
    pub peak_storage_gb: f64,
    pub mean_free_allowance_gb: f64,
    /// GB-months accrued in the month: storage above the allowance, integrated over the
    /// simulated part and divided by the calendar month's length (so a partial month bills
    /// only what it covered).
    pub billable_gb_month: f64,
    pub cost: f64,
    /// With long-term retention or exports: their storage and cost in the month.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub long_term: Option<LongTermBill>,
}

/// The running bill of one server.
#[derive(Debug, Clone)]
pub struct Billing {
    months: Vec<BillingMonth>,
    month_totals: Vec<Integrals>,
    month_peaks: Vec<f64>,
    current: usize,
    measured_from: SimTime,
    measured: Integrals,
    whole: Integrals,
    peak: f64,
    /// S6: logical GB of logs and incremental snapshots written (not the first full one), and
    /// the seconds the server took writes, both from the warm-up's end: the run's first days and
    /// its last (whose changes no snapshot has taken yet) would pull the rate below the steady
    /// one.
    written_gb: f64,
    /// Copies each backup is kept in as it is written (two once geo-redundant): a server made
    /// geo-redundant midway writes its earlier days once.
    copies: f64,
    running_seconds: SimTime,
    /// The end of the last whole day after the warm-up: each whole day holds one daily snapshot
    /// wherever the days begin, so counting whole days keeps a fractional horizon or warm-up
    /// from catching one snapshot too many or too few.
    counted_until: SimTime,
    /// GB·seconds in the vault and in exports, per month and over the measured stretch, and
    /// the vault's peak; None without long-term retention.
    long_term: Option<LongTermIntegrals>,
}

#[derive(Debug, Clone, Default)]
struct LongTermIntegrals {
    months: Vec<(f64, f64)>,
    measured: (f64, f64),
    peak_vault_gb: f64,
}

impl Billing {
    pub fn new(months: &[BillingMonth], measured_from: SimTime) -> Self {
        let horizon = months.last().map_or(SimTime::MAX, |m| m.to);
        let days = (horizon - measured_from) / crate::engine::DAY;
        let counted_until = if days >= 1 {
            measured_from + days * crate::engine::DAY
        } else {
            horizon
        };
        Self {
            counted_until,
            months: months.to_vec(),
            month_totals: vec![Integrals::default(); months.len()],
            month_peaks: vec![0.0; months.len()],
            current: 0,
            measured_from,
            measured: Integrals::default(),
            whole: Integrals::default(),
            peak: 0.0,
            written_gb: 0.0,
            copies: 1.0,
            running_seconds: 0,
            long_term: None,
        }
    }

    /// Bill long-term storage too (vault and exports).
    pub fn with_long_term(mut self) -> Self {
        self.long_term = Some(LongTermIntegrals {
            months: vec![(0.0, 0.0); self.months.len()],
            ..LongTermIntegrals::default()
        });
        self
    }

    /// The vault holds `vault_gb` and the exports `export_gb` over [from, to). Called before
    /// `accrue` for the same stretch (it starts from the month `accrue` is in).
    pub fn accrue_long_term(&mut self, from: SimTime, to: SimTime, vault_gb: f64, export_gb: f64) {
        let Some(lt) = self.long_term.as_mut() else {
            return;
        };
        lt.peak_vault_gb = lt.peak_vault_gb.max(vault_gb);
        if to > self.measured_from {
            let dt = (to - from.max(self.measured_from)) as f64;
            lt.measured.0 += vault_gb * dt;
            lt.measured.1 += export_gb * dt;
        }
        for (m, sums) in self.months[self.current..]
            .iter()
            .zip(lt.months[self.current..].iter_mut())
        {
            if m.from >= to {
                break;
            }
            let overlap = (to.min(m.to) - from.max(m.from)).max(0) as f64;
            sums.0 += vault_gb * overlap;
            sums.1 += export_gb * overlap;
        }
    }

    /// Time-averages of the vault and the exports over the measured stretch, and the vault's
    /// peak.
    pub fn long_term_levels(&self) -> Option<(f64, f64, f64)> {
        let lt = self.long_term.as_ref()?;
        let t = self.measured.seconds.max(1) as f64;
        Some((lt.measured.0 / t, lt.measured.1 / t, lt.peak_vault_gb))
    }

    /// From now on, each backup written is kept in `copies` copies.
    pub fn set_copies(&mut self, copies: f64) {
        self.copies = copies;
    }

    /// An incremental snapshot (after the first) taken at `at`: the change of the day before
    /// it, so the one at the warm-up's end counts, as the day it stands for ends there.
    pub fn wrote_snapshot(&mut self, at: SimTime, gb: f64) {
        if (self.measured_from..self.counted_until).contains(&at) {
            self.written_gb += gb * self.copies;
        }
    }

    /// A log backup landing at `at`: the binlog written before it, so the one at the warm-up's
    /// end does not count and the one at the end of the counted days does.
    pub fn wrote_log(&mut self, at: SimTime, gb: f64) {
        if at > self.measured_from && at <= self.counted_until {
            self.written_gb += gb * self.copies;
        }
    }

    /// `count` log backups of `gb` each, `interval` apart from `first`.
    pub fn wrote_regular(&mut self, first: SimTime, interval: SimTime, count: u64, gb: f64) {
        let before = if first > self.measured_from {
            0
        } else {
            ((self.measured_from - first) / interval + 1) as u64
        };
        let last = first + (count as SimTime - 1) * interval;
        let after = if last <= self.counted_until {
            0
        } else {
            ((last - self.counted_until + interval - 1) / interval) as u64
        };
        let counted = count.saturating_sub(before + after);
        if counted > 0 {
            self.written_gb += counted as f64 * gb * self.copies;
        }
    }

    /// The server took writes over [from, to).
    pub fn ran(&mut self, from: SimTime, to: SimTime) {
        self.running_seconds += (to.min(self.counted_until) - from.max(self.measured_from)).max(0);
    }

    /// New backup data per running day of the steady state, all copies, the first full
    /// snapshot left out: the documentation's "daily backup usage".
    pub fn daily_backup_gb(&self) -> f64 {
        let running_days = self.running_seconds as f64 / crate::engine::DAY as f64;
        if running_days > 0.0 {
            self.written_gb / running_days
        } else {
            0.0
        }
    }

    /// Storage `used` against `allowance` held constant over [from, to).
    pub fn accrue(&mut self, from: SimTime, to: SimTime, used: f64, allowance: f64) {
        if to <= from {
            return;
        }
        self.whole.add(to - from, used, allowance);
        if to > self.measured_from {
            self.measured
                .add(to - from.max(self.measured_from), used, allowance);
        }
        let mut at = from;
        while at < to {
            let Some(month) = self.months.get(self.current) else {
                break;
            };
            let until = to.min(month.to);
            if until > at {
                self.month_totals[self.current].add(until - at, used, allowance);
            }
            at = until;
            if at >= month.to {
                // The storage level carries into the next month: it starts at this peak.
                self.current += 1;
                if let Some(p) = self.month_peaks.get_mut(self.current) {
                    *p = p.max(used);
                }
            }
        }
    }

    /// The next moment the bill splits (a month ends, or the warm-up does).
    pub fn next_boundary(&self, now: SimTime) -> SimTime {
        let month_end = self.months.get(self.current).map_or(SimTime::MAX, |m| m.to);
        if self.measured_from > now {
            month_end.min(self.measured_from)
        } else {
            month_end
        }
    }

    /// Integrals already worked out for [from, to) (inside one month, on one side of the
    /// warm-up): GB·seconds of storage and of storage above the allowance, the allowance held.
    pub fn accrue_integrals(
        &mut self,
        from: SimTime,
        to: SimTime,
        storage_gbs: f64,
        billable_gbs: f64,
        allowance: f64,
    ) {
        let seconds = to - from;
        let add = |i: &mut Integrals| {
            i.seconds += seconds;
            i.storage += storage_gbs;
            i.allowance += allowance * seconds as f64;
            i.billable += billable_gbs;
        };
        add(&mut self.whole);
        if from >= self.measured_from {
            add(&mut self.measured);
        }
        if let Some(month) = self.month_totals.get_mut(self.current) {
            add(month);
        }
    }

    /// Storage just changed to `used` (at the current time).
    pub fn note_level(&mut self, used: f64) {
        self.peak = self.peak.max(used);
        if let Some(p) = self.month_peaks.get_mut(self.current) {
            *p = p.max(used);
        }
    }

    pub fn peak_gb(&self) -> f64 {
        self.peak
    }

    /// After the warm-up: the steady-state headline.
    pub fn measured(&self) -> Integrals {
        self.measured
    }

    pub fn whole_run(&self) -> Integrals {
        self.whole
    }

    /// The run's storage figures: the steady state, every month, every retention (from the
    /// `ledger`), and the rule of thumb for the free retention (S6) given `provisioned_gb`.
    pub fn figures(
        &self,
        ledger: &RetentionLedger,
        price_per_gb_month: f64,
        long_term_prices: (f64, f64),
        provisioned_gb: f64,
    ) -> StorageFigures {
        let (mean_storage_gb, mean_free_allowance_gb, billable_gb_month) = self.measured().means();
        let daily_backup_gb = self.daily_backup_gb();
        let (free, measured) = ledger.max_free_retention().unzip();
        let long_term = self
            .long_term_levels()
            .map(|(vault, export, peak)| LongTermFigures {
                copies_made: 0,
                copies_kept: 0,
                mean_vault_gb: vault,
                peak_vault_gb: peak,
                vault_cost_per_month: vault * long_term_prices.0,
                oldest_point: None,
                exports: 0,
                exports_refused: 0,
                mean_export_gb: export,
                export_cost_per_month: export * long_term_prices.1,
            });
        StorageFigures {
            mean_storage_gb,
            peak_storage_gb: self.peak,
            mean_free_allowance_gb,
            billable_gb_month,
            cost_per_month: billable_gb_month * price_per_gb_month,
            monthly: self.months(price_per_gb_month, long_term_prices),
            retention: ledger.rows(price_per_gb_month),
            max_free_retention_days: free,
            retention_measured_up_to_days: measured.unwrap_or(0),
            daily_backup_gb,
            free_retention_days: (daily_backup_gb > 0.0).then(|| provisioned_gb / daily_backup_gb),
            long_term,
        }
    }

    /// The bill of each month at `price_per_gb_month` for backup storage above the allowance,
    /// and `prices` (vault, exports) for long-term storage.
    pub fn months(&self, price_per_gb_month: f64, prices: (f64, f64)) -> Vec<MonthBill> {
        self.months
            .iter()
            .enumerate()
            .zip(&self.month_totals)
            .zip(&self.month_peaks)
            .map(|(((i, m), totals), &peak)| {
                let (storage, allowance, _) = totals.means();
                let billable_gb_month = totals.billable / m.length as f64;
                let long_term = self.long_term.as_ref().map(|lt| {
                    let (vault, export) = lt.months[i];
                    let simulated = (m.to - m.from).max(1) as f64;
                    LongTermBill {
                        mean_vault_gb: vault / simulated,
                        vault_cost: vault / m.length as f64 * prices.0,
                        mean_export_gb: export / simulated,
                        export_cost: export / m.length as f64 * prices.1,
                    }
                });
                MonthBill {
                    days_simulated: (m.to - m.from) as f64 / crate::engine::DAY as f64,
                    mean_storage_gb: storage,
                    peak_storage_gb: peak,
                    mean_free_allowance_gb: allowance,
                    billable_gb_month,
                    cost: billable_gb_month * price_per_gb_month,
                    long_term,
                }
            })
            .collect()
    }
}

/// Storage and what it costs (S3–S6).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StorageFigures {
    /// Storage, allowance and bill are time-averages after the warm-up (`measured_from`): the
    /// steady state, not the filling start.
    pub mean_storage_gb: f64,
    /// The most storage used at any moment of the run.
    pub peak_storage_gb: f64,
    /// Time-average of the free allowance (zero while stopped or deleted).
    pub mean_free_allowance_gb: f64,
    /// Time-average of the storage above the allowance: GB billed per 30-day month.
    pub billable_gb_month: f64,
    pub cost_per_month: f64,
    /// The bill of each calendar month the run touches.
    pub monthly: Vec<MonthBill>,
    /// What the same history would cost at each retention from 1 to 35 days.
    pub retention: Vec<RetentionRow>,
    /// The longest retention whose steady state bills nothing (0: even one day bills), and the
    /// longest measured (the horizon must pass retention + 1 days); None below two days.
    pub max_free_retention_days: Option<u32>,
    pub retention_measured_up_to_days: u32,
    /// New backup data per running day (all copies), the first full snapshot excluded.
    pub daily_backup_gb: f64,
    /// Free allowance / daily backup usage (S6); None when nothing is written.
    pub free_retention_days: Option<f64>,
    /// Long-term retention and exports (previews); None when neither is used.
    pub long_term: Option<LongTermFigures>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::DAY;

    fn months() -> Vec<BillingMonth> {
        // Starts on the 21st of a 31-day month, then a 30-day month, then 5 days of a third.
        vec![
            BillingMonth {
                month_of_year: 1,
                from: 0,
                to: 11 * DAY,
                length: 31 * DAY,
            },
            BillingMonth {
                month_of_year: 1,
                from: 11 * DAY,
                to: 41 * DAY,
                length: 30 * DAY,
            },
            BillingMonth {
                month_of_year: 1,
                from: 41 * DAY,
                to: 46 * DAY,
                length: 31 * DAY,
            },
        ]
    }

    #[test]
    fn months_split_at_their_boundaries_and_bill_what_they_cover() {
        let mut b = Billing::new(&months(), 20 * DAY);
        // 150 GB used against 100 GB free, throughout.
        b.accrue(0, 46 * DAY, 150.0, 100.0);
        let bill = b.months(0.1, (0.0, 0.0));
        assert_eq!(bill.len(), 3);
        // 11 days of 50 GB above the allowance in a 31-day month: 50 × 11 / 31 GB-months.
        assert!((bill[0].billable_gb_month - 50.0 * 11.0 / 31.0).abs() < 1e-9);
        assert!((bill[1].billable_gb_month - 50.0).abs() < 1e-9);
        assert!((bill[1].cost - 5.0).abs() < 1e-9);
        assert_eq!(bill[2].days_simulated, 5.0);
        assert_eq!(b.measured().seconds, 26 * DAY);
        assert_eq!(b.whole_run().seconds, 46 * DAY);
    }

    #[test]
    fn measured_stretch_starts_after_the_warm_up() {
        let mut b = Billing::new(&months(), 10 * DAY);
        b.accrue(0, 10 * DAY, 50.0, 100.0);
        b.accrue(10 * DAY, 45 * DAY, 200.0, 100.0);
        b.note_level(210.0);
        b.accrue(45 * DAY, 46 * DAY, 200.0, 100.0);
        let (storage, allowance, billable) = b.measured().means();
        assert_eq!((storage, allowance, billable), (200.0, 100.0, 100.0));
        assert_eq!(b.peak_gb(), 210.0);
        assert_eq!(b.months(1.0, (0.0, 0.0))[2].peak_storage_gb, 210.0);
    }
}
