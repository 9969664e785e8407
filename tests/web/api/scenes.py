"""Scenes built through the API itself, and a table-driven check that rejected requests record nothing."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from flask.testing import FlaskClient

from domain import StoreSettings
from tests.builders import local_today
from tests.web.api.conftest import ago, cohort, log_position, post, signed_in
from web.app import create_app
from web.settings import Settings

MISSING = "00000000-0000-0000-0000-000000000000"
NAIVE = "2025-03-01T10:00:00"


def ahead(**delta: float) -> str:
    """A moment in the future (beyond the allowed clock skew when ``delta`` is large enough)."""
    return (datetime.now(tz=UTC) + timedelta(**delta)).isoformat()


def day(offset: int = 0) -> str:
    return str(local_today(offset))


def volunteer(client: FlaskClient, cohort_id: str, name: str, *, active: bool = True) -> str:
    """A volunteer registered 100 days ago and (unless not ``active``) on duty since 99 days ago."""
    body = {"name": name, "cohort_id": cohort_id, "contact": "微信 peiban", "occurred_at": ago(days=100)}
    volunteer_id = str(post(client, "/volunteers", body)["id"])
    if active:
        post(client, f"/volunteers/{volunteer_id}/activate", {"occurred_at": ago(days=99)}, status=200)
    return volunteer_id


def family_body(name: str = "王家", **changes: Any) -> dict[str, Any]:
    body = {
        "display_name": name,
        "community": "城东社区",
        "household": [
            {"relation": "child", "birth_year": 2015, "alias": "小明"},
            {"relation": "mother", "birth_year": 1985},
        ],
        "circumstances": ["migrant"],
        "consent": {"guardian_relation": "mother", "scopes": ["records", "home_visits"], "given_on": day(-90)},
        "occurred_at": ago(days=90),
    }
    return {**body, **changes}


def family(client: FlaskClient, name: str = "王家", **changes: Any) -> str:
    """A family enrolled 90 days ago."""
    return str(post(client, "/families", family_body(name, **changes))["id"])


def assign(client: FlaskClient, family_id: str, volunteer_id: str, role: str = "lead", days_ago: float = 80) -> str:
    body = {"volunteer_id": volunteer_id, "role": role, "occurred_at": ago(days=days_ago)}
    return str(post(client, f"/families/{family_id}/assignments", body)["event_id"])


def visit(client: FlaskClient, family_id: str, *volunteer_ids: str, days_ago: float = 30) -> dict[str, Any]:
    body = {
        "occurred_at": ago(days=days_ago),
        "volunteer_ids": list(volunteer_ids),
        "duration_minutes": 90,
        "summary": "一起写作业，聊了学校的事",
        "place": "home",
    }
    return post(client, f"/families/{family_id}/visits", body)


def plan_handover(client: FlaskClient, family_id: str, outgoing: str, incoming: str, days_ago: float = 20) -> str:
    body = {
        "outgoing_volunteer_id": outgoing,
        "incoming_volunteer_id": incoming,
        "planned_on": day(14),
        "letter": "小明喜欢画画；妈妈晚上七点后方便。",
        "occurred_at": ago(days=days_ago),
    }
    return str(post(client, f"/families/{family_id}/handovers", body)["id"])


@dataclass
class Scene:
    """One store with every kind of thing a request can be refused about; ``ids`` name them."""

    client: FlaskClient
    ids: dict[str, str] = field(default_factory=dict)


def build_scene(client: FlaskClient) -> Scene:
    """Families with a lead, a co, an open and a cancelled handover, closed cases, settled and retracted records."""
    ids = {"missing": MISSING, "cohort": cohort(client)}
    ids["closed_cohort"] = cohort(client, "2019级")
    post(client, f"/cohorts/{ids['closed_cohort']}/close", {}, status=200)
    for name in ("lead", "co", "newcomer", "other_lead", "departed"):
        ids[name] = volunteer(client, ids["cohort"], name)
    ids["registered"] = volunteer(client, ids["cohort"], "registered", active=False)
    post(client, f"/volunteers/{ids['departed']}/departure", {"reason": "withdrew", "occurred_at": ago(days=50)}, 200)

    ids["family"] = family(client, "王家")
    ids["enrolment"] = str(client.application.extensions["peiban"].family_facts(UUID(ids["family"]))[0].event_id)
    assign(client, ids["family"], ids["lead"])
    assign(client, ids["family"], ids["co"], role="co")
    ids["visit"] = str(visit(client, ids["family"], ids["lead"], days_ago=60)["event_id"])
    ids["retracted_visit"] = str(visit(client, ids["family"], ids["lead"], days_ago=59)["event_id"])
    retraction = {"target_event_id": ids["retracted_visit"], "action": "retract", "reason": "记错了家庭"}
    post(client, f"/families/{ids['family']}/corrections", retraction)
    concern = {"category": "education", "level": "medium", "summary": "作业跟不上", "occurred_at": ago(days=58)}
    ids["resolved_concern"] = str(post(client, f"/families/{ids['family']}/concerns", concern)["id"])
    post(
        client, f"/families/{ids['family']}/concerns/{ids['resolved_concern']}/resolution", {"resolution": "补习"}, 200
    )
    ids["open_concern"] = str(post(client, f"/families/{ids['family']}/concerns", concern)["id"])
    follow_up = {"action": "联系班主任", "due_on": day(-40), "occurred_at": ago(days=56)}
    ids["done_follow_up"] = str(post(client, f"/families/{ids['family']}/follow-ups", follow_up)["id"])
    post(client, f"/families/{ids['family']}/follow-ups/{ids['done_follow_up']}/done", {}, status=200)
    ids["handover"] = plan_handover(client, ids["family"], ids["lead"], ids["newcomer"])

    ids["family2"] = family(client, "李家")
    assign(client, ids["family2"], ids["other_lead"])
    ids["cancelled_handover"] = plan_handover(client, ids["family2"], ids["other_lead"], ids["newcomer"])
    post(client, f"/families/{ids['family2']}/handovers/{ids['cancelled_handover']}/cancel", {"reason": "推迟"}, 200)

    ids["closed_family"] = family(client, "赵家")
    post(client, f"/families/{ids['closed_family']}/closure", {"reason": "搬家", "occurred_at": ago(days=10)}, 200)
    return Scene(client, ids)


@contextmanager
def scene_on_a_fresh_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scene]:
    data = Path(tmp_path_factory.mktemp("scene")) / "data"
    app = create_app(Settings(store=StoreSettings(backend="sqlite", data_dir=data)), {"TESTING": True})
    try:
        yield build_scene(signed_in(app))
    finally:
        app.extensions["peiban.read_models"].close()
        app.extensions["peiban"].close()


@dataclass(frozen=True)
class Rejected:
    """A request that must be refused: its answer's status, stable reason, and the fields it names.

    ``path`` and string values of ``body`` may name scene ids as ``{name}``.
    """

    path: str
    body: dict[str, Any] | None
    status: int
    error: str
    fields: tuple[str, ...] = ()
    method: str = "POST"


def invalid(path: str, body: dict[str, Any], *fields: str) -> Rejected:
    """Refused by the request schema: 422 naming ``fields``."""
    return Rejected(path, body, 422, "unprocessable_entity", fields)


def refused(path: str, body: dict[str, Any], *fields: str) -> Rejected:
    """Refused by the domain's own field checks: 422 naming ``fields``."""
    return Rejected(path, body, 422, "invalid_input", fields)


