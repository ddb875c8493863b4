use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// What a random stream is used for. Each purpose draws from its own ChaCha stream, so changing
/// one part of a scenario (say, the burst rate) leaves the draws of every other part untouched:
/// that is what makes sweep points comparable (common random numbers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u64)]
pub enum Purpose {
    Bursts = 1,
    LongTransactions = 2,
    SnapshotFailures = 3,
    LogBackupFailures = 4,
    Incidents = 5,
    Outages = 6,
    Restores = 7,
    GeoReplication = 8,
    UnsafeSessions = 9,
    RegionOutages = 10,
    BackgroundRestores = 11,
    SurgeRestores = 12,
    /// The order in which a fleet's servers asking in the same second take their turns.
    FleetTurns = 13,
}

/// The random streams of one replication, derived from (scenario seed, replication index) only:
/// replication 17 draws the same numbers whichever thread runs it, and whichever sweep point.
#[derive(Debug, Clone)]
pub struct Streams {
    key: [u8; 32],
}

impl Streams {
    pub fn for_replication(seed: u64, replication: u64) -> Self {
        let mut key = [0u8; 32];
        key[..8].copy_from_slice(&seed.to_le_bytes());
        key[8..16].copy_from_slice(&replication.to_le_bytes());
        key[16..24].copy_from_slice(b"backsim1");
        Self { key }
    }

    /// The streams of one server of a fleet: the `index`-th of group `group` (both in file
    /// order). Keyed by group and place in it, so that changing a group or adding one after
    /// the others leaves every other group's draws alone (one inserted before them moves
    /// them); the first server of the first group draws exactly what a single-server run of
    /// the same seed does.
    pub fn for_server(seed: u64, replication: u64, group: u32, index: u32) -> Self {
        let mut streams = Self::for_replication(seed, replication);
        streams.key[24..28].copy_from_slice(&group.to_le_bytes());
        streams.key[28..32].copy_from_slice(&index.to_le_bytes());
        streams
    }

    pub fn stream(&self, purpose: Purpose) -> Stream {
        self.stream_of(purpose, 0)
    }

    /// The stream of `purpose` for the `place`-th of several things that each need their own
    /// (the regions of a fleet); place 0 is the plain stream of that purpose.
    pub fn stream_of(&self, purpose: Purpose, place: u32) -> Stream {
        let mut rng = ChaCha8Rng::from_seed(self.key);
        rng.set_stream(purpose as u64 + ((place as u64) << 32));
        Stream { rng }
    }
}

/// One random stream with the few samplers the model needs.
#[derive(Debug, Clone)]
pub struct Stream {
    rng: ChaCha8Rng,
}

impl Stream {
    /// Uniform on [0, 1).
    pub fn uniform(&mut self) -> f64 {
        self.rng.random::<f64>()
    }

    /// True with probability `p` (clamped to [0, 1]).
    pub fn chance(&mut self, p: f64) -> bool {
        if p <= 0.0 {
            false
        } else if p >= 1.0 {
            true
        } else {
            self.uniform() < p
        }
    }

    /// Exponential with the given mean, by inversion (1 - U is in (0, 1], so the log is finite).
    pub fn exponential(&mut self, mean: f64) -> f64 {
        -mean * (1.0 - self.uniform()).ln()
    }

    /// Standard normal by Box–Muller (two uniforms per draw, the second value discarded, so the
    /// number of draws never depends on history).
    pub fn normal(&mut self) -> f64 {
        let u1 = 1.0 - self.uniform();
        let u2 = self.uniform();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }

