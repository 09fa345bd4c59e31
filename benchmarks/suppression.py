"""Benchmark of one suppression run over all figures of an organization's survey: every meeting's
count and distributions, the months, the groups and the organization, linked by their sums.

    python benchmarks/suppression.py [--meetings 200 2000] [--k 5] [--runs 3] [--profile]

Prints time (best of a few runs) and peak memory (tracemalloc, a separate run); asserts no timing.
"""
import argparse
import cProfile
import pstats
import random
import sys
import time
import tracemalloc
from pathlib import Path

# Run as `python benchmarks/suppression.py` from a checkout without installing the package.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from peergroups.suppression import suppress_linked

QUESTIONS = 4
POINTS = (1, 2, 3, 4, 5)
WEIGHTS = (1, 2, 4, 7, 6)  # answers lean to agreeing, as they do in feedback surveys
MONTHS = 12


def survey(meetings, seed=1):
    """Figures and lines of an organization with `meetings` meetings, about 4 a month per group.

    Most meetings have 3-12 responses, a few none or many; every question is required, so each
    of a meeting's distributions adds up to its count."""
    rng = random.Random(seed)
    groups = max(1, meetings // (4 * MONTHS))
    values, lines = {}, []
    month_meetings = {}
    for m in range(meetings):
        count = rng.choices([0, rng.randint(3, 12), rng.randint(13, 30)], weights=(1, 17, 2))[0]
        values[("meeting", m)] = count
        month_meetings.setdefault((rng.randrange(groups), rng.randrange(MONTHS)), []).append(m)
        for q in range(QUESTIONS):
            answers = rng.choices(POINTS, WEIGHTS, k=count)
            cells = [("cell", m, q, p) for p in POINTS]
            for cell, p in zip(cells, POINTS):
                values[cell] = answers.count(p)
            lines.append((cells, ("meeting", m)))
    group_months = {g: [] for g in range(groups)}
    for (g, month), ms in sorted(month_meetings.items()):
        values[("month", g, month)] = sum(values[("meeting", m)] for m in ms)
        lines.append(([("meeting", m) for m in ms], ("month", g, month)))
        group_months[g].append(("month", g, month))
    for g, months in group_months.items():
        values[("group", g)] = sum(values[key] for key in months)
        lines.append((months, ("group", g)))
    values["org"] = sum(values[("group", g)] for g in range(groups))
    lines.append(([("group", g) for g in range(groups)], "org"))
    for q in range(QUESTIONS):
        org_cells = [("org cell", q, p) for p in POINTS]
        for org_cell, p in zip(org_cells, POINTS):
            parts = [("cell", m, q, p) for m in range(meetings)]
            values[org_cell] = sum(values[cell] for cell in parts)
            lines.append((parts, org_cell))
        lines.append((org_cells, "org"))
    return values, lines


def report(meetings, k, runs, profile):
    values, lines = survey(meetings)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        hidden = suppress_linked(values, lines, k)
        times.append(time.perf_counter() - start)
    tracemalloc.start()
    suppress_linked(values, lines, k)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    nonzero = sum(1 for v in values.values() if v)
    primary = sum(1 for v in values.values() if 0 < v < k)
    kinds = {}
    for key in hidden:
        kind = key if isinstance(key, str) else key[0]
        kinds[kind] = kinds.get(kind, 0) + 1
    print(f"{meetings} meetings: {len(values)} figures ({nonzero} nonzero, {primary} under k={k}), "
          f"{len(lines)} lines")
    print(f"  suppress_linked: {min(times) * 1000:8.1f} ms (best of {runs}), peak {peak / 1e6:.1f} MB, "
          f"hidden {len(hidden)}: {dict(sorted(kinds.items()))}")
    if profile:
        cProfile.runctx("suppress_linked(values, lines, k)", globals(), locals(), "/tmp/suppression.prof")
        pstats.Stats("/tmp/suppression.prof").sort_stats("cumulative").print_stats(15)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--meetings", type=int, nargs="+", default=[200, 2000])
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    print(f"Python {sys.version.split()[0]}")
    for n in args.meetings:
        report(n, args.k, args.runs, args.profile)
