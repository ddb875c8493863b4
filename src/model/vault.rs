//! Long-term retention (preview, paused by the service) and exports (preview): copies of
//! snapshots kept in a backup vault for weeks, months and years, and physical backups exported
//! to the user's own storage account. Both live in a separate fault domain: they outlive the
//! server, its deletion and its 5-day restore window. Memory holds only the copies kept, which
//! the policy bounds.

use std::collections::VecDeque;

use serde::Serialize;

use super::config::{BillingMonth, LongTermConfig, VaultCopies, WallClock};
use crate::engine::{SimTime, DAY};

const WEEK: SimTime = 7 * DAY;

/// Said wherever long-term retention is reported.
pub const LONG_TERM_PREVIEW: &str = "Long-term retention and export are previews; the service has paused long-term retention, so treat these figures as a plan for when it returns.";

/// What a restore from an export stands on: the export preview, which is not paused.
pub const EXPORT_PREVIEW: &str = "Export is a preview, offered in public cloud regions only.";

/// Which of the policy's tiers keep a copy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct Tiers {
    weekly: bool,
    monthly: bool,
    yearly: bool,
}

impl Tiers {
    fn any(self) -> bool {
        self.weekly || self.monthly || self.yearly
    }
}

/// One copy in the vault (or one export).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct VaultCopy {
    /// The snapshot's moment: the point a restore from this copy brings back.
    pub at: SimTime,
    pub full_gb: f64,
    /// Binlog written since creation at `at`: changed data between copies follows from it.
    #[serde(skip)]
    binlog_mark: f64,
    #[serde(skip)]
    tiers: Tiers,
    /// When its weekly, monthly and yearly tiers stop keeping it (None: not within the run),
    /// fixed when it is taken.
    #[serde(skip)]
    lapses: [Option<SimTime>; 3],
}

/// Where a long-term restore comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CopySource {
    Vault,
    Export,
}

/// The period each tier is counting, and the copy it last took.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Periods {
    week: Option<i64>,
    month: Option<usize>,
    year: Option<usize>,
}

#[derive(Debug, Clone)]
pub struct Vault {
    policy: LongTermConfig,
    change_ratio: f64,
    /// Seconds from the start of the scenario's week containing t = 0 to the policy's weekday.
    week_origin: SimTime,
    /// Calendar month starts (and each month's year number) on the scenario's clock; the
    /// first is at or before 0.
    months: Vec<(SimTime, usize)>,
    taken: Periods,
    copies: VecDeque<VaultCopy>,
    /// The next moment a copy ages out, when an event for it is queued.
    lapse_queued: Option<SimTime>,
    exports: VecDeque<(VaultCopy, SimTime)>,
    vault_gb: f64,
    export_gb: f64,
    copied: u64,
    exported: u64,
    exports_refused: u64,
}

impl Vault {
    pub fn new(
        policy: &LongTermConfig,
        clock: WallClock,
        months: &[BillingMonth],
        change_ratio: f64,
    ) -> Self {
        let mut year = 0;
        // A copy's tiers count from its calendar month's first day: the run's first month
        // began before the run did (by its length less the part the run covers), and a copy
        // taken on its 5th is kept to the 5th, not to the day of the month the run began on.
        let first_month_start = match months {
            [first, second, ..] if first.partial() => second.from - first.length,
            _ => months.first().map_or(0, |m| m.from),
        };
        let months = months
            .iter()
            .enumerate()
            .map(|(i, m)| {
                if i > 0 && m.month_of_year == 1 {
                    year += 1;
                }
                (if i == 0 { first_month_start } else { m.from }, year)
            })
            .collect();
        let second_of_week =
            clock.start_weekday as SimTime * DAY + clock.start_second_of_day as SimTime;
        Self {
            policy: policy.clone(),
            change_ratio,
            week_origin: second_of_week - policy.weekly_day as SimTime * DAY,
            months,
            taken: Periods {
                week: None,
                month: None,
                year: None,
            },
            copies: VecDeque::new(),
            lapse_queued: None,
            exports: VecDeque::new(),
            vault_gb: 0.0,
            export_gb: 0.0,
            copied: 0,
            exported: 0,
            exports_refused: 0,
        }
    }

