"""Peiban reads its log quicker than the library does, and gets what the library gets.

``domain.sqlite_log.SQLiteLog`` and ``domain.postgres_log.PostgresLog`` make the notifications of a page without
the dataclass's ``__init__``, and
``domain.transcodings.QuickDecoding`` decodes a fact's mappings in fewer steps: both are checked here against the
library's own reading of the same stored facts, over a history with every kind of value a fact holds.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from eventsourcing.persistence import JSONTranscoder, Mapper, TranscodingNotRegisteredError
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder

from domain import Peiban, StoreSettings
from domain.postgres_log import PostgresLog
from domain.sqlite_log import SQLiteLog
from domain.transcodings import QuickDecoding
from domain.values import Wellbeing
from tests.builders import Scene, StepClock, scene
from tests.domain.test_snapshots_and_transcoding import a_rich_history, many_visits

#: each store's persistence module in the library, its recorder there, and Peiban's
LIBRARY = {
    "sqlite": ("eventsourcing.sqlite", SQLiteApplicationRecorder, SQLiteLog),
    "postgres": ("eventsourcing.postgres", PostgresApplicationRecorder, PostgresLog),
}


@pytest.fixture
def stored(durable_store: StoreSettings, clock: StepClock) -> Iterator[tuple[Peiban, Peiban]]:
    """A log (SQLite, PostgreSQL) with a rich history, opened by Peiban and by the library's own recorder."""
    app = Peiban(durable_store.env(Peiban.name), clock=clock)
    s: Scene = scene(app, clock)
    a_rich_history(s)
    many_visits(s, 12)
    module = LIBRARY[durable_store.backend][0]
    library = Peiban({**durable_store.env(Peiban.name), "PERSISTENCE_MODULE": module}, clock=clock)
    yield app, library
    library.close()
    app.close()


def test_peiban_reads_its_log_with_its_own_recorder(stored: tuple[Peiban, Peiban]) -> None:
    app, library = stored
    backend = "sqlite" if isinstance(library.recorder, SQLiteApplicationRecorder) else "postgres"
    _, theirs, ours = LIBRARY[backend]
    assert (type(app.recorder), type(library.recorder)) == (ours, theirs)


@pytest.mark.parametrize(
    ("start", "limit", "stop", "inclusive"),
    [(0, 1000, None, True), (None, 7, None, True), (3, 5, None, False), (3, 50, 9, True), (4, 50, 9, False)],
)
def test_a_page_of_the_log_is_the_page_the_library_reads(
    stored: tuple[Peiban, Peiban], start: int | None, limit: int, stop: int | None, inclusive: bool
) -> None:
    app, library = stored
    ours = app.recorder.select_notifications(start, limit, stop, inclusive_of_start=inclusive)
    theirs = library.recorder.select_notifications(start, limit, stop, inclusive_of_start=inclusive)
    assert ours and ours == theirs
    assert [vars(n) for n in ours] == [vars(n) for n in theirs]  # every field, of the same types
    assert [tuple(map(type, vars(n).values())) for n in ours] == [tuple(map(type, vars(n).values())) for n in theirs]


def test_a_page_of_some_topics_is_the_page_the_library_reads(stored: tuple[Peiban, Peiban]) -> None:
    app, library = stored
    every = library.recorder.select_notifications(0, 1000)
    topics = sorted({n.topic for n in every})[:2]
    ours = app.recorder.select_notifications(2, 1000, topics=topics, inclusive_of_start=False)
    assert ours == library.recorder.select_notifications(2, 1000, topics=topics, inclusive_of_start=False)
    assert ours and {n.topic for n in ours} <= set(topics) and len(ours) < len(every)


