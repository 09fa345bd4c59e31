"""Requests take turns on SQLite (turns.py): one at a time, in arrival order, a long one letting
the others go first between statements, and nobody held up by a wait that needs no turn."""
import gc
import socket
import threading
import time

import pytest

from peergroups import turns
from peergroups.db import database, is_sqlite
from peergroups.models import User
from peergroups.turns import TURNS, Turns

from . import factories
from .helpers import PG_URL, make_app

sqlite_only = pytest.mark.skipif(bool(PG_URL), reason="requests take turns only on SQLite")


def wait_for(condition, seconds=10):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.001)


def waiter(line, order, name):
    """A thread that waits in `line`, notes its turn in `order` and leaves; started once queued."""

    def run():
        line.enter()
        order.append(name)
        line.leave()

    queued = len(line._line)
    thread = threading.Thread(target=run, daemon=True)  # a failing test never leaves the run waiting
    thread.start()
    wait_for(lambda: len(line._line) > queued or name in order)  # in line, or its turn came already
    return thread


@pytest.fixture
def patient(monkeypatch):
    """No turn is taken over while a test lines threads up, however slowly this machine starts them
    (a busy machine took longer than turns.SLICE, and the first in line took the turn early)."""
    monkeypatch.setattr(turns, "SLICE", 60.0)


def test_turns_go_in_arrival_order_and_nobody_jumps_the_line(patient):
    line, order = Turns(), []
    line.enter()
    threads = [waiter(line, order, name) for name in "abcd"]
    line.leave()
    line.enter()  # at once again: behind everyone already waiting
    order.append("again")
    line.leave()
    for thread in threads:
        thread.join()
    assert order == ["a", "b", "c", "d", "again"]
    assert line._holder is None and not line._line


def test_a_request_that_runs_long_while_others_wait_goes_on_beside_them():
    line, order = Turns(), []
    line.enter()
    thread = waiter(line, order, "waiting")
    thread.join()  # its turn came while this one still runs (after turns.SLICE)
    assert order == ["waiting"] and not line.holding()
    line.leave()  # the long one ends: it has no turn to hand over
    assert line._holder is None and not line._line


def test_a_short_turn_is_not_taken_over(monkeypatch):
    monkeypatch.setattr(turns, "SLICE", 0.5)  # a slice a busy machine does not overrun by half
    line, order = Turns(), []
    line.enter()
    thread = waiter(line, order, "waiting")
    time.sleep(turns.SLICE / 2)
    assert line.holding() and order == []
    line.leave()
    thread.join()
    assert order == ["waiting"]


def test_the_next_in_line_is_woken_by_a_bell_that_gives_the_interpreter_up(monkeypatch, patient):
    """A turn is handed over by a socket's send, a system call made without the interpreter: a
    lock's release is made holding it, and a thread put aside there holds every other one up."""
    line, order, rung = Turns(), [], []
    ring = turns._Bell.ring
    monkeypatch.setattr(turns._Bell, "ring", lambda bell: (rung.append(bell), ring(bell)))
    line.enter()
    thread = waiter(line, order, "next")
    bell = line._line[0][1]
    assert isinstance(bell._out, socket.socket)
    line.leave()
    thread.join()
    assert order == ["next"] and rung == [bell]
    assert not bell.wait(0)  # the ring was used up: the thread's next wait does not end at once


def test_a_ring_sent_as_the_wait_ends_is_used_up():
    """The turn handed over just as the waiting thread stopped waiting to look: the ring on its
    way is taken, so the thread's next wait in line is not cut short by it."""
    bell = turns._Bell()
    assert not bell.wait(0)
    bell.ring()
    bell.answer()
    assert not bell.wait(0)
    bell.ring()
    assert bell.wait(1) and not bell.wait(0)


def test_each_thread_keeps_one_bell_and_a_finished_thread_closes_it():
    line = Turns()
    threads_bells = []

    def wait_once():
        bell = line._bell()
        threads_bells.append(bell)
        assert line._bell() is bell

    threads = [threading.Thread(target=wait_once) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({id(bell) for bell in threads_bells}) == 20
    sockets = [bell._in for bell in threads_bells]
    threads_bells.clear()
    gc.collect()
    assert all(sock.fileno() == -1 for sock in sockets)  # closed with the thread's bell


def overlap(app, requests=8):
    """The most requests that ran at once when `requests` came in together."""
    running, most, lock = [0], [0], threading.Lock()

    def slow():
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.02)  # gives the interpreter up, as SQLite does
        with lock:
            running[0] -= 1
        return "done"

    app.add_url_rule("/slow-for-test", "slow_for_test", slow)
    start = threading.Barrier(requests)

    def call():
        client = app.test_client()
        start.wait()
        assert client.get("/slow-for-test").status_code == 200

    threads = [threading.Thread(target=call) for _ in range(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return most[0]


def test_requests_run_one_at_a_time_on_sqlite_only(app, monkeypatch):
    monkeypatch.setattr(turns, "SLICE", 60)  # none runs long enough to go on beside the others
    most = overlap(app)
    assert most == 1 if is_sqlite() else most > 1


@pytest.mark.parametrize("app", [{"REQUESTS_TAKE_TURNS": False}], indirect=True)
def test_turns_can_be_turned_off(app):
    assert overlap(app) > 1


@sqlite_only
def test_a_sign_in_slowed_down_lets_other_requests_run_meanwhile(template_db, tmp_path):
    app = make_app(template_db, tmp_path, LOGIN_SLOWDOWN_AFTER=0, LOGIN_SLOWDOWN_MAX_SECONDS=1)
    with app.app_context():
        factories.organization()
        user = factories.user(role="admin", email="slow@example.org")
        assert User.get_by_id(user.id)
    database.close()
    signing_in = threading.Thread(target=lambda: app.test_client().post(
        "/login", data={"email": "slow@example.org", "password": "not the password"}))
    signing_in.start()
    time.sleep(0.2)  # the sign-in is now waiting out its slow-down (half a second)...
    assert TURNS._holder is None  # ...without its turn
    assert app.test_client().get("/login").status_code == 200
    assert signing_in.is_alive()  # the page did not wait for it
    signing_in.join()


@sqlite_only
@pytest.mark.parametrize("check", ["hash", "verify", "burn"])
def test_a_password_hash_is_made_without_the_turn(app, check, monkeypatch):
    from peergroups import accounts

    monkeypatch.setattr(turns, "SLICE", 60)  # only the hash may let the other go
    order = []
    with app.app_context():
        user = factories.user(role="admin", email="hash@example.org")
        TURNS.enter()
        try:
            thread = waiter(TURNS, order, "waiting")
            if check == "hash":
                accounts.hash_password("a long password")
            elif check == "verify":
                assert not accounts.check_password(user, "not the password")
            else:
                accounts.burn_password_check("a long password")
            order.append(check)
        finally:
            TURNS.leave()
    thread.join()
    assert order == ["waiting", check]
