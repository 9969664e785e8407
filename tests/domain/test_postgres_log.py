"""Peiban reads its PostgreSQL log quicker than the library does, and gets what the library gets
(``domain.postgres_log.PostgresLog``, checked against the library's own reading of the same stored facts)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from eventsourcing.postgres import PostgresApplicationRecorder

from domain import Peiban
from domain.postgres_log import PostgresLog
from tests.builders import Scene, StepClock, scene
from tests.domain.test_snapshots_and_transcoding import a_rich_history, many_visits
from tests.stores import store

pytestmark = pytest.mark.postgres


@pytest.fixture
def stored(tmp_path: Path, clock: StepClock) -> Iterator[tuple[Peiban, Peiban]]:
    """A PostgreSQL log with a rich history, opened by Peiban and by the library's own recorder."""
    with store("postgres", tmp_path) as settings:
        app = Peiban(settings.env(Peiban.name), clock=clock)
        s: Scene = scene(app, clock)
        a_rich_history(s)
        many_visits(s, 12)
        library = Peiban({**settings.env(Peiban.name), "PERSISTENCE_MODULE": "eventsourcing.postgres"}, clock=clock)
        yield app, library
        library.close()
        app.close()


def test_peiban_reads_its_postgres_log_with_its_own_recorder(stored: tuple[Peiban, Peiban]) -> None:
    app, library = stored
    assert type(app.recorder) is PostgresLog
    assert type(library.recorder) is PostgresApplicationRecorder


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
    assert [vars(n) for n in ours] == [vars(n) for n in theirs]
    assert [tuple(map(type, vars(n).values())) for n in ours] == [tuple(map(type, vars(n).values())) for n in theirs]


def test_a_page_of_some_topics_is_the_page_the_library_reads(stored: tuple[Peiban, Peiban]) -> None:
    app, library = stored
    every = library.recorder.select_notifications(0, 1000)
    topics = sorted({n.topic for n in every})[:2]
    ours = app.recorder.select_notifications(2, 1000, topics=topics, inclusive_of_start=False)
    assert ours == library.recorder.select_notifications(2, 1000, topics=topics, inclusive_of_start=False)
    assert ours and {n.topic for n in ours} <= set(topics) and len(ours) < len(every)


def test_topics_are_a_list_of_names_as_the_library_asks(stored: tuple[Peiban, Peiban]) -> None:
    app, library = stored
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


def test_an_empty_log_reads_as_the_library_reads_it(tmp_path: Path) -> None:
    with store("postgres", tmp_path) as settings:
        app = Peiban(settings.env(Peiban.name))
        library = Peiban({**settings.env(Peiban.name), "PERSISTENCE_MODULE": "eventsourcing.postgres"})
        assert (
            list(app.recorder.select_notifications(0, 10)) == list(library.recorder.select_notifications(0, 10)) == []
        )
        library.close()
        app.close()
