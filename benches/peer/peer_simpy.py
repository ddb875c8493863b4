#!/usr/bin/env python3
"""A SimPy model of the backup process backsim simulates, as a Python user would write it: the
yardstick for backsim's speed (see compare.py). Same workload as peer.toml.

One server: a snapshot when the server is created and then every day (failing with probability
FAIL and retried every 20 minutes until one succeeds); a log backup every 5 minutes uploading the
binlog written since the last one, at a rate that is constant within an hour (25 GB/day on
average, half of it at night 20:00-08:00, 1.5x by day); backups kept retention + 1 days, and the
newest snapshot before the recovery window kept with everything after it. Storage: the oldest kept
snapshot at full size, later ones at their changed data, plus the kept logs.

usage: peer_simpy.py RUNS HORIZON_DAYS [--fail P] [--flat]
(--fail 0 --flat: no failures and a constant load, the case whose figures can be checked by hand)
prints one JSON line with the figures and the server-years simulated per second.
"""
import argparse
import json
import random
import time
from collections import deque

import simpy

DAY = 86400.0
HOUR = 3600.0
DB_GB = 100.0
BINLOG_GB_PER_DAY = 25.0
RETENTION_DAYS = 7
RETRY_S = 1200.0
LOG_EVERY_S = 300.0
FREE_GB = 250.0


class Server:
    def __init__(self, env, rng, fail, flat):
        self.env = env
        self.rng = rng
        self.fail = fail
        self.flat = flat
        self.rate = 0.0          # GB per second now
        self.written_at = 0.0    # binlog accounted up to here
        self.unsent = 0.0        # binlog not yet in a log backup
        self.changed = 0.0       # binlog since the last snapshot
        self.logs = deque()      # (time, GB)
        self.logs_gb = 0.0
        self.snaps = []          # [time, full GB, changed GB]
        self.later_snaps_gb = 0.0
        self.level_at = 0.0
        self.gb_seconds = 0.0
        self.billable_gb_seconds = 0.0
        self.peak = 0.0
        self.taken = 0
        self.failed = 0

    def write(self):
        now = self.env.now
        gb = self.rate * (now - self.written_at)
        self.unsent += gb
        self.changed += gb
        self.written_at = now

    def level(self):
        base = self.snaps[0][1] + self.later_snaps_gb if self.snaps else 0.0
        return base + self.logs_gb

    def integrate(self):
        now = self.env.now
        level = self.level()
        dt = now - self.level_at
        self.gb_seconds += level * dt
        self.billable_gb_seconds += max(0.0, level - FREE_GB) * dt
        self.peak = max(self.peak, level)
        self.level_at = now

    def prune(self):
        now = self.env.now
        too_old = now - (RETENTION_DAYS + 1) * DAY
        window_start = now - RETENTION_DAYS * DAY
        while self.logs and self.logs[0][0] < too_old:
            self.logs_gb -= self.logs.popleft()[1]
        while len(self.snaps) > 1 and self.snaps[1][0] < min(window_start, too_old):
            self.snaps.pop(0)
            self.later_snaps_gb -= self.snaps[0][2]

    def load(self):
        while True:
            hour = int(self.env.now // HOUR) % 24
            self.write()
            factor = 1.0 if self.flat else (1.5 if 8 <= hour < 20 else 0.5)
            self.rate = BINLOG_GB_PER_DAY / DAY * factor
            yield self.env.timeout(HOUR)

    def log_backups(self):
        while True:
            yield self.env.timeout(LOG_EVERY_S)
            self.write()
            self.integrate()
            self.logs.append((self.env.now, self.unsent))
            self.logs_gb += self.unsent
            self.unsent = 0.0
            self.prune()

    def snapshots(self):
        while True:
            self.write()
            self.integrate()
            if self.rng.random() < self.fail:
                self.failed += 1
                yield self.env.timeout(RETRY_S)
                continue
            changed = DB_GB if not self.snaps else self.changed
            if self.snaps:
                self.later_snaps_gb += changed
            self.snaps.append([self.env.now, DB_GB, changed])
            self.changed = 0.0
            self.taken += 1
            self.prune()
            yield self.env.timeout(DAY)


def run(seed, horizon_days, fail, flat):
    env = simpy.Environment()
    server = Server(env, random.Random(seed), fail, flat)
    for process in (server.load(), server.log_backups(), server.snapshots()):
        env.process(process)
    env.run(until=horizon_days * DAY)
    server.write()
    server.integrate()
    seconds = horizon_days * DAY
    return {
        "mean_storage_gb": server.gb_seconds / seconds,
        "peak_storage_gb": server.peak,
        "billable_gb_month": server.billable_gb_seconds / seconds,
        "snapshots": server.taken,
        "snapshot_failures": server.failed,
    }


def main():
    args = argparse.ArgumentParser()
    args.add_argument("runs", type=int)
    args.add_argument("horizon_days", type=float)
    args.add_argument("--fail", type=float, default=0.05)
    args.add_argument("--flat", action="store_true")
    a = args.parse_args()
    runs, horizon_days = a.runs, a.horizon_days
    started = time.perf_counter()
    results = [run(1000 + i, horizon_days, a.fail, a.flat) for i in range(runs)]
    elapsed = time.perf_counter() - started
    out = {k: sum(r[k] for r in results) / runs for k in results[0]}
    out["elapsed_s"] = elapsed
    out["server_years_per_s"] = runs * horizon_days / 365.0 / elapsed
    print(json.dumps(out))


if __name__ == "__main__":
    main()
