//! The commented scenario that `backsim init` writes. A test keeps it valid.

pub const TEMPLATE: &str = r#"# A backsim scenario. Every key below shows its default; delete what you do not need.
# Only `name` is required. Durations are strings ("300s", "5m", "1h", "7d"); sizes are GB.

name = "my-server"          # names the output folder: output/<name>/
seed = 42                   # same scenario + seed = byte-identical outputs
start = "2026-01-05T00:00:00Z"  # wall clock of t = 0 (RFC 3339); profiles follow its offset
horizon_days = 30           # how long to simulate
# warmup_days = "8d"        # storage and cost headlines are measured after this: by default
                            # once the backup set is full (retention + 1 days); "0d" = from
                            # the start. The bill per calendar month (bill.csv) covers all.
runs = 20                   # Monte Carlo replications

[server]
mysql_version = "8.0"       # "5.7" | "8.0"; on 5.7 long transactions block snapshots (B5)
provisioned_storage_gb = 250  # also the free backup allowance while the server runs (S4)
db_size_gb = 100            # size of a full snapshot
db_growth_gb_per_day = 0.0
ha = "none"                 # "none" | "same-zone" | "zone-redundant"
vcores = 4
tables_without_pk_pct = 0   # share of tables without a primary key (slows log replay)
region = "eastus"

[workload]
binlog_gb_per_day = 25.0    # mean binlog volume per day; log backups upload exactly this
# Shape of the load: multipliers per hour (00:00 first) and per day (Monday first). Each list
# is rescaled to mean 1, so it shapes the load without changing binlog_gb_per_day.
diurnal = [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0,
           1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]
weekly = [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]
bursts_per_day = 0.0        # random write bursts (Poisson arrivals)
burst_multiplier = 3.0      # load multiplier during a burst
burst_hours = 1.0
long_txn_per_day = 0.0      # long-running transactions (Poisson arrivals)
long_txn_minutes = 30.0

[backup]
retention_days = 7          # 1..35 (S1); backups are kept retention + 1 days (S2)
# redundancy: "local" | "zone" | "geo". Default "local", or "zone" with zone-redundant HA.
# "zone" needs ha = "zone-redundant" (D2). Geo counts every GB twice (S5).
redundancy = "local"
log_backup_interval = "5m"  # documented: every five minutes (B2)
retry_interval = "20m"      # documented: a failed snapshot is retried every 20 minutes (B3)
snapshot_failure_pct = 2.0  # assumption: chance a snapshot attempt fails at load multiplier 1
failure_load_exponent = 2.0 # assumption: the chance grows as load^exponent (heavier load fails more)
log_backup_failure_pct = 0.0  # chance a log backup fails (its binlog waits for the next one)
extra_snapshot_binlog_gb = 100.0  # B4, assumption: an extra snapshot once this much binlog
                            # has piled up since the last one (the service takes several a day
                            # under heavy writes without saying when); 0 = never
snapshot_change_ratio = 0.5 # assumption: GB of changed pages per GB of binlog (row images
                            # carry before and after values, so about half is new data)
snapshot_duration = "10s"   # documented: "only takes a few seconds"
geo_replication_lag_minutes = 15.0  # D3: mean delay before a backup reaches the paired region
                                    # (exponential, capped at the documented hour)
on_demand = []              # times of on-demand backups: RFC 3339 or offsets such as "10d" (B6)
on_demand_limit = 50        # documented: at most 50 on-demand backups

[outages]
region_outages_per_year = 0.0  # O1: the primary region goes down
region_outage_hours = 6.0      # mean length of a regional outage
region_outage_cv = 0.5         # spread of that length (lognormal; 0 = always the mean)
zone_outages_per_year = 0.0 # O2: with zone-redundant HA a failover, else a restore to the latest point
zone_outage_hours = 2.0
incidents_per_year = 0.0    # O3: bad writes / dropped tables, each restored to just before it

[restore]
# Restore time = provisioning + hydrating the base snapshot + replaying the binlog from it to the
# target (+ cross-region copy for a geo-restore) + waiting for a slot (R3). The service documents
# the factors but not their sizes, so these defaults are stated assumptions, calibrated so that
# with the defaults (100 GB, 4 vCores, 25 GB/day) the fastest point is about 90% quicker than a
# restore to just before the next snapshot, as the documentation says ("up to 90%").
provision_minutes = 5.0               # assumption: creating the new server
hydrate_gb_per_hour_per_vcore = 100.0 # assumption: 100 GB on 4 vCores hydrates in 15 minutes
replay_gb_per_hour_per_vcore = 2.0    # assumption: replay is the slow part (documented)
no_pk_replay_slowdown = 10.0          # assumption: row events on tables without a primary key
                                      # replay this many times slower (documented: slower)
cross_region_gb_per_hour = 500.0      # assumption: copy to another region (geo-restore)
slots_per_region = 8                  # assumption: restores that run at once in a region
background_restores_per_hour = 0.5    # assumption: other tenants' restores in the region
background_restore_minutes = 45.0
outage_restore_surge = 20.0           # assumption: everyone restores during an outage
detection_minutes = 30.0              # from an incident (O3) to the restore request
unsafe_sessions_per_day = 0.0         # R7: sessions writing FK-violating rows with checks off
failover_seconds = 120.0              # assumption: zone-redundant HA failover downtime
# geo_restore_region = "westus"       # R4: default the paired region; any other region works
                                      # (universal geo-restore) except Brazil South, USGov
                                      # Virginia and West US 3

[durability]
# D1: the annual chance of losing every copy of a backup, from this failure model, solved as a
# Markov chain (not sampled). The documentation promises at least 11 / 12 / 16 nines for local /
# zone / geo; these stated assumptions land just above those floors. Change them to see what
# the nines depend on.
copies = 3                            # copies per region (distinct racks, or one per zone)
device_afr_pct = 2.0                  # annual failure rate of a device holding a copy
rack_afr_pct = 0.5                    # rack events, each taking one copy
repair_hours = 1.0                    # re-replicating a lost copy
datacenter_loss_per_year = 5e-12      # a datacenter destroyed (all local copies, one zone's)
zone_rebuild_hours = 72.0             # rebuilding a zone's copy elsewhere
region_loss_per_year = 1e-13          # a whole region destroyed
geo_reseed_hours = 168.0              # re-seeding a region's copies from its pair
region_pair_loss_per_year = 5e-17     # both paired regions destroyed together

[cost]
currency = "USD"
price_per_gb_month = 0.095  # EXAMPLE price for backup storage above the free allowance; use yours

# Scripted events at RFC 3339 times or offsets from the start:
# [[events]]
# at = "10d"
# action = "stop"           # "stop" | "start" | "delete" (B7, R5) | "enable-geo" (local → geo,
#                           # D2) | "region-outage" (O1, with hours = 6)

# A grid for `backsim sweep`: dotted key = list of values.
[sweep]
# "backup.retention_days" = [7, 14, 35]
"#;
