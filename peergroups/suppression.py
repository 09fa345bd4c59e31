"""Small-cell suppression: which survey figures may be shown without exposing a small group."""
import random
from typing import NamedTuple

DEFAULT_K = 5
MIN_K = 3  # an organization may raise k, never lower it below this
# The settings form's upper bound: a meeting's link takes at most its attendees (at least 10) plus a
# small margin, so a k above this would hide nearly every figure, even a large group's whole month.
MAX_K = 50

# Rules (product.md, "Privacy rules"), applied to every row and column including the totals:
# - primary: a count with 0 < n < k is hidden;
# - zeros are shown beside a shown total ("nobody chose this" describes no one) and hidden beside
#   a hidden total, where they would tell what the few people behind it did not answer;
# - secondary: beside a shown total the hidden parts are at least two nonzero counts adding up to
#   at least k and to more than their number; a hidden total has a hidden nonzero part; the
#   complements are the smallest shown counts;
# - no hidden figure may be solvable from all shown figures together (see _bridge).
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
    k = effective_k(k)
    rows = list(table)
    cols = list(dict.fromkeys(c for r in rows for c in table[r]))
    grid = [[table[r].get(c, 0) for c in cols] for r in rows]
    for line in grid:
        line.append(sum(line))
    grid.append([sum(line[c] for line in grid) for c in range(len(cols) + 1)])
    hidden = _suppress_grid(grid, k)

    def out(r, c):
        return None if (r, c) in hidden else grid[r][c]
    last_row, last_col = len(rows), len(cols)
    return Table(
        cells={row: {col: out(r, c) for c, col in enumerate(cols)} for r, row in enumerate(rows)},
        row_totals={row: out(r, last_col) for r, row in enumerate(rows)},
        column_totals={col: out(last_row, c) for c, col in enumerate(cols)},
        total=out(last_row, last_col),
    )


def _suppress_grid(grid, k):
    """Positions to hide in a grid whose last row and last column are the totals.

    Every row and column of the grid (totals included) is a "line": parts that add up to its last
    entry. Hiding only ever grows, so the loop ends (at worst with every nonzero figure hidden).
    """
    n_rows, n_cols = len(grid), len(grid[0])
    lines = [[(r, c) for c in range(n_cols)] for r in range(n_rows)]
    lines += [[(r, c) for r in range(n_rows)] for c in range(n_cols)]
    hidden = {(r, c) for r in range(n_rows) for c in range(n_cols) if 0 < grid[r][c] < k}
    while True:
        changed = False
        for line in lines:
            extra = _fix_line(grid, line, hidden, k)
            if extra is not None:
                hidden.add(extra)
                changed = True
        if not changed:
            bridge = _bridge(hidden)
            if bridge is None or not _hide_near(grid, bridge, hidden):
                return hidden


def _fix_line(grid, line, hidden, k):
    """One more position to hide so that this line gives nothing away, or None if it is safe."""
    def value(p):
        return grid[p[0]][p[1]]
    *parts, margin = line
    across = 1 if line[0][0] == margin[0] else 0  # a row's parts sit in columns, and back

    def cost(p):
        # Prefer a part whose crossing line already hides something: it starts no new cascade.
        crossing_hides = any(q[across] == p[across] and q != p for q in hidden)
        return not crossing_hides, value(p), p
    shown_nonzero = sorted((cost(p), p) for p in parts if p not in hidden and value(p))
    hidden_nonzero = [value(p) for p in parts if p in hidden and value(p)]
    if margin in hidden:
        # Zeros beside a hidden total would tell what the people behind it did not answer.
        zero = next((p for p in parts if p not in hidden and not value(p)), None)
        if zero is not None:
            return zero
        # A hidden total must not be the plain sum of shown parts.
        return None if hidden_nonzero or not shown_nonzero else shown_nonzero[0][1]
    if not any(p in hidden for p in parts):
        return None
    # Next to a shown total the hidden parts are known only as a sum: it must span two or more
    # nonzero parts (else subtraction gives the part), reach k (the remainder is itself a group
    # big enough to show), and exceed their number (else each hidden part must be exactly 1).
    hidden_sum = sum(hidden_nonzero)
    if len(hidden_nonzero) >= 2 and hidden_sum >= k and hidden_sum > len(hidden_nonzero):
        return None
    return shown_nonzero[0][1] if shown_nonzero else margin


def _bridge(hidden):
    """A hidden entry on no cycle of hidden entries (rows and columns as nodes, hidden entries as
    edges) is fixed by the line sums, even when each line has two hidden entries."""
    for r, c in sorted(hidden):
        if not _connected(hidden - {(r, c)}, ("row", r), ("col", c)):
            return r, c
    return None


def _connected(edges, start, goal):
    neighbours = {}
    for r, c in edges:
        neighbours.setdefault(("row", r), []).append(("col", c))
        neighbours.setdefault(("col", c), []).append(("row", r))
    seen, todo = {start}, [start]
    while todo:
        for node in neighbours.get(todo.pop(), []):
            if node not in seen:
                seen.add(node)
                todo.append(node)
    return goal in seen


def _hide_near(grid, position, hidden):
    """Hide the smallest shown nonzero figure in the bridge's row or column (else anywhere), which
    gives the line rules material to close a cycle; False when nothing is left to hide."""
    r0, c0 = position
    candidates = [(v, (r, c)) for r, line in enumerate(grid) for c, v in enumerate(line)
                  if v and (r, c) not in hidden]
    near = [item for item in candidates if item[1][0] == r0 or item[1][1] == c0]
    if not (near or candidates):
        return False
    hidden.add(min(near or candidates)[1])
    return True