    fn month_at(&self, t: SimTime) -> (usize, usize) {
        let i = self.months.partition_point(|&(from, _)| from <= t).max(1) - 1;
        (i, self.months.get(i).map_or(0, |m| m.1))
    }

    /// A snapshot was taken: the first of its week, month or year goes to the vault. Returns
    /// whether it did.
    pub fn snapshot_taken(&mut self, at: SimTime, full_gb: f64, binlog_mark: f64) -> bool {
        if !self.policy.enabled {
            return false;
        }
        let week = (at + self.week_origin).div_euclid(WEEK);
        let (month, year) = self.month_at(at);
        let p = &self.policy;
        let tiers = Tiers {
            weekly: p.weekly_keep > 0 && self.taken.week != Some(week),
            monthly: p.monthly_keep > 0 && self.taken.month != Some(month),
            yearly: p.yearly_keep > 0 && self.taken.year != Some(year),
        };
        if !tiers.any() {
            return false;
        }
        if tiers.weekly {
            self.taken.week = Some(week);
        }
        if tiers.monthly {
            self.taken.month = Some(month);
        }
        if tiers.yearly {
            self.taken.year = Some(year);
        }
        let lapses = self.lapses(at, month);
        self.copies.push_back(VaultCopy {
            at,
            full_gb,
            binlog_mark,
            tiers,
            lapses,
        });
        self.copied += 1;
        self.expire(at);
        true
    }

    /// When each tier stops keeping `copy`: `keep` weeks, months or years after it was taken
    /// (None: not within the run). While a copy is taken every period, that is the moment the
    /// newest `keep` no longer include it; once copies stop (a stopped or deleted server), the
    /// old ones still age out.
    fn lapses(&self, at: SimTime, month: usize) -> [Option<SimTime>; 3] {
        let p = &self.policy;
        let months_later = |n: usize| {
            let (from, _) = *self.months.get(month)?;
            let (later, _) = *self.months.get(month.checked_add(n)?)?;
            Some(later + (at - from))
        };
        [
            Some(at.saturating_add(WEEK.saturating_mul(p.weekly_keep as SimTime))),
            months_later(p.monthly_keep as usize),
            months_later((p.yearly_keep as usize).saturating_mul(12)),
        ]
    }

    /// Each tier lets go of the copies it has kept long enough by `now`; a copy goes once no
    /// tier keeps it.
    pub fn expire(&mut self, now: SimTime) {
        for copy in self.copies.iter_mut() {
            let t = &mut copy.tiers;
            for (kept, lapse) in [&mut t.weekly, &mut t.monthly, &mut t.yearly]
                .into_iter()
                .zip(copy.lapses)
            {
                if lapse.is_some_and(|l| l <= now) {
                    *kept = false;
                }
            }
        }
        self.copies.retain(|c| c.tiers.any());
        if self.lapse_queued.is_some_and(|t| t <= now) {
            self.lapse_queued = None;
        }
        self.vault_gb = self.stored_gb();
    }

    /// The next moment a kept copy ages out, if it is earlier than the one already queued: the
    /// run queues an event for it, so that copies age out even when no snapshot comes.
    pub fn lapse_to_queue(&mut self) -> Option<SimTime> {
        let next = self
            .copies
            .iter()
            .flat_map(|c| {
                let kept = [c.tiers.weekly, c.tiers.monthly, c.tiers.yearly];
                c.lapses
                    .into_iter()
                    .zip(kept)
                    .filter_map(|(lapse, kept)| lapse.filter(|_| kept))
            })
            .min()?;
        if self.lapse_queued.is_some_and(|queued| queued <= next) {
            return None;
        }
        self.lapse_queued = Some(next);
        Some(next)
    }

