"""Timeline page benchmark: a page of 200 entries should cost the same in a family of 200 entries as in one of
1,000 or 5,000 (issue 14: "timelines read only the page asked for").

In one run, on a fresh SQLite store, families of ``--sizes`` entries are recorded (three years of visits and
messages by a lead; a handover every ~600 entries with two joint visits and the family's agreement; every 50th
entry a concern in the shelter compartment with its follow-up; some amendments and retractions), and for each:

1. ``ReadModels.timeline`` with ``Page(200)``: the first page, a page in the middle (after a cursor), and the
   first page as of a moment after the last fact (the replay's code path, over the whole record), for a reader
   not cleared for the compartment (its entries are skipped, not counted);
2. the same through the API, ``GET /api/v1/families/<id>/timeline?limit=200`` (Flask's test client, signed in:
   sign-in, the policy and the read audit all run), as a coordinator and, with ``as_of``, as an auditor; and
   the page half-way through, following its cursor (later pages leave out what was recorded after the first);
3. the family page (HTML: the picture of the whole record, and the entries it lists).

Each figure is printed as p50/p99 beside the smallest family's p50 (the ratio; goal <= ~1).

    python benchmarks/timeline.py                      # a minute or two on 2 cores
    python benchmarks/timeline.py --sizes 200,1000,5000,20000 --repeat 100
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from domain import Actor, Peiban, StoreSettings  # noqa: E402
from domain.aggregate import Entry  # noqa: E402
from domain.cohort import Cohort  # noqa: E402
from domain.family import Family  # noqa: E402
from domain.values import (  # noqa: E402
    Circumstance,
    ConsentScope,
    GuardianConsent,
    HouseholdMember,
    Relation,
    Role,
)
from domain.volunteer import Volunteer  # noqa: E402
from projections.plain import iso  # noqa: E402
from projections.read_models import ReadModels  # noqa: E402
from projections.timeline import Page  # noqa: E402
from tests.web.ui.conftest import browser, open_account  # noqa: E402
from web.app import create_app, shutdown  # noqa: E402
from web.infra.stores import open_application  # noqa: E402
from web.settings import Settings  # noqa: E402

BY = Actor("benchmark")
PAGE = 200


def record_family(app: Peiban, size: int, end: datetime) -> UUID:
    """A family of about ``size`` entries over the three years before ``end``."""
    start = end - timedelta(days=3 * 365)
    step = (end - start) / (size + 2)
    at = start

    def entry() -> Entry:
        nonlocal at
        at += step
        return Entry(BY, at, at)

    cohort = Cohort.open(Entry(BY, start, start), name="基准", intake_on=start.date(), expected_end_on=end.date())
    people = []
    for i in range(size // 600 + 2):
        volunteer = Volunteer.register(Entry(BY, start, start), name=f"义工{i}", cohort_id=cohort.id, contact="-")
        volunteer.activate(Entry(BY, start, start))
        people.append(volunteer)
    family = Family.enrol(
        entry(),
        display_name=f"家庭{size}",
        community="基准社区",
        referral_source="",
        household=[HouseholdMember(Relation.CHILD, 2015)],
        circumstances=[Circumstance.MIGRANT],
        consent=GuardianConsent(Relation.MOTHER, (ConsentScope.RECORDS,), date(2020, 12, 1)),
    )
    lead = 0
    family.assign(entry(), volunteer=people[lead].standing, role=Role.LEAD)
    visits: list[UUID] = []
    while family.version < size:
        n = family.version
        if n % 600 == 300 and lead + 1 < len(people):
            out, incoming = people[lead].standing, people[lead + 1].standing
            hid = family.plan_handover(
                entry(), outgoing_volunteer_id=out.volunteer_id, incoming=incoming, planned_on=at.date(), letter="信"
            )
            family.record_family_agreement(entry(), handover_id=hid, note="")
            for _ in range(2):
                family.log_visit(
                    entry(), volunteers=[out, incoming], place="home", duration_minutes=60, summary="共同探访"
                )
            family.complete_handover(entry(), handover_id=hid, incoming=incoming, keep_in_touch=True)
            lead += 1
        elif n % 50 == 25:
            concern = family.raise_concern(
                entry(), category="safety", level="high", summary="家里有争吵", service_line="shelter"
            )
            family.schedule_follow_up(entry(), concern_id=concern, action="跟进", due_on=at.date())
        elif n % 97 == 0 and visits:
            family.amend(entry().as_recorded(), target_event_id=visits[-1], changes={"summary": "改"}, reason="补充")
        elif n % 211 == 0 and visits:
            family.retract(entry().as_recorded(), target_event_id=visits.pop(), reason="重复")
        elif n % 3 == 2:
            family.log_message(
                entry(), volunteer=people[lead].standing, direction="from_family", channel="wechat", summary="近况还好"
            )
        else:
            visits.append(
                family.log_visit(
                    entry(),
                    volunteers=[people[lead].standing],
                    place="home",
                    duration_minutes=90,
                    summary="陪孩子写作业，聊了学校的事",
                    activities=["作业辅导"],
                )
            )
    app.save(cohort, *people, family)
    return family.id


def timed(reads: dict[int, Callable[[], int]], repeat: int) -> dict[int, tuple[list[float], int]]:
    """Milliseconds of each of ``repeat`` reads of each family (after one untimed), taken in turn so that the
    machine's other work weighs on every family alike; and how many entries a read of each shows."""
    shown = {size: read() for size, read in reads.items()}
    times: dict[int, list[float]] = {size: [] for size in reads}
    for _ in range(repeat):
        for size, read in reads.items():
            started = time.perf_counter()
            read()
            times[size].append((time.perf_counter() - started) * 1000)
    return {size: (times[size], shown[size]) for size in reads}


