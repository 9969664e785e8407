"""The tamper harness: on copies of a real sealed SQLite store, random mutations of the log, of the
seal and of the auditor's checkpoint file; ``verify`` must detect every one, and name the first
changed position when the log itself was changed.

    PEIBAN_TAMPER_MUTATIONS=2000 pytest tests/projections/test_seal_tamper.py   # more mutations
"""

from __future__ import annotations

import json
import os
import random
import shutil
import sqlite3
from collections import Counter
from pathlib import Path

import pytest

from domain import StoreSettings
from projections.seal.checkpoints import document, read_document
from projections.seal.verify import SignedBy
from tests.projections.seal_stores import KEY, fill, opened
from tests.projections.tampering import MUTATIONS, Copy
from tests.summary import REPORT

MUTATION_COUNT = int(os.environ.get("PEIBAN_TAMPER_MUTATIONS", "120"))
SEED = int(os.environ.get("PEIBAN_TAMPER_SEED", "11"))


@pytest.fixture(scope="module")
def original(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A sealed store of ~300 facts with a checkpoint every 50, and the checkpoint file an auditor exported."""
    folder = tmp_path_factory.mktemp("sealed")
    settings = StoreSettings(backend="sqlite", data_dir=folder / "data")
    settings.data_dir.mkdir()
    with opened(settings) as sealed:
        fill(sealed, families=20, facts=15)
        sealed.seal.checkpoint()
        kept = document(sealed.seal.checkpoints(), KEY.public_key())
    (folder / "checkpoints.json").write_text(json.dumps(kept), encoding="utf-8")
    return folder


def copy_of(original: Path, where: Path) -> StoreSettings:
    shutil.rmtree(where, ignore_errors=True)
    shutil.copytree(original, where)
    return StoreSettings(backend="sqlite", data_dir=where / "data")


def verdict_of(settings: StoreSettings, checkpoint_file: Path):  # type: ignore[no-untyped-def]
    key, kept = read_document(checkpoint_file.read_text(encoding="utf-8"))
    with opened(settings, key=None) as sealed:
        return sealed.verify(SignedBy(kept, key, "auditor"))


def test_an_untouched_copy_verifies(original: Path, tmp_path: Path) -> None:
    settings = copy_of(original, tmp_path / "copy")
    verdict = verdict_of(settings, tmp_path / "copy" / "checkpoints.json")
    assert verdict.intact, verdict.reason
    assert verdict.verified_position == verdict.log_position > 250


def test_every_random_mutation_of_log_seal_or_checkpoint_is_detected(original: Path, tmp_path: Path) -> None:
    rng, detected, kinds = random.Random(SEED), 0, Counter[str]()
    for n in range(MUTATION_COUNT):
        mutate = MUTATIONS[n % len(MUTATIONS)]
        settings = copy_of(original, tmp_path / "copy")
        copy = Copy(
            sqlite3.connect(settings.sqlite_file("peiban"), isolation_level=None),
            sqlite3.connect(settings.sqlite_file("seal"), isolation_level=None),
            tmp_path / "copy" / "checkpoints.json",
        )
        changed = mutate(copy, rng)
        copy.events.close()
        copy.seal.close()
        verdict = verdict_of(settings, copy.checkpoint_file)
        assert not verdict.intact, f"mutation {n} ({mutate.__name__}) went unnoticed"
        if changed is not None:
            assert verdict.broken_at == changed, f"mutation {n} ({mutate.__name__}): {verdict}"
        detected += 1
        kinds[mutate.__name__] += 1
    REPORT.append(f"tamper harness: {MUTATION_COUNT} mutations of {len(kinds)} kinds, {detected} detected")
    assert detected == MUTATION_COUNT >= min(100, MUTATION_COUNT)
    assert len(kinds) == min(len(MUTATIONS), MUTATION_COUNT)