def broken(path: str, body: dict[str, Any], error: str, status: int = 409) -> Rejected:
    """Refused by a domain rule (or an unknown id): ``status`` with the rule's code."""
    return Rejected(path, body, status, error)


def listing(path: str, *fields: str) -> Rejected:
    """A GET refused for its query parameters: 422 naming ``query.<field>``."""
    return Rejected(path, None, 422, "unprocessable_entity", tuple(f"query.{f}" for f in fields), "GET")


def lookup(path: str, error: str) -> Rejected:
    """A GET of something that does not exist: 404."""
    return Rejected(path, None, 404, error, (), "GET")


def _filled(value: Any, ids: dict[str, str]) -> Any:
    if isinstance(value, str) and value.startswith("{") and value.endswith("}") and value[1:-1] in ids:
        return ids[value[1:-1]]
    if isinstance(value, dict):
        return {k: _filled(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [_filled(v, ids) for v in value]
    return value


def assert_rejected(scene: Scene, case: Rejected) -> None:
    """The request gets the expected error in the API's one shape, and the log is unchanged."""
    client, before = scene.client, log_position(scene.client)
    url = "/api/v1" + case.path.format(**scene.ids)
    response = client.get(url) if case.method == "GET" else client.post(url, json=_filled(case.body, scene.ids))
    answer = response.get_json()
    assert (response.status_code, answer["error"]) == (case.status, case.error), answer
    assert set(answer) == {"code", "status", "message", "errors", "error"}
    assert set(answer["errors"]) == set(case.fields), answer["errors"]
    assert all(" / " in message for messages in answer["errors"].values() for message in messages)
    assert log_position(client) == before


@dataclass(frozen=True)
class Leaving:
    """A cohort near its end, for the transition planner:

    2024级 leaves in 40 days: 甲 leads 林家 (周 co-volunteers there), 乙 leads 张家, 丙 leads 王家
    2025级 (incoming, 500 days left): 周, 吴
    """

    cohort: str
    v: dict[str, str]
    f: dict[str, str]

    @property
    def page(self) -> str:
        return f"/cohorts/{self.cohort}/transition"

    @property
    def api(self) -> str:
        return f"/api/v1/cohorts/{self.cohort}/transition"


def open_cohort_ending(client: FlaskClient, name: str, ends_in: int) -> str:
    """A cohort that began 400 days ago and ends in ``ends_in`` days."""
    today = local_today()
    body = {
        "name": name,
        "starts_on": str(today - timedelta(days=400)),
        "ends_on": str(today + timedelta(days=ends_in)),
    }
    return str(post(client, "/cohorts", body)["id"])


def leaving_cohort(client: FlaskClient) -> Leaving:
    """The scene of ``Leaving``, written through the API."""
    old, new = open_cohort_ending(client, "2024级", 40), open_cohort_ending(client, "2025级", 500)
    v = {name: volunteer(client, old, name) for name in ("甲", "乙", "丙")}
    v |= {name: volunteer(client, new, name) for name in ("周", "吴")}
    f = {name: family(client, name) for name in ("林家", "张家", "王家")}
    for name, lead in (("林家", "甲"), ("张家", "乙"), ("王家", "丙")):
        assign(client, f[name], v[lead])
    assign(client, f["林家"], v["周"], role="co")
    return Leaving(old, v, f)
