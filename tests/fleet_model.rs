//! The fleet's model pieces against a single-server run: a fleet of one server is that run.

mod common;
use common::with;

use backsim::engine::Streams;
use backsim::model::fleet::{region_outages, work_out_lines, FleetRegion, ServerLines};
use backsim::model::region::RegionSpec;
use backsim::model::{simulate, simulate_in_fleet};

/// Incidents, zone outages without HA, regional outages with geo-restores, other tenants and a
/// surge: everything the shared lines touch.
const BUSY: &str = r#"
name = "busy"
horizon_days = 120
runs = 3
[server]
db_size_gb = 100
provisioned_storage_gb = 250
ha = "same-zone"
[workload]
binlog_gb_per_day = 25
[backup]
retention_days = 7
redundancy = "geo"
[outages]
incidents_per_year = 20
zone_outages_per_year = 8
region_outages_per_year = 12
region_outage_hours = 30
[restore]
slots_per_region = 2
background_restores_per_hour = 0.8
outage_restore_surge = 6
"#;

#[test]
fn a_fleet_of_one_server_is_a_single_server_run() {
    let s = with(BUSY, &[]);
    let c = &s.config;
    let [home, target] = RegionSpec::home_and_target(&c.restore);
    let regions = [
        FleetRegion {
            name: "eastus".into(),
            spec: home,
            outages_per_year: c.outages.region_outages_per_year,
            outage_hours: c.outages.region_outage_hours,
            outage_cv: c.outages.region_outage_cv,
            scripted: Vec::new(),
        },
        FleetRegion {
            name: "westus".into(),
            spec: target,
            outages_per_year: 0.0,
            outage_hours: 1.0,
            outage_cv: 0.0,
            scripted: Vec::new(),
        },
    ];
    let (mut seen_outages, mut seen_geo_restores, mut seen_waits) = (0, 0, 0.0);
    for run in 0..4 {
        let alone = simulate(c, &Streams::for_replication(s.seed, run), None);
        let run_streams = Streams::for_replication(s.seed, run);
        let outages = region_outages(&regions[0], 0, &run_streams, c.horizon);
        let server = simulate_in_fleet(c, &Streams::for_server(s.seed, run, 0, 0), &outages);
        let mut lines = vec![ServerLines {
            home: 0,
            target: 1,
            requests: server.requests,
            recoveries: server.recoveries,
        }];
        work_out_lines(&regions, &run_streams, c.horizon, &mut lines);
        let recoveries = lines.pop().unwrap().recoveries;
        let mut in_fleet = server.outcome.metrics;
        in_fleet.recoveries = recoveries.figures();
        in_fleet.engine = alone.metrics.engine;
        seen_outages += alone.metrics.recoveries.region_outages;
        seen_geo_restores += alone.metrics.recoveries.geo_restores;
        seen_waits += alone.metrics.recoveries.recovery_queue_seconds_mean;
        let (a, f) = (&alone.metrics, &in_fleet);
        assert_eq!(a.backups, f.backups, "run {run}");
        assert_eq!(a.rpo_seconds, f.rpo_seconds, "run {run}");
        assert_eq!(a.geo_rpo_seconds, f.geo_rpo_seconds, "run {run}");
        assert_eq!(a.restore, f.restore, "run {run}");
        assert_eq!(a.recoveries, f.recoveries, "run {run}");
        assert_eq!(a.storage, f.storage, "run {run}");
        assert_eq!(alone.metrics, in_fleet, "run {run}");
        assert_eq!(alone.recoveries, recoveries.into_records(), "run {run}");
    }
    assert!(seen_outages > 0 && seen_geo_restores > 0 && seen_waits > 0.0);
}

/// Watching a run (the event log and hourly samples of `backsim run`'s first replication)
/// changes none of its figures, down to the last bit.
#[test]
fn an_observed_run_has_the_same_figures_as_an_unobserved_one() {
    #[derive(Default)]
    struct Count(usize, usize);
    impl backsim::model::Observer for Count {
        fn event(&mut self, _: backsim::model::EventRecord) {
            self.0 += 1;
        }
        fn sample(&mut self, _: backsim::model::Sample) {
            self.1 += 1;
        }
    }
    let s = with(BUSY, &[]);
    for run in 0..2 {
        let streams = Streams::for_replication(s.seed, run);
        let mut seen = Count::default();
        let watched = simulate(&s.config, &streams, Some(&mut seen));
        let unwatched = simulate(&s.config, &streams, None);
        assert_eq!(seen.1, 120 * 24, "one sample an hour");
        assert!(seen.0 > 100);
        assert_eq!(watched.metrics, unwatched.metrics, "run {run}");
        assert_eq!(watched.recoveries, unwatched.recoveries, "run {run}");
    }
}

/// A region's outages come at its yearly rate: 6 a year over 400 simulated years gives
/// 2,400 ± 2·√2,400 ≈ ±98, and lengths average their mean.
#[test]
fn region_outages_arrive_at_their_rate() {
    let region = FleetRegion {
        name: "eastus".into(),
        spec: RegionSpec::home_and_target(&with(BUSY, &[]).config.restore)[0],
        outages_per_year: 6.0,
        outage_hours: 10.0,
        outage_cv: 0.5,
        scripted: Vec::new(),
    };
    let year = 365 * backsim::engine::DAY;
    let (mut count, mut hours) = (0usize, 0.0);
    for run in 0..400 {
        let streams = Streams::for_replication(11, run);
        let outages = region_outages(&region, 0, &streams, year);
        count += outages.len();
        hours += outages.iter().map(|o| o.1 as f64 / 3600.0).sum::<f64>();
        // Another region draws its own.
        assert_ne!(outages, region_outages(&region, 1, &streams, year));
    }
    assert!((count as f64 - 2400.0).abs() < 2.0 * 98.0, "{count}");
    let mean = hours / count as f64;
    assert!((mean - 10.0).abs() < 0.4, "{mean}");
}
