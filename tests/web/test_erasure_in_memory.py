"""An erased family's words do not outlive its key in this process's memory: the aggregate cache forgets it, even
when a command on the family was saving at the moment of the erasure (commands change the cached family itself,
``domain.repository``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from uuid import UUID

import pytest

from domain import Actor, Peiban, StoreSettings
from domain.errors import FamilyErased
from tests.builders import StepClock, scene, visit
from tests.domain.test_shared_cache import Interrupted
from web.infra.keys import open_keys
from web.settings import Settings

REASON = "监护人撤回同意"


def _opened(settings: Settings, clock: StepClock) -> Interrupted:
    """The application as one process opens it: its own key store, its own aggregate cache."""
    keys = open_keys(settings)
    app = Interrupted(settings.store.env(Peiban.name), clock=clock, keys=keys)
    app.also_close.append(keys.close)
    return app


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    found = Settings(store=StoreSettings(backend="sqlite", data_dir=tmp_path / "data"))
    found.store.data_dir.mkdir(parents=True)
    return found


@pytest.fixture
def encrypted(settings: Settings) -> Iterator[tuple[Interrupted, UUID, UUID]]:
    """An encrypted store on SQLite files, with a family (cached, with a visit) and its lead."""
    clock = StepClock()
    app = _opened(settings, clock)
    s = scene(app, clock)
    app.log_visit(s.fid, volunteer_ids=[s.lead], recorded_by=Actor("v1"), **visit(summary="抹除前的家访"))
    yield app, s.fid, s.lead
    app.close()


def _cached(app: Peiban) -> set[UUID]:
    assert app.repository.cache is not None
    return set(app.repository.cache.cache)


def test_an_erased_family_is_forgotten_by_the_cache(encrypted: tuple[Interrupted, UUID, UUID]) -> None:
    app, fid, _ = encrypted
    assert fid in _cached(app)
    app.erase_family(fid, reason=REASON, recorded_by=Actor("coord"))
    assert fid not in _cached(app)
    with pytest.raises(FamilyErased):
        app.get_family(fid)


def test_a_command_saved_as_the_family_is_erased_does_not_put_it_back_in_memory(
    encrypted: tuple[Interrupted, UUID, UUID],
) -> None:
    # given a visit saved, its family not yet given back to the cache, when the family is erased meanwhile
    app, fid, lead = encrypted
    app.after_save = lambda: app.erase_family(fid, reason=REASON, recorded_by=Actor("coord"))
    app.log_visit(fid, volunteer_ids=[lead], recorded_by=Actor("v1"), **visit(summary="与抹除同时的家访"))
    # then the erased family's words are not kept in memory
    assert fid not in _cached(app)
    with pytest.raises(FamilyErased):
        app.get_family(fid)


def test_a_command_deciding_as_the_family_is_erased_is_told_it_is_erased_and_records_nothing(
    encrypted: tuple[Interrupted, UUID, UUID],
) -> None:
    # given a visit decided, not yet saved, when the family is erased meanwhile
    app, fid, lead = encrypted
    app.before_save = lambda: app.erase_family(fid, reason=REASON, recorded_by=Actor("coord"))
    position = app.log_position() + 1  # the erasure's own fact
    with pytest.raises(FamilyErased):
        app.log_visit(fid, volunteer_ids=[lead], recorded_by=Actor("v1"), **visit(summary="与抹除同时的家访"))
    assert app.log_position() == position
    assert fid not in _cached(app)


def test_a_family_erased_by_another_process_leaves_this_ones_memory_when_next_asked_for(
    settings: Settings, encrypted: tuple[Interrupted, UUID, UUID]
) -> None:
    # given this process holds the family in its cache, when another process erases it
    app, fid, lead = encrypted
    other = _opened(settings, StepClock())
    other.erase_family(fid, reason=REASON, recorded_by=Actor("coord"))
    other.close()
    assert fid in _cached(app)  # nothing can tell this process at once
    # then the next command (or read) here is refused, and the family's words leave this process's memory
    with pytest.raises(FamilyErased):
        app.log_visit(fid, volunteer_ids=[lead], recorded_by=Actor("v1"), **visit())
    assert fid not in _cached(app)
