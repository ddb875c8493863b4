//! The simulation engine: integer time, an event queue with a stable tie-break, and the
//! random streams. It knows nothing about MySQL or backups.

mod queue;
mod streams;

pub use queue::EventQueue;
pub use streams::{Purpose, Stream, Streams};

/// Simulated time in whole seconds since the scenario's start. Integers keep event order and
/// the sawtooth sums exact; a 100-year horizon is far inside `i64`.
pub type SimTime = i64;

pub const MINUTE: SimTime = 60;
pub const HOUR: SimTime = 3_600;
pub const DAY: SimTime = 86_400;
