"""The release rule (suppression.decide): the worked example of decisions.md, then the guarantee as
properties over random hierarchies, random k and figures released earlier."""
import itertools
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from peergroups.suppression import GROUP_RANGE, LEAF, MONTH, ORG_MONTH, ORG_RANGE, Aggregate, decide, effective_k


def leaf(key):
    return Aggregate(key, LEAF, frozenset([key]))


def test_k_is_never_below_the_minimum():
    assert effective_k(None) == 5
    assert effective_k(1) == 3
    assert effective_k(8) == 8


def test_the_worked_example():
    """k = 5. March: A (6), B (3), C (0). A is released when its link closes; then B; then March
    ends: March - A = B, so March is hidden, and so is the quarter (quarter - Jan - Feb = March)."""
    counts = {"A": 6, "B": 3, "C": 0, "J": 12, "F": 7}
    fixed = decide(counts, [leaf("A")], 5)
    assert fixed == {"A": True}
    fixed |= decide(counts, [leaf("A"), leaf("B")], 5, fixed)
    assert fixed == {"A": True, "B": False}
    months = [Aggregate("Jan", MONTH, frozenset("J")), Aggregate("Feb", MONTH, frozenset("F")),
              Aggregate("Mar", MONTH, frozenset("ABC"))]
    quarter = Aggregate("Q1", GROUP_RANGE, frozenset("JFABC"))
    shown = decide(counts, [leaf("A"), leaf("B"), leaf("C"), leaf("J"), leaf("F"), *months, quarter], 5, fixed)
    assert shown["A"] and not shown["B"] and not shown["C"]
    assert shown["Jan"] and shown["Feb"] and not shown["Mar"]
    assert not shown["Q1"]


def test_a_month_hides_a_large_meeting_to_keep_its_totals_when_meetings_wait_for_it():
    """Released together, the month hides its own meeting A as the complement of B, so the month
    and the group's range (the headline) are shown."""
    counts = {"A": 6, "B": 3, "J": 12}
    aggregates = [leaf("A"), leaf("B"), leaf("J"), Aggregate("Jan", MONTH, frozenset("J")),
                  Aggregate("Mar", MONTH, frozenset("AB")), Aggregate("all", GROUP_RANGE, frozenset("JAB"))]
    shown = decide(counts, aggregates, 5)
    assert not shown["A"] and not shown["B"]
    assert shown["Mar"] and shown["Jan"] and shown["all"]


def test_a_rare_answer_is_not_protected_by_hiding_it_but_by_the_count():
    """Zero responses behind a hidden part are fine: nothing is learnt about anyone."""
    counts = {"A": 7, "B": 0}
    shown = decide(counts, [leaf("A"), leaf("B"), Aggregate("m", MONTH, frozenset("AB"))], 5)
    assert shown == {"A": True, "B": False, "m": True}


def test_released_figures_never_change():
    counts = {"A": 2, "B": 9}
    shown = decide(counts, [leaf("A"), leaf("B"), Aggregate("m", MONTH, frozenset("AB"))], 5, {"B": True})
    assert shown["B"] and not shown["A"] and not shown["m"]


# Random hierarchies: groups x months of meetings, with each group's months, the organization's
# months, each group's running total through each month and the organization's.

@st.composite
def hierarchies(draw):
    n_groups, n_months = draw(st.integers(1, 2)), draw(st.integers(1, 3))
    counts, cells = {}, {}
    for g, m in itertools.product(range(n_groups), range(n_months)):
        cells[(g, m)] = []
        for i in range(draw(st.integers(0, 2))):
            key = f"g{g}m{m}l{i}"
            counts[key] = draw(st.one_of(st.integers(0, 4), st.integers(0, 12)))
            cells[(g, m)].append(key)
    return n_groups, n_months, counts, cells


def aggregates_through(n_groups, month, cells, released_leaves):
    """What is released once `month` has ended: leaves, months and running totals up to it."""
    out = [leaf(key) for key in released_leaves]
    for m in range(month + 1):
        for g in range(n_groups):
            out.append(Aggregate(("month", g, m), MONTH, frozenset(cells[(g, m)])))
            out.append(Aggregate(("group", g, m), GROUP_RANGE,
                                 frozenset(x for mm in range(m + 1) for x in cells[(g, mm)])))
        out.append(Aggregate(("org-month", m), ORG_MONTH, frozenset(x for g in range(n_groups) for x in cells[(g, m)])))
        out.append(Aggregate(("org", m), ORG_RANGE,
                             frozenset(x for g in range(n_groups) for mm in range(m + 1) for x in cells[(g, mm)])))
    return out


