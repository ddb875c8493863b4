use std::collections::BTreeMap;

use serde::Serialize;

/// The time-weighted distribution of a sawtooth: a quantity that grows at rate 1 from 0 and drops
/// back to 0 at each reset (the data-loss window between backups). A tooth of length g spends
/// equal time at every value in [0, g), so the distribution is a length-weighted mixture of
/// uniforms, known exactly from the tooth lengths: no sampling of loss times is needed.
///
/// Lengths are whole seconds kept as a histogram: memory grows with the number of distinct
/// lengths (a handful for regular log backups), never with the horizon; and sums are integers,
/// so merging replications in any order gives the same bits.
#[derive(Debug, Clone, Default)]
pub struct Sawtooth {
    teeth: BTreeMap<i64, u64>,
    /// Most teeth repeat the previous length (one log interval): they are counted here and
    /// folded into the map when another length comes, saving a map lookup per log backup.
    run: Option<(i64, u64)>,
}

impl PartialEq for Sawtooth {
    fn eq(&self, other: &Self) -> bool {
        self.settled() == other.settled()
    }
}
impl Eq for Sawtooth {}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Quantiles {
    pub p50: f64,
    pub p95: f64,
    pub p99: f64,
    pub max: f64,
    pub mean: f64,
}

impl Sawtooth {
    pub fn new() -> Self {
        Self::default()
    }

    /// One tooth of `length` seconds (zero-length teeth carry no time and are ignored).
    pub fn add(&mut self, length: i64) {
        if length <= 0 {
            return;
        }
        match &mut self.run {
            Some((len, n)) if *len == length => *n += 1,
            run => {
                if let Some((len, n)) = run.replace((length, 1)) {
                    *self.teeth.entry(len).or_insert(0) += n;
                }
            }
        }
    }

    /// All teeth, the pending run included.
    fn settled(&self) -> BTreeMap<i64, u64> {
        let mut all = self.teeth.clone();
        if let Some((len, n)) = self.run {
            *all.entry(len).or_insert(0) += n;
        }
        all
    }

    fn flush(&mut self) {
        if let Some((len, n)) = self.run.take() {
            *self.teeth.entry(len).or_insert(0) += n;
        }
    }

    pub fn merge(&mut self, other: &Sawtooth) {
        self.flush();
        for (len, n) in other.settled() {
            *self.teeth.entry(len).or_insert(0) += n;
        }
    }

    /// Seconds covered by all teeth.
    pub fn total_time(&self) -> u128 {
        self.settled()
            .iter()
            .map(|(&len, &n)| len as u128 * n as u128)
            .sum()
    }

    pub fn distinct_lengths(&self) -> usize {
        self.settled().len()
    }

    pub fn max(&self) -> f64 {
        self.settled().keys().next_back().map_or(0.0, |&l| l as f64)
    }

    /// Time-average of the window: a tooth of length g contributes g²/2.
    pub fn mean(&self) -> f64 {
        let total = self.total_time();
        if total == 0 {
            return 0.0;
        }
        let squares: u128 = self
            .settled()
            .iter()
            .map(|(&len, &n)| (len as u128) * (len as u128) * n as u128)
            .sum();
        squares as f64 / (2.0 * total as f64)
    }

    /// The value the window stays at or below for fraction `q` of the time.
    ///
    /// F(x) = (Σ_{g ≤ x} g·n + x·Σ_{g > x} n) / T is piecewise linear between distinct lengths;
    /// find the piece where it reaches q and solve it.
    pub fn quantile(&self, q: f64) -> f64 {
        let total = self.total_time();
        if total == 0 {
            return 0.0;
        }
        let target = q.clamp(0.0, 1.0) * total as f64;
        let teeth = self.settled();
        let mut time_below: u128 = 0; // Σ g·n over lengths already passed
        let mut teeth_left: u64 = teeth.values().sum();
        for (&len, &n) in &teeth {
            let at_len = time_below as f64 + len as f64 * teeth_left as f64;
            if at_len >= target {
                return (target - time_below as f64) / teeth_left as f64;
            }
            time_below += len as u128 * n as u128;
            teeth_left -= n;
        }
        self.max()
    }

    pub fn quantiles(&self) -> Quantiles {
        Quantiles {
            p50: self.quantile(0.50),
            p95: self.quantile(0.95),
            p99: self.quantile(0.99),
            max: self.max(),
            mean: self.mean(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regular_teeth_are_uniform() {
        let mut s = Sawtooth::new();
        for _ in 0..8640 {
            s.add(300);
        }
        let q = s.quantiles();
        assert_eq!(q.p50, 150.0);
        assert_eq!(q.p95, 285.0);
        assert_eq!(q.max, 300.0);
        assert_eq!(q.mean, 150.0);
    }

    /// Compare against a brute-force time grid: every second of every tooth counted once.
    #[test]
    fn quantiles_match_a_brute_force_grid() {
        let lengths = [300, 300, 600, 120, 300, 1_500, 5, 300];
        let mut s = Sawtooth::new();
        let mut grid = Vec::new();
        for &g in &lengths {
            s.add(g);
            grid.extend((0..g).map(|x| x as f64 + 0.5));
        }
        grid.sort_by(f64::total_cmp);
        for q in [0.1, 0.5, 0.9, 0.95, 0.99] {
            let brute = grid[((q * grid.len() as f64) as usize).min(grid.len() - 1)];
            assert!(
                (s.quantile(q) - brute).abs() <= 1.0,
                "q={q}: {} vs {brute}",
                s.quantile(q)
            );
        }
        let brute_mean = grid.iter().sum::<f64>() / grid.len() as f64;
        assert!((s.mean() - brute_mean).abs() < 1e-9);
    }

    #[test]
    fn merging_is_order_independent() {
        let mut a = Sawtooth::new();
        let mut b = Sawtooth::new();
        a.add(300);
        a.add(600);
        b.add(42);
        let mut ab = a.clone();
        ab.merge(&b);
        let mut ba = b.clone();
        ba.merge(&a);
        assert_eq!(ab, ba);
        assert_eq!(ab.total_time(), 942);
    }
}
