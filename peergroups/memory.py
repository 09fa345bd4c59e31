"""The process's memory on glibc (Raspberry Pi OS, Debian, Ubuntu): two settings that give freed
memory back to the system, which glibc's malloc otherwise keeps. Elsewhere (musl, macOS) nothing
is needed and nothing is done."""
import ctypes
import itertools

# mallopt's parameter (malloc.h): allocations from this size up are mapped on their own and
# unmapped when freed.
M_MMAP_THRESHOLD = -3
OWN_MAPPING_FROM = 1024 * 1024
TRIM_EVERY = 100  # requests between two malloc_trim calls (0.1 to 0.7 ms each, measured)


def _libc():
    try:
        libc = ctypes.CDLL(None)
        return libc if hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim") else None
    except (OSError, TypeError):  # no C library to load by that name
        return None


LIBC = _libc()


def give_hashing_memory_back():
    """Each Argon2 hash takes ARGON2_MEMORY_COST (19 MiB) for a moment. glibc's malloc raises its
    mapping threshold to the size of the first such block freed, so from then on every thread's
    arena keeps 19 MiB after each sign-in: a server at 61 MB grew to 107 MB after 16 sign-ins on 4
    threads. A fixed threshold of 1 MiB gives each hash's memory back when it is done (it stayed at
    70 MB). True when the setting was made."""
    return bool(LIBC and LIBC.mallopt(M_MMAP_THRESHOLD, OWN_MAPPING_FROM))


_requests = itertools.count(1)
trims = 0  # how many times trim_now_and_then trimmed (for tests)


def trim_now_and_then(response):
    """After every TRIM_EVERY-th request, malloc_trim: pages that several threads built at once
    leave free memory inside glibc's heaps that it does not return by itself (16 clients on the
    reports page: 8 MB, of which a trim gave back 5)."""
    global trims
    if LIBC and next(_requests) % TRIM_EVERY == 0:
        LIBC.malloc_trim(0)
        trims += 1
    return response


def init_app(app):
    give_hashing_memory_back()
    app.after_request(trim_now_and_then)
