"""Small-cell suppression: which survey figures may be shown without exposing a small group."""
import heapq
import math
import random
from collections.abc import Hashable, Iterable, Sequence
from fractions import Fraction
from typing import NamedTuple

DEFAULT_K = 5
MIN_K = 3  # an organization may raise k, never lower it below this
# The settings form's upper bound: a meeting's link takes at most its attendees (at least 10) plus a
# small margin, so a k above this would hide nearly every figure, even a large group's whole month.
MAX_K = 50

# Rules (product.md, "Privacy rules"), applied to every line: parts that add up to a total, such
# as a row or a column of a table with its margin, or a month's meetings and the month's count:
# - primary: a count with 0 < n < k is hidden;
# - zeros are shown beside a shown total ("nobody chose this" describes no one) and hidden beside
#   a hidden total, where they would tell what the few people behind it did not answer;
# - secondary: beside a shown total the hidden parts are at least two nonzero counts adding up to
#   at least k and to more than their number; a hidden total has a hidden nonzero part; the
#   complements are the smallest shown counts;
# - no hidden figure may be solvable from all shown figures and all lines together (_pinned);
#   figures shown on several pages are suppressed in one run (suppress_linked), or a reader
#   could subtract across pages.
# Out of scope: a reader who replays this algorithm to narrow ranges (primary cells are < k).


class Distribution(NamedTuple):
    """Counts per answer (None = hidden) and the number of responses (None = hidden)."""
    cells: dict
    total: int | None


class Table(NamedTuple):
    """A rows x columns table of counts with its margins; None marks a hidden figure."""
    cells: dict  # row -> column -> count
    row_totals: dict
    column_totals: dict
    total: int | None


def effective_k(k=None):
    """The threshold actually applied: the organization's k, or the default, never below MIN_K."""
    return max(MIN_K, DEFAULT_K if k is None else int(k))


def shown(count, k=None):
    """Whether a statistic (mean, score, comment list) backed by `count` responses may be shown."""
    return count >= effective_k(k)


def suppress_count(count, k=None):
    """A lone count: zero says nothing about anyone, 1..k-1 would point at a few people."""
    return count if count == 0 or shown(count, k) else None


def suppress_mean(count, mean, k=None):
    return mean if shown(count, k) else None


def comments_to_show(comments, k=None, rng=None):
    """All comments in a fresh random order, or none: order must not reveal who wrote first."""
    if len(comments) < effective_k(k):
        return []
    out = list(comments)
    (rng or random.SystemRandom()).shuffle(out)
    return out


def suppress_distribution(counts, k=None):
    """A 1-D distribution is a one-row table, so it gets exactly the same protection."""
    table = suppress_table({None: counts}, k)
    return Distribution(table.cells[None], table.row_totals[None])


def suppress_table(table, k=None):
    """Hide every figure of `table` (row -> column -> count, missing = 0) that is small or that
    could be computed from shown margins; rows, columns and margins all follow the same rules."""
    rows = list(table)
    cols = list(dict.fromkeys(c for r in rows for c in table[r]))
    grid = [[table[r].get(c, 0) for c in cols] for r in rows]
    for line in grid:
        line.append(sum(line))
    grid.append([sum(line[c] for line in grid) for c in range(len(cols) + 1)])
    last_row, last_col = len(rows), len(cols)
    # Keys are grid positions; each row and each column (margins included) is a line.
    lines = [([(r, c) for c in range(last_col)], (r, last_col)) for r in range(last_row + 1)]
    lines += [([(r, c) for r in range(last_row)], (last_row, c)) for c in range(last_col + 1)]
    values = {(r, c): v for r, line in enumerate(grid) for c, v in enumerate(line)}
    hidden = suppress_linked(values, lines, k)

    def out(r, c):
        return None if (r, c) in hidden else grid[r][c]
    return Table(
        cells={row: {col: out(r, c) for c, col in enumerate(cols)} for r, row in enumerate(rows)},
        row_totals={row: out(r, last_col) for r, row in enumerate(rows)},
        column_totals={col: out(last_row, c) for c, col in enumerate(cols)},
        total=out(last_row, last_col),
    )


def suppress_linked(values: dict, lines: Iterable[tuple[Sequence, Hashable]], k=None) -> set:
    """The keys to hide among figures that appear together on overlapping pages.

    `values` maps every figure's key to its count; `lines` are (parts, total) pairs of keys whose
    parts add up to the total. A key may sit in many lines, as a part in some and the total in
    others (a meeting's count is a part of its month and the total of each of its distributions).
    Suppressing all figures of a survey in one run is what stops a reader from subtracting across
    pages. Keys may be of any hashable types: ties are broken by the insertion order of `values`,
    never by comparing keys, so the same input always gives the same answer. Raises ValueError
    when a line does not add up, names a key twice or a count is negative (KeyError for a key
    that has no value).
    """
    k = effective_k(k)
    keys = list(values)
    ids = {key: i for i, key in enumerate(keys)}  # insertion order: a stable order for any keys
    counts = [values[key] for key in keys]
    if any(v < 0 for v in counts):
        raise ValueError("counts must not be negative")
    members = []
    for parts, total in lines:
        line = [ids[p] for p in parts] + [ids[total]]
        if len(set(line)) != len(line):
            raise ValueError(f"the line to {total!r} names a key twice")
        if sum(counts[p] for p in line[:-1]) != counts[line[-1]]:
            raise ValueError(f"the parts of {total!r} do not add up to it")
        members.append(line)
    state = _Linked(counts, members, k)
    for i, v in enumerate(counts):
        if 0 < v < k:
            state.hide(i)
    state.settle()
    while state.protect_determined():
        state.settle()
    return {keys[i] for i in state.hidden}


