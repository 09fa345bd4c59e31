"""Small-cell suppression: each rule by example, then the privacy guarantees as properties."""
import random
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from peergroups import suppression
from peergroups.suppression import (
    comments_to_show, effective_k, shown, suppress_count, suppress_distribution, suppress_mean,
    suppress_table,
)

# Mostly small counts, so that most examples need primary and secondary suppression.
counts = st.one_of(st.integers(0, 6), st.integers(0, 40))
ks = st.integers(-2, 8)
distributions = st.dictionaries(st.integers(1, 7), counts, max_size=7)


@st.composite
def tables(draw):
    n_rows, n_cols = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    return {f"m{r}": {c: draw(counts) for c in range(n_cols)} for r in range(n_rows)}


def grid_of(result):
    """The table as a grid whose last row and column are the totals, as the module sees it."""
    rows = [list(cells.values()) + [result.row_totals[r]] for r, cells in result.cells.items()]
    return rows + [list(result.column_totals.values()) + [result.total]]


def true_grid(table):
    rows = [list(cells.values()) + [sum(cells.values())] for cells in table.values()]
    width = len(rows[0]) if rows else 1
    return rows + [[sum(line[c] for line in rows) for c in range(width)]]


def lines(grid):
    return [list(line) for line in grid] + [list(col) for col in zip(*grid)]


def rank(matrix):
    """Rank by exact elimination, so the algebra check cannot be fooled by rounding."""
    rows, rank_ = [[Fraction(x) for x in row] for row in matrix], 0
    for col in range(len(rows[0]) if rows else 0):
        pivot = next((i for i in range(rank_, len(rows)) if rows[i][col]), None)
        if pivot is None:
            continue
        rows[rank_], rows[pivot] = rows[pivot], rows[rank_]
        for i in range(len(rows)):
            if i != rank_ and rows[i][col]:
                factor = rows[i][col] / rows[rank_][col]
                rows[i] = [a - factor * b for a, b in zip(rows[i], rows[rank_])]
        rank_ += 1
    return rank_


def determined_hidden(grid):
    """Hidden positions whose value follows from the shown figures and all line sums."""
    n_rows, n_cols = len(grid), len(grid[0])
    unknowns = [(r, c) for r in range(n_rows) for c in range(n_cols) if grid[r][c] is None]
    index = {p: i for i, p in enumerate(unknowns)}
    equations = [[(r, c) for c in range(n_cols)] for r in range(n_rows)]
    equations += [[(r, c) for r in range(n_rows)] for c in range(n_cols)]
    matrix = []
    for line in equations:  # parts minus margin = 0, restricted to the unknowns
        row = [0] * len(unknowns)
        for p in line[:-1]:
            if p in index:
                row[index[p]] += 1
        if line[-1] in index:
            row[index[line[-1]]] -= 1
        matrix.append(row)
    base = rank(matrix)
    return [p for p in unknowns
            if rank(matrix + [[int(q == p) for q in unknowns]]) == base]


# --- unit tests -----------------------------------------------------------------------------

def test_effective_k_defaults_and_clamps():
    assert effective_k() == 5
    assert [effective_k(k) for k in (-1, 0, 2, 3, 4, 10)] == [3, 3, 3, 3, 4, 10]


def test_counts_and_means_need_k_responses():
    assert [shown(n, 5) for n in (0, 4, 5)] == [False, False, True]
    assert [suppress_count(n, 5) for n in (0, 1, 4, 5, 9)] == [0, None, None, 5, 9]
    assert suppress_mean(4, 3.5, 5) is None
    assert suppress_mean(5, 3.5, 5) == 3.5
    assert suppress_mean(3, 2.0, 1) == 2.0  # k=1 is raised to 3
    assert suppress_mean(2, 2.0, 1) is None


def test_comments_hidden_below_k_and_shuffled_at_k():
    comments = [f"c{i}" for i in range(5)]
    assert comments_to_show(comments[:4], 5, random.Random(1)) == []
    first = comments_to_show(comments, 5, random.Random(1))
    assert sorted(first) == comments and first == comments_to_show(comments, 5, random.Random(1))
    assert comments == [f"c{i}" for i in range(5)]  # the caller's list is left alone
    assert sorted(comments_to_show(comments, 5)) == comments  # default generator


def test_distribution_without_small_cells_is_untouched():
    assert suppress_distribution({1: 0, 2: 5, 3: 9}, 5) == ({1: 0, 2: 5, 3: 9}, 14)


def test_one_small_cell_takes_the_next_smallest_with_it():
    # 1 alone would be total minus the rest; with 6 also hidden, 1+6 could be 2+5, 3+4...
    assert suppress_distribution({1: 1, 2: 6, 3: 9}, 5) == ({1: None, 2: None, 3: 9}, 16)


def test_hidden_parts_must_add_up_to_k():
    # 1 and 2 are both hidden, but "3 people chose 1 or 2" is itself a group below k.
    result = suppress_distribution({1: 1, 2: 2, 3: 9, 4: 8}, 5)
    assert result == ({1: None, 2: None, 3: 9, 4: None}, 20)


