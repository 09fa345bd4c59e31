"""What running it costs: /healthz per probe (its first probe runs SQLite's quick_check, the next
ones do not), and the time of a checked backup, a restore and an export of the demo database.

Builds the demo (`--scale 1` by default; `--scale 50` is 300 groups) in a temporary SQLite
database, then calls the app in-process (no network) and its commands. Prints figures; asserts
nothing about time.

    python benchmarks/ops.py [--scale 50] [--probes 500]
"""
import argparse
import statistics
import time

from harness import build, percentile  # also puts the checkout on sys.path

from peergroups.db import database


def timed(action):
    began = time.perf_counter()
    result = action()
    return (time.perf_counter() - began) * 1000, result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=1)
    parser.add_argument("--probes", type=int, default=500)
    args = parser.parse_args()
    app, instance, _group = build(args.scale)
    live = instance / "bench.sqlite3"
    client = app.test_client()

    first, response = timed(lambda: client.get("/healthz"))
    assert response.status_code == 200, response.get_json()
    probes = []
    for _ in range(args.probes):
        ms, response = timed(lambda: client.get("/healthz"))
        probes.append(ms)
    size_mb = live.stat().st_size / 1e6
    print(f"database: {size_mb:.1f} MB")
    print(f"/healthz first probe (with PRAGMA quick_check): {first:.1f} ms")
    print(f"/healthz next {args.probes} probes: p50 {statistics.median(probes):.2f} ms, "
          f"p95 {percentile(probes, 0.95):.2f} ms, p99 {percentile(probes, 0.99):.2f} ms")
    database.close()

    runner = app.test_cli_runner()
    backup = instance / "copy.sqlite3"
    ms, result = timed(lambda: runner.invoke(args=["backup", str(backup)]))
    assert result.exit_code == 0, result.output
    print(f"flask backup (online copy + integrity_check + rename): {ms:.0f} ms for {size_mb:.1f} MB")
    database.close()
    app.extensions.pop("peergroups_in_use").close()  # this process stops "serving", so restore may run
    ms, result = timed(lambda: runner.invoke(args=["restore", "--yes", str(backup)]))
    assert result.exit_code == 0, result.output
    print(f"flask restore (checks, copy aside, write back): {ms:.0f} ms")
    database.close()
    ms, result = timed(lambda: runner.invoke(args=["export", str(instance)]))
    assert result.exit_code == 0, result.output
    (zipped,) = instance.glob("peergroups-export-*.zip")
    print(f"flask export (ZIP of CSV): {ms:.0f} ms, {zipped.stat().st_size / 1e3:.0f} KB")
    database.close()


if __name__ == "__main__":
    main()