class _Linked:
    """Hidden figures plus running tallies per line, so that checking a line after a change costs
    O(1) however long it is (an organization's line has a part per meeting).

    Figures are numbered in insertion order; a line is a list of numbers, its total last."""

    def __init__(self, counts, lines, k):
        self.counts, self.lines, self.k = counts, lines, k
        self.lines_of = [[] for _ in counts]
        for m, line in enumerate(lines):
            for i in line:
                self.lines_of[i].append(m)
        self.hidden = set()
        self.hidden_in = [0] * len(lines)  # hidden members, the total included
        self.hidden_nonzero = [0] * len(lines)  # hidden nonzero parts
        self.hidden_sum = [0] * len(lines)
        self.shown_zeros = [sum(not counts[p] for p in line[:-1]) for line in lines]
        self.dirty = set(range(len(lines)))
        self.safe_components = set()  # components of hidden figures known to pin down nothing
        self.zero_lines = [m for m, line in enumerate(lines) if not counts[line[-1]]]

    def hide(self, i):
        self.hidden.add(i)
        v = self.counts[i]
        for m in self.lines_of[i]:
            self.hidden_in[m] += 1
            if self.lines[m][-1] != i:
                if v:
                    self.hidden_nonzero[m] += 1
                    self.hidden_sum[m] += v
                else:
                    self.shown_zeros[m] -= 1
            self.dirty.add(m)

    def settle(self):
        """Apply the line rules until every line is safe: sweeps in line order over the lines
        that changed. Hiding only ever grows, so this ends (at worst with all nonzero hidden)."""
        while self.dirty:
            sweep, self.dirty = sorted(self.dirty), set()
            for m in sweep:
                for i in self._fix_line(m):
                    self.hide(i)

    def _fix_line(self, m):
        """What to hide so that line `m` gives nothing away: nothing when it is safe."""
        line, k = self.lines[m], self.k
        total = line[-1]
        if total in self.hidden:
            # Zeros beside a hidden total would tell what the few people behind it did not answer.
            if self.shown_zeros[m]:
                return [p for p in line[:-1] if not self.counts[p] and p not in self.hidden]
            # A hidden total must not be the plain sum of shown parts.
            if self.hidden_nonzero[m]:
                return []
            return self._cheapest((p, m) for p in line[:-1])
        if not self.hidden_in[m] or not self.counts[total]:
            # A shown zero total says every part is zero: hiding parts could not hide that (nobody
            # in the group answered this, so nobody in any part of it did).
            return []
        # Next to a shown total the hidden parts are known only as a sum: it must span two or more
        # nonzero parts (else subtraction gives the part), reach k (the remainder is itself a group
        # big enough to show), and exceed their number (else each hidden part must be exactly 1).
        n, hidden_sum = self.hidden_nonzero[m], self.hidden_sum[m]
        if n >= 2 and hidden_sum >= k and hidden_sum > n:
            return []
        return self._cheapest((p, m) for p in line[:-1]) or [total]

    def _cheapest(self, candidates):
        """The cheapest shown nonzero figure among `candidates`, (figure, line it is reached
        through) pairs, as a list of one or none. Cheapest: one whose other lines already hide
        something (it starts no new cascade), then the smallest, then the first."""
        costs = [(not any(self.hidden_in[m] for m in self.lines_of[i] if m != via), self.counts[i], i)
                 for i, via in candidates if self.counts[i] and i not in self.hidden]
        return [min(costs)[2]] if costs else []

    def protect_determined(self):
        """Hide a complement beside each figure that all lines together pin down; False when
        there is none (or nothing is left to hide). Complements are chosen for several figures
        at once, skipping a figure whose lines have just gained one, to keep the rounds few."""
        changed_lines = set()
        for x in sorted(self._determined()):
            if changed_lines.intersection(self.lines_of[x]):
                continue
            # The cheapest shown figure in a line through x, else anywhere.
            for choice in (self._cheapest((i, m) for m in self.lines_of[x] for i in self.lines[m])
                           or self._cheapest((i, None) for i in range(len(self.counts)))):
                self.hide(choice)
                changed_lines.update(self.lines_of[choice])
        return bool(changed_lines)

    def _determined(self):
        """Hidden figures whose value follows from the shown ones and all lines, found per
        component (hidden figures linked through lines), since components do not interact."""
        # Parts of a shown zero total are known to be zero, hidden or not: they are no unknowns.
        known = {i for m in self.zero_lines if self.lines[m][-1] not in self.hidden for i in self.lines[m]}
        unknown = self.hidden - known
        parent = {i: i for i in unknown}

        def root(i):
            while parent[i] != i:
                parent[i] = parent[parent[i]]
                i = parent[i]
            return i
        equations = []
        for m in {m for i in unknown for m in self.lines_of[i]}:
            line = self.lines[m]
            row = {i: 1 for i in line[:-1] if i in unknown}
            if line[-1] in unknown:
                row[line[-1]] = -1
            if not row:
                continue
            first, *rest = row
            for i in rest:
                parent[root(i)] = root(first)
            equations.append(row)
        components = {}
        for i in unknown:
            components.setdefault(root(i), ([], []))[0].append(i)
        for row in equations:
            components[root(next(iter(row)))][1].append(row)
        found = []
        for figures, rows in components.values():
            key = frozenset(figures)
            if key not in self.safe_components:
                pinned = _pinned(rows)
                found += pinned
                if not pinned:
                    self.safe_components.add(key)
        return found


