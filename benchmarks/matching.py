"""Benchmark of mentor matching: optimal vs greedy on an organization-sized and a group-sized instance."""
import random
import sys
import time
import tracemalloc
from datetime import date, timedelta
from pathlib import Path

# Run as `python benchmarks/matching.py` from a checkout without installing the package.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from peergroups.matching import MentorCandidate, NewcomerNeeds, greedy_match, match_all, score  # noqa: E402

SLOTS = [f"{day}-{part}" for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
         for part in ("morning", "afternoon", "evening")]
FOCUS_AREAS = ["alcohol", "drugs", "gambling", "family", "grief", "anxiety"]
TODAY = date(2025, 6, 1)


def some(rng, pool, low, high):
    return frozenset(rng.sample(pool, rng.randint(low, high)))


def instance(seed, newcomers, mentors, languages, groups):
    """Mentors speak 1-2 of `languages`, newcomers one, so each newcomer can have
    about mentors * 1.5 / languages eligible mentors (minus those already full)."""
    rng = random.Random(seed)
    codes = [f"l{i}" for i in range(languages)]
    group_ids = list(range(groups))
    mentor_list = []
    for i in range(mentors):
        capacity = rng.randint(1, 3)
        mentor_list.append(MentorCandidate(
            id=i, languages=some(rng, codes, 1, 2), focus_areas=some(rng, FOCUS_AREAS, 0, 2),
            availability=some(rng, SLOTS, 1, 5), gender=rng.choice([None, "woman", "man", "nonbinary"]),
            group_ids=some(rng, group_ids, 1, 1), capacity=capacity,
            active_mentees=rng.randint(0, capacity - 1), attendance_rate=round(rng.random(), 2),
            in_recovery_since=TODAY - timedelta(days=rng.randint(100, 4000))))
    newcomer_list = [
        NewcomerNeeds(
            id=mentors + i, languages=some(rng, codes, 1, 1),
            waiting_since=TODAY - timedelta(days=rng.randint(0, 60)),
            preferred_gender=rng.choice([None, None, "woman", "man"]),
            focus_areas=some(rng, FOCUS_AREAS, 0, 1),
            availability=some(rng, SLOTS, 1, 4), group_ids=some(rng, group_ids, 1, 1))
        for i in range(newcomers)
    ]
    return mentor_list, newcomer_list


def best_time(func, runs):
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)


def peak_memory(func):
    tracemalloc.start()
    func()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def report(name, mentors, newcomers, runs):
    eligible = sum(score(m, n) is not None for m in mentors for n in newcomers) / len(newcomers)
    seats = sum(m.free for m in mentors)
    optimal, greedy = match_all(mentors, newcomers), greedy_match(mentors, newcomers)
    seconds = best_time(lambda: match_all(mentors, newcomers), runs)
    greedy_seconds = best_time(lambda: greedy_match(mentors, newcomers), runs)
    print(f"{name}: {len(newcomers)} newcomers, {len(mentors)} mentors, {seats} free seats, "
          f"{eligible:.1f} eligible mentors per newcomer")
    print(f"  match_all:    {seconds * 1000:8.1f} ms (best of {runs}), "
          f"peak {peak_memory(lambda: match_all(mentors, newcomers)) / 1e6:.2f} MB, "
          f"matched {len(optimal)}, total score {sum(s for *_, s in optimal)}")
    print(f"  greedy_match: {greedy_seconds * 1000:8.1f} ms (best of {runs}), "
          f"peak {peak_memory(lambda: greedy_match(mentors, newcomers)) / 1e6:.2f} MB, "
          f"matched {len(greedy)}, total score {sum(s for *_, s in greedy)}")


if __name__ == "__main__":
    print(f"Python {sys.version.split()[0]}")
    report("organization", *instance(1, newcomers=500, mentors=300, languages=9, groups=40), runs=3)
    report("group", *instance(2, newcomers=30, mentors=15, languages=2, groups=1), runs=20)
