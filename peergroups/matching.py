"""Mentor pairing: score a mentor for a newcomer, rank mentors, and assign many newcomers optimally."""
import heapq
from dataclasses import dataclass
from datetime import date

# Weights of score(); the table in its docstring says why each is what it is.
LANGUAGE = 40
SAME_GROUP = 20
GENDER = 15
FOCUS = 10
AVAILABILITY = 4
MAX_SLOTS = 3
FREE_CAPACITY = 2
MAX_FREE = 3
RELIABILITY = 10
EXPERIENCE = 2
MAX_YEARS = 5


@dataclass(frozen=True)
class MentorCandidate:
    id: int
    languages: frozenset
    focus_areas: frozenset = frozenset()
    availability: frozenset = frozenset()  # slots such as "mon-evening"
    gender: str | None = None  # self-described, optional
    group_ids: frozenset = frozenset()
    capacity: int = 1
    active_mentees: int = 0
    attendance_rate: float = 0.0  # share of their group's meetings attended, 0..1
    in_recovery_since: date | None = None

    def __post_init__(self):
        if not 0 <= self.attendance_rate <= 1:
            raise ValueError("attendance_rate must be within 0..1")

    @property
    def free(self):
        return self.capacity - self.active_mentees


@dataclass(frozen=True)
class NewcomerNeeds:
    id: int
    languages: frozenset
    waiting_since: date
    preferred_gender: str | None = None
    focus_areas: frozenset = frozenset()
    availability: frozenset = frozenset()
    group_ids: frozenset = frozenset()


@dataclass(frozen=True)
class Suggestion:
    mentor_id: int
    score: int
    reasons: tuple  # (code, value) pairs; the web layer turns them into translated sentences


def score(mentor, newcomer, allow_language_mismatch=False):
    """How well `mentor` suits `newcomer`, with the reasons; None when a hard constraint forbids it.

    Hard constraints: not the same member, free capacity left, a shared language (unless the
    facilitator overrides it). Every pair that passes gets a positive score, because free capacity
    always counts; match_all relies on that.

    | weight            | points                 | why                                                  |
    |-------------------|------------------------|------------------------------------------------------|
    | LANGUAGE          | 40 once                | talking at all comes first; outweighs any preference |
    | SAME_GROUP        | 20                     | they meet anyway, so contact happens without effort  |
    | GENDER            | 15                     | the newcomer asked for it; often about feeling safe  |
    | FOCUS             | 10 per shared area     | same pathway means lived experience of the same path |
    | AVAILABILITY      | 4 per slot, 3 at most  | one or two common slots suffice; more add little     |
    | FREE_CAPACITY     | 2 per seat, 3 at most  | spreads load, so nobody is near their limit          |
    | RELIABILITY       | 10 x attendance rate   | a mentor who shows up is the whole point             |
    | EXPERIENCE        | 2 per year, 5 at most  | time on the path when the newcomer asked, capped so  |
    |                   |                        | old-timers do not crowd out recently stable peers    |

    Scores use the mentor's load before any pairing proposed in the same batch.
    """
    if mentor.id == newcomer.id or mentor.free <= 0:
        return None
    if not allow_language_mismatch and mentor.languages.isdisjoint(newcomer.languages):
        return None
    languages = mentor.languages & newcomer.languages
    gains = [(LANGUAGE if languages else 0, _each("language", languages))]
    if mentor.group_ids & newcomer.group_ids:
        gains.append((SAME_GROUP, [("same_group", None)]))
    if _same_gender(mentor.gender, newcomer.preferred_gender):
        gains.append((GENDER, [("gender", newcomer.preferred_gender)]))
    focus = mentor.focus_areas & newcomer.focus_areas
    gains.append((FOCUS * len(focus), _each("focus", focus)))
    slots = mentor.availability & newcomer.availability
    gains.append((AVAILABILITY * min(len(slots), MAX_SLOTS), _each("availability", slots)))
    gains.append((FREE_CAPACITY * min(mentor.free, MAX_FREE), [("free_capacity", mentor.free)]))
    reliable = round(RELIABILITY * mentor.attendance_rate)
    if reliable:
        gains.append((reliable, [("reliable", round(mentor.attendance_rate, 2))]))
    years = _full_years(mentor.in_recovery_since, newcomer.waiting_since)
    if years > 0:
        gains.append((EXPERIENCE * min(years, MAX_YEARS), [("experience", years)]))
    return Suggestion(
        mentor.id,
        sum(points for points, _ in gains),
        tuple(reason for _, reasons in gains for reason in reasons),
    )


def _each(code, values):
    return [(code, value) for value in sorted(values)]


def _same_gender(gender, preferred):
    # Self-described free text: compare leniently, and only when the newcomer asked.
    return bool(preferred and gender) and gender.strip().casefold() == preferred.strip().casefold()


def _full_years(since, until):
    if since is None or since > until:
        return 0
    return until.year - since.year - ((until.month, until.day) < (since.month, since.day))


def rank_mentors(mentors, newcomer, allow_language_mismatch=False):
    """Eligible mentors for one newcomer, best first; equal scores in mentor id order."""
    suggestions = (score(m, newcomer, allow_language_mismatch) for m in mentors)
    return sorted(filter(None, suggestions), key=lambda s: (-s.score, s.mentor_id))


