"""Every key page and action on waitress, side by side with a bare Flask page in the same run.

Builds the demo (`--scale 1` by default; `--scale 50` is 300 groups) in a temporary SQLite
database, serves it with waitress in a new Python process (4 threads, as a Raspberry Pi would run
it) beside a bare Flask "hello" app, and measures each page with 1 and with 16 keep-alive clients:
requests per second, the ratio to hello, p50/p95/p99 and errors, with the SQL statements and bytes
of one such request; then the serving process's memory and the time from its start to its first
answered request. Prints figures; asserts nothing about time. Only talks to 127.0.0.1.

    python benchmarks/pages.py [--scale 50] [--requests 320] [--clients 16] [--threads 4] [--rounds 3]
"""
import argparse
import json
import logging
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from harness import (  # also puts the checkout on sys.path
    FACILITATOR, Client, build, hello_app, measure, rss_mb, serve, signed_in_client,
)

from peergroups.db import database
from peergroups.models import GroupMember, SurveyLink, User

ANSWERS = {"useful": "4", "respected": "5", "belong": "4", "hopeful": "4", "comment": ""}
GOALS = "goal: ratio >= 0.15 (none below 0.10), p95 < 100 ms at 16 clients, p50 < 2 ms for one client"


def targets(group_id, meeting_id, member_id, token):
    """(label, method, path, form, signed in, htmx) of every page and action measured."""
    return [
        ("dashboard", "GET", "/", None, True, False),
        ("group page", "GET", f"/groups/{group_id}", None, True, False),
        ("meeting screen", "GET", f"/meetings/{meeting_id}", None, True, False),
        ("attendance tap", "POST", f"/meetings/{meeting_id}/marks", {"member_id": member_id, "state": "present"},
         True, True),
        ("member page", "GET", f"/members/{member_id}", None, True, False),
        ("follow-up", "GET", f"/groups/{group_id}/follow-up", None, True, False),
        ("survey page", "GET", f"/s/{token}", None, False, False),
        ("survey answer", "POST", f"/s/{token}", ANSWERS, False, False),
        ("group results", "GET", f"/groups/{group_id}/results", None, True, False),
        ("reports", "GET", "/reports/", None, True, False),
    ]


def action_for(method, path, form, htmx):
    def act(client, _i):
        if not client.signed_in:
            client.cookie = ""  # a member's phone: no session, no "answered" marker kept between requests
        status, _location, _body = client.request(method, path, form, htmx=htmx)
        return True if status in (200, 303) else f"HTTP {status}"
    return act


def clients_for(port, count, signed_in):
    clients = [Client(port).sign_in(FACILITATOR) if signed_in else Client(port) for _ in range(count)]
    for client in clients:
        client.signed_in = signed_in
    return clients


SERVER = """
import json, logging, sys, waitress
sys.path.insert(0, ".")
logging.getLogger("waitress.queue").setLevel(logging.ERROR)  # more clients than threads queue by design
from peergroups import create_app
server = waitress.create_server(create_app(json.loads(sys.argv[1])), host="127.0.0.1", port=0, threads=int(sys.argv[2]))
print(server.effective_port, flush=True)
server.run()
"""


def serve_fresh(config, threads):
    """The app in a new interpreter, as `waitress-serve app:app` runs it (not a fork of this
    process, whose memory holds the demo's build): (port, process, seconds from start to the first
    answered request)."""
    began = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-c", SERVER, json.dumps(config), str(threads)],
                               stdout=subprocess.PIPE, text=True, cwd=Path(__file__).resolve().parent.parent,
                               env={**os.environ, "MALLOC_ARENA_MAX": "2"})  # as deploy/peergroups.service
    port = int(process.stdout.readline())
    while time.perf_counter() - began < 30:
        try:  # a page anyone may open (/healthz's first probe also reads the whole file: ops.py)
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=1) as response:
                if response.status == 200:
                    return port, process, time.perf_counter() - began
        except OSError:
            time.sleep(0.01)
    process.terminate()
    raise SystemExit("the server did not answer /login within 30 s")


class QueryCounter(logging.Handler):
    def __init__(self):
        super().__init__()
        self.count = 0

    def emit(self, record):
        if isinstance(record.msg, tuple):  # (sql, params); the pool logs other lines
            self.count += 1


