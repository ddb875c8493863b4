//! The load's daily and weekly shapes, read from the backup storage's hour-to-hour changes.
//!
//! Once the backup set is full, each hour adds that hour's log backups and prunes the logs
//! written in the same hour `retention + 1` days before. So an hour's change is the binlog of
//! this weekday's hour less that of the weekday `lag = (retention + 1) mod 7` days earlier:
//! `F·(B/24)·diurnal[h]·(weekly[d] − weekly[d − lag])` (F counts the copies). The changes of
//! weekday `d` at hour `h` therefore form a rank-one table, swing[d] × diurnal[h], from which
//! the daily shape follows, and the weekly one once the mean rate B is known. Where the load is
//! the same every weekday, or `lag` is 0, the changes are nothing but noise and show no shape.

use chrono::{DateTime, Datelike, Duration, FixedOffset, Timelike};

use super::metrics::Series;
use crate::engine::{SimTime, HOUR};

/// A load profile read from the data, rescaled to mean 1.
#[derive(Debug, Clone, PartialEq)]
pub struct Shape<const N: usize> {
    pub values: [f64; N],
    /// The largest standard error of one value relative to it.
    pub max_relative_se: f64,
    /// Entries the data could not show (the snapshot's hours), filled from their neighbours.
    pub filled: Vec<usize>,
}

/// The load pattern the changes show.
#[derive(Debug, Clone, PartialEq)]
pub struct Pattern {
    pub diurnal: Shape<24>,
    /// Binlog GB per hour (at diurnal multiplier 1, one copy) by which each weekday, Monday
    /// first, writes more than the weekday whose logs it replaces.
    swing: [f64; 7],
    swing_se: [f64; 7],
    lag: usize,
}

/// A shape whose least certain hour is known no better than this (one standard error, as a
/// share of the average hour) is noise, not a shape: using it would bend the fitted rate to fit
/// the noise. Clean metrics give about 0.001; 0.1% noise on the level about 0.47, and the fit
/// still holds; 0.3% noise about 2.6, and the fit bends.
const UNREADABLE_SE: f64 = 0.5;

/// Days of hourly points a shape needs: every weekday seen twice.
pub const SHAPE_DAYS: f64 = 14.0;

/// One hour's change: when it starts on the scenario's wall clock and how much (one copy).
struct Change {
    start: DateTime<FixedOffset>,
    gb: f64,
}

/// Read the pattern, leaving out the hours from `snapshot_hour` (hours after the series' start,
/// mod 24) to the one after: the daily snapshot and its pruning land there. `factor` counts
/// the copies (2 for geo).
pub fn read(
    backup: &Series,
    retention_days: u32,
    factor: f64,
    snapshot_hour: SimTime,
    clock: FixedOffset,
) -> Result<Pattern, String> {
    let days = backup.span_days();
    if backup.step != HOUR || days < SHAPE_DAYS {
        return Err(format!(
            "the data does not resolve them: they need {SHAPE_DAYS} days of hourly points, the export has {days:.1} days at one point every {} h; the scenario's are kept",
            backup.step / HOUR
        ));
    }
    let lag = ((retention_days + 1) % 7) as usize;
    if lag == 0 {
        return Err(format!(
            "the backup storage cannot show them: with a {retention_days}-day retention each hour's logs replace those of the same hour exactly {} weeks before, so the storage is the same whatever the shape; the scenario's are kept",
            (retention_days + 1) / 7
        ));
    }
    let skip = |i: usize| {
        let hour = (i as SimTime).rem_euclid(24);
        hour == snapshot_hour || hour == (snapshot_hour + 1) % 24
    };
    let changes: Vec<Change> = backup
        .gb
        .windows(2)
        .enumerate()
        .filter(|(i, _)| !skip(*i))
        .filter_map(|(i, w)| {
            Some(Change {
                start: (backup.start + Duration::seconds(i as i64 * HOUR)).with_timezone(&clock),
                gb: (w[1]? - w[0]?) / factor,
            })
        })
        .collect();
    rank_one(&changes, lag)
}