def p99(times: list[float]) -> float:
    return sorted(times)[max(0, round(len(times) * 0.99) - 1)]


def show(label: str, figures: dict[int, tuple[list[float], int]]) -> None:
    smallest = statistics.median(figures[min(figures)][0])
    for size, (times, shown) in sorted(figures.items()):
        median = statistics.median(times)
        print(f"{label:38} {size:>7,} {shown:>5} {median:8.2f} {p99(times):8.2f} {median / smallest:7.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="200,1000,5000", help="entries in each family (the first is the baseline)")
    parser.add_argument("--repeat", type=int, default=60)
    args = parser.parse_args()
    sizes = sorted(int(n) for n in args.sizes.split(","))
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(store=StoreSettings(backend="sqlite", data_dir=Path(folder)))
        app = open_application(settings)
        end = datetime.now(tz=UTC) - timedelta(days=1)
        families = {size: record_family(app, size, end) for size in sizes}
        after = end + timedelta(hours=1)
        app.close()
        web = create_app(settings, {"TESTING": True})
        try:
            models: ReadModels = web.extensions["peiban.read_models"]
            models.catch_up()
            open_account(web, "coordinator", "coordinator", None)
            open_account(web, "auditor", "auditor", None)
            clients = {name: browser(web, name) for name in ("coordinator", "auditor")}
            heads = ("family", "shown", "p50 ms", "p99 ms", "× first")
            print(
                f"{'a page of up to 200 entries':38} "
                + " ".join(f"{h:>{w}}" for h, w in zip(heads, (7, 5, 8, 8, 7), strict=True))
            )
            reads: dict[str, Callable[[UUID], Callable[[], int]]] = {
                "read model: first page": lambda f: (
                    lambda: len(models.timeline(f, include_sensitive=False, page=Page(PAGE)).entries)
                ),
                "read model: a page in the middle": lambda f: middle_page(models, f),
                "read model: first page, as of": lambda f: (
                    lambda: len(models.timeline(f, as_of=after, include_sensitive=False, page=Page(PAGE)).entries)
                ),
                "API: first page (coordinator)": lambda f: api(clients["coordinator"], f, {}),
                "API: first page, as of (auditor)": lambda f: api(clients["auditor"], f, {"as_of": after.isoformat()}),
                "API: the page half-way (its cursor)": lambda f: api(clients["coordinator"], f, half_way(clients, f)),
                "family page (coordinator; entries listed)": lambda f: family_page(clients["coordinator"], f),
            }
            for label, read in reads.items():
                show(label, timed({size: read(family) for size, family in families.items()}, args.repeat))
        finally:
            shutdown(web)


def middle_page(models: ReadModels, family: UUID) -> Callable[[], int]:
    """The page of 200 entries that starts half-way through the family's record (the first, if it has but one)."""
    whole = models.timeline(family, include_sensitive=False).entries
    mark = whole[len(whole) // 2] if len(whole) > 2 * PAGE else None
    after = (mark.event_id, iso(mark.occurred_at)) if mark else None
    return lambda: len(models.timeline(family, include_sensitive=False, page=Page(PAGE, after=after)).entries)


def half_way(clients: dict[str, Any], family: UUID) -> dict[str, str]:
    """The query of the API's page that starts half-way through the family's record (its cursor, walked to)."""
    cursors: list[str] = []
    query: dict[str, str] = {"limit": str(PAGE)}
    while True:
        found = clients["coordinator"].get(f"/api/v1/families/{family}/timeline", query_string=query).get_json()
        if not found["next"]:
            return {"after": cursors[len(cursors) // 2]} if cursors else {}
        cursors.append(found["next"])
        query["after"] = found["next"]


def family_page(client: Any, family: UUID) -> Callable[[], int]:
    def read() -> int:
        response = client.get(f"/families/{family}")
        assert response.status_code == 200, response.status_code
        return response.get_data().count(b'<li class="entry')

    return read


def api(client: Any, family: UUID, query: dict[str, str]) -> Callable[[], int]:
    def read() -> int:
        response = client.get(f"/api/v1/families/{family}/timeline", query_string={"limit": str(PAGE), **query})
        assert response.status_code == 200, response.get_data()
        return response.get_data().count(b'"kind":')  # each entry's (the test client's JSON reading is not timed)

    return read


if __name__ == "__main__":
    main()
