use super::Quantiles;

/// Equal-weight distribution of non-negative values in log-spaced buckets 0.1% wide: quantiles
/// within 0.1%, memory bounded by the value range (not the number of values), integer counts that
/// merge in any order to the same result. Values below 1 share the first bucket.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LogHistogram {
    /// Count per bucket from bucket `first` upwards: a dense array, as adding is on the hot path,
    /// starting where the values do (restore times start at minutes, not at one second).
    buckets: Vec<u64>,
    first: usize,
    zeros: u64,
    count: u64,
    sum: f64,
    max: f64,
}

/// Buckets are read straight off the float's bits: the exponent and the top 10 bits of the
/// mantissa, so each bucket spans under 0.1% of its value and no logarithm is computed.
const MANTISSA_SHIFT: u32 = 42;

impl LogHistogram {
    pub fn new() -> Self {
        Self::default()
    }

    fn bucket(x: f64) -> usize {
        ((x.max(1.0).to_bits() >> MANTISSA_SHIFT) - (1.0f64.to_bits() >> MANTISSA_SHIFT)) as usize
    }

    fn value_of(bucket: usize) -> f64 {
        let bits = |b: usize| (b as u64 + (1.0f64.to_bits() >> MANTISSA_SHIFT)) << MANTISSA_SHIFT;
        (f64::from_bits(bits(bucket)) + f64::from_bits(bits(bucket + 1))) / 2.0
    }

    pub fn add(&mut self, x: f64) {
        if !x.is_finite() || x < 0.0 {
            return;
        }
        self.count += 1;
        self.sum += x;
        // x is finite here: a plain comparison, not max's NaN handling, on the hot path.
        if x > self.max {
            self.max = x;
        }
        if x == 0.0 {
            self.zeros += 1;
        } else {
            let b = Self::bucket(x);
            match self.buckets.get_mut(b.wrapping_sub(self.first)) {
                Some(n) => *n += 1,
                None => {
                    self.grow_to_hold(b);
                    self.buckets[b - self.first] += 1;
                }
            }
        }
    }

    /// Make bucket `b` addressable, extending the array at either end.
    #[cold]
    fn grow_to_hold(&mut self, b: usize) {
        if self.buckets.is_empty() {
            self.first = b;
        }
        if b < self.first {
            let mut grown = vec![0; self.first - b];
            grown.extend_from_slice(&self.buckets);
            self.buckets = grown;
            self.first = b;
        }
        if b >= self.first + self.buckets.len() {
            self.buckets.resize(b - self.first + 1, 0);
        }
    }

    pub fn merge(&mut self, other: &LogHistogram) {
        if !other.buckets.is_empty() {
            self.grow_to_hold(other.first);
            self.grow_to_hold(other.first + other.buckets.len() - 1);
            for (i, n) in other.buckets.iter().enumerate() {
                self.buckets[other.first + i - self.first] += n;
            }
        }
        self.zeros += other.zeros;
        self.count += other.count;
        self.sum += other.sum;
        self.max = self.max.max(other.max);
    }

    pub fn count(&self) -> u64 {
        self.count
    }

    pub fn mean(&self) -> f64 {
        if self.count == 0 {
            0.0
        } else {
            self.sum / self.count as f64
        }
    }

    pub fn quantile(&self, q: f64) -> f64 {
        if self.count == 0 {
            return 0.0;
        }
        let rank = (q.clamp(0.0, 1.0) * self.count as f64).ceil().max(1.0) as u64;
        if rank <= self.zeros {
            return 0.0;
        }
        let mut seen = self.zeros;
        for (i, &n) in self.buckets.iter().enumerate() {
            seen += n;
            if seen >= rank {
                return Self::value_of(self.first + i).min(self.max);
            }
        }
        self.max
    }

    /// The quantiles, or None when nothing was counted (rather than a misleading zero).
    pub fn quantiles_if_any(&self) -> Option<Quantiles> {
        (self.count > 0).then(|| self.quantiles())
    }

    pub fn quantiles(&self) -> Quantiles {
        Quantiles {
            p50: self.quantile(0.50),
            p95: self.quantile(0.95),
            p99: self.quantile(0.99),
            max: self.max,
            mean: self.mean(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_within_a_tenth_of_a_percent() {
        let mut h = LogHistogram::new();
        for i in 1..=10_000 {
            h.add(i as f64);
        }
        for (q, exact) in [(0.5, 5_000.0), (0.95, 9_500.0), (0.99, 9_900.0)] {
            let got = h.quantile(q);
            assert!((got - exact).abs() / exact < 0.0015, "q{q}: {got}");
        }
        assert_eq!(h.quantiles().max, 10_000.0);
        assert!((h.mean() - 5_000.5).abs() < 1e-9);
        h.add(0.0);
        assert_eq!(h.quantile(0.0), 0.0);
    }

    #[test]
    fn merging_extends_at_both_ends_and_is_order_free() {
        let mut a = LogHistogram::new();
        let mut b = LogHistogram::new();
        for x in [500.0, 600.0, 700.0] {
            a.add(x);
        }
        for x in [20.0, 90_000.0] {
            b.add(x);
        }
        let mut ab = a.clone();
        ab.merge(&b);
        let mut ba = b.clone();
        ba.merge(&a);
        assert_eq!(ab.quantiles(), ba.quantiles());
        assert_eq!(ab.count(), 5);
        assert!((ab.quantile(0.2) - 20.0).abs() < 0.02);
        assert_eq!(ab.quantiles().max, 90_000.0);
    }
}
