"""Benchmark of the reports: each report page, printable report and CSV file at demo scale.

Builds the demo (`--scale 50` by default: 300 groups) in a temporary SQLite database and prints the
time of each URL through the test client (best of `--repeat`; also the process's CPU time, which
a busy machine disturbs less: SQLite runs in the process), for an admin (the organization, and
one group) and for a facilitator (their groups). Aim: every page under 50 ms alone. Asserts nothing.

    python benchmarks/reports.py [--scale 50] [--repeat 3]
"""
import argparse
import sys
import time
from pathlib import Path

# Run as `python benchmarks/reports.py` from a checkout without installing the package.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import harness  # noqa: E402
from peergroups import demo  # noqa: E402
from peergroups.db import database  # noqa: E402
from peergroups.models import Attendance, Group, User  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    app, _instance, group_id = harness.build(args.scale)
    with app.app_context(), database.connection_context():
        print(f"{Group.select().count():,} groups, {Attendance.select().count():,} marks")
        admin = User.get(User.role == "admin")
        facilitator = User.get(User.email == demo.FACILITATOR)
    for who, user, urls in [
            ("admin", admin, ["/reports/", "/reports/?period=this-quarter", "/reports/?period=year",
                              f"/reports/?group={group_id}", "/reports/print",
                              "/reports/table.csv?table=attendance-groups", "/reports/table.csv?table=retention"]),
            ("facilitator", facilitator, ["/reports/", "/reports/print", "/reports/table.csv?table=people-groups"])]:
        client = harness.signed_in_client(app, user)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)  # a redirect would time nothing
            seconds = harness.best_of(args.repeat, lambda: client.get(url))
            cpu = harness.best_of(args.repeat, lambda: client.get(url), time.process_time)
            print(f"{who:12} GET {url}: {response.status_code}, {len(response.data) / 1024:.0f} KB, "
                  f"{seconds * 1000:.0f} ms ({cpu * 1000:.0f} ms CPU)")


if __name__ == "__main__":
    main()
