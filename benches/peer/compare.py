#!/usr/bin/env python3
"""backsim against the SimPy peer, whole process against whole process, on the same workload
(peer.toml and peer_simpy.py: one year of 5-minute log backups and daily snapshots with 5%
failures and a day/night load). Each command runs REPEAT times, alternating; the median time of
each gives server-years per second, and their ratio is the speed-up.

usage: cargo build --release && python3 benches/peer/compare.py [REPEAT]
needs: pip install simpy
"""
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
BACKSIM = os.path.join(ROOT, "target", "release", "backsim")
BACKSIM_RUNS = 200
PEER_RUNS = 4


def timed(command):
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def main():
    repeat = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    if not os.path.exists(BACKSIM):
        sys.exit("build it first: cargo build --release")
    out = tempfile.mkdtemp()
    peer = [sys.executable, os.path.join(HERE, "peer_simpy.py"), str(PEER_RUNS), "365"]
    ours = {
        threads: [BACKSIM, "run", os.path.join(HERE, "peer.toml"), "--runs", str(BACKSIM_RUNS),
                  "--threads", str(threads), "--no-charts", "--out", os.path.join(out, str(threads))]
        for threads in (1, 2)
    }
    times = {"peer": [], 1: [], 2: []}
    for _ in range(repeat):
        times["peer"].append(timed(peer))
        for threads, command in ours.items():
            times[threads].append(timed(command))
    peer_rate = PEER_RUNS / statistics.median(times["peer"])
    report = {"cores": os.cpu_count(), "repeat": repeat,
              "peer_server_years_per_s": round(peer_rate, 2)}
    for threads in (1, 2):
        rate = BACKSIM_RUNS / statistics.median(times[threads])
        report[f"backsim_{threads}_thread_server_years_per_s"] = round(rate, 1)
        report[f"speedup_{threads}_thread"] = round(rate / peer_rate)
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