/// The hour (after the series' start, mod 24) whose changes stray furthest from the typical one:
/// the daily snapshot lands there, with the day's growth of the full snapshot and the day's
/// incremental. Hours with no change on record count as typical. The flag says whether it
/// stands out: where noise swamps the snapshot's step, every hour strays alike.
pub fn snapshot_hour(backup: &Series) -> (SimTime, bool) {
    let slots = (24 / (backup.step / HOUR)).max(1) as usize;
    let changes: Vec<(usize, f64)> = backup
        .gb
        .windows(2)
        .enumerate()
        .filter_map(|(i, w)| Some((i % slots, w[1]? - w[0]?)))
        .collect();
    let mut sorted: Vec<f64> = changes.iter().map(|c| c.1).collect();
    sorted.sort_by(f64::total_cmp);
    let typical = sorted.get(sorted.len() / 2).copied().unwrap_or(0.0);
    let stray: Vec<f64> = (0..slots)
        .map(|s| {
            let d: Vec<f64> = changes
                .iter()
                .filter(|c| c.0 == s)
                .map(|c| (c.1 - typical).abs())
                .collect();
            d.iter().sum::<f64>() / d.len().max(1) as f64
        })
        .collect();
    let slot = (0..slots)
        .max_by(|&a, &b| stray[a].total_cmp(&stray[b]).then(b.cmp(&a)))
        .unwrap_or(0);
    let mut others: Vec<f64> = (0..slots)
        .filter(|&s| s != slot)
        .map(|s| stray[s])
        .collect();
    others.sort_by(f64::total_cmp);
    let usual = others.get(others.len() / 2).copied().unwrap_or(0.0);
    let stands_out = stray[slot] > SNAPSHOT_STANDS_OUT * usual;
    (slot as SimTime * (backup.step / HOUR), stands_out)
}

/// The snapshot's hour stands out when its changes stray this many times further than the
/// usual hour's.
const SNAPSHOT_STANDS_OUT: f64 = 2.0;

/// Sums and counts of the changes by weekday and hour.
struct Table {
    sum: [[f64; 24]; 7],
    count: [[f64; 24]; 7],
}

fn cell(c: &Change) -> (usize, usize) {
    (
        c.start.weekday().num_days_from_monday() as usize,
        c.start.hour() as usize,
    )
}

/// Alternating least squares for changes ≈ swing[d] · diurnal[h].
fn rank_one(changes: &[Change], lag: usize) -> Result<Pattern, String> {
    let mut t = Table {
        sum: [[0.0; 24]; 7],
        count: [[0.0; 24]; 7],
    };
    for c in changes {
        let (d, h) = cell(c);
        t.sum[d][h] += c.gb;
        t.count[d][h] += 1.0;
    }
    let seen: Vec<bool> = (0..24)
        .map(|h| (0..7).any(|d| t.count[d][h] > 0.0))
        .collect();
    let mut diurnal = [1.0; 24];
    let mut swing = [0.0; 7];
    for _ in 0..100 {
        for (d, s) in swing.iter_mut().enumerate() {
            let num: f64 = (0..24).map(|h| diurnal[h] * t.sum[d][h]).sum();
            let den: f64 = (0..24).map(|h| diurnal[h].powi(2) * t.count[d][h]).sum();
            *s = if den > 0.0 { num / den } else { 0.0 };
        }
        for h in (0..24).filter(|&h| seen[h]) {
            let num: f64 = (0..7).map(|d| swing[d] * t.sum[d][h]).sum();
            let den: f64 = (0..7).map(|d| swing[d].powi(2) * t.count[d][h]).sum();
            diurnal[h] = if den > 0.0 { num / den } else { 0.0 };
        }
        let mean = (0..24)
            .filter(|&h| seen[h])
            .map(|h| diurnal[h])
            .sum::<f64>()
            / seen.iter().filter(|s| **s).count().max(1) as f64;
        if mean.abs() < 1e-12 {
            break;
        }
        diurnal.iter_mut().for_each(|v| *v /= mean);
    }
    let residual_sd = {
        let (mut ss, mut n) = (0.0_f64, 0.0_f64);
        for c in changes {
            let (d, h) = cell(c);
            ss += (c.gb - swing[d] * diurnal[h]).powi(2);
            n += 1.0;
        }
        (ss / (n - 31.0).max(1.0)).sqrt()
    };
    let swing_se: [f64; 7] = std::array::from_fn(|d| {
        let info: f64 = (0..24).map(|h| diurnal[h].powi(2) * t.count[d][h]).sum();
        residual_sd / info.max(1e-12).sqrt()
    });
    let largest = swing.iter().fold(0.0_f64, |m, s| m.max(s.abs()));
    let resolved = (0..7).any(|d| swing[d].abs() > 3.0 * swing_se[d]) && largest > 1e-9;
    if !resolved {
        return Err("the load shows no difference between weekdays, so the hour-to-hour changes of the backup storage carry no shape; the scenario's are kept".into());
    }
    let relative_se: Vec<f64> = (0..24)
        .filter(|&h| seen[h] && diurnal[h] > 0.0)
        .map(|h| {
            let info: f64 = (0..7).map(|d| swing[d].powi(2) * t.count[d][h]).sum();
            residual_sd / info.max(1e-12).sqrt() / diurnal[h]
        })
        .collect();
    let max_relative_se = relative_se.iter().copied().fold(0.0, f64::max);
    // Judged against the average hour, not each hour's own value: a quiet hour near zero is
    // uncertain relative to itself however clean the data.
    let mean_hour = (0..24)
        .filter(|&h| seen[h])
        .map(|h| diurnal[h])
        .sum::<f64>()
        / seen.iter().filter(|&&s| s).count().max(1) as f64;
    let widest_se = (0..24)
        .filter(|&h| seen[h])
        .map(|h| {
            let info: f64 = (0..7).map(|d| swing[d].powi(2) * t.count[d][h]).sum();
            residual_sd / info.max(1e-12).sqrt()
        })
        .fold(0.0, f64::max)
        / mean_hour.abs().max(1e-12);
    if widest_se > UNREADABLE_SE {
        return Err(format!(
            "the hour-to-hour changes of the backup storage are mostly noise (an hour's share of the load comes out within ±{:.0}% of the average hour's), so they carry no shape; the scenario's are kept",
            widest_se * 100.0
        ));
    }
    let filled: Vec<usize> = (0..24).filter(|&h| !seen[h]).collect();
    // Rescaling the filled profile to mean 1 scales the swings the other way: their product
    // is what the data shows.
    let full = fill(&diurnal, &seen);
    let mean = full.iter().sum::<f64>() / 24.0;
    let values = rescale(&full);
    let swing = swing.map(|s| s * mean);
    let swing_se = swing_se.map(|s| s * mean);
    Ok(Pattern {
        diurnal: Shape {
            values,
            max_relative_se,
            filled,
        },
        swing,
        swing_se,
        lag,
    })
}

