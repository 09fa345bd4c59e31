"""Benchmark of the survey results: one linked suppression per survey over the whole organization.

Builds the demo (`--scale 10` by default: 60 groups) in a temporary SQLite database and, for our
built-in survey and the demo's monthly check-in, prints how many figures the release holds, how
many it hides, the time to count and suppress them (best of `--repeat`) and the peak memory
(tracemalloc), then the time of each results page through the test client. Asserts no timing.

    python benchmarks/results.py [--scale 10] [--repeat 3]
"""
import argparse
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

# Run as `python benchmarks/results.py` from a checkout without installing the package.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from peergroups import create_app, results, surveys  # noqa: E402
from peergroups import db as dbmod  # noqa: E402
from peergroups.db import database  # noqa: E402
from peergroups.demo import build_demo  # noqa: E402
from peergroups.models import Group, Meeting, Survey, SurveyLink, User  # noqa: E402


def best_of(repeat, run):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3", "INSTANCE_PATH": f"{tmp}/instance",
                          "SECRET_KEY": "benchmark"})
        with app.test_request_context():  # our survey's name is translated
            database.connect(reuse_if_open=True)
            dbmod.upgrade()
            print(build_demo("benchmark-pass-123", scale=args.scale))
            k = 5
            for survey_id in (None, Survey.select().first().id):
                definition = surveys.questionnaire(survey_id)
                seconds = best_of(args.repeat, lambda: results.release(definition, survey_id, k))
                tracemalloc.start()
                release = results.release(definition, survey_id, k)
                peak = tracemalloc.get_traced_memory()[1]
                tracemalloc.stop()
                print(f"{definition.name}: {len(release.values):,} figures, {len(release.hidden):,} hidden, "
                      f"{seconds * 1000:.0f} ms, peak {peak / 2**20:.1f} MB")
            admin = User.get(User.role == "admin")
            meeting = Meeting.select().join(SurveyLink).where(SurveyLink.survey.is_null()).first()
            group = Group.select().where(Group.periodic_survey.is_null(False)).first()
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"], session["_fresh"] = admin.get_id(), True
            session["signed_in"] = session["seen"] = int(time.time())
        for url in (f"/meetings/{meeting.id}/results", f"/groups/{group.id}/results",
                    f"/groups/{group.id}/results?survey={group.periodic_survey_id}", "/results/"):
            status = client.get(url).status_code
            seconds = best_of(args.repeat, lambda: client.get(url))
            print(f"GET {url}: {status}, {seconds * 1000:.0f} ms")
        database.close()


if __name__ == "__main__":
    main()
