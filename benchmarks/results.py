"""Benchmark of the survey results: the cost of a release and of each results page.

Builds the demo (`--scale 50` by default: 300 groups) in a temporary SQLite database with its survey
links still unreleased, then prints the time and peak memory (tracemalloc) of the release run that
releases them all (links shuffled, months decided, figures stored), the time of a second run with
nothing due, and the time of each results page through the test client (best of `--repeat`).
Asserts no timing.

    python benchmarks/results.py [--scale 50] [--repeat 3]
"""
import argparse
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from unittest import mock

# Run as `python benchmarks/results.py` from a checkout without installing the package.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import harness  # noqa: E402
from peergroups import create_app, demo, results  # noqa: E402
from peergroups import db as dbmod  # noqa: E402
from peergroups.db import database  # noqa: E402
from peergroups.models import Group, Meeting, SurveyLink, SurveyRelease, User  # noqa: E402


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
            with mock.patch.object(demo, "release_due", lambda: None):  # release below, timed
                print(demo.build_demo("benchmark-pass-123", scale=args.scale))
            links = SurveyLink.select().where(SurveyLink.closes_at <= results.utcnow()).count()
            tracemalloc.start()
            start = time.perf_counter()
            results.release_due()
            seconds = time.perf_counter() - start
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            print(f"release of {links:,} closed links: {SurveyRelease.select().count():,} aggregates "
                  f"({SurveyRelease.select().where(SurveyRelease.shown).count():,} shown), {seconds * 1000:.0f} ms, "
                  f"peak {peak / 2**20:.1f} MB")
            print(f"release with nothing due: {harness.best_of(args.repeat, results.release_due) * 1000:.0f} ms")
            admin = User.get(User.role == "admin")
            meeting = Meeting.select().join(SurveyLink).where(SurveyLink.survey.is_null(), SurveyLink.released).first()
            group = Group.select().where(Group.periodic_survey.is_null(False)).first()
        client = harness.signed_in_client(app, admin)
        for url in (f"/meetings/{meeting.id}/results", f"/groups/{group.id}/results",
                    f"/groups/{group.id}/results?survey={group.periodic_survey_id}", "/results/"):
            status = client.get(url).status_code
            seconds = harness.best_of(args.repeat, lambda: client.get(url))
            print(f"GET {url}: {status}, {seconds * 1000:.0f} ms")
        database.close()


if __name__ == "__main__":
    main()