impl Pattern {
    /// The weekly shape for `binlog_gb_per_day`, if the data reads it: one whose least certain
    /// day is known no better than `UNREADABLE_SE` is noise (it came out ±256% with the
    /// scenario's retention not the server's), and the scenario's is kept. Err: that widest
    /// standard error, relative.
    pub fn weekly_read(&self, binlog_gb_per_day: f64) -> Result<Shape<7>, f64> {
        let weekly = self.weekly(binlog_gb_per_day);
        if weekly.max_relative_se <= UNREADABLE_SE {
            Ok(weekly)
        } else {
            Err(weekly.max_relative_se)
        }
    }

    /// The weekly shape for a mean binlog rate: weekly[d] − weekly[d − lag] = swing[d] / (B/24),
    /// walked round the week (7 is prime, so the walk visits every day) and centred on 1.
    pub fn weekly(&self, binlog_gb_per_day: f64) -> Shape<7> {
        let c = (binlog_gb_per_day / 24.0).max(1e-9);
        let order: Vec<usize> = (0..7).map(|i| (i * self.lag) % 7).collect();
        let mut w = [0.0; 7];
        let mut var = [0.0; 7];
        for i in 1..7 {
            let (day, before) = (order[i], order[i - 1]);
            w[day] = w[before] + self.swing[day] / c;
            var[day] = var[before] + (self.swing_se[day] / c).powi(2);
        }
        // The walk should close on itself; spread whatever it misses by evenly.
        let miss = w[order[6]] + self.swing[order[0]] / c - w[order[0]];
        for (i, &day) in order.iter().enumerate() {
            w[day] -= miss * i as f64 / 7.0;
        }
        let mean = w.iter().sum::<f64>() / 7.0;
        let shifted: [f64; 7] = std::array::from_fn(|d| (1.0 + w[d] - mean).max(0.02));
        let values = rescale(&shifted);
        let max_relative_se = (0..7)
            .map(|d| var[d].sqrt() / values[d])
            .fold(0.0, f64::max);
        Shape {
            values,
            max_relative_se,
            filled: Vec::new(),
        }
    }
}

fn rescale<const N: usize>(values: &[f64]) -> [f64; N] {
    let mean = values.iter().sum::<f64>() / N as f64;
    std::array::from_fn(|i| {
        if mean > 0.0 {
            (values[i] / mean).max(0.0)
        } else {
            1.0
        }
    })
}

