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
import os
import select
import socket
import threading
import time
from collections import deque
from contextlib import contextmanager

from .db import database

SLICE = 0.010  # seconds; a page here takes 1 to 4 ms, several times that on a Raspberry Pi


class _Bell:
    """A thread's doorbell: a connected pair of sockets. Ringing it and waiting for it both let go
    of the interpreter during the system call, unlike a lock's release: a request that hands its
    turn over with a lock can be put aside by the system at that moment, for the thread it woke,
    still holding the interpreter, and then nobody in the process runs. With another process busy
    on the machine, the group page on 4 threads spent a quarter of its time with the interpreter
    held there (sampled); the bell halves the server's context switches."""

    def __init__(self):
        self.pid = os.getpid()  # a child process (a fork) makes bells of its own
        self._in, self._out = socket.socketpair()
        self._in.setblocking(False)
        self._poll = None
        if hasattr(select, "poll"):  # select() cannot watch a descriptor numbered 1024 or above
            self._poll = select.poll()
            self._poll.register(self._in, select.POLLIN)

    def ring(self):
        self._out.send(b"!")

    def wait(self, seconds):
        """Whether the bell rang within `seconds` (one ring is used up)."""
        if self._poll is not None:
            rang = self._poll.poll(seconds * 1000)
        else:
            rang = select.select([self._in], [], [], seconds)[0]
        if rang:
            self._in.recv(1)
            return True
        return False

    def answer(self):
        """Use up the ring that is on its way (sent before the caller saw its turn)."""
        self._in.setblocking(True)
        try:
            self._in.recv(1)
        finally:
            self._in.setblocking(False)

    def __del__(self):
        for end in (getattr(self, "_in", None), getattr(self, "_out", None)):  # a pair never made: none
            if end is not None:
                end.close()


class Turns:
    """One line of requests: enter() waits for this thread's turn, leave() hands it to the next."""

    def __init__(self):
        self._lock = threading.Lock()  # guards the fields below, held only for a moment
        self._holder = None  # the thread whose turn it is
        self._since = 0.0
        self._line = deque()  # (thread, its bell) of each waiting thread
        self._bells = threading.local()

    def holding(self):
        return self._holder == threading.get_ident()

    def _bell(self):
        bell = getattr(self._bells, "bell", None)
        if bell is None or bell.pid != os.getpid():
            bell = self._bells.bell = _Bell()
        return bell

    def enter(self):
        me = threading.get_ident()
        with self._lock:
            if self._holder is None:
                self._holder, self._since = me, time.monotonic()
                return
            entry = (me, self._bell())
            self._line.append(entry)
        bell = entry[1]
        while not bell.wait(SLICE):
            with self._lock:
                if self._holder == me:  # handed over at this moment: its ring is sent already
                    bell.answer()
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
                self._holder, bell = self._line.popleft()
                self._since = time.monotonic()
                bell.ring()

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
