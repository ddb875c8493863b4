//! Replications of one scenario, in parallel on rayon. Replication i always draws from the streams
//! of (seed, i) and results come back in index order, so the outcome is the same bits whatever
//! the number of threads.

use rayon::prelude::*;

use crate::engine::Streams;
use crate::model::{simulate, Config, Observer, RunOutcome};

/// Run `runs` replications; replication 0 reports to `observer` (the event log and hourly
/// samples). `on_done` is called after each replication (for a progress bar).
pub fn run_replications(
    config: &Config,
    seed: u64,
    runs: u32,
    observer: Option<&mut (dyn Observer + Send)>,
    on_done: &(dyn Fn() + Sync),
) -> Vec<RunOutcome> {
    let one = |i: u64, obs: Option<&mut dyn Observer>| {
        let outcome = simulate(config, &Streams::for_replication(seed, i), obs);
        on_done();
        outcome
    };
    let (first, rest) = rayon::join(
        || one(0, observer.map(|o| o as &mut dyn Observer)),
        || {
            (1..runs as u64)
                .into_par_iter()
                .map(|i| one(i, None))
                .collect::<Vec<_>>()
        },
    );
    let mut all = Vec::with_capacity(runs as usize);
    all.push(first);
    all.extend(rest);
    all
}