def test_zeros_are_shown_beside_a_shown_total():
    result = suppress_distribution({1: 0, 2: 1, 3: 4, 4: 12}, 5)
    assert result == ({1: 0, 2: None, 3: None, 4: 12}, 17)


def test_small_total_hides_everything_including_zeros():
    assert suppress_distribution({1: 0, 2: 3, 3: 1}, 5) == ({1: None, 2: None, 3: None}, None)


def test_all_ones_would_be_pinned_so_the_total_goes_too():
    # Total 5 with five hidden nonzero cells: each must be exactly 1.
    ones = dict.fromkeys(range(1, 6), 1)
    assert suppress_distribution(ones, 5) == (dict.fromkeys(ones), None)


def test_small_month_hides_a_second_month_in_every_column():
    table = {"jan": {1: 6, 2: 9}, "feb": {1: 7, 2: 8}, "mar": {1: 1, 2: 2}}
    result = suppress_table(table, 5)
    assert result.cells["mar"] == {1: None, 2: None} and result.row_totals["mar"] is None
    assert result.cells["jan"] == {1: None, 2: None} and result.row_totals["jan"] is None
    assert result.cells["feb"] == {1: 7, 2: 8} and result.row_totals["feb"] == 15
    assert result.column_totals == {1: 14, 2: 19} and result.total == 33
    assert determined_hidden(grid_of(result)) == []


BRIDGE_TABLE = {
    0: {0: 5, 1: 2, 2: 13, 3: 8}, 1: {0: 5, 1: 6, 2: 14, 3: 14}, 2: {0: 14, 1: 3, 2: 6, 3: 0},
    3: {0: 10, 1: 5, 2: 1, 3: 13}, 4: {0: 3, 1: 10, 2: 9, 3: 3},
}


def test_two_hidden_per_line_is_not_enough_when_all_margins_combine(monkeypatch):
    # With only the per-line rules, cell (0, 1) here is hidden twice in its row and its column,
    # yet adding up all the margins pins it down (it sits on no cycle of hidden cells).
    monkeypatch.setattr(suppression, "_pinned", lambda rows: [])
    assert determined_hidden(grid_of(suppress_table(BRIDGE_TABLE, 5))) == [(0, 1)]
    monkeypatch.undo()
    assert determined_hidden(grid_of(suppress_table(BRIDGE_TABLE, 5))) == []


def test_empty_inputs():
    assert suppress_distribution({}, 5) == ({}, 0)
    assert suppress_table({}, 5) == ({}, {}, {}, 0)


# --- properties -----------------------------------------------------------------------------

@settings(deadline=None, derandomize=True)
@given(distributions, ks)
def test_distribution_properties(counts_, k):
    cells, total = suppress_distribution(counts_, k)
    k_ = effective_k(k)
    true_total = sum(counts_.values())
    figures = list(zip(cells.values(), counts_.values())) + [(total, true_total)]
    assert all(s is None or s == v for s, v in figures)           # shown means exact
    assert all(s is None or s == 0 or s >= k_ for s, _ in figures)  # (1) no small shown figure
    assert all((s == 0) == (total is not None) for s, v in figures[:-1] if v == 0)
    hidden = [v for s, v in figures[:-1] if s is None]
    if total is not None and hidden:
        # (2) hidden parts are known only as their sum, of at least k, over at least two nonzero
        # parts that are each at least 1 (zeros are shown), so each lies in [1, sum - n + 1].
        remainder = total - sum(s for s, _ in figures[:-1] if s is not None)
        assert remainder == sum(hidden) >= k_ and len(hidden) >= 2
        assert remainder - len(hidden) + 1 > 1
    assert suppress_distribution(counts_, k) == (cells, total)       # (3) deterministic
    assert suppress_distribution(counts_, max(k, 3)) == (cells, total)  # (4) k < 3 acts as 3
    if not any(0 < v < k_ for v in counts_.values()) and true_total != 0 and true_total >= k_:
        assert (cells, total) == (counts_, true_total)  # nothing hidden without a reason


@settings(deadline=None, derandomize=True)
@given(tables(), ks)
def test_table_properties(table, k):
    result = suppress_table(table, k)
    k_ = effective_k(k)
    grid, truth = grid_of(result), true_grid(table)
    pairs = [(s, v) for srow, vrow in zip(grid, truth) for s, v in zip(srow, vrow)]
    assert all(s is None or s == v for s, v in pairs)
    assert all(s is None or s == 0 or s >= k_ for s, _ in pairs)  # (1)
    for line in lines(grid):
        # (2) subtraction: a line never has exactly one hidden figure (margin included)...
        assert sum(s is None for s in line) != 1
    # ...and no hidden figure follows from all shown cells and margins together.
    assert determined_hidden(grid) == []
    for line, true_line in zip(lines(grid), lines(truth)):
        hidden = [v for s, v in zip(line[:-1], true_line[:-1]) if s is None and v]
        if line[-1] is not None and any(s is None for s in line[:-1]):
            assert len(hidden) >= 2 and sum(hidden) >= k_ and sum(hidden) > len(hidden)
    assert suppress_table(table, k) == result  # (3)
    assert suppress_table(table, max(k, 3)) == result  # (4)
