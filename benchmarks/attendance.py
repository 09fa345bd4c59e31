"""Benchmark of the meeting screen and the attendance POST on waitress, against a bare Flask page.

Builds the demo (`--scale 50` by default) in a temporary SQLite database, opens a meeting as the
demo facilitator and measures, with 1 and with 16 concurrent keep-alive clients:
  (a) GET /meetings/<id>, (b) POST /meetings/<id>/marks as htmx, (c) a bare Flask "hello" page,
then a write-contention run (clients marking different members of one meeting at once) that must
end with 0 errors and 0 lost marks. Prints figures; asserts no timing. Only talks to 127.0.0.1.

    python benchmarks/attendance.py [--scale 50] [--requests 400] [--clients 16] [--profile]
"""
import argparse
import cProfile
import logging
import os
import pstats
import shutil

from harness import (  # also puts the checkout on sys.path
    FACILITATOR, PASSWORD, THREADS, Client, build, hello_app, measure, report, serve,
)
from peewee import fn

from peergroups import attendance
from peergroups.db import database
from peergroups.models import Attendance, AttendanceChange, GroupMember, Meeting

def roster_ids(meeting_id):
    with database.connection_context():
        meeting = Meeting.get_by_id(meeting_id)
        return [row.member_id for row in GroupMember.select(GroupMember.member)
                .where(GroupMember.group == meeting.group_id, GroupMember.active)]


