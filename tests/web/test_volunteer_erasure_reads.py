"""After a volunteer's erasure, what auditors read of the families' facts names their account as no one: the raw
facts' API as the raw facts' page and the case file already do (a user name is personal data too)."""

from __future__ import annotations

from pathlib import Path

from domain import StoreSettings
from projections.erasure import ERASED_VOLUNTEER
from tests.web.api.conftest import signed_in
from tests.web.test_volunteer_erasure import CANARIES, complete_and_depart, erase_by_api, write_scene
from web.app import create_app, shutdown
from web.settings import Settings


def test_the_raw_facts_api_names_an_erased_account_as_no_one(tmp_path: Path) -> None:
    settings = Settings(store=StoreSettings(backend="sqlite", data_dir=tmp_path / "data"))
    app = create_app(settings, {"TESTING": True})
    try:
        scene = write_scene(app, settings)
        complete_and_depart(app, scene)
        auditor = signed_in(app, "auditor")
        facts = f"/api/v1/families/{scene.family}/events?limit=500"
        before = auditor.get(facts).get_json()["items"]
        assert CANARIES["user name"] in [f["recorded_by"] for f in before]  # the volunteer's own visit

        erase_by_api(app, scene)

        after = auditor.get(facts)
        assert after.status_code == 200
        assert CANARIES["user name"] not in after.get_data(as_text=True)
        recorders = [f["recorded_by"] for f in after.get_json()["items"]]
        assert ERASED_VOLUNTEER in recorders and "test-coordinator" in recorders, "only the erased account gives way"
        assert len(after.get_json()["items"]) == len(before)  # every fact still there
    finally:
        shutdown(app)
