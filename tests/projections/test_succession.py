"""The successor proposal on small cases worked by hand (families × candidates, caps, prior co and shadow)."""

from __future__ import annotations

from projections.succession import Candidate, Need, propose_successors


def test_three_families_three_candidates_one_each_a_prior_co_keeping_their_family() -> None:
    """Given 林家 (served by B as co), 张家 and 王家, and candidates A, B, C with no families, the cap 1:
    each takes one, and B takes 林家, the family that knows them."""
    needs = [Need("林家", served_by=frozenset({"B"})), Need("张家"), Need("王家")]
    candidates = [Candidate("A", 0), Candidate("B", 0), Candidate("C", 0)]

    proposal = propose_successors(needs, candidates, max_caseload=1)

    assert proposal["林家"] == "B"
    assert {proposal["张家"], proposal["王家"]} == {"A", "C"}


def test_a_prior_shadow_is_preferred_over_a_lighter_caseload() -> None:
    """Given 林家 once shadowed by B (who leads 2 already) and A who leads none, the cap 3:
    B, whom the family knows, rather than A."""
    needs = [Need("林家", served_by=frozenset({"B"}))]
    candidates = [Candidate("A", 0), Candidate("B", 2)]

    assert propose_successors(needs, candidates, max_caseload=3) == {"林家": "B"}


def test_caseloads_are_balanced_and_never_over_the_cap() -> None:
    """Given 4 families and A (leads 0), B (leads 1), the cap 3: A has 3 slots, B 2. Balanced, the loads
    after are A 2 and B 3 or A 3 and B 2 → the cheapest spread: A takes 2 (marginal 1, 2), B 2 (2, 3) or
    A 3 (1, 2, 3), B 1 (2): both cost 8; never A 4 (over the cap)."""
    needs = [Need(f"家{i}") for i in range(4)]
    candidates = [Candidate("A", 0), Candidate("B", 1)]

    proposal = propose_successors(needs, candidates, max_caseload=3)

    taken = list(proposal.values())
    assert None not in taken
    assert taken.count("A") <= 3 and taken.count("B") <= 2
    assert sorted([taken.count("A"), taken.count("B")]) in ([2, 2], [1, 3])
    assert taken.count("A") >= taken.count("B")  # A starts lighter


def test_the_lightest_caseload_takes_the_family() -> None:
    """Given one family and A (leads 2), B (leads 0), C (leads 1), the cap 3: B."""
    proposal = propose_successors([Need("林家")], [Candidate("A", 2), Candidate("B", 0), Candidate("C", 1)], 3)

    assert proposal == {"林家": "B"}


def test_the_incoming_cohort_breaks_a_tie_of_caseloads() -> None:
    """Given one family and A, B with no families, B of the incoming cohort: B."""
    proposal = propose_successors([Need("林家")], [Candidate("A", 0), Candidate("B", 0, incoming=True)], 2)

    assert proposal == {"林家": "B"}


def test_balance_comes_before_the_incoming_cohort() -> None:
    """Given one family, A (not incoming, leads 0) and B (incoming, leads 1): A, the lighter caseload."""
    proposal = propose_successors([Need("林家")], [Candidate("A", 0), Candidate("B", 1, incoming=True)], 3)

    assert proposal == {"林家": "A"}


def test_no_candidate_left_gives_no_successor_rather_than_a_bad_assignment() -> None:
    """Given 3 families and A (leads 1) and B (leads 2) under the cap 2: one slot only (A's). The family that
    A served as co gets A; the other two: no successor available."""
    needs = [Need("林家"), Need("张家", served_by=frozenset({"A"})), Need("王家")]
    candidates = [Candidate("A", 1), Candidate("B", 2)]

    assert propose_successors(needs, candidates, max_caseload=2) == {"林家": None, "张家": "A", "王家": None}


def test_the_outgoing_lead_is_never_their_own_successor() -> None:
    """Given a family whose only candidate is its own outgoing lead: no successor."""
    needs = [Need("林家", served_by=frozenset({"A"}), excluded=frozenset({"A"}))]

    assert propose_successors(needs, [Candidate("A", 0)], max_caseload=3) == {"林家": None}


def test_a_contested_prior_co_goes_where_the_rest_still_fits() -> None:
    """Given 林家 and 张家 both once served by A (one slot left), and B free: one of them keeps A, the
    other gets B; nobody is left without a successor."""
    needs = [Need("林家", served_by=frozenset({"A"})), Need("张家", served_by=frozenset({"A"}))]
    proposal = propose_successors(needs, [Candidate("A", 2), Candidate("B", 0)], max_caseload=3)

    assert sorted(v for v in proposal.values() if v) == ["A", "B"]


def test_nothing_to_propose() -> None:
    assert propose_successors([], [Candidate("A", 0)], 3) == {}
    assert propose_successors([Need("林家")], [], 3) == {"林家": None}
