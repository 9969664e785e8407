"""Erasure: `peiban erase` destroys a family's key; no byte of its words is left in any file, view or backup
taken afterwards, while every other family stays readable, the seal verifies, and rebuilds, restarts and
restores keep it erased."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from uuid import UUID

import pytest
from click.testing import CliRunner

from domain import Actor, Peiban, StoreSettings
from domain.errors import FamilyErased
from projections.read_models import ReadModels
from tests.builders import StepClock, family_profile, message, scene, visit
from tests.stores import cli_environment
from web.cli import main
from web.infra.keys import open_keys
from web.infra.stores import open_application
from web.settings import Settings

#: The erased family's words, one per kind of fact (the anti-DV compartment's among them).
CANARIES = {
    "name": "抹除金丝雀家",
    "community": "抹除金丝雀社区",
    "child": "抹除小金丝雀",
    "visit": "抹除家访金丝雀",
    "shelter visit": "抹除庇护所家访金丝雀",
    "message": "抹除短信金丝雀",
    "concern": "抹除反家暴担心金丝雀",
    "referral": "抹除转介金丝雀",
    "follow-up": "抹除跟进金丝雀",
    "letter": "抹除交接信金丝雀",
    "amendment": "抹除更正金丝雀",
    "closure": "抹除结案金丝雀",
}
#: Another family's words: still readable after the erasure.
KEPT = "留存金丝雀家"
REASON = "监护人撤回同意"


@dataclass
class Written:
    settings: Settings
    erased: UUID
    kept: UUID


def write_two_families(settings: Settings) -> Written:
    """Two families: one with a canary in a fact of every kind (and a snapshot), one to keep."""
    clock = StepClock()
    keys = open_keys(settings)
    app = Peiban(settings.store.env(Peiban.name), clock=clock, keys=keys)
    app.also_close.append(keys.close)
    s = scene(app, clock)
    kept = s.fid
    app.update_family_profile(kept, changes={"display_name": KEPT}, recorded_by=Actor("coord"))
    fid = app.enrol_family(
        recorded_by=Actor("coord"),
        **family_profile(
            display_name=CANARIES["name"],
            community=CANARIES["community"],
            household=[{"relation": "child", "birth_year": 2014, "alias": CANARIES["child"]}],
        ),
    )
    app.assign_volunteer(fid, volunteer_id=s.lead, role="lead", recorded_by=Actor("coord"))
    clock.advance(days=1)
    seen = app.log_visit(fid, volunteer_ids=[s.lead], recorded_by=Actor("v1"), **visit(summary=CANARIES["visit"]))
    app.log_visit(
        fid,
        volunteer_ids=[s.lead],
        recorded_by=Actor("sw"),
        **visit(summary=CANARIES["shelter visit"], service_line="shelter"),
    )
    app.log_message(fid, volunteer_id=s.lead, recorded_by=Actor("v1"), **message(summary=CANARIES["message"]))
    concern = app.raise_concern(
        fid,
        category="safety",
        level="urgent",
        service_line="anti_domestic_violence",
        summary=CANARIES["concern"],
        recorded_by=Actor("sw"),
    )
    app.make_referral(
        fid, concern_id=concern, service_line="shelter", reason=CANARIES["referral"], recorded_by=Actor("sw")
    )
    app.schedule_follow_up(fid, action=CANARIES["follow-up"], due_on=date(2025, 4, 1), recorded_by=Actor("sw"))
    app.amend_fact(
        fid, target_event_id=seen, changes={"summary": CANARIES["amendment"]}, reason="补记", recorded_by=Actor("v1")
    )
    app.plan_handover(
        fid,
        outgoing_volunteer_id=s.lead,
        incoming_volunteer_id=s.volunteers[1],
        planned_on=date(2025, 3, 20),
        letter=CANARIES["letter"],
        recorded_by=Actor("coord"),
    )
    app.take_snapshot(fid)
    app.cancel_handover(fid, handover_id=_open_handover(app, fid), reason="改期", recorded_by=Actor("coord"))
    app.close_family(fid, reason=CANARIES["closure"], recorded_by=Actor("coord"))
    models = ReadModels(app, settings.store)
    models.catch_up()
    models.close()
    app.close()
    return Written(settings, fid, kept)


def _open_handover(app: Peiban, family_id: UUID) -> UUID:
    handover = app.get_family(family_id).roster.open_handover()
    assert handover is not None
    return UUID(str(handover.handover_id))


def peiban(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    """`peiban ARGS` in a process of its own (a restart)."""
    env = {**os.environ, **cli_environment(settings.store)}
    command = [sys.executable, "-c", "from web.cli import main; main()", *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=600, check=False)


def needles(word: str) -> tuple[bytes, bytes]:
    """A word as UTF-8, and as JSON writes it with non-ASCII escaped (``\\u6296…``)."""
    return word.encode(), json.dumps(word).strip('"').encode()


def holding(folder: Path) -> dict[str, list[str]]:
    """Which canaries the raw bytes of each file in ``folder`` hold (``-wal`` files included), as UTF-8 or as
    escaped JSON."""
    found: dict[str, list[str]] = {}
    for path in sorted(p for p in folder.iterdir() if p.is_file()):
        raw = path.read_bytes()
        hits = [kind for kind, canary in CANARIES.items() if any(n in raw for n in needles(canary))]
        if hits:
            found[path.name] = hits
    return found


@pytest.fixture
def written(tmp_path: Path) -> Written:
    return write_two_families(Settings(store=StoreSettings(backend="sqlite", data_dir=tmp_path / "data")))


def erase(written: Written) -> tuple[int, str]:
    result = CliRunner().invoke(
        main, ["erase", str(written.erased), "--reason", REASON], env=cli_environment(written.settings.store)
    )
    return result.exit_code, result.output


def test_an_erased_family_leaves_no_word_in_any_file_view_or_backup(written: Written, tmp_path: Path) -> None:
    data = written.settings.store.data_dir
    # given the views hold the family's words before the erasure (the event store only ciphertext)
    before = holding(data)
    assert set(before) >= {"view_timeline.sqlite3", "view_continuity.sqlite3"}, before
    assert "peiban.sqlite3" not in before
    with sqlite3.connect(data / "keys.sqlite3") as keys:
        row = keys.execute("SELECT wrapped FROM data_keys WHERE owner = ?", [str(written.erased)]).fetchone()
    wrapped = str(row[0]).encode()
    # and a server's connections open meanwhile (so no -wal file goes away when the command closes its own)
    app = open_application(written.settings)
    models = ReadModels(app, written.settings.store)
    models.catch_up()
    try:
        code, out = erase(written)

        assert code == 0, out
        assert any(p.name.endswith("-wal") for p in data.iterdir())
        assert holding(data) == {}
        assert [p.name for p in data.iterdir() if p.is_file() and wrapped in p.read_bytes()] == [], "the key is gone"
        models.catch_up()  # the server folds the erasure too, and then holds nothing of the family either
        assert holding(data) == {}
    finally:
        models.close()
        app.close()
    assert peiban(written.settings, "backup", str(tmp_path / "backup")).returncode == 0
    assert holding(tmp_path / "backup") == {}
    verified = peiban(written.settings, "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr


def test_other_families_stay_readable_and_rebuilds_and_restarts_keep_it_erased(written: Written) -> None:
    assert erase(written)[0] == 0

    rebuilt = peiban(written.settings, "rebuild")  # a new process: a restart, folding tombstones

    assert rebuilt.returncode == 0, rebuilt.stdout + rebuilt.stderr
    log = peiban(written.settings, "events", "--limit", "1000")
    assert log.returncode == 0, log.stderr
    assert "erased (its key is destroyed)" in log.stdout and KEPT in log.stdout and "Family.Erased" in log.stdout
    app = open_application(written.settings)
    models = ReadModels(app, written.settings.store)
    try:
        assert models.timeline(written.kept).entries
        assert app.get_family(written.kept).display_name == KEPT
        with pytest.raises(FamilyErased) as erased:
            models.timeline(written.erased)
        assert erased.value.params["reason"] == REASON
        with pytest.raises(FamilyErased):
            app.update_family_profile(written.erased, changes={"display_name": "新名"}, recorded_by=Actor("coord"))
        with pytest.raises(FamilyErased):
            app.family_facts(written.erased)
        dashboard = models.dashboard(now=app.clock())
        assert str(written.erased) not in repr(dashboard)
    finally:
        models.close()
        app.close()
    assert holding(written.settings.store.data_dir) == {}


def test_erasing_twice_says_so_and_scrubs_again(written: Written) -> None:
    assert erase(written)[0] == 0

    code, out = erase(written)

    assert code == 0, out
    assert REASON in out and "erased on" in out


@pytest.mark.parametrize(
    ("given", "said"),
    [(["not-an-id"], "not a valid id"), (["{family}", "--by", " "], "recorded_by")],
    ids=["a malformed family id", "a blank actor"],
)
def test_an_erasure_with_a_bad_argument_is_refused_and_records_nothing(
    written: Written, given: list[str], said: str
) -> None:
    app = open_application(written.settings)
    position = app.log_position()
    app.close()
    arguments = [a.format(family=written.erased) for a in given]
    result = CliRunner().invoke(
        main, ["erase", *arguments, "--reason", REASON], env=cli_environment(written.settings.store)
    )
    assert result.exit_code == 2 and said in result.output
    app = open_application(written.settings)
    assert app.log_position() == position
    app.get_family(written.erased)  # still readable: its key was not destroyed
    app.close()
