"""Which survey aggregates may be released (decisions.md, "Survey results: the release model").

An aggregate is a set of responses: a meeting's, a periodic link's, a group's month, a group's or
the organization's range of months. Here it is a set of leaves (the smallest units, meetings and
periodic links) with a level that says how high it sits. An aggregate is shown whole or not at all.

The rule, for k: a shown aggregate holds at least k responses, and every set of hidden responses a
reader can work out from shown figures by adding and subtracting holds 0 or at least k of them.
Every figure (counts per answer, sums behind means and scores) is a sum over responses, so
protecting the sets of responses protects them all at once.

How it is checked: a hidden leaf's signature is the set of shown aggregates (leaves aside) that
contain it; leaves with the same signature form an atom. Every combination of shown figures is
constant on each atom, so a hidden set that can be worked out is a union of atoms with a signature.
Hence: every atom with a signature holds 0 or at least k responses. (For nested aggregates this
is exact; for overlapping ranges it may hide a little more than strictly needed, never less.)

When an atom breaks the rule, more is hidden, lowest level first (a meeting before a month, a month
before a group's range, the organization's range last), smallest first: first an aggregate whose
hiding adds responses to the atom, else the lowest aggregate of the atom's signature. Figures
already released (`fixed`) never change; hiding every aggregate not yet fixed always restores what
was released before, so the loop always ends in a state that keeps the rule. Pure: no database."""
from collections.abc import Hashable, Iterable
from typing import NamedTuple

DEFAULT_K = 5
MIN_K = 3  # an organization may raise k, never lower it below this
# The settings form's upper bound: a meeting's link takes at most its attendees plus a small
# margin, so a k above this would hide nearly every figure, even a large group's whole month.
MAX_K = 50

LEAF, MONTH, ORG_MONTH, GROUP_RANGE, ORG_RANGE = range(5)  # levels, lowest first


class Aggregate(NamedTuple):
    key: Hashable
    level: int  # LEAF for a meeting or a periodic link; higher levels are hidden later
    leaves: frozenset  # keys of the leaves in it (a leaf's own aggregate holds itself)


def effective_k(k=None):
    """The threshold actually applied: the organization's k, or the default, never below MIN_K."""
    return max(MIN_K, DEFAULT_K if k is None else int(k))


def decide(counts: dict, aggregates: Iterable[Aggregate], k, fixed: dict | None = None) -> dict:
    """{aggregate key: shown?} for every aggregate. `counts` holds each leaf's responses; `fixed`
    the decisions released before ({key: shown}), which are kept as they are."""
    k = effective_k(k)
    fixed = fixed or {}
    aggregates = list(aggregates)
    order = {a.key: i for i, a in enumerate(aggregates)}
    size = {a.key: sum(counts.get(leaf, 0) for leaf in a.leaves) for a in aggregates}
    shown = {a.key: fixed[a.key] if a.key in fixed else size[a.key] >= k for a in aggregates}
    by_key = {a.key: a for a in aggregates}
    containing = {}  # leaf -> the aggregates above leaf level that hold it
    for a in aggregates:
        if a.level != LEAF:
            for leaf in a.leaves:
                containing.setdefault(leaf, []).append(a.key)

    def rank(key):
        return by_key[key].level, size[key], order[key]

    while True:
        atoms, signature_of = _atoms(counts, containing, by_key, shown)
        broken = [sig for sig, (n, _leaves) in atoms.items() if sig and 0 < n < k]
        if not broken:
            return shown
        sig = min(broken, key=lambda s: min(order[key] for key in s))
        unfixed = [key for key in shown if shown[key] and key not in fixed]
        growing = [key for key in unfixed
                   if _gain(by_key[key], sig, atoms, signature_of, containing, shown, counts) > 0]
        in_signature = [key for key in sig if key not in fixed]
        if growing:
            shown[min(growing, key=rank)] = False
        elif in_signature:
            shown[min(in_signature, key=rank)] = False
        else:  # cannot happen while `fixed` kept the rule, but never show what breaks it
            for key in unfixed:
                shown[key] = False
            if not unfixed:
                raise ValueError("the fixed releases break the rule on their own")


def _atoms(counts, containing, by_key, shown):
    """{signature: (responses, leaves)} over hidden leaves, and each hidden leaf's signature."""
    atoms, signature_of = {}, {}
    for leaf, n in counts.items():
        if leaf in by_key and shown[leaf] and by_key[leaf].level == LEAF:
            continue
        sig = frozenset(key for key in containing.get(leaf, ()) if shown[key])
        signature_of[leaf] = sig
        total, leaves = atoms.get(sig, (0, []))
        leaves.append(leaf)
        atoms[sig] = (total + n, leaves)
    return atoms, signature_of


def _gain(aggregate, sig, atoms, signature_of, containing, shown, counts):
    """Responses that would join the atom `sig` if `aggregate` were hidden too."""
    if aggregate.key in sig:  # the atom's signature shrinks: it merges with the atom without it
        return atoms.get(sig - {aggregate.key}, (0, ()))[0]
    if aggregate.level == LEAF:
        (leaf,) = aggregate.leaves
        own = frozenset(key for key in containing.get(leaf, ()) if shown[key])
        return counts.get(leaf, 0) if own == sig else 0
    return sum(counts.get(leaf, 0) for leaf in aggregate.leaves
               if leaf in signature_of and signature_of[leaf] - {aggregate.key} == sig
               and aggregate.key in signature_of[leaf])