    /// What the kept copies occupy: each whole, or the oldest whole and the rest as the data
    /// changed since the copy before.
    fn stored_gb(&self) -> f64 {
        match self.policy.copies {
            VaultCopies::Full => self.copies.iter().map(|c| c.full_gb).sum(),
            VaultCopies::Incremental => {
                let mut total = 0.0;
                let mut previous: Option<&VaultCopy> = None;
                for c in &self.copies {
                    total += match previous {
                        None => c.full_gb,
                        Some(p) => (self.change_ratio * (c.binlog_mark - p.binlog_mark))
                            .clamp(0.0, c.full_gb),
                    };
                    previous = Some(c);
                }
                total
            }
        }
    }

    /// An on-demand export at `at` of the database (`db_gb`): kept for the policy's time. None
    /// when the server cannot export now (the caller says why); returns its expiry.
    pub fn export(&mut self, at: SimTime, db_gb: f64, possible: bool) -> Option<SimTime> {
        if !possible {
            self.exports_refused += 1;
            return None;
        }
        let expires = at + self.policy.export_keep;
        self.exports.push_back((
            VaultCopy {
                at,
                full_gb: db_gb,
                binlog_mark: 0.0,
                tiers: Tiers::default(),
                lapses: [None; 3],
            },
            expires,
        ));
        self.exported += 1;
        self.export_gb += db_gb;
        Some(expires)
    }

    /// Exports whose time is up by `now` are deleted by their owner.
    pub fn expire_exports(&mut self, now: SimTime) {
        while self.exports.front().is_some_and(|&(_, until)| until <= now) {
            let (gone, _) = self.exports.pop_front().expect("checked non-empty");
            self.export_gb -= gone.full_gb;
        }
        if self.exports.is_empty() {
            self.export_gb = 0.0;
        }
    }

    /// GB held in the vault and in exports now.
    pub fn levels_gb(&self) -> (f64, f64) {
        (self.vault_gb, self.export_gb)
    }

    /// The newest vault copy or export at or before `point`, to restore from.
    pub fn copy_for(&self, point: SimTime) -> Option<(VaultCopy, CopySource)> {
        let vault = self
            .copies
            .iter()
            .rev()
            .find(|c| c.at <= point)
            .map(|c| (*c, CopySource::Vault));
        let export = self
            .exports
            .iter()
            .rev()
            .map(|(c, _)| c)
            .find(|c| c.at <= point)
            .map(|c| (*c, CopySource::Export));
        match (vault, export) {
            (Some(v), Some(e)) => Some(if e.0.at > v.0.at { e } else { v }),
            (v, e) => v.or(e),
        }
    }

    /// The oldest point anything long-term can bring back.
    pub fn oldest_point(&self) -> Option<SimTime> {
        let vault = self.copies.front().map(|c| c.at);
        let export = self.exports.front().map(|(c, _)| c.at);
        match (vault, export) {
            (Some(v), Some(e)) => Some(v.min(e)),
            (v, e) => v.or(e),
        }
    }

    pub fn copies(&self) -> impl Iterator<Item = &VaultCopy> {
        self.copies.iter()
    }

    /// Copies made, exports made, exports refused.
    pub fn counts(&self) -> (u64, u64, u64) {
        (self.copied, self.exported, self.exports_refused)
    }

    /// Fill in what the vault itself counted (the bill knows the levels over time).
    pub fn complete(&self, f: LongTermFigures) -> LongTermFigures {
        LongTermFigures {
            copies_made: self.copied,
            copies_kept: self.copies.len() as u64,
            oldest_point: self.oldest_point(),
            exports: self.exported,
            exports_refused: self.exports_refused,
            ..f
        }
    }
}

