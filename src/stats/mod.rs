//! Statistics over simulated histories: the exact sawtooth distribution of the data-loss window
//! and means with Student-t confidence intervals across replications; least squares for fitting
//! a scenario to measurements.

mod ci;
pub mod durability;
mod histogram;
pub mod lsq;
mod sawtooth;

pub use ci::{mean_ci95, Estimate};
pub use histogram::LogHistogram;
pub use sawtooth::{Quantiles, Sawtooth};