def contention(ports, meeting_id, clients, rounds):
    """Each client marks its own members `rounds` times, alternating, all clients at once; then the
    database must hold each client's last state and one history row per change."""
    members = roster_ids(meeting_id)
    per_client = len(members) // clients
    plan = {c: members[c * per_client:(c + 1) * per_client] for c in range(clients)}

    def state(member, i):  # alternating; the last round ends on present for even ids, absent for odd
        return ("present", "absent")[(rounds - 1 - i + member) % 2]

    sessions = [Client(ports[n % len(ports)]).sign_in(FACILITATOR) for n in range(clients)]
    for number, session in enumerate(sessions):
        session.number = number
    sent = {m: state(m, rounds - 1) for own in plan.values() for m in own}
    with database.connection_context():
        before = dict(Attendance.select(Attendance.member, Attendance.state)
                      .where(Attendance.meeting == meeting_id, Attendance.member.in_(list(sent))).tuples())
        last_change = AttendanceChange.select(fn.MAX(AttendanceChange.id)).scalar() or 0
    # Every POST changes the state (they alternate) except a first one equal to what is stored.
    changes = len(sent) * rounds - sum(before.get(m) == state(m, 0) for m in sent)

    def action(client, i):
        own = plan[client.number]
        member = own[i % len(own)]
        status, _location, _body = client.request(
            "POST", f"/meetings/{meeting_id}/marks", {"member_id": member, "state": state(member, i // len(own))},
            htmx=True)
        return True if status == 200 else f"HTTP {status}"

    figures = measure(sessions, rounds * per_client, action, time_limit=float("inf"))  # every mark is sent
    with database.connection_context():
        stored = dict(Attendance.select(Attendance.member, Attendance.state)
                      .where(Attendance.meeting == meeting_id, Attendance.member.in_(list(sent))).tuples())
        history = (AttendanceChange.select().where(AttendanceChange.id > last_change,
                                                   AttendanceChange.meeting == meeting_id).count())
    lost = sum(stored.get(m) != s for m, s in sent.items())
    return figures, lost, history, changes, len(sent)


def profile_meeting_screen(app, meeting_id, count=200):
    """cProfile of the meeting screen in-process (no network), the server's own cost."""
    client = app.test_client()
    client.post("/login", data={"email": FACILITATOR, "password": PASSWORD})
    client.get(f"/meetings/{meeting_id}")
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(count):
        client.get(f"/meetings/{meeting_id}")
    profiler.disable()
    stats = pstats.Stats(profiler)
    print(f"\ncProfile of {count} meeting-screen GETs (test client, no network): "
          f"{stats.total_tt / count * 1000:.1f} ms each")
    stats.sort_stats("cumulative").print_stats(r"peergroups/|templates/|jinja2/environment|peewee.py.*execute", 30)


def latency_runs(ports, hello_ports, meeting_id, members, client_counts, requests):
    """(a) the meeting screen, (b) a mark, (c) hello, for each number of clients; returns the figures."""
    def screen(client, _i):
        status, _location, _body = client.request("GET", f"/meetings/{meeting_id}")
        return True if status == 200 else f"HTTP {status}"

    def mark(client, i):  # each client walks the roster from its own place; every request writes
        member = members[(i + client.number) % len(members)]
        state = ("present", "absent")[(i // len(members)) % 2]
        status, _location, _body = client.request(
            "POST", f"/meetings/{meeting_id}/marks", {"member_id": member, "state": state}, htmx=True)
        return True if status == 200 else f"HTTP {status}"

    def hello(client, _i):
        status, _location, _body = client.request("GET", "/")
        return True if status == 200 else f"HTTP {status}"

    def poll(client, _i):  # a co-facilitator's open roster asking "anything new?" when nothing is
        status, _location, _body = client.request("GET", f"/meetings/{meeting_id}?since={client.cursor}", htmx=True)
        return True if status == 204 else f"HTTP {status}"

    results = {}
    for clients in client_counts:
        # Client n talks to server process n mod P, as a proxy would spread them.
        sessions = [Client(ports[n % len(ports)]).sign_in(FACILITATOR) for n in range(clients)]
        for number, session in enumerate(sessions):
            session.number = number
        hello_sessions = [Client(hello_ports[n % len(hello_ports)]) for n in range(clients)]
        each = max(1, requests // clients)
        measure(sessions, 5, screen)  # warm up: templates compiled, connections open
        measure(hello_sessions, 5, hello)
        print(f"\n{clients} client{'s' if clients > 1 else ''}, {each} requests each:")
        base = measure(hello_sessions, each, hello)
        report("(c) hello (baseline)", base)
        for label, action in (("(a) GET meeting screen", screen), ("(b) POST mark (htmx)", mark)):
            results[label, clients] = measure(sessions, each, action)
            report(label, results[label, clients], base)
        for session in sessions:
            session.cursor = roster_cursor(meeting_id)
        label = "(d) GET roster poll, unchanged (204)"
        results[label, clients] = measure(sessions, each, poll)
        report(label, results[label, clients], base)
    return results


def roster_cursor(meeting_id):
    with database.connection_context():
        return attendance.roster_cursor(Meeting.get_by_id(meeting_id))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=50)
    parser.add_argument("--requests", type=int, default=400, help="requests per run (split among clients)")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=6, help="marks per member in the contention run")
    parser.add_argument("--profile", action="store_true", help="also cProfile the meeting screen")
    parser.add_argument("--processes", type=int, default=1,
                        help="waitress processes (one per core, behind a proxy in production)")
    args = parser.parse_args()
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)  # 16 clients on 8 threads queue by design

    app, instance, group_id = build(args.scale)
    try:
        servers = [serve(app) for _ in range(args.processes)]
        hellos = [serve(hello_app()) for _ in range(args.processes)]
        ports, hello_ports = [port for port, _p in servers], [port for port, _p in hellos]
        facilitator = Client(ports[0]).sign_in(FACILITATOR)
        status, location, _data = facilitator.request("POST", f"/groups/{group_id}/meetings", {})
        assert status == 303 and "/meetings/" in location, (status, location)
        meeting_id = int(location.rstrip("/").rsplit("/", 1)[1])
        members = roster_ids(meeting_id)
        print(f"meeting {meeting_id} opened by {FACILITATOR}; roster of {len(members)} members.\n"
              f"waitress threads={THREADS} in each of {args.processes} process(es); clients in this one; "
              f"WTF_CSRF_ENABLED=False for the benchmark; load average before: {os.getloadavg()[0]:.2f}")
        results = latency_runs(ports, hello_ports, meeting_id, members, (1, args.clients), args.requests)

        # More people at this meeting, so each contending client has members of its own.
        while len(members) < 2 * args.clients:
            status, _location, _data = facilitator.request(
                "POST", f"/meetings/{meeting_id}/newcomer",
                {"name": f"Newcomer {len(members) + 1}", "locale": "en", "same_name_ok": "y"})
            assert status == 303, status
            members = roster_ids(meeting_id)
        contended, lost, history, changes, marked = contention(ports, meeting_id, args.clients, args.rounds)
        print(f"\nwrite contention: {args.clients} clients at once, each marking its own "
              f"{marked // args.clients} members {args.rounds} times (alternating states):")
        report("POST mark (htmx)", contended)
        print(f"  errors: {len(contended['errors'])}   lost marks: {lost} of {marked}   "
              f"new history rows: {history} (expected {changes})")
        for _port, process in servers + hellos:
            process.terminate()

        print("\ntargets (printed, not asserted):")
        for (label, clients), figures in results.items():
            limit = 10 if clients == 1 else 100
            verdict = "met" if figures["p95"] < limit and not figures["errors"] else "MISSED"
            print(f"  {label:<22} {clients:>2} client(s): p95 {figures['p95']:6.1f} ms < {limit} ms, "
                  f"no errors: {verdict}")
        clean = not contended["errors"] and not lost and history == changes
        print(f"  write contention, 0 errors and 0 lost marks: {'met' if clean else 'MISSED'}")
        if args.profile:
            profile_meeting_screen(app, meeting_id)
    finally:
        database.close()
        shutil.rmtree(instance, ignore_errors=True)


if __name__ == "__main__":
    main()
