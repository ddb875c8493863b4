//! Statistics over simulated histories: the exact sawtooth distribution of the data-loss window
//! and means with Student-t confidence intervals across replications; least squares for fitting
//! a scenario to measurements.

mod ci;
pub mod durability;
mod histogram;
pub mod lsq;
mod sawtooth;

pub use ci::{mean_ci95, rule_of_three, Estimate};
pub use histogram::LogHistogram;
pub use sawtooth::{Quantiles, Sawtooth};

/// The nearest-rank `q` quantile of `sorted` (ascending, not empty): its ⌈q·n⌉-th value, the
/// first at least. For the few values of recoveries and outages, where every value is kept.
pub fn nearest_rank<T>(sorted: &[T], q: f64) -> &T {
    &sorted[nearest_rank_index(sorted.len(), q)]
}

/// The index `nearest_rank` takes among `n` sorted values (n > 0).
pub fn nearest_rank_index(n: usize, q: f64) -> usize {
    ((q * n as f64).ceil() as usize).clamp(1, n) - 1
}