def queries_and_bytes(client, path, method, form, htmx):
    """(SQL statements, response bytes) of one request, in-process through a test client."""
    counter, log = QueryCounter(), logging.getLogger("peewee")
    log.addHandler(counter)
    level = log.level
    log.setLevel(logging.DEBUG)
    try:
        response = client.open(path, method=method, data=form, headers={"HX-Request": "true"} if htmx else {})
    finally:
        log.removeHandler(counter)
        log.setLevel(level)
    return counter.count, len(response.data)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=1)
    parser.add_argument("--requests", type=int, default=320, help="requests per run (split among clients)")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--threads", type=int, default=4, help="waitress threads")
    parser.add_argument("--rounds", type=int, default=3, help="runs of each page, each beside a run of the yardstick")
    args = parser.parse_args()
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)  # more clients than threads queue by design

    # Survey answers: no cap and no per-address limit, so every measured answer is stored.
    config = {"SURVEY_RESPONSE_MARGIN": 10**6, "SURVEY_RATE_LIMIT": "1000000 per minute"}
    app, instance, group_id = build(args.scale, **config)
    server = hello = None
    try:
        with database.connection_context():
            facilitator = User.get(User.email == FACILITATOR)
        in_process = signed_in_client(app, facilitator)
        started_meeting = in_process.post(f"/groups/{group_id}/meetings")
        status, location = started_meeting.status_code, started_meeting.headers.get("Location", "")
        assert status == 303 and "/meetings/" in location, (status, location)
        meeting_id = int(location.rstrip("/").rsplit("/", 1)[1])
        with database.connection_context():
            member_id = GroupMember.get(GroupMember.group == group_id, GroupMember.active).member_id
            link = SurveyLink.get_or_none(SurveyLink.meeting == meeting_id)
        token = link.token if link else "none"
        pages = targets(group_id, meeting_id, member_id, token)
        sizes = {label: queries_and_bytes(in_process if signed_in else app.test_client(), path, method, form, htmx)
                 for label, method, path, form, signed_in, htmx in pages}
        database.close()
        port, server, started = serve_fresh({**app.config["BENCHMARK_CONFIG"], **config}, args.threads)
        hello_port, hello = serve(hello_app(), args.threads)
        idle = rss_mb(server.pid)[0]
        print(f"waitress threads={args.threads} (the app in a new process, MALLOC_ARENA_MAX=2); {args.clients} clients at most; "
              f"WTF_CSRF_ENABLED=False; load average before: {os.getloadavg()[0]:.2f}\n{GOALS}\n")
        print(f"{'page':<16} {'clients':>7} {'req/s':>8} {'ratio':>6} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7}"
              f" {'errors':>6} {'queries':>7} {'KB':>5}")
        hello_action = action_for("GET", "/", None, False)
        for count in (1, args.clients):
            each = max(1, args.requests // count)
            hello_clients = clients_for(hello_port, count, False)
            measure(hello_clients, 5, hello_action)
            # Each page runs in rounds, each beside a run of the yardstick just before it, and the
            # round with the middle ratio counts: this machine's other work moves one run of the
            # yardstick by a third or more, and a page measured minutes apart from it would carry that.
            rows, hellos = [], []
            for label, method, path, form, signed_in, htmx in pages:
                clients = clients_for(port, count, signed_in)
                action = action_for(method, path, form, htmx)
                if measure(clients[:1], 1, action)["errors"]:
                    rows.append((label + " (n/a)", None, None))
                    continue
                measure(clients, 3, action)  # warm up
                rounds = []
                for _ in range(args.rounds):
                    yardstick = measure(hello_clients, each, hello_action)
                    figures = measure(clients, each, action)
                    rounds.append((figures["rps"] / yardstick["rps"], figures))
                    hellos.append(yardstick)
                rows.append((label, *sorted(rounds, key=lambda pair: pair[0])[len(rounds) // 2][::-1]))
            base = sorted(hellos, key=lambda figures: figures["rps"])[len(hellos) // 2]
            low, high = min(f["rps"] for f in hellos), max(f["rps"] for f in hellos)
            rows.insert(0, ("hello (bare)", base, 1.0))
            for label, figures, ratio in rows:
                if figures is None:
                    print(f"{label:<16} {count:>7}   not available here")
                    continue
                queries, size = sizes.get(label, ("", 0))
                print(f"{label:<16} {count:>7} {figures['rps']:>8.0f} {ratio:>6.2f} "
                      f"{figures['p50']:>7.1f} {figures['p95']:>7.1f} {figures['p99']:>7.1f} "
                      f"{len(figures['errors']):>6} {queries:>7} {size / 1024:>5.1f}"
                      + (f"  (median of {len(hellos)} runs, {low:.0f} to {high:.0f})" if figures is base else ""))
        current, peak = rss_mb(server.pid)
        print(f"\nserver process memory before the first measured request: {idle:.0f} MB")
        print(f"server process memory: {current:.0f} MB now, {peak:.0f} MB at most (goal: at most 60 MB)")
        loaded = "psycopg (PostgreSQL driver, installed here: peewee imports it)" if "psycopg" in sys.modules else "no"
        print(f"extra drivers loaded: {loaded}")
        print(f"start to first answered request: {started:.2f} s (goal: under 1.5 s)")
    finally:
        for process in (server, hello):
            if process is not None:
                process.terminate()
        database.close()
        shutil.rmtree(instance, ignore_errors=True)


if __name__ == "__main__":
    main()
