//! Numbers as people read them in text and tables: significant figures instead of float noise,
//! thousands grouped, counts without decimals, an interval's precision setting how many
//! decimals its mean gets, and no interval at all where it has zero width. CSV and JSON keep
//! full precision; only what people read goes through here.

use crate::stats::Estimate;

/// Digits after the point for `digits` significant figures of `v` (none for whole numbers past
/// that precision).
fn decimals_for(v: f64, digits: i32) -> usize {
    if v == 0.0 || !v.is_finite() {
        return 0;
    }
    let magnitude = v.abs().log10().floor() as i32;
    (digits - 1 - magnitude).clamp(0, 9) as usize
}

/// Group the integer part in thousands: 12345.6 → "12,345.6".
fn grouped(text: &str) -> String {
    let (sign, rest) = match text.strip_prefix('-') {
        Some(r) => ("-", r),
        None => ("", text),
    };
    let (int, frac) = match rest.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (rest, None),
    };
    if int.len() <= 3 || !int.bytes().all(|b| b.is_ascii_digit()) {
        return text.to_string();
    }
    let mut out = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    match frac {
        Some(f) => format!("{sign}{out}.{f}"),
        None => format!("{sign}{out}"),
    }
}

/// `v` with `decimals` digits after the point, grouped, never "-0".
pub fn fixed(v: f64, decimals: usize) -> String {
    if !v.is_finite() {
        return "n/a".into();
    }
    let text = format!("{v:.decimals$}");
    let text = if text
        .trim_start_matches('-')
        .chars()
        .all(|c| c == '0' || c == '.')
    {
        text.trim_start_matches('-').to_string()
    } else {
        text
    };
    grouped(&text)
}

/// `v` to `digits` significant figures (whole numbers keep all their digits), without
/// trailing zeros: 2.5, not 2.500.
pub fn sig(v: f64, digits: i32) -> String {
    let text = fixed(v, decimals_for(v, digits));
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    }
}

/// A count per run: whole when it is whole, else three significant figures.
pub fn count(v: f64) -> String {
    if v.is_finite() && v.fract() == 0.0 {
        fixed(v, 0)
    } else {
        sig(v, 3)
    }
}

/// Whether [lo, hi] around `value` is an interval at all: runs that agree to within the last
/// few bits of a float (sums taken in another order) give a width that is rounding, not spread.
fn has_width(lo: f64, hi: f64, value: f64) -> bool {
    hi - lo > 1e-9 * value.abs().max(lo.abs()).max(hi.abs())
}

/// An interval narrower than this share of its mean is shown as the mean alone, to six figures.
const AGREE: f64 = 1e-6;

/// A mean and its interval never show more significant figures than this: an interval a few
/// parts in a million wide would otherwise ask for "7,305.0238 (95% CI 7,305.0187 – …)".
const MOST_FIGURES: i32 = 6;

/// Decimals that show an interval of half-width `half` to two significant figures.
fn decimals_for_interval(half: f64) -> usize {
    if half <= 0.0 || !half.is_finite() {
        return 0;
    }
    (1 - half.log10().floor() as i32).clamp(0, 9) as usize
}

/// The mean with its 95% CI, "777.3 (95% CI 770.1 – 784.5)", its precision set by the
/// interval's; only the mean (4 significant figures, or a whole count) when the interval has
/// zero width or cannot be computed. `scale` divides every value (a unit change).
pub fn estimate(e: &Estimate, scale: f64, is_count: bool) -> String {
    let e = &Estimate {
        ci95: e.ci95.map(|ci| at_the_floor(e.mean, ci)),
        ..*e
    };
    let mean = e.mean / scale;
    let plain = || {
        if is_count {
            count(mean)
        } else {
            sig(mean, 4)
        }
    };
    match e.ci95 {
        // Runs that agree to better than a part in a million (a vault's bill, moved only by the odd
        // failed snapshot) would need six decimals to show their interval: the mean to six
        // figures says the same.
        Some([lo, hi]) if has_width(lo, hi, e.mean) && hi - lo < AGREE * e.mean.abs() => {
            sig(mean, 6)
        }
        Some([lo, hi]) if has_width(lo, hi, e.mean) => {
            let d = decimals_for_interval((hi - lo) / 2.0 / scale)
                .min(decimals_for(mean, MOST_FIGURES));
            format!(
                "{} (95% CI {} – {})",
                fixed(mean, d),
                fixed(lo / scale, d),
                fixed(hi / scale, d)
            )
        }
        _ => plain(),
    }
}

