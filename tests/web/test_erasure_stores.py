"""Erasure on each store (SQLite and PostgreSQL): the key store never gives an erased record a key again, the
`Erased` fact stays readable, the family cannot be loaded, and the views keep only its tombstone."""

from __future__ import annotations

import base64
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from domain import Actor, InvalidInput, Peiban, StoreSettings
from domain.accounts import account_id
from domain.encryption import KeyErased, Shredded
from domain.errors import ErasureUnavailable, FamilyErased, VolunteerErased
from domain.family import Family
from projections.erasure import ERASED_VOLUNTEER
from projections.read_models import ReadModels
from tests.builders import StepClock, family_profile, message, scene
from tests.stores import store
from web.infra.keys import open_keys
from web.settings import Settings

REASON = "监护人撤回同意"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Settings]:
    with store(request.param, tmp_path) as found:
        yield Settings(store=found, master_key="" if found.backend == "sqlite" else _master_key())


def _master_key() -> str:
    return base64.b64encode(os.urandom(32)).decode()


def test_an_erased_family_reads_as_tombstones_and_never_gets_a_key_again(settings: Settings) -> None:
    keys = open_keys(settings)
    clock = StepClock()
    app = Peiban(settings.store.env(Peiban.name), clock=clock, keys=keys)
    app.also_close.append(keys.close)
    models = ReadModels(app, settings.store)
    try:
        s = scene(app, clock)
        app.log_message(s.fid, volunteer_id=s.lead, recorded_by=Actor("v1"), **message())
        other = app.enrol_family(recorded_by=Actor("coord"), **_profile("另一家"))
        models.catch_up()
        before = app.log_position()
        with pytest.raises(InvalidInput):
            app.erase_family(s.fid, reason=" ", recorded_by=Actor("coord"))
        assert app.log_position() == before

        app.erase_family(s.fid, reason=REASON, recorded_by=Actor("coord"))

        facts = [app.mapper.to_domain_event(n) for n in app.recorder.select_notifications(0, 1000)]
        theirs = [f for f in facts if f.originator_id == s.fid]
        assert all(isinstance(f, Shredded) for f in theirs[:-1]) and isinstance(theirs[-1], Family.Erased)
        assert theirs[-1].reason == REASON
        with pytest.raises(KeyErased):
            keys.cipher(s.fid, create=True)
        with pytest.raises(FamilyErased):
            app.get_family(s.fid)
        assert app.get_family(other).display_name == "另一家"
        models.rebuild()
        with pytest.raises(FamilyErased):
            models.timeline(s.fid)
        assert models.timeline(other).display_name == "另一家"
        with models["continuity"].reading() as tx:
            left = tx.query("SELECT COUNT(*) FROM continuity_contact WHERE family_id = ?", [str(s.fid)])
        assert left[0][0] == 0
    finally:
        models.close()
        app.close()


def _profile(name: str) -> dict[str, object]:
    return family_profile(display_name=name)


def test_erasure_needs_an_encrypted_store() -> None:
    app = Peiban(StoreSettings(backend="memory").env(Peiban.name))
    family = app.enrol_family(recorded_by=Actor("coord"), **_profile("林家"))
    with pytest.raises(ErasureUnavailable):
        app.erase_family(family, reason=REASON, recorded_by=Actor("coord"))
    assert app.log_position() == 1


def test_an_erased_volunteer_stays_on_the_familys_record_nameless_also_after_a_rebuild(settings: Settings) -> None:
    keys = open_keys(settings)
    clock = StepClock()
    app = Peiban(settings.store.env(Peiban.name), clock=clock, keys=keys)
    app.also_close.append(keys.close)
    models = ReadModels(app, settings.store)
    try:
        s = scene(app, clock)
        gone = s.volunteer("抹除金丝雀义工")
        app.assign_volunteer(s.fid, volunteer_id=gone, role="co", recorded_by=Actor("coord"))
        clock.advance(days=1)
        app.log_message(s.fid, volunteer_id=gone, recorded_by=Actor("gone-user"), **message())
        app.unassign_volunteer(s.fid, volunteer_id=gone, reason="毕业", recorded_by=Actor("coord"))
        app.record_departure(gone, reason="graduated", recorded_by=Actor("coord"))
        account = account_id("Gone-User")

        app.erase_volunteer(gone, reason="本人要求", account_ids=[account], recorded_by=Actor("coord"))

        with pytest.raises(VolunteerErased):
            app.get_volunteer(gone)
        with pytest.raises(KeyErased):
            keys.cipher(gone, create=True)
        for rebuild in (False, True):
            if rebuild:
                models.rebuild()
            timeline = models.timeline(s.fid)
            message_entry = next(e for e in timeline.entries if e.kind == "message")
            assert message_entry.volunteer_ids == (str(gone),) and message_entry.recorded_by == ERASED_VOLUNTEER
            assert timeline.names[str(gone)] == ERASED_VOLUNTEER and "抹除金丝雀义工" not in repr(timeline)
            with pytest.raises(VolunteerErased):
                models.caseload(gone, now=clock())
            assert models.caseload(s.lead, now=clock()).families
    finally:
        models.close()
        app.close()