/// Unseen entries replaced by the mean of the nearest seen ones on either side (circular).
fn fill(values: &[f64], seen: &[bool]) -> Vec<f64> {
    let n = values.len() as isize;
    (0..values.len())
        .map(|i| {
            if seen[i] {
                return values[i];
            }
            let nearest = |dir: isize| {
                (1..n)
                    .map(|k| (i as isize + dir * k).rem_euclid(n) as usize)
                    .find(|&j| seen[j])
                    .map(|j| values[j])
            };
            match (nearest(-1), nearest(1)) {
                (Some(a), Some(b)) => (a + b) / 2.0,
                (Some(a), None) | (None, Some(a)) => a,
                (None, None) => 1.0,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn monday() -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339("2026-01-05T00:00:00Z").unwrap()
    }

    /// An hourly backup series whose changes are exactly those of the module's model.
    fn series(diurnal: &[f64; 24], weekly: &[f64; 7], retention: u32, binlog: f64) -> Series {
        let lag = ((retention + 1) % 7) as usize;
        let mut gb = vec![Some(500.0)];
        for i in 0..21 * 24 {
            let (day, hour) = (i / 24 % 7, i % 24);
            let change =
                binlog / 24.0 * diurnal[hour] * (weekly[day] - weekly[(day + 7 - lag) % 7]);
            let last = gb.last().copied().flatten().unwrap();
            gb.push(Some(last + change));
        }
        Series {
            metric: "backup_storage_used",
            start: monday(),
            step: HOUR,
            gb,
        }
    }

    fn truth() -> ([f64; 24], [f64; 7]) {
        let mut diurnal = [0.5; 24];
        diurnal[8..20].fill(1.5);
        let weekly = [1.2, 1.2, 1.2, 1.2, 1.2, 0.5, 0.5];
        (diurnal, weekly)
    }

    #[test]
    fn the_daily_and_weekly_shapes_come_back_from_the_changes() {
        let (diurnal, weekly) = truth();
        let s = series(&diurnal, &weekly, 10, 48.0);
        let p = read(&s, 10, 1.0, 3, *monday().offset()).unwrap();
        // Hours 3 and 4 are the snapshot's: unseen, filled with their neighbours' 0.5.
        assert_eq!(p.diurnal.filled, vec![3, 4]);
        for (got, want) in p.diurnal.values.iter().zip(diurnal) {
            assert!((got - want).abs() < 1e-9, "{:?}", p.diurnal.values);
        }
        let w = p.weekly(48.0);
        for (got, want) in w.values.iter().zip(weekly) {
            assert!((got - want).abs() < 1e-9, "{:?}", w.values);
        }
        // The same changes from a lower rate need a stronger weekly rhythm: at 36 GB/day the
        // deviations from 1 grow by 48/36, to +0.2667 on weekdays and −0.6667 at the weekend.
        let w = p.weekly(36.0);
        assert!(
            (w.values[0] - (1.0 + 0.2 * 4.0 / 3.0)).abs() < 1e-9,
            "{:?}",
            w.values
        );
        assert!(
            (w.values[6] - (1.0 - 0.5 * 4.0 / 3.0)).abs() < 1e-9,
            "{:?}",
            w.values
        );
    }

    #[test]
    fn a_retention_of_whole_weeks_or_a_flat_week_shows_no_shape() {
        let (diurnal, weekly) = truth();
        let whole_weeks = series(&diurnal, &weekly, 13, 48.0);
        let e = read(&whole_weeks, 13, 1.0, 0, *monday().offset()).unwrap_err();
        assert!(e.contains("exactly 2 weeks before"), "{e}");
        let flat = series(&diurnal, &[1.0; 7], 10, 48.0);
        let e = read(&flat, 10, 1.0, 0, *monday().offset()).unwrap_err();
        assert!(e.contains("no difference between weekdays"), "{e}");
        let mut short = series(&diurnal, &weekly, 10, 48.0);
        short.gb.truncate(24 * 10);
        assert!(read(&short, 10, 1.0, 0, *monday().offset())
            .unwrap_err()
            .contains("14 days"));
    }

    #[test]
    fn the_snapshot_hour_is_where_the_changes_stray() {
        let (diurnal, weekly) = truth();
        let mut s = series(&diurnal, &weekly, 10, 48.0);
        // A daily step of 3 GB in the change from hour 5 to hour 6.
        let mut offset = 0.0;
        for i in 1..s.gb.len() {
            if (i - 1) % 24 == 5 {
                offset += 3.0;
            }
            s.gb[i] = s.gb[i].map(|v| v + offset);
        }
        assert_eq!(snapshot_hour(&s), (5, true));
    }
}
