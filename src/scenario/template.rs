//! The commented scenario that `backsim init` writes. A test keeps it valid.

pub const TEMPLATE: &str = r#"# A backsim scenario. Every key below shows its default; delete what you do not need.
# Only `name` is required. Durations are strings ("300s", "5m", "1h", "7d"); sizes are GB.

name = "my-server"          # names the output folder: output/<name>/
seed = 42                   # same scenario + seed = byte-identical outputs
start = "2026-01-05T00:00:00Z"  # wall clock of t = 0 (RFC 3339); profiles follow its offset
horizon_days = 30           # how long to simulate
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
extra_snapshot_binlog_gb = 0.0  # B4: extra snapshot once this much binlog piles up; 0 = never
snapshot_change_ratio = 0.5 # assumption: GB of changed pages per GB of binlog (row images
                            # carry before and after values, so about half is new data)
snapshot_duration = "10s"   # documented: "only takes a few seconds"
on_demand = []              # times of on-demand backups: RFC 3339 or offsets such as "10d" (B6)
on_demand_limit = 50        # documented: at most 50 on-demand backups

[outages]
region_outages_per_year = 0.0
region_outage_hours = 6.0
zone_outages_per_year = 0.0
incidents_per_year = 0.0

[cost]
currency = "USD"
price_per_gb_month = 0.095  # EXAMPLE price for backup storage above the free allowance; use yours

# Server actions at RFC 3339 times or offsets from the start (B7, R5):
# [[events]]
# at = "10d"
# action = "stop"           # "stop" | "start" | "delete"

# A grid for `backsim sweep`: dotted key = list of values.
[sweep]
# "backup.retention_days" = [7, 14, 35]
"#;