def greedy_match(mentors, newcomers):
    """Baseline for tests and the benchmark: oldest wait first, each takes their best mentor with room."""
    mentors = _by_id(mentors)
    room = {m.id: m.free for m in mentors}
    pairs = []
    for newcomer in sorted(_by_id(newcomers), key=lambda n: (n.waiting_since, n.id)):
        for suggestion in rank_mentors(mentors, newcomer):
            if room[suggestion.mentor_id] > 0:
                room[suggestion.mentor_id] -= 1
                pairs.append((newcomer.id, suggestion.mentor_id, suggestion.score))
                break
    return sorted(pairs)


def match_all(mentors, newcomers):
    """The best assignment, as sorted (newcomer_id, mentor_id, score) tuples.

    Objective (decisions.md, "Mentoring"), lexicographic: first pair as many newcomers as capacity
    allows, then the highest total score among those assignments; each mentor takes at most their
    free capacity and every pair passes the hard constraints of score(). So nobody waits while a
    suitable mentor has a free place because someone else got a better match. Never pairs fewer
    newcomers, nor (at the same count) scores less, than greedy_match.

    Method: min-cost maximum flow source -> newcomer -> mentor -> sink, a pair costing
    (top - score) so every cost is non-negative; at a fixed number of pairs, the least cost is the
    highest score. Solved by successive shortest paths (Dijkstra with potentials, only eligible
    edges), pushing all equally short paths per round until no path is left: each round keeps the
    cheapest flow of its size, so the last is the cheapest maximum flow. Inputs are sorted by id so
    the same input always gives the same output.
    """
    mentors, newcomers = _by_id(mentors), _by_id(newcomers)
    sink = len(newcomers) + len(mentors) + 1
    pairs = [
        (n, m, suggestion.score)
        for n, newcomer in enumerate(newcomers)
        for m, mentor in enumerate(mentors)
        if (suggestion := score(mentor, newcomer))
    ]
    if not pairs:
        return []
    top = max(s for _, _, s in pairs)
    net = _Network(sink + 1)
    for n in range(len(newcomers)):
        net.add_edge(0, 1 + n, 1, 0)
    for m, mentor in enumerate(mentors):
        net.add_edge(1 + len(newcomers) + m, sink, mentor.free, 0)
    edges = [net.add_edge(1 + n, 1 + len(newcomers) + m, 1, top - s) for n, m, s in pairs]
    net.push_all(0, sink)
    chosen = [p for p, e in zip(pairs, edges) if net.cap[e] == 0]
    return [(newcomers[n].id, mentors[m].id, s) for n, m, s in chosen]


def _by_id(items):
    items = sorted(items, key=lambda item: item.id)
    if any(a.id == b.id for a, b in zip(items, items[1:])):
        raise ValueError("duplicate id")
    return items


class _Network:
    """A residual graph in flat lists; edge e and e ^ 1 are each other's reverse."""

    def __init__(self, size):
        self.adj = [[] for _ in range(size)]
        self.to, self.cap, self.cost = [], [], []

    def add_edge(self, u, v, cap, cost):
        e = len(self.to)
        self.adj[u].append(e)
        self.adj[v].append(e + 1)
        self.to += (v, u)
        self.cap += (cap, 0)
        self.cost += (cost, -cost)
        return e

    def push_all(self, source, sink):
        """Unit flows along shortest paths until the sink cannot be reached: a maximum flow of
        least cost."""
        potential = [0] * len(self.adj)
        while True:
            dist = self._distances(potential, source, sink)
            reach = dist[sink]
            if reach is None:
                return
            # Capping at `reach` keeps reduced costs non-negative without exploring the whole graph.
            for v, d in enumerate(dist):
                potential[v] += reach if d is None or d > reach else d
            self._augment_shortest(potential, source, sink)

    def _distances(self, potential, source, sink):
        """Dijkstra on reduced costs, stopping once the sink is settled; None = not reached."""
        adj, to, cap, cost = self.adj, self.to, self.cap, self.cost
        dist = [None] * len(adj)
        dist[source] = 0
        heap = [(0, source)]
        while heap:
            d, u = heapq.heappop(heap)
            if d > dist[u]:
                continue
            if u == sink:
                break
            base = d + potential[u]
            for e in adj[u]:
                if cap[e]:
                    v = to[e]
                    nd = base + cost[e] - potential[v]
                    if dist[v] is None or nd < dist[v]:
                        dist[v] = nd
                        heapq.heappush(heap, (nd, v))
        return dist

    def _augment_shortest(self, potential, source, sink):
        """Push unit flows along zero reduced-cost paths, Dinic style: a dead end stays skipped."""
        adj, to, cap, cost = self.adj, self.to, self.cap, self.cost
        following = [0] * len(adj)
        on_path = [False] * len(adj)
        on_path[source] = True
        path, u = [], source
        while True:
            if u == sink:
                for e in path:
                    cap[e] -= 1
                    cap[e ^ 1] += 1
                    on_path[to[e]] = False
                path, u = [], source
                continue
            edges, here = adj[u], potential[u]
            for i in range(following[u], len(edges)):
                e = edges[i]
                v = to[e]
                if cap[e] and not on_path[v] and cost[e] + here == potential[v]:
                    following[u] = i
                    path.append(e)
                    on_path[v] = True
                    u = v
                    break
            else:
                following[u] = len(edges)
                if u == source:
                    return
                on_path[u] = False
                u = to[path.pop() ^ 1]
                following[u] += 1
