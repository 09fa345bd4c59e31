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
import http.client
import logging
import multiprocessing
import os
import pstats
import shutil
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

# Run as `python benchmarks/attendance.py` from a checkout without installing the package.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import waitress  # noqa: E402
from flask import Flask  # noqa: E402
from peewee import fn  # noqa: E402

from peergroups import create_app  # noqa: E402
from peergroups import db as dbmod  # noqa: E402
from peergroups.db import database  # noqa: E402
from peergroups.demo import FACILITATOR, build_demo  # noqa: E402
from peergroups.models import (  # noqa: E402
    Attendance, AttendanceChange, GroupFacilitator, GroupMember, Meeting, User,
)

PASSWORD = "benchmark-pass-123"
TIME_LIMIT = 10.0  # seconds per measured run: a run stops early rather than hang
THREADS = 8  # waitress worker threads, as in production


def serve(wsgi_app):
    """Start waitress in a process of its own (forked), as in production: the clients of this
    script then do not compete with the server for one interpreter lock. Returns (port, process)."""
    context = multiprocessing.get_context("fork")
    ready = context.Queue()

    def run():
        server = waitress.create_server(wsgi_app, host="127.0.0.1", port=0, threads=THREADS)
        ready.put(server.effective_port)
        server.run()

    database.close()  # the child opens its own connection
    process = context.Process(target=run, daemon=True)
    process.start()
    return ready.get(timeout=30), process


class Client:
    """One keep-alive connection with the session cookie, like one phone."""

    def __init__(self, port):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookie = ""

    def request(self, method, path, form=None, htmx=False):
        headers = {"Cookie": self.cookie} if self.cookie else {}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if htmx:
            headers["HX-Request"] = "true"
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException):
            self.conn.close()  # reconnects on the next request
            raise
        cookie = response.getheader("Set-Cookie")
        if cookie:
            self.cookie = cookie.split(";", 1)[0]
        return response.status, response.getheader("Location"), data

    def sign_in(self, email):
        status, _location, _data = self.request("POST", "/login", {"email": email, "password": PASSWORD})
        assert status == 303, f"sign-in failed with {status}"
        return self


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


def measure(clients, requests_each, action, time_limit=TIME_LIMIT):
    """Every client runs `action(client, i)` `requests_each` times at once (stopping early after
    `time_limit` seconds); returns the figures."""
    latencies, errors, lock = [], [], threading.Lock()
    start_line = threading.Barrier(len(clients) + 1)
    deadline = [0.0]

    def run(client):
        mine, failed = [], []
        start_line.wait()
        for i in range(requests_each):
            if time.perf_counter() > deadline[0]:
                break
            began = time.perf_counter()
            try:
                ok = action(client, i)
            except Exception as error:  # noqa: BLE001 (every failure is counted, not raised)
                ok = repr(error)
            mine.append(time.perf_counter() - began)
            if ok is not True:
                failed.append(ok)
        with lock:
            latencies.extend(mine)
            errors.extend(failed)

    threads = [threading.Thread(target=run, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    deadline[0] = time.perf_counter() + time_limit
    began = time.perf_counter()
    start_line.wait()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - began
    return {"n": len(latencies), "rps": len(latencies) / wall, "errors": errors,
            **{f"p{int(q * 100)}": percentile(latencies, q) * 1000 for q in (0.5, 0.95, 0.99)}}


def report(label, figures, hello=None):
    line = (f"  {label:<22} {figures['n']:>6} req  {figures['rps']:>8.0f} req/s  p50 {figures['p50']:6.1f} ms  "
            f"p95 {figures['p95']:6.1f} ms  p99 {figures['p99']:6.1f} ms  errors {len(figures['errors'])}")
    if hello:
        line += (f"  | vs hello: {figures['rps'] / hello['rps']:.2f}x req/s, "
                 f"{figures['p95'] / hello['p95']:.1f}x p95")
    print(line)
    for error in sorted(set(map(str, figures["errors"])))[:3]:
        print(f"      e.g. {error}")


def build(scale):
    instance = Path(tempfile.mkdtemp(prefix="peergroups-bench-"))
    app = create_app({
        "DATABASE_URL": f"sqlite:///{instance / 'bench.sqlite3'}", "INSTANCE_PATH": str(instance),
        "SECRET_KEY": "benchmark", "AUTO_MIGRATE": False,
        "WTF_CSRF_ENABLED": False,  # the clients do not scrape tokens; said in the output
    })
    with app.app_context():
        dbmod.upgrade()
        began = time.perf_counter()
        with database.connection_context():
            summary = build_demo(PASSWORD, scale=scale)
        print(f"demo at --scale {scale} built in {time.perf_counter() - began:.1f} s: {summary}")
        with database.connection_context():
            facilitator = User.get(User.email == FACILITATOR)
            group_id = (GroupFacilitator.select().where(GroupFacilitator.user == facilitator.id)
                        .order_by(GroupFacilitator.group).first().group_id)
    return app, instance, group_id


def hello_app():
    hello = Flask("hello")
    hello.add_url_rule("/", "hello", lambda: "hello")
    return hello


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
    return results


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
