"""Who should take over each family of a leaving cohort: an assignment solved by SciPy, not a greedy loop.

The preferences, strongest first:

1. a volunteer who already served the family as co or shadow (the family knows them);
2. caseloads balanced, and never above the maximum: each candidate offers as many *slots* as their
   caseload leaves below the maximum, and the k-th slot of a candidate costs their caseload after taking
   it, so spreading families costs less than piling them on one volunteer;
3. a volunteer of the incoming cohort (they stay longest).

The weights make the order strict: one family more with a successor outweighs any preference, one prior
co or shadow more outweighs any balance of caseloads, and balance outweighs the cohort. A family nobody
can take is answered ``None`` ("no successor available"): every family has a private "nobody" column that
costs more than any real choice, so the solver never has to make a bad assignment to find a complete one.
Pure: no database, no web; the caller reads the facts and passes them in.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Need:
    """A family whose lead is leaving: who served it before as co or shadow, and who may not take it."""

    family_id: str
    served_by: frozenset[str] = field(default_factory=frozenset)
    #: volunteers who may not be its successor (the outgoing lead)
    excluded: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class Candidate:
    """A volunteer who could take families over: how many they lead now, and whether of the incoming cohort."""

    volunteer_id: str
    caseload: int
    incoming: bool = False


def slots(candidate: Candidate, max_caseload: int) -> int:
    """How many more families ``candidate`` can take under ``max_caseload``."""
    return max(0, max_caseload - candidate.caseload)


def propose_successors(
    needs: Sequence[Need], candidates: Sequence[Candidate], max_caseload: int
) -> Mapping[str, str | None]:
    """family id -> the proposed successor's volunteer id, or None where nobody can take the family."""
    n = len(needs)
    if n == 0:
        return {}
    columns = [(c, c.caseload + k + 1) for c in candidates for k in range(min(slots(c, max_caseload), n))]
    w_cohort = 1.0
    w_load = (n + 1) * w_cohort
    w_prior = n * (w_load * (max_caseload + 1) + w_cohort) + 1
    nobody = (n + 1) * (w_prior + w_load * (max_caseload + 1) + w_cohort)
    forbidden = (n + 1) * nobody
    # Imported here, not with the module: SciPy takes a second to import, and every process (a web worker, the
    # follower, each command) imports this module but few ever plan a transition.
    import numpy as np
    from scipy.optimize import linear_sum_assignment

    cost = np.full((n, len(columns) + n), forbidden)
    for i, need in enumerate(needs):
        for j, (candidate, load_after) in enumerate(columns):
            if candidate.volunteer_id in need.excluded:
                continue
            prior = 0.0 if candidate.volunteer_id in need.served_by else w_prior
            cohort = 0.0 if candidate.incoming else w_cohort
            cost[i, j] = prior + w_load * load_after + cohort
        cost[i, len(columns) + i] = nobody
    rows, chosen = linear_sum_assignment(cost)
    proposal: dict[str, str | None] = {need.family_id: None for need in needs}
    for i, j in zip(rows, chosen, strict=True):
        if j < len(columns) and cost[i, j] < nobody:
            proposal[needs[i].family_id] = columns[j][0].volunteer_id
    return proposal