/// The vault and the exports (previews): what they hold and cost, and how far back they reach.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct LongTermFigures {
    pub copies_made: u64,
    pub copies_kept: u64,
    /// Time-averages after the warm-up, and the vault's peak.
    pub mean_vault_gb: f64,
    pub peak_vault_gb: f64,
    pub vault_cost_per_month: f64,
    /// The oldest point a vault copy or an export could bring back at the end of the run.
    pub oldest_point: Option<SimTime>,
    pub exports: u64,
    pub exports_refused: u64,
    pub mean_export_gb: f64,
    pub export_cost_per_month: f64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(weekly: u32, monthly: u32, yearly: u32, copies: VaultCopies) -> LongTermConfig {
        LongTermConfig {
            enabled: true,
            weekly_day: 6,
            weekly_keep: weekly,
            monthly_keep: monthly,
            yearly_keep: yearly,
            copies,
            ..LongTermConfig::OFF
        }
    }

    /// Twelve 30-day "months" from a Monday, January first: one snapshot a day.
    fn months() -> Vec<BillingMonth> {
        (0..12)
            .map(|i| BillingMonth {
                month_of_year: i as u32 + 1,
                from: i * 30 * DAY,
                to: (i + 1) * 30 * DAY,
                length: 30 * DAY,
            })
            .collect()
    }

    fn vault(p: LongTermConfig) -> Vault {
        let clock = WallClock {
            start_weekday: 0,
            start_second_of_day: 0,
        };
        Vault::new(&p, clock, &months(), 0.5)
    }

    #[test]
    fn keeps_the_newest_copies_of_each_tier() {
        let mut v = vault(policy(2, 3, 1, VaultCopies::Full));
        for day in 0..360 {
            v.snapshot_taken(day * DAY, 100.0, day as f64);
        }
        // Weekly copies fall on Sundays (day 6, 13, …): the last two are days 356 and 349;
        // monthly copies on days 0, 30, …: the last three are days 270, 300, 330; the yearly
        // one is day 0.
        let kept: Vec<SimTime> = v.copies().map(|c| c.at / DAY).collect();
        assert_eq!(kept, vec![0, 270, 300, 330, 349, 356]);
        assert_eq!(v.levels_gb().0, 600.0);
        assert_eq!(v.oldest_point(), Some(0));
        assert_eq!(v.copy_for(335 * DAY).unwrap().0.at, 330 * DAY);
    }

    /// A run that starts on the 5th of a month: the monthly copy taken that day is kept for
    /// whole months counted from it, to the 5th, not to the start of the month after its
    /// keep (it went 4 days early when months were counted from the run's start).
    #[test]
    fn the_first_months_copy_is_kept_from_its_own_day() {
        let months: Vec<BillingMonth> = (0..4)
            .map(|i| BillingMonth {
                month_of_year: i as u32 + 1,
                from: if i == 0 { 0 } else { i * 30 * DAY - 4 * DAY },
                to: (i + 1) * 30 * DAY - 4 * DAY,
                length: 30 * DAY,
            })
            .collect();
        let clock = WallClock {
            start_weekday: 0,
            start_second_of_day: 0,
        };
        let mut v = Vault::new(&policy(0, 1, 0, VaultCopies::Full), clock, &months, 0.5);
        v.snapshot_taken(0, 100.0, 0.0);
        // Month 1 began 4 days before the run: the copy of day 0 (its 5th) lapses a month on,
        // at day 30 (the 5th of month 2), not at day 26 (the 1st).
        v.expire(30 * DAY - 1);
        assert_eq!(v.oldest_point(), Some(0));
        v.expire(30 * DAY);
        assert_eq!(v.oldest_point(), None);
    }

    #[test]
    fn incremental_copies_hold_the_changes_between_them() {
        let mut v = vault(policy(0, 2, 0, VaultCopies::Incremental));
        for day in 0..60 {
            v.snapshot_taken(day * DAY, 100.0, 10.0 * day as f64);
        }
        // Days 0 and 30: the first whole, the second half the 300 GB of binlog between them.
        assert_eq!(v.levels_gb().0, 100.0 + 100.0f64.min(0.5 * 300.0));
    }

    #[test]
    fn exports_are_kept_for_their_time() {
        let mut p = policy(0, 0, 0, VaultCopies::Full);
        p.export_keep = 10 * DAY;
        let mut v = vault(p);
        assert_eq!(v.export(DAY, 80.0, true), Some(11 * DAY));
        assert_eq!(v.export(2 * DAY, 80.0, false), None);
        assert_eq!(v.levels_gb().1, 80.0);
        v.expire_exports(11 * DAY);
        assert_eq!(v.levels_gb().1, 0.0);
        assert_eq!(v.counts(), (0, 1, 1));
    }
}
