#!/usr/bin/env python3
"""Peak resident memory of this tree's backsim against an older revision's, on the same
machine, same command, runs alternating: a ten-year run of the bundled default at 35-day
retention, 8 replications with charts. Memory measured on another day or machine is not
comparable (the C library, the kernel and the page cache all move it by a megabyte), so the
baseline is rebuilt here from git.

usage: cargo build --release && python3 benches/memory.py [REVISION] [REPEAT]
The revision defaults to 08e78a7 (version 0.1's memory figure); it is built once into
target/memory-baseline/. Needs GNU time (/usr/bin/time).
"""
import os
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
CURRENT = os.path.join(ROOT, "target", "release", "backsim")
ARGS = ["--set", "backup.retention_days=35", "--set", "server.provisioned_storage_gb=4096",
        "--set", "horizon_days=3650", "--runs", "8"]


def baseline(revision):
    """The older revision's release binary, built once in its own worktree and target."""
    home = os.path.join(ROOT, "target", "memory-baseline")
    tree = os.path.join(home, revision)
    binary = os.path.join(home, "target", "release", "backsim")
    stamp = os.path.join(home, "built-from")
    if os.path.exists(stamp) and open(stamp).read() == revision and os.path.exists(binary):
        return binary
    if not os.path.exists(tree):
        subprocess.run(["git", "-C", ROOT, "worktree", "add", "--detach", tree, revision],
                       check=True)
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=tree, check=True,
                   env=dict(os.environ, CARGO_TARGET_DIR=os.path.join(home, "target")))
    with open(stamp, "w") as f:
        f.write(revision)
    return binary


def peak_kb(binary, out):
    """Peak resident set of one whole process, in KB, as GNU time reports it. (A child's own
    ru_maxrss would start from this Python process's size: Linux keeps the high-water mark
    across fork and exec.)"""
    scenario = os.path.join(ROOT, "scenarios", "default.toml")
    report = os.path.join(out + ".time")
    subprocess.run(["/usr/bin/time", "-f", "%M", "-o", report, binary, "run", scenario, *ARGS,
                    "--out", out], check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    return int(open(report).read().split()[-1])


def main():
    revision = sys.argv[1] if len(sys.argv) > 1 else "08e78a7"
    repeat = int(sys.argv[2]) if len(sys.argv) > 2 else 7
    if not os.path.exists(CURRENT):
        sys.exit("build it first: cargo build --release")
    old = baseline(revision)
    out = tempfile.mkdtemp()
    peaks = {"old": [], "new": []}
    for _ in range(repeat):
        peaks["old"].append(peak_kb(old, os.path.join(out, "old")))
        peaks["new"].append(peak_kb(CURRENT, os.path.join(out, "new")))
    old_mb = statistics.median(peaks["old"]) / 1024
    new_mb = statistics.median(peaks["new"]) / 1024
    print(f"peak resident, median of {repeat} (backsim run scenarios/default.toml {' '.join(ARGS)})")
    print(f"  {revision}: {old_mb:.1f} MB  {sorted(peaks['old'])}")
    print(f"  this tree: {new_mb:.1f} MB  {sorted(peaks['new'])}")
    print(f"  ratio: {new_mb / old_mb:.3f}")


if __name__ == "__main__":
    main()
