//! Criterion benchmarks: the engine's raw event rate, one simulated server-year, and a
//! Monte Carlo batch on all cores (its speed-up over one thread is the parallel figure).
//! Figures go in the README; nothing here asserts a time.

use std::hint::black_box;

use backsim::engine::{EventQueue, Streams};
use backsim::error::Origin;
use backsim::model::simulate;
use backsim::montecarlo::run_replications;
use backsim::scenario::{parse, Scenario};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

/// The SimPy peer's model: 100 GB, 25 GB/day with a day/night swing, 7-day retention,
/// 5% snapshot failures, 250 GB provisioned.
const PEER_EQUIVALENT: &str = r#"
name = "bench"
horizon_days = 365
[server]
db_size_gb = 100
provisioned_storage_gb = 250
[workload]
binlog_gb_per_day = 25
diurnal = [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 1.5, 1.5, 1.5, 1.5,
           1.5, 1.5, 1.5, 1.5, 1.5, 1.5, 1.5, 1.5, 0.5, 0.5, 0.5, 0.5]
[backup]
retention_days = 7
snapshot_failure_pct = 5
failure_load_exponent = 0
"#;

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

criterion_group!(benches, event_queue, server_year, monte_carlo);
criterion_main!(benches);