/// A value and its interval as two table cells, "777.3" and "770.1 – 784.5", the interval's
/// precision setting both; the value alone (4 significant figures) when there is no interval
/// or it has zero width, and to six figures when it is under a millionth of the value wide,
/// as `estimate` gives it in the text (a table of "305.087 – 305.087" says nothing).
pub fn value_and_interval(value: f64, ci95: Option<[f64; 2]>) -> (String, String) {
    match ci95.map(|ci| at_the_floor(value, ci)) {
        Some([lo, hi]) if has_width(lo, hi, value) && hi - lo < AGREE * value.abs() => {
            (sig(value, MOST_FIGURES), String::new())
        }
        Some([lo, hi]) if has_width(lo, hi, value) => {
            let d = decimals_for_interval((hi - lo) / 2.0).min(decimals_for(value, MOST_FIGURES));
            (
                fixed(value, d),
                format!("{} – {}", fixed(lo, d), fixed(hi, d)),
            )
        }
        _ => (sig(value, 4), String::new()),
    }
}

/// What a figure every one of `n` runs gave alike is known to, where its interval would be
/// [x, x]: not certainty, but that another value may still show in up to 3/n of runs (the
/// rule of three, 95%).
pub fn same_in_all(n: usize) -> String {
    format!(
        "the same in all {} runs: another value in up to {}% of runs, at 95% confidence",
        count(n as f64),
        sig(crate::stats::rule_of_three(n) * 100.0, 2)
    )
}

/// A readable interval of a figure that is never negative (every one shown with an interval
/// here: counts, times, GB, money): the symmetric t-interval of a skewed figure over few runs
/// can reach below zero ("failed attempts 1.5 (95% CI -4.9 – 7.9)"), which no mean can; it is
/// cut at 0. The files keep the interval as computed.
fn at_the_floor(mean: f64, [lo, hi]: [f64; 2]) -> [f64; 2] {
    if mean >= 0.0 && lo < 0.0 {
        [0.0, hi]
    } else {
        [lo, hi]
    }
}

/// A signed number with a real minus sign: "+73.30", "−0.42", "0".
pub fn signed_fixed(v: f64, decimals: usize) -> String {
    let text = fixed(v.abs(), decimals);
    if text.chars().all(|c| c == '0' || c == '.' || c == ',') {
        text
    } else if v < 0.0 {
        format!("−{text}")
    } else {
        format!("+{text}")
    }
}