    /// Lognormal with the given mean and coefficient of variation (cv = 0 gives the mean).
    pub fn lognormal(&mut self, mean: f64, cv: f64) -> f64 {
        let z = self.normal();
        if cv <= 0.0 {
            return mean;
        }
        let sigma2 = (1.0 + cv * cv).ln();
        (mean.ln() - sigma2 / 2.0 + sigma2.sqrt() * z).exp()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_and_replication_give_the_same_draws() {
        let a: Vec<f64> = {
            let mut s = Streams::for_replication(7, 3).stream(Purpose::Bursts);
            (0..10).map(|_| s.uniform()).collect()
        };
        let b: Vec<f64> = {
            let mut s = Streams::for_replication(7, 3).stream(Purpose::Bursts);
            (0..10).map(|_| s.uniform()).collect()
        };
        assert_eq!(a, b);
        let mut other = Streams::for_replication(7, 4).stream(Purpose::Bursts);
        assert_ne!(a[0], other.uniform());
        let mut other_purpose = Streams::for_replication(7, 3).stream(Purpose::LongTransactions);
        assert_ne!(a[0], other_purpose.uniform());
    }

    /// Chi-squared goodness of fit of the exponential sampler over 10 equiprobable bins.
    #[test]
    fn exponential_sampler_fits_its_distribution() {
        let mut s = Streams::for_replication(1, 0).stream(Purpose::Bursts);
        let mean = 3.0;
        let n = 100_000;
        let bins = 10usize;
        let mut counts = vec![0u64; bins];
        for _ in 0..n {
            let x = s.exponential(mean);
            // CDF maps the sample to a uniform; its decile is the bin.
            let u = 1.0 - (-x / mean).exp();
            counts[((u * bins as f64) as usize).min(bins - 1)] += 1;
        }
        let expected = n as f64 / bins as f64;
        let chi2: f64 = counts
            .iter()
            .map(|&c| (c as f64 - expected).powi(2) / expected)
            .sum();
        // 9 degrees of freedom: the 99.9th percentile is 27.88.
        assert!(chi2 < 27.88, "chi2 = {chi2}, counts = {counts:?}");
        let mut s = Streams::for_replication(1, 0).stream(Purpose::Bursts);
        let sample_mean = (0..n).map(|_| s.exponential(mean)).sum::<f64>() / n as f64;
        assert!((sample_mean - mean).abs() < 0.05, "mean {sample_mean}");
    }

    /// Chi-squared fit of the normal sampler on 10 bins with equal probability.
    #[test]
    fn normal_sampler_fits_its_distribution() {
        use statrs::distribution::{ContinuousCDF, Normal};
        let phi = Normal::new(0.0, 1.0).unwrap();
        let mut s = Streams::for_replication(3, 0).stream(Purpose::Outages);
        let n = 100_000;
        let mut counts = [0u64; 10];
        let mut sum = 0.0;
        for _ in 0..n {
            let x = s.normal();
            sum += x;
            counts[((phi.cdf(x) * 10.0) as usize).min(9)] += 1;
        }
        let expected = n as f64 / 10.0;
        let chi2: f64 = counts
            .iter()
            .map(|&c| (c as f64 - expected).powi(2) / expected)
            .sum();
        assert!(chi2 < 27.88, "chi2 = {chi2}");
        assert!((sum / n as f64).abs() < 0.02);
        let mut s = Streams::for_replication(3, 1).stream(Purpose::Outages);
        let mean = (0..n).map(|_| s.lognormal(6.0, 0.5)).sum::<f64>() / n as f64;
        assert!((mean - 6.0).abs() < 0.05, "lognormal mean {mean}");
        assert_eq!(s.lognormal(6.0, 0.0), 6.0);
    }

    #[test]
    fn chance_matches_its_probability() {
        let mut s = Streams::for_replication(2, 0).stream(Purpose::SnapshotFailures);
        let n = 100_000;
        let hits = (0..n).filter(|_| s.chance(0.2)).count() as f64;
        // Binomial sd is sqrt(n p (1-p)) = 126; allow 4 sd.
        assert!((hits - 20_000.0).abs() < 4.0 * 126.5, "hits {hits}");
        assert!(!s.chance(0.0));
        assert!(s.chance(1.0));
    }
}
