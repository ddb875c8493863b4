use serde::Serialize;
use statrs::distribution::{ContinuousCDF, StudentsT};

/// A figure across replications: its mean and the 95% Student-t confidence interval of that mean
/// (None with fewer than two replications, where no interval can be computed honestly).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Estimate {
    pub mean: f64,
    pub ci95: Option<[f64; 2]>,
    pub n: usize,
}

impl Estimate {
    pub fn half_width(&self) -> Option<f64> {
        self.ci95.map(|[lo, hi]| (hi - lo) / 2.0)
    }

    /// Every one of (two or more) values was the same: the interval has no width, which says
    /// only that these runs agreed, not that every run would.
    pub fn same_in_every_run(&self) -> bool {
        self.n >= 2 && matches!(self.ci95, Some([lo, hi]) if lo == hi)
    }

    /// When every value was the same: the share of runs that may give another, at 95%
    /// (`rule_of_three`); None when the values differ or are too few for an interval.
    pub fn other_value_share_below(&self) -> Option<f64> {
        self.same_in_every_run().then(|| rule_of_three(self.n))
    }

    /// How precisely the mean is known relative to its size, as a stop rule reads it: the 95%
    /// half-width over |mean|, or `rule_of_three` for values that were all the same (their
    /// interval of no width would otherwise pass any target at once: a figure that is 0 unless
    /// a run meets a rare burst reads as known exactly from runs that all missed it). Infinite
    /// when it cannot be estimated yet or the values vary around zero.
    pub fn relative_precision(&self) -> f64 {
        if let Some(share) = self.other_value_share_below() {
            return share;
        }
        match self.half_width() {
            Some(h) if self.mean != 0.0 => h / self.mean.abs(),
            _ => f64::INFINITY,
        }
    }
}

/// The rule of three: with n runs all giving the same value, the share p of runs that would give
/// another is below 3/n at 95% ((1 − p)^n = 0.05 at p ≈ 3/n; a little above the exact bound).
pub fn rule_of_three(n: usize) -> f64 {
    3.0 / n as f64
}

pub fn mean_ci95(values: &[f64]) -> Estimate {
    let n = values.len();
    if n == 0 {
        return Estimate {
            mean: f64::NAN,
            ci95: None,
            n,
        };
    }
    if values.iter().all(|&v| v == values[0]) {
        // Exactly that value and an interval of no width, so that `same_in_every_run` says
        // so: a sum and a division can leave the mean of equal values an ulp off them.
        let v = values[0];
        return Estimate {
            mean: v,
            ci95: (n >= 2).then_some([v, v]),
            n,
        };
    }
    let mean = values.iter().sum::<f64>() / n as f64;
    if n < 2 {
        return Estimate {
            mean,
            ci95: None,
            n,
        };
    }
    let variance = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    let t = StudentsT::new(0.0, 1.0, (n - 1) as f64)
        .expect("degrees of freedom are positive")
        .inverse_cdf(0.975);
    let half = t * (variance / n as f64).sqrt();
    Estimate {
        mean,
        ci95: Some([mean - half, mean + half]),
        n,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interval_uses_student_t() {
        // Mean 3, sample sd sqrt(2.5), n = 5: t(0.975, 4) = 2.776.
        let e = mean_ci95(&[1.0, 2.0, 3.0, 4.0, 5.0]);
        assert_eq!(e.mean, 3.0);
        let half = e.half_width().unwrap();
        assert!(
            (half - 2.776_445 * (2.5f64 / 5.0).sqrt()).abs() < 1e-4,
            "{half}"
        );
        assert!(mean_ci95(&[7.0]).ci95.is_none());
        let flat = mean_ci95(&[2.0; 10]);
        assert_eq!(flat.ci95, Some([2.0, 2.0]));
    }

    /// Values that all agree leave the interval with no width, and that is not precision: the
    /// stop rule reads the rule of three's 3/n instead of 0, so 32 runs that all billed nothing
    /// are known to ±9%, not ±0%.
    #[test]
    fn values_all_the_same_are_known_only_to_the_rule_of_three() {
        let zeros = mean_ci95(&[0.0; 32]);
        assert!(zeros.same_in_every_run());
        assert_eq!(zeros.other_value_share_below(), Some(3.0 / 32.0));
        assert_eq!(zeros.relative_precision(), 3.0 / 32.0);
        let constant = mean_ci95(&[150.0; 400]);
        assert_eq!(constant.relative_precision(), 0.0075);
        // Equal values whose sum rounds still read as the same, at exactly their value.
        let tenths = mean_ci95(&[0.1; 3]);
        assert_eq!(tenths.mean, 0.1);
        assert!(tenths.same_in_every_run());
        // One run that differs is an ordinary interval.
        let mut once = vec![0.0; 31];
        once.push(20.0);
        let e = mean_ci95(&once);
        assert!(!e.same_in_every_run());
        assert_eq!(e.other_value_share_below(), None);
        assert!(e.relative_precision() > 1.0, "{}", e.relative_precision());
        // A single value has no interval to judge.
        assert!(!mean_ci95(&[7.0]).same_in_every_run());
        assert_eq!(mean_ci95(&[7.0]).relative_precision(), f64::INFINITY);
    }
}