def _pinned(rows):
    """The unknowns that the equations `rows` (unknown -> integer coefficient, each = a known
    constant) fix to one value, by exact sparse elimination.

    An unknown is fixed iff it is zero in every solution of the homogeneous system, i.e. iff its
    row in the reduced echelon form has nothing in a free column. Computing that form in full
    would fill the meetings' rows with the long lines, so a random solution (free unknowns drawn
    from 2**64 values, the rest solved for) is used as a sieve: a fixed unknown is zero in it, one
    that is not is nonzero except with probability at most 2**-64. Only the zeros get the exact
    test (_only_free), so the answer is exact and the random draw costs at most time."""
    rows = [dict(row) for row in rows]
    holders = {}  # unknown -> rows still to eliminate that contain it
    for n, row in enumerate(rows):
        for c in row:
            holders.setdefault(c, set()).add(n)
    # Shortest rows first and the rarest unknown as pivot keep the fill low: the long lines (an
    # organization's, a month's) come last, after the meetings' short lines have been absorbed.
    queue = [(len(row), n) for n, row in enumerate(rows)]
    heapq.heapify(queue)
    echelon = []  # (pivot, row): a row holds no pivot of an earlier row
    done = set()
    while queue:
        size, n = heapq.heappop(queue)
        row = rows[n]
        if n in done or size != len(row):
            continue  # a stale entry: the row was pushed again with its new size
        done.add(n)
        for c in row:
            holders[c].discard(n)
        if not row:
            continue
        pivot = min(row, key=lambda c: (abs(row[c]) != 1, len(holders[c]), c))
        for other in list(holders[pivot]):
            _eliminate(rows[other], row, pivot)
            for c in row:
                if c in rows[other]:
                    holders[c].add(other)
                else:
                    holders[c].discard(other)
            heapq.heappush(queue, (len(rows[other]), other))
        echelon.append((pivot, row))

    rng = random.Random(0)
    solution = {}
    for pivot, row in reversed(echelon):
        rest = 0
        for c, a in row.items():
            if c != pivot:
                if c not in solution:
                    solution[c] = rng.getrandbits(64) + 1
                rest += a * solution[c]
        a = row[pivot]
        solution[pivot] = -rest * a if abs(a) == 1 else Fraction(-rest, a)
    position = {pivot: n for n, (pivot, _) in enumerate(echelon)}
    return [x for x, n in position.items() if not solution[x] and _only_free(x, echelon, position)]


def _only_free(x, echelon, position):
    """Whether x's pivot row, reduced by the rows after it, is x alone (x is then fixed)."""
    row = dict(echelon[position[x]][1])
    todo = [position[c] for c in row if c != x and c in position]
    heapq.heapify(todo)
    while todo:
        pivot, pivot_row = echelon[heapq.heappop(todo)]
        if pivot in row:
            _eliminate(row, pivot_row, pivot)
            for c in pivot_row:
                if c in row and c != x and c in position:
                    heapq.heappush(todo, position[c])
    return len(row) == 1


def _eliminate(row, pivot_row, pivot):
    """Subtract a multiple of `pivot_row` from `row` (in place, integers only) to clear `pivot`."""
    a, b = pivot_row[pivot], row[pivot]
    g = math.gcd(a, b)
    scale, factor = abs(a) // g, b // g * (1 if a > 0 else -1)
    if scale != 1:  # only for coefficients other than +-1, which lines of counts hardly produce
        for c in row:
            row[c] *= scale
    for c, v in pivot_row.items():
        new = row.get(c, 0) - factor * v
        if new:
            row[c] = new
        else:
            del row[c]
    if scale != 1:
        g = math.gcd(*row.values()) if row else 1
        for c in row:
            row[c] //= g
