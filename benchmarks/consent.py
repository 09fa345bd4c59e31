"""What the consent and safety features add to the pages people use most, in-process on the demo.

Builds the demo (`--scale 50` by default: 300 groups, every one expecting an agreement, most
members having accepted one of its versions) in a temporary SQLite database and times, per call:
  the roster of a meeting (attendance.roster, for comparison), consent.pending for that group
  (what the meeting screen and every mark add), consent.member_status (the member page), the help
  screen's lines and checklist, and the incident counts by month. Prints figures; asserts no timing.

    python benchmarks/consent.py [--scale 50] [--runs 200]
"""
import argparse
import shutil
import time

from harness import build, percentile  # also puts the checkout on sys.path

from peergroups import attendance, consent, crisis, incidents
from peergroups.db import database
from peergroups.models import GroupMember, Meeting


def timed(runs, action):
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        action()
        times.append((time.perf_counter() - began) * 1000)
    return percentile(times, 0.5), percentile(times, 0.95)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=int, default=50)
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    app, instance, group_id = build(args.scale)
    try:
        with app.app_context(), database.connection_context():
            meeting = Meeting.select().where(Meeting.group == group_id).order_by(Meeting.starts_at.desc()).first()
            member_id = GroupMember.select().where(GroupMember.group == group_id).first().member_id
            waiting = len(consent.pending(group_id))
            print(f"group {group_id}: {waiting} members still to accept an agreement")
            for label, action in (
                ("roster of a meeting (for comparison)", lambda: attendance.roster(meeting, 60)),
                ("consent.pending for the group", lambda: consent.pending(group_id)),
                ("consent.pending for one member (a mark)", lambda: consent.pending(group_id, [member_id])),
                ("consent.member_status (member page)", lambda: consent.member_status(member_id)),
                ("help screen: lines and checklist", lambda: (crisis.lines_by_language(["en", "es"]),
                                                              crisis.steps_for("en"))),
                ("incident counts by category and month", incidents.counts_by_category_and_month),
            ):
                p50, p95 = timed(args.runs, action)
                print(f"{label:45s} p50 {p50:7.2f} ms   p95 {p95:7.2f} ms")
    finally:
        shutil.rmtree(instance, ignore_errors=True)


if __name__ == "__main__":
    main()
