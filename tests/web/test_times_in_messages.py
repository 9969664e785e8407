"""Moments in error messages read in the display time zone (Asia/Shanghai, or PEIBAN_TIMEZONE), in the
API and on pages; the domain keeps them as datetimes and knows no time zone but UTC."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from flask import Flask

from domain import StoreSettings
from domain.checks import Checks
from domain.errors import InvalidInput
from tests.web.api.conftest import cohort, log_position, post, signed_in
from tests.web.api.scenes import assign, family_body, volunteer
from tests.web.ui.conftest import browser, form_token, open_account, preset_times, text
from web.app import create_app, shutdown
from web.messages import both
from web.settings import Settings

#: A quarter past three in the afternoon in Shanghai, two days ago: 07:15 in UTC.
AFTERNOON = (datetime.now(tz=ZoneInfo("Asia/Shanghai")) - timedelta(days=2)).replace(
    hour=15, minute=15, second=0, microsecond=0
)


def app_in(tmp_path: Path, timezone: str) -> Flask:
    settings = Settings(store=StoreSettings(backend="sqlite", data_dir=tmp_path / "data"), timezone=timezone)
    return create_app(settings, {"TESTING": True})


@pytest.fixture
def shanghai(tmp_path: Path) -> Iterator[Flask]:
    app = app_in(tmp_path, "Asia/Shanghai")
    yield app
    shutdown(app)


def scene(app: Flask) -> tuple[str, str, str]:
    """A family led by one volunteer, and another volunteer who is not on it."""
    api = signed_in(app)
    cohort_id = cohort(api)
    lead, stranger = volunteer(api, cohort_id, "甲"), volunteer(api, cohort_id, "乙")
    family_id = str(post(api, "/families", family_body())["id"])
    assign(api, family_id, lead)
    return family_id, lead, stranger


def visit_by(volunteer_id: str, when: datetime) -> dict[str, object]:
    return {
        "occurred_at": when.isoformat(),
        "volunteer_ids": [volunteer_id],
        "duration_minutes": 60,
        "summary": "走错了门",
        "place": "home",
    }


def test_a_rule_broken_at_a_moment_names_it_in_shanghai_time_in_the_api(shanghai: Flask) -> None:
    family_id, _, stranger = scene(shanghai)
    api = signed_in(shanghai)
    before = log_position(api)
    response = api.post(f"/api/v1/families/{family_id}/visits", json=visit_by(stranger, AFTERNOON.astimezone(UTC)))
    answer = response.get_json()
    assert response.status_code == 409 and answer["error"] == "volunteer_not_on_family"
    assert f"{AFTERNOON.date().isoformat()}T15:15+08:00" in answer["message"]
    assert "+00:00" not in answer["message"]
    assert log_position(api) == before


def test_a_field_error_with_a_moment_names_it_in_shanghai_time_in_the_api(shanghai: Flask) -> None:
    family_id, _, _ = scene(shanghai)
    api = signed_in(shanghai)
    enrolled = datetime.fromisoformat(api.get(f"/api/v1/families/{family_id}").get_json()["enrolled_at"])
    early = {"category": "education", "level": "low", "summary": "好", "occurred_at": "2006-03-01T15:00+08:00"}
    response = api.post(f"/api/v1/families/{family_id}/concerns", json=early)
    said = response.get_json()["errors"]["occurred_at"][0]
    shown = enrolled.astimezone(ZoneInfo("Asia/Shanghai")).isoformat(timespec="minutes")
    assert response.status_code == 422 and said == f"不能早于 {shown} / must not be before {shown}"


def test_another_display_time_zone_is_followed(tmp_path: Path) -> None:
    app = app_in(tmp_path, "America/New_York")
    try:
        family_id, _, stranger = scene(app)
        response = signed_in(app).post(f"/api/v1/families/{family_id}/visits", json=visit_by(stranger, AFTERNOON))
        shown = AFTERNOON.astimezone(ZoneInfo("America/New_York")).isoformat(timespec="minutes")
        assert shown in response.get_json()["message"]
    finally:
        shutdown(app)


def test_a_page_names_the_moment_in_local_time(shanghai: Flask) -> None:
    family_id, _, stranger = scene(shanghai)
    open_account(shanghai, "coordinator", "coordinator")
    client = browser(shanghai, "coordinator")
    path = f"/families/{family_id}/visits/new"
    form = client.get(path)
    fields = {**preset_times(form), "csrf_token": form_token(form)}
    fields.update(
        occurred_at=AFTERNOON.strftime("%Y-%m-%dT%H:%M"),
        volunteer_ids=stranger,
        duration_minutes="60",
        place="home",
        summary="走错了门",
    )
    sent = client.post(path, data=fields)
    assert sent.status_code == 409
    assert f"{AFTERNOON.date().isoformat()} 15:15" in text(sent)
    assert "+00:00" not in text(sent)


def test_the_domain_keeps_the_moment_and_words_it_in_utc_when_nobody_says_otherwise() -> None:
    checks = Checks()
    enrolled = datetime(2025, 3, 1, 7, 0, tzinfo=UTC)
    checks.moment("occurred_at", datetime(2025, 2, 1, tzinfo=UTC), now=enrolled, not_before=enrolled)
    with pytest.raises(InvalidInput) as refused:
        checks.done()
    problem = refused.value.errors["occurred_at"][0]
    assert problem.params == {"when": enrolled}
    assert both(problem) == ("不能早于 2025-03-01T07:00+00:00", "must not be before 2025-03-01T07:00+00:00")