def test_topics_are_a_list_of_names_on_postgresql_as_the_library_asks(stored: tuple[Peiban, Peiban]) -> None:
    app, library = stored
    if not isinstance(library.recorder, PostgresApplicationRecorder):
        pytest.skip("the library's SQLite recorder reads a bare string as its letters, and so does Peiban's")
    topic = library.recorder.select_notifications(0, 1)[0].topic
    with pytest.raises(TypeError, match="topics must be a list or tuple of strings"):
        app.recorder.select_notifications(0, 10, topics=topic)  # a bare string: not read as its letters
    with pytest.raises(AssertionError):
        library.recorder.select_notifications(0, 10, topics=topic)
    assert app.recorder.select_notifications(0, 10, topics=(topic,)) == library.recorder.select_notifications(
        0, 10, topics=[topic]
    )


def test_other_queries_on_the_log_still_read_rows_by_name(stored: tuple[Peiban, Peiban]) -> None:
    app, library = stored
    app.recorder.select_notifications(0, 10)  # its cursor's rows are tuples: the connection's are not
    ours = app.recorder.max_notification_id()
    assert ours is not None and ours == library.recorder.max_notification_id() and ours > 10
    [family_id] = {n.originator_id for n in app.recorder.select_notifications(0, 1000) if "Family" in n.topic}
    assert app.recorder.select_events(family_id) == library.recorder.select_events(family_id)


def test_every_stored_fact_decodes_as_the_library_decodes_it(stored: tuple[Peiban, Peiban]) -> None:
    app, _ = stored
    transcoder = app.mapper.transcoder
    assert isinstance(transcoder, JSONTranscoder)
    assert isinstance(transcoder.decoder.object_hook, QuickDecoding)
    plain = JSONTranscoder()  # the library's decoding, with the same transcodings
    for transcoding in transcoder.names.values():
        plain.register(transcoding)
    facts = app.recorder.select_notifications(0, 1000)
    kinds = set()
    for fact in facts:
        ours, theirs = transcoder.decode(fact.state), plain.decode(fact.state)
        assert ours == theirs and repr(ours) == repr(theirs)
        kinds |= {type(v) for v in ours.values()}
    assert Wellbeing in kinds  # the history held enums (and dates, ids, times, value objects)
    library_mapper: Mapper[Any] = Mapper(transcoder=plain)
    assert [app.mapper.to_domain_event(f) for f in facts] == [library_mapper.to_domain_event(f) for f in facts]


def test_quick_decoding_refuses_what_the_library_refuses(stored: tuple[Peiban, Peiban]) -> None:
    transcoder = stored[0].mapper.transcoder
    assert isinstance(transcoder, JSONTranscoder)

    def decode(value: object) -> object:
        return transcoder.decode(json.dumps(value).encode())

    with pytest.raises(TranscodingNotRegisteredError):
        decode({"_type_": "no_such_type", "_data_": 1})
    with pytest.raises(TranscodingNotRegisteredError):
        decode({"_type_": ["not", "a", "name"], "_data_": 1})
    with pytest.raises(ValueError, match="not a valid Wellbeing"):
        decode({"_type_": "enum:Wellbeing", "_data_": "no_such_wellbeing"})
    # mappings that only look like a transcoded value are left as they are
    assert decode({"_type_": "enum:Wellbeing", "_data_": "good", "more": 1}) == {
        "_type_": "enum:Wellbeing",
        "_data_": "good",
        "more": 1,
    }
    assert decode({"_type_": "enum:Wellbeing"}) == {"_type_": "enum:Wellbeing"}
    assert decode({"_type_": "enum:Wellbeing", "_data_": "good"}) is Wellbeing.GOOD


def test_an_empty_log_reads_as_the_library_reads_it(durable_store: StoreSettings) -> None:
    app = Peiban(durable_store.env(Peiban.name))
    module = LIBRARY[durable_store.backend][0]
    library = Peiban({**durable_store.env(Peiban.name), "PERSISTENCE_MODULE": module})
    assert list(app.recorder.select_notifications(0, 10)) == list(library.recorder.select_notifications(0, 10)) == []
    library.close()
    app.close()
