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
}
