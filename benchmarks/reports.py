"""Benchmark of the reports: each report page, printable report and CSV file at demo scale.

Builds the demo (`--scale 50` by default: 300 groups) in a temporary SQLite database and prints the
time of each URL through the test client (best of `--repeat`; also the process's CPU time, which
a busy machine disturbs less: SQLite runs in the process), for an admin (the organization, and
one group) and for a facilitator (their groups). Aim: every page under 50 ms alone. Asserts nothing.

    python benchmarks/reports.py [--scale 50] [--repeat 3]
"""
import argparse
import sys
import tempfile
import time
from pathlib import Path

# Run as `python benchmarks/reports.py` from a checkout without installing the package.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from peergroups import create_app, demo  # noqa: E402
from peergroups import db as dbmod  # noqa: E402
from peergroups.db import database  # noqa: E402
from peergroups.models import Attendance, Group, GroupFacilitator, User  # noqa: E402


def best_of(repeat, run, clock=time.perf_counter):
    times = []
    for _ in range(repeat):
        start = clock()
        run()
        times.append(clock() - start)
    return min(times)


def signed_in(app, user):
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"], session["_fresh"] = user.get_id(), True
        session["signed_in"] = session["seen"] = int(time.time())
    return client


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3", "INSTANCE_PATH": f"{tmp}/instance",
                          "SECRET_KEY": "benchmark"})
        with app.test_request_context():  # our survey's name is translated
            database.connect(reuse_if_open=True)
            dbmod.upgrade()
            began = time.perf_counter()
            print(demo.build_demo("benchmark-pass-123", scale=args.scale))
            print(f"built in {time.perf_counter() - began:.1f} s: {Group.select().count():,} groups, "
                  f"{Attendance.select().count():,} marks")
            admin = User.get(User.role == "admin")
            facilitator = User.get(User.email == demo.FACILITATOR)
            group_id = GroupFacilitator.select().where(GroupFacilitator.user == facilitator.id).first().group_id
        for who, user, urls in [
                ("admin", admin, ["/reports/", "/reports/?period=this-quarter", "/reports/?period=year",
                                  f"/reports/?group={group_id}", "/reports/print",
                                  "/reports/table.csv?table=attendance-groups", "/reports/table.csv?table=retention"]),
                ("facilitator", facilitator, ["/reports/", "/reports/print", "/reports/table.csv?table=people-groups"])]:
            client = signed_in(app, user)
            for url in urls:
                response = client.get(url)
                seconds = best_of(args.repeat, lambda: client.get(url))
                cpu = best_of(args.repeat, lambda: client.get(url), time.process_time)
                print(f"{who:12} GET {url}: {response.status_code}, {len(response.data) / 1024:.0f} KB, "
                      f"{seconds * 1000:.0f} ms ({cpu * 1000:.0f} ms CPU)")
        database.close()


if __name__ == "__main__":
    main()
