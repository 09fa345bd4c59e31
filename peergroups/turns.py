"""Requests take turns on SQLite: one runs at a time in a process, the others wait in line.

Python runs one thread at a time, so a server's threads never run pages side by side; they only
pass the interpreter back and forth. On SQLite they do that at every statement and every row
read, because SQLite gives the interpreter up while it works: with four threads busy, the page
that was running waits while another takes over, dozens of times per page. Measured with waitress
and 16 clients, the group page cost 3.6 ms of processor time per request on 4 threads and 2.5 ms
on one thread, for the same pages. Taking turns keeps the threads (one waits for a slow client
or a password check while another runs) without that cost.

A turn is handed over in arrival order. A request that holds its turn longer than SLICE seconds
while others wait loses it to the next in line and runs on beside the others, sharing the
interpreter as it would without turns: a long report does not hold the meeting screens up for its
whole length. A request steps aside while it waits on something other than this process
(`aside()`: a password hash, a sign-in slow-down), so the others go on meanwhile. PostgreSQL gives
the interpreter up while the server answers, which is time the others use: there requests do not
take turns."""
import threading
import time
from collections import deque
from contextlib import contextmanager

from .db import database

SLICE = 0.010  # seconds; a page here takes 1 to 4 ms, several times that on a Raspberry Pi


class Turns:
    """One line of requests: enter() waits for this thread's turn, leave() hands it to the next."""

    def __init__(self):
        self._lock = threading.Lock()  # guards the fields below, held only for a moment
        self._holder = None  # the thread whose turn it is
        self._since = 0.0
        self._line = deque()  # (thread, a locked lock that its release wakes) of each waiting thread

    def holding(self):
        return self._holder == threading.get_ident()

    def enter(self):
        me = threading.get_ident()
        with self._lock:
            if self._holder is None:
                self._holder, self._since = me, time.monotonic()
                return
            entry = (me, threading.Lock())
            entry[1].acquire()
            self._line.append(entry)
        while not entry[1].acquire(timeout=SLICE):
            with self._lock:
                if self._holder == me:  # handed over at this moment
                    return
                if self._line[0] is entry and time.monotonic() - self._since > SLICE:
                    # The holder has run long: it goes on beside the others, and the next goes now.
                    self._line.popleft()
                    self._holder, self._since = me, time.monotonic()
                    return

    def leave(self):
        with self._lock:
            if self._holder != threading.get_ident():
                return  # the turn went to the next in line while this request ran long
            self._holder = None
            if self._line:
                self._holder, turn = self._line.popleft()
                self._since = time.monotonic()
                turn.release()

    def wrap(self, wsgi_app):
        """`wsgi_app` running one request at a time (a request it makes itself runs in its turn)."""

        def in_turn(environ, start_response):
            if self.holding():
                return wsgi_app(environ, start_response)
            self.enter()
            try:
                return wsgi_app(environ, start_response)
            finally:
                self.leave()

        return in_turn


TURNS = Turns()  # one per process: the interpreter is one per process


@contextmanager
def aside():
    """Around a wait that needs neither the database nor the interpreter (an Argon2 hash, a sleep):
    the others run meanwhile. Inside a transaction the request keeps its turn."""
    if not TURNS.holding() or database.in_transaction():
        yield
        return
    TURNS.leave()
    try:
        yield
    finally:
        TURNS.enter()
