//! Criterion benchmarks: the engine's raw event rate, one simulated server-year (the SimPy
//! peer's workload and the bundled default), a Monte Carlo batch on one and two threads (the
//! parallel figure), and a year of a 1,000-server fleet.
//! Figures go in the README; nothing here asserts a time.

use std::hint::black_box;

use backsim::engine::{EventQueue, Streams};
use backsim::error::Origin;
use backsim::fleet::simulate_run;
use backsim::model::simulate;
use backsim::montecarlo::run_replications;
use backsim::scenario::fleet::load_fleet;
use backsim::scenario::{parse, Override, Scenario};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

/// The SimPy peer's model, the file `benches/peer/compare.py` runs: 100 GB, 25 GB/day with a
/// day/night swing, 7-day retention, 5% snapshot failures, 250 GB provisioned.
const PEER_EQUIVALENT: &str = include_str!("peer/peer.toml");

fn scenario() -> Scenario {
    parse(PEER_EQUIVALENT, Origin::Argument("bench".into()), &[]).expect("valid")
}

fn event_queue(c: &mut Criterion) {
    let mut group = c.benchmark_group("engine");
    let n = 100_000u64;
    group.throughput(Throughput::Elements(n));
    group.bench_function("queue_schedule_pop_100k", |b| {
        b.iter(|| {
            let mut q = EventQueue::new();
            let mut t = 0i64;
            // A steady state of ~64 pending events, as a busy run would hold.
            for i in 0..64 {
                q.schedule(i * 37, i);
            }
            for i in 0..n as i64 {
                let (time, _) = q.pop().expect("non-empty");
                t = time;
                q.schedule(time + (i * 7919) % 5000 + 1, i);
            }
            black_box(t)
        })
    });
    group.finish();
}

/// One server-year of the bundled default scenario (its 90 days stretched to a year).
fn default_server_year(c: &mut Criterion) {
    let text = std::fs::read_to_string("scenarios/default.toml").expect("bundled default");
    let year = [Override {
        key: "horizon_days".into(),
        value: "365".into(),
    }];
    let s = parse(&text, Origin::Argument("bench".into()), &year).expect("valid");
    let mut group = c.benchmark_group("model");
    group.bench_function("default_server_year", |b| {
        let mut rep = 0;
        b.iter(|| {
            rep += 1;
            black_box(simulate(
                &s.config,
                &Streams::for_replication(42, rep),
                None,
            ))
        })
    });
    group.finish();
}

/// One run of a 1,000-server fleet over a year: the 400-server example scaled by 2.5 (625
/// small, 250 medium, 125 large), the East US outage included.
fn fleet_year(c: &mut Criterion) {
    let text = std::fs::read_to_string("scenarios/fleet-400.toml")
        .expect("bundled fleet")
        .replace("count = 250", "count = 625")
        .replace("count = 100", "count = 250")
        .replace("count = 50\n", "count = 125\n")
        .replace("horizon_days = 90", "horizon_days = 365");
    let dir = std::env::temp_dir().join(format!("backsim-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp folder");
    let path = dir.join("fleet-1000.toml");
    std::fs::write(&path, text).expect("temp file");
    let fleet = load_fleet(&path, &[]).expect("valid fleet");
    assert_eq!(fleet.servers(), 1000);
    let mut group = c.benchmark_group("fleet");
    group.sample_size(10);
    group.throughput(Throughput::Elements(1000));
    group.bench_function("1000_server_year", |b| {
        let mut run = 0;
        b.iter(|| {
            run += 1;
            black_box(simulate_run(&fleet, run))
        })
    });
    group.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

fn server_year(c: &mut Criterion) {
    let s = scenario();
    let events = simulate(&s.config, &Streams::for_replication(1, 0), None)
        .metrics
        .engine
        .events;
    let mut group = c.benchmark_group("model");
    group.throughput(Throughput::Elements(events));
    group.bench_function("one_server_year", |b| {
        let mut rep = 0;
        b.iter(|| {
            rep += 1;
            black_box(simulate(&s.config, &Streams::for_replication(1, rep), None))
        })
    });
    group.finish();
}

fn monte_carlo(c: &mut Criterion) {
    let s = scenario();
    let mut group = c.benchmark_group("montecarlo");
    group.sample_size(10);
    group.throughput(Throughput::Elements(64));
    for threads in [1usize, 2] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("pool");
        group.bench_function(format!("64_server_years_{threads}_threads"), |b| {
            b.iter(|| pool.install(|| black_box(run_replications(&s.config, 1, 64, None, &|| {}))))
        });
    }
    group.finish();
    // The batch a planner runs: 1,000 server-years on every core.
    let mut group = c.benchmark_group("montecarlo_1000");
    group.sample_size(10);
    group.throughput(Throughput::Elements(1000));
    group.bench_function("1000_server_years_all_threads", |b| {
        b.iter(|| black_box(run_replications(&s.config, 1, 1000, None, &|| {})))
    });
    group.finish();
}

criterion_group!(
    benches,
    event_queue,
    server_year,
    default_server_year,
    monte_carlo,
    fleet_year
);
criterion_main!(benches);
