"""What the benchmarks share: the demo in a temporary database, waitress in a process of its own,
keep-alive clients, timed runs and how their figures are printed. Only talks to 127.0.0.1."""
import http.client
import multiprocessing
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

# Run as `python benchmarks/NAME.py` from a checkout without installing the package.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import waitress  # noqa: E402
from flask import Flask  # noqa: E402

from peergroups import create_app  # noqa: E402
from peergroups import db as dbmod  # noqa: E402
from peergroups.db import database  # noqa: E402
from peergroups.demo import FACILITATOR, build_demo  # noqa: E402
from peergroups.models import GroupFacilitator, User  # noqa: E402

PASSWORD = "benchmark-pass-123"
TIME_LIMIT = 10.0  # seconds per measured run: a run stops early rather than hang
THREADS = 8  # waitress worker threads, as in production


def serve(wsgi_app, threads=THREADS):
    """Start waitress in a process of its own (forked), as in production: the clients of this
    script then do not compete with the server for one interpreter lock. Returns (port, process)."""
    context = multiprocessing.get_context("fork")
    ready = context.Queue()

    def run():
        server = waitress.create_server(wsgi_app, host="127.0.0.1", port=0, threads=threads)
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


def best_of(repeat, run, clock=time.perf_counter):
    """The shortest of `repeat` runs (wall clock, or another clock such as time.process_time)."""
    times = []
    for _ in range(repeat):
        start = clock()
        run()
        times.append(clock() - start)
    return min(times)


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


def build(scale, **config):
    instance = Path(tempfile.mkdtemp(prefix="peergroups-bench-"))
    settings = {
        "DATABASE_URL": f"sqlite:///{instance / 'bench.sqlite3'}", "INSTANCE_PATH": str(instance),
        "SECRET_KEY": "benchmark", "AUTO_MIGRATE": False,
        "WTF_CSRF_ENABLED": False,  # the clients do not scrape tokens; said in the output
        **config,
    }
    app = create_app(dict(settings))
    app.config["BENCHMARK_CONFIG"] = settings  # to start the same app in another process
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


def signed_in_client(app, user):
    """A Flask test client signed in as `user` as a sign-in leaves it: a device row on the server and
    its key in the session (peergroups/devices.py)."""
    from peergroups import devices

    with app.app_context(), database.connection_context():
        _device, key, _token = devices.start(user.id, "Benchmark")
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"], session["_fresh"], session["device"] = user.get_id(), True, key
        session["signed_in"] = session["seen"] = int(time.time())
        session.permanent = True
    return client


def hello_app():
    hello = Flask("hello")
    hello.add_url_rule("/", "hello", lambda: "hello")
    return hello


def rss_mb(pid):
    """(current, peak) resident memory of a process in MB, from /proc (Linux)."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024
