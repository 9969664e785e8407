"""Lists of families and volunteers come in pinyin order (阿 李 林 王 朱), as a Chinese reader looks for
a name, and keyset pages go through them without skipping or repeating anyone, homophones included."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from domain import Actor, Peiban, StoreSettings
from projections.collation import compare, pinyin_key
from projections.continuity_view import ContinuityView
from projections.db import view_database
from projections.directory import families
from projections.engine import Projection
from tests.builders import StepClock, family_profile

NAMES = ["王家", "朱家", "理家", "阿家", "林家", "汪家", "李家", "Lucy家"]


def test_the_key_reads_pinyin_and_tone_and_breaks_ties_by_the_name() -> None:
    assert pinyin_key("王家")[0] == ("wang2", "jia1")
    assert sorted(["王家", "朱家", "阿家", "林家", "李家"], key=pinyin_key) == ["阿家", "李家", "林家", "王家", "朱家"]
    # 李 and 理 read the same (li3): different names never compare equal, the same name always does
    assert compare("李家", "理家") != 0 and compare("李家", "李家") == 0
    assert compare("李家", "理家") == -compare("理家", "李家")


@pytest.fixture
def listed(store_settings: StoreSettings, clock: StepClock) -> Iterator[Projection]:
    app = Peiban(store_settings.env(Peiban.name), clock=clock)
    projection = Projection(app, ContinuityView(), view_database(store_settings, "continuity"))
    for name in NAMES:
        app.enrol_family(recorded_by=Actor("c"), **family_profile(display_name=name))
    yield projection
    projection.db.close()
    app.close()


def test_families_are_listed_in_pinyin_order_two_at_a_time_without_gaps_or_repeats(listed: Projection) -> None:
    seen: list[str] = []
    after = ("", "")
    with listed.reading() as tx:
        while page := families(tx, after=after, limit=2):
            seen += [row.display_name for row in page]
            after = (page[-1].display_name, page[-1].family_id)
    assert sorted(seen) == sorted(NAMES), "every family once"
    position = {name: seen.index(name) for name in NAMES}
    assert position["阿家"] < position["李家"] < position["林家"] < position["王家"] < position["朱家"]
    assert position["阿家"] < position["理家"] < position["林家"] < position["汪家"] < position["朱家"]