def span_basis(rows, width):
    """Reduced row echelon basis of `rows`, exact, as (pivot column, row) pairs."""
    basis = []
    for row in rows:
        row = _reduce([Fraction(x) for x in row], basis)
        pivot = next((i for i in range(width) if row[i]), None)
        if pivot is None:
            continue
        row = [x / row[pivot] for x in row]
        basis = [(p, [a - b * r[pivot] for a, b in zip(r, row)]) if r[pivot] else (p, r) for p, r in basis]
        basis.append((pivot, row))
    return basis


def _reduce(row, basis):
    for pivot, base in basis:
        if row[pivot]:
            factor = row[pivot]
            row = [a - factor * b for a, b in zip(row, base)]
    return row


def assert_nothing_small_can_be_worked_out(counts, aggregates, shown, k):
    """Brute force, independent of the module's atoms: no set of hidden leaves holding 1..k-1
    responses is a combination of shown aggregates (so no count, distribution, sum, mean or score
    of it is)."""
    k = effective_k(k)
    leaves = sorted(counts)
    index = {key: i for i, key in enumerate(leaves)}
    rows = []
    for a in aggregates:
        if shown[a.key]:
            assert sum(counts[x] for x in a.leaves) >= k, a
            row = [0] * len(leaves)
            for x in a.leaves:
                row[index[x]] = 1
            rows.append(row)
    basis = span_basis(rows, len(leaves))
    shown_leaves = {a.key for a in aggregates if a.level == LEAF and shown[a.key]}
    hidden = [x for x in leaves if x not in shown_leaves and counts[x] > 0]
    for size in range(1, len(hidden) + 1):
        for subset in itertools.combinations(hidden, size):
            n = sum(counts[x] for x in subset)
            if not 0 < n < k:
                continue
            vector = [Fraction(0)] * len(leaves)
            for x in subset:
                vector[index[x]] = Fraction(1)
            assert any(_reduce(vector, basis)), f"{subset} ({n} responses) can be worked out"


@given(hierarchies(), st.integers(1, 8), st.data())
def test_no_hidden_set_of_fewer_than_k_can_be_worked_out(hierarchy, k, data):
    n_groups, n_months, counts, cells = hierarchy
    leaves = sorted(counts)
    # Some leaves were released when their links closed, month by month; earlier months are fixed.
    fixed = {}
    for month in range(n_months):
        month_leaves = [x for g in range(n_groups) for x in cells[(g, month)]]
        early = data.draw(st.lists(st.sampled_from(month_leaves), unique=True) if month_leaves else st.just([]))
        released = [x for x in leaves if x in fixed] + early
        fixed |= decide(counts, [leaf(x) for x in released], k, fixed)
        released = [x for x in leaves if x in fixed or x in month_leaves]
        aggregates = aggregates_through(n_groups, month, cells, released)
        shown = decide(counts, aggregates, k, fixed)
        assert {key: shown[key] for key in fixed} == fixed  # a released figure never changes
        assert_nothing_small_can_be_worked_out(counts, aggregates, shown, k)
        assert decide(counts, aggregates, k, fixed) == shown  # deterministic
        fixed = shown


@given(st.dictionaries(st.sampled_from("abcdefg"), st.integers(0, 9), min_size=1),
       st.lists(st.tuples(st.integers(0, 4), st.sets(st.sampled_from("abcdefg"), min_size=1)), max_size=7),
       st.integers(1, 7))
def test_any_family_of_overlapping_aggregates(counts, family, k):
    """Ranges overlap (a quarter and the next one): the rule holds for any family of sets."""
    aggregates = [leaf(x) for x in sorted(counts)]
    for i, (level, members) in enumerate(family):
        members = frozenset(members) & counts.keys()
        if members:
            aggregates.append(Aggregate(("a", i), max(level, MONTH), members))
    shown = decide(counts, aggregates, k)
    assert_nothing_small_can_be_worked_out(counts, aggregates, shown, k)


def test_a_large_organization_keeps_its_headline():
    """Many groups, each month with one small meeting among larger ones, released together: the
    organization's and every group's totals stay shown."""
    counts, aggregates, group_leaves = {}, [], {}
    for g in range(30):
        month = []
        for i, n in enumerate((8, 6, 2, 7)):
            key = f"{g}-{i}"
            counts[key] = n
            month.append(key)
            aggregates.append(leaf(key))
        aggregates.append(Aggregate(("month", g), MONTH, frozenset(month)))
        aggregates.append(Aggregate(("group", g), GROUP_RANGE, frozenset(month)))
        group_leaves[g] = month
    aggregates.append(Aggregate("org", ORG_RANGE, frozenset(counts)))
    shown = decide(counts, aggregates, 5)
    assert shown["org"] and all(shown[("group", g)] for g in range(30))
    assert all(shown[f"{g}-0"] for g in range(30))  # only the smallest large meeting is the complement
