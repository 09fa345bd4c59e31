"""Small-cell suppression: each rule by example, then the privacy guarantees as properties."""
import random
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from peergroups import suppression
from peergroups.suppression import (
    comments_to_show,
    effective_k,
    shown,
    suppress_count,
    suppress_distribution,
    suppress_linked,
    suppress_mean,
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


def reduced(matrix):
    """Reduced row echelon form by dense exact elimination, so rounding cannot fool the check."""
    rows, done = [[Fraction(x) for x in row] for row in matrix], 0
    for col in range(len(rows[0]) if rows else 0):
        pivot = next((i for i in range(done, len(rows)) if rows[i][col]), None)
        if pivot is None:
            continue
        rows[done], rows[pivot] = rows[pivot], rows[done]
        rows[done] = [x / rows[done][col] for x in rows[done]]
        for i in range(len(rows)):
            if i != done and rows[i][col]:
                factor = rows[i][col]
                rows[i] = [a - factor * b for a, b in zip(rows[i], rows[done])]
        done += 1
    return rows[:done]


def pinned(lines_, hidden):
    """Hidden keys whose value follows from the shown figures and all lines: those whose unit
    vector is a row of the reduced system (written apart from the module's sparse elimination)."""
    unknowns = list(hidden)
    index = {key: i for i, key in enumerate(unknowns)}
    matrix = []
    for parts, total in lines_:  # parts minus total = 0, restricted to the unknowns
        row = [0] * len(unknowns)
        for p in parts:
            if p in index:
                row[index[p]] += 1
        if total in index:
            row[index[total]] -= 1
        matrix.append(row)
    units = {tuple(row) for row in reduced(matrix)}
    return [key for key in unknowns if tuple(int(q == key) for q in unknowns) in units]


def determined_hidden(grid):
    """Hidden positions of a grid (last row and column the totals) fixed by its lines."""
    n_rows, n_cols = len(grid), len(grid[0])
    lines_ = [([(r, c) for c in range(n_cols - 1)], (r, n_cols - 1)) for r in range(n_rows)]
    lines_ += [([(r, c) for r in range(n_rows - 1)], (n_rows - 1, c)) for c in range(n_cols)]
    known_zero = {p for parts, total in lines_ if grid[total[0]][total[1]] == 0 for p in parts}
    return sorted(pinned(lines_, [(r, c) for r in range(n_rows) for c in range(n_cols)
                                  if grid[r][c] is None and (r, c) not in known_zero]))


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


def test_a_month_minus_its_shown_meetings_reveals_no_meeting():
    # Alone on its page, 9 would be shown, and 12 - 9 would give the hidden 3 on the group's page.
    values = {("meeting", 1): 3, ("meeting", 2): 9, ("month", "jan"): 12}
    lines_ = [([("meeting", 1), ("meeting", 2)], ("month", "jan"))]
    assert suppress_linked(values, lines_, 5) == {("meeting", 1), ("meeting", 2)}


def test_a_small_meeting_reaches_up_the_chain_to_the_organization():
    # Meeting a is January and meeting c is March, the whole of group g2. The group's line hides
    # February beside January (g1 is still shown then), and b with February, its only meeting;
    # the organization's line hides g1 beside g2, and the organization's 13 stays.
    values = {"a": 3, "jan": 3, "b": 6, "feb": 6, "g1": 9, "c": 4, "mar": 4, "g2": 4, "org": 13}
    lines_ = [(["a"], "jan"), (["b"], "feb"), (["jan", "feb"], "g1"), (["c"], "mar"),
              (["mar"], "g2"), (["g1", "g2"], "org")]
    hidden = suppress_linked(values, lines_, 5)
    assert hidden == {"a", "jan", "b", "feb", "g1", "c", "mar", "g2"}
    assert pinned(lines_, hidden) == []


def test_a_meeting_hidden_for_its_month_hides_its_zeros_and_a_part():
    # Meeting 2 (10 responses) is hidden beside meeting 1 in their month, so its distribution has
    # a hidden total: its zero goes, and one answer count, else the total would be their sum.
    values = {"m1": 3, "m2": 10, "month": 13, ("m2", 1): 0, ("m2", 2): 5, ("m2", 3): 5}
    lines_ = [(["m1", "m2"], "month"), ([("m2", 1), ("m2", 2), ("m2", 3)], "m2")]
    assert suppress_linked(values, lines_, 5) == {"m1", "m2", ("m2", 1), ("m2", 2)}


@pytest.mark.parametrize("values, lines_", [
    ({"a": 2, "b": 3, "t": 6}, [(["a", "b"], "t")]),
    ({"a": -1, "b": 3, "t": 2}, [(["a", "b"], "t")]),
    ({"a": 2, "t": 4}, [(["a", "a"], "t")]),
])
def test_inconsistent_lines_are_refused(values, lines_):
    with pytest.raises(ValueError):
        suppress_linked(values, lines_, 5)


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
        # (2) subtraction: a line never has exactly one hidden figure (margin included), but for
        # a part of a shown zero total, which is zero whatever is hidden...
        assert sum(s is None for s in line) != 1 or line[-1] == 0
    # ...and no hidden figure follows from all shown cells and margins together.
    assert determined_hidden(grid) == []
    for line, true_line in zip(lines(grid), lines(truth)):
        hidden = [v for s, v in zip(line[:-1], true_line[:-1]) if s is None and v]
        if line[-1] not in (None, 0) and any(s is None for s in line[:-1]):
            assert len(hidden) >= 2 and sum(hidden) >= k_ and sum(hidden) > len(hidden)
    assert suppress_table(table, k) == result  # (3)
    assert suppress_table(table, max(k, 3)) == result  # (4)


@st.composite
def line_systems(draw):
    """Random lines over a few keys (values do not matter here) and a random set of hidden keys."""
    keys = range(draw(st.integers(1, 9)))
    lines_ = []
    for _ in range(draw(st.integers(0, 8))):
        members = draw(st.lists(st.sampled_from(keys), min_size=1, max_size=5, unique=True))
        lines_.append((members[:-1], members[-1]))
    return lines_, draw(st.sets(st.sampled_from(keys)))


@settings(deadline=None, derandomize=True)
@given(line_systems())
def test_pinned_agrees_with_dense_elimination(system):
    # The module's sparse elimination, random solution and exact confirmation against the plain
    # textbook computation, on systems far denser and more tangled than survey lines.
    lines_, hidden = system
    rows = [{**{p: 1 for p in parts if p in hidden}, **({total: -1} if total in hidden else {})}
            for parts, total in lines_]
    assert sorted(suppression._pinned([row for row in rows if row])) == sorted(pinned(lines_, hidden))


@st.composite
def hierarchies(draw):
    """All figures of a small survey: a random tree of lines (organization, groups, months: 0 to
    2 levels between the organization and the meetings), and per question a meetings x points
    table whose row totals are the meetings' counts and whose column totals the organization's."""
    # Big enough, with mostly large counts and a few small ones, that the line rules alone now
    # and then leave a value that all lines together pin down (a few examples in a hundred: with
    # _pinned switched off, test_linked_properties fails).
    cell_counts = st.one_of(st.integers(0, 4), st.integers(5, 40))
    points, questions = range(draw(st.integers(4, 5))), range(draw(st.integers(1, 2)))
    depth = draw(st.integers(0, 2))
    meetings = [tuple(draw(st.integers(0, 2)) for _ in range(depth)) + (n,)
                for n in range(draw(st.integers(5, 8)))]
    values, lines_ = {}, []
    for meeting in meetings:
        cells = [draw(cell_counts) for _ in points]
        for q in questions:  # every question is answered by everyone: the same total
            parts = [("cell", meeting, q, p) for p in points]
            values.update(zip(parts, cells if q == 0 else draw(st.permutations(cells))))
            lines_.append((parts, meeting))
        values[meeting] = sum(cells)
    for level in range(depth, -1, -1):  # months from meetings, groups from months, then the root
        children = {}
        for key in [key for key in values if isinstance(key, tuple) and len(key) == level + 1
                    and key[0] != "cell"]:
            children.setdefault(key[:-1], []).append(key)
        for parent, parts in children.items():
            values[parent] = sum(values[part] for part in parts)
            lines_.append((parts, parent))
    for q in questions:
        org_cells = [("org", q, p) for p in points]
        for org_cell, p in zip(org_cells, points):
            parts = [("cell", m, q, p) for m in meetings]
            values[org_cell] = sum(values[part] for part in parts)
            lines_.append((parts, org_cell))
        lines_.append((org_cells, ()))
    values["org"] = values[()]  # a key of another type, on the organization's own page
    lines_.append(([()], "org"))
    return values, lines_


@settings(deadline=None, derandomize=True, max_examples=200)
@given(hierarchies(), ks)
def test_linked_properties(survey, k):
    values, lines_ = survey
    hidden = suppress_linked(values, lines_, k)
    k_ = effective_k(k)
    assert hidden <= set(values)
    assert {key for key, v in values.items() if 0 < v < k_} <= hidden  # primary
    for parts, total in lines_:
        hidden_parts = [values[p] for p in parts if p in hidden]
        nonzero = [v for v in hidden_parts if v]
        if total in hidden:
            assert nonzero or not any(values[p] for p in parts)
            assert all(p in hidden for p in parts if not values[p])
        elif nonzero or (hidden_parts and values[total]):
            # Known only as a sum of two or more parts, at least k, not all ones. Beside a shown
            # zero total every part is zero anyway: hiding some of them protects nothing.
            assert len(nonzero) >= 2 and sum(nonzero) >= k_ and sum(nonzero) > len(nonzero)
    known_zero = {p for parts, total in lines_ if total not in hidden and not values[total] for p in parts}
    assert pinned(lines_, hidden - known_zero) == []
    assert suppress_linked(values, lines_, k) == hidden


def test_a_shown_zero_total_does_not_make_its_hidden_zero_parts_spread():
    """Nobody in the group chose "1", so nobody in its small hidden meeting did either: that zero is
    told by the group's own zero, and hiding more (down to the group's whole distribution, as
    before) would protect nothing."""
    values = {"m1": 3, "m2": 9, "g": 12, ("m1", 1): 0, ("m1", 3): 3, ("m2", 1): 0, ("m2", 3): 9,
              ("g", 1): 0, ("g", 3): 12}
    lines_ = [(["m1", "m2"], "g"), ([("m1", 1), ("m1", 3)], "m1"), ([("m2", 1), ("m2", 3)], "m2"),
              ([("g", 1), ("g", 3)], "g"), ([("m1", 1), ("m2", 1)], ("g", 1)), ([("m1", 3), ("m2", 3)], ("g", 3))]
    hidden = suppress_linked(values, lines_, 5)
    assert {"m1", ("m1", 1), ("m1", 3), "m2", ("m2", 3)} <= hidden  # the small meeting and its complement
    assert not hidden & {"g", ("g", 1), ("g", 3)}