/// A paired difference with its CI: "+73.30 (95% CI +72.91 … +73.69)"; "0 (identical in every
/// run)" when every run gave exactly the same; the mean alone without an interval. Differences
/// and widths below a millionth of `reference` (the size of the figure itself) are rounding in
/// sums taken in another order, or too small to plan with, and read as none. Only a CI of no
/// width says anything of every run: a narrow one still lets a run or two stray further.
pub fn difference(e: &Estimate, scale: f64, reference: f64) -> String {
    let mean = e.mean / scale;
    let tiny = 1e-6 * reference.abs().max(e.mean.abs());
    match e.ci95 {
        Some([lo, hi]) if hi - lo > 2.0 * tiny => {
            let d = decimals_for_interval((hi - lo) / 2.0 / scale);
            format!(
                "{} (95% CI {} … {})",
                signed_fixed(mean, d),
                signed_fixed(lo / scale, d),
                signed_fixed(hi / scale, d)
            )
        }
        Some([lo, hi]) if lo == hi && e.mean == 0.0 => "0 (identical in every run)".to_string(),
        Some([lo, hi]) if lo == hi => format!(
            "{} (the same in every run)",
            signed_fixed(mean, decimals_for(mean, 4))
        ),
        Some(_) if e.mean.abs() <= tiny => "0 (95% CI within a millionth)".to_string(),
        Some(_) => format!(
            "{} (95% CI within a millionth)",
            signed_fixed(mean, decimals_for(mean, 4))
        ),
        None => signed_fixed(mean, decimals_for(mean, 4)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A vault bill whose runs differ in the eighth figure: the mean to six figures, not an
    /// interval to six decimals; an ordinary interval keeps its two significant figures.
    #[test]
    fn an_interval_under_a_part_in_a_million_wide_shows_as_the_mean() {
        let narrow = Estimate {
            mean: 305.086623,
            ci95: Some([305.086601, 305.086645]),
            n: 20,
        };
        assert_eq!(estimate(&narrow, 1.0, false), "305.087");
        // The same in a table: report.md gave "305.087 – 305.087" for its interval.
        assert_eq!(
            value_and_interval(narrow.mean, narrow.ci95),
            ("305.087".to_string(), String::new())
        );
        let usual = Estimate {
            mean: 42.396,
            ci95: Some([42.329, 42.464]),
            n: 20,
        };
        assert_eq!(
            estimate(&usual, 1.0, false),
            "42.396 (95% CI 42.329 – 42.464)"
        );
        // A few parts in a million wide: six figures at most, the interval still shown.
        let tight = Estimate {
            mean: 7305.0238,
            ci95: Some([7305.0187, 7305.0288]),
            n: 20,
        };
        assert_eq!(
            estimate(&tight, 1.0, false),
            "7,305.02 (95% CI 7,305.02 – 7,305.03)"
        );
    }

    /// Runs that all agreed are no ±0%: the note says how many and the rule of three's share.
    #[test]
    fn a_value_every_run_gave_says_how_many_runs_and_the_rule_of_three() {
        assert_eq!(
            same_in_all(40),
            "the same in all 40 runs: another value in up to 7.5% of runs, at 95% confidence"
        );
        assert_eq!(
            same_in_all(20_000),
            "the same in all 20,000 runs: another value in up to 0.015% of runs, at 95% confidence"
        );
    }

    #[test]
    fn significant_figures_and_grouping() {
        assert_eq!(sig(777.349, 4), "777.3");
        assert_eq!(sig(2.5, 4), "2.5");
        assert_eq!(sig(2092.4, 3), "2,092");
        assert_eq!(sig(0.012345, 3), "0.0123");
        assert_eq!(sig(-0.0001, 2), "-0.0001");
        assert_eq!(fixed(-0.0004, 2), "0.00");
        assert_eq!(sig(1_234_567.0, 4), "1,234,567");
        assert_eq!(count(91.0), "91");
        assert_eq!(count(72.25), "72.2");
    }

    #[test]
    fn intervals_set_the_precision_and_zero_width_ones_vanish() {
        let e = Estimate {
            mean: 73.3,
            ci95: Some([72.91, 73.69]),
            n: 100,
        };
        assert_eq!(difference(&e, 1.0, 73.0), "+73.30 (95% CI +72.91 … +73.69)");
        assert_eq!(estimate(&e, 1.0, false), "73.30 (95% CI 72.91 – 73.69)");
        let flat = Estimate {
            mean: 91.0,
            ci95: Some([91.0, 91.0]),
            n: 100,
        };
        assert_eq!(estimate(&flat, 1.0, true), "91");
        // A non-negative figure's interval is cut at 0 where the t-interval reaches below it.
        let skewed = Estimate {
            mean: 1.5,
            ci95: Some([-4.9, 7.9]),
            ..flat
        };
        assert_eq!(estimate(&skewed, 1.0, false), "1.5 (95% CI 0.0 – 7.9)");
        assert_eq!(
            value_and_interval(1.5, Some([-4.9, 7.9])),
            ("1.5".to_string(), "0.0 – 7.9".to_string())
        );
        let zero = Estimate {
            mean: 0.0,
            ci95: Some([0.0, 0.0]),
            n: 100,
        };
        assert_eq!(difference(&zero, 1.0, 5.0), "0 (identical in every run)");
        let noise = Estimate {
            mean: -1.4e-15,
            ci95: Some([-3.7e-15, 8.9e-16]),
            n: 20,
        };
        assert_eq!(
            difference(&noise, 1.0, 62.3),
            "0 (95% CI within a millionth)"
        );
        // Runs that differ, by little: the interval is what is known, not every run.
        let narrow = Estimate {
            mean: 0.008629,
            ci95: Some([0.007287, 0.009971]),
            n: 100,
        };
        assert_eq!(
            difference(&narrow, 3600.0, 1785.0),
            "+0.000002397 (95% CI within a millionth)"
        );
        let constant = Estimate {
            mean: 2.5,
            ci95: Some([2.5, 2.5]),
            n: 100,
        };
        assert_eq!(
            difference(&constant, 1.0, 90.0),
            "+2.500 (the same in every run)"
        );
        let down = Estimate {
            mean: -3300.0,
            ci95: Some([-3400.0, -3200.0]),
            n: 10,
        };
        assert_eq!(
            difference(&down, 60.0, 9000.0),
            "−55.0 (95% CI −56.7 … −53.3)"
        );
    }
}
