"""A family's relationship timeline, now or as the record stood at any moment (the as-of replay).

A page's cursor says where the walk stands, never what the reader may see: every page asks
the guard's scope and the reader's compartments afresh. A walk through the record as it
stands now stays on it (later pages leave out facts recorded after the first page, so that
nothing repeats or is skipped, but show corrections and compartments as they are now); only
a reader who may replay the past follows a replay cursor, and a cursor names its family.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, NamedTuple

import marshmallow as ma
from flask import g
from flask.views import MethodView

from projections.plain import iso
from projections.read_models import ReadModels
from projections.timeline import Page, Timeline
from web.access.guard import cleared_for_sensitive, may_replay
from web.api.common import (
    Blueprint,
    PageQuery,
    bad_query,
    decode_cursor,
    encode_cursor,
    forbidden,
    now,
    read_models,
)
from web.schemas.fields import Moment, Whole

blp = Blueprint("timeline", __name__, url_prefix="/families", description="家庭陪伴时间线 / Family timelines")

#: Replays are asked for moments a timezone can be added to and taken from without leaving the calendar.
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(9000, 1, 1, tzinfo=UTC)


class TimelineQuery(PageQuery):
    as_of = Moment(
        load_default=None,
        validate=ma.validate.Range(min=EARLIEST, max=LATEST),
        metadata={
            "description": "按记录时间回放：只看此刻之前记录的事实 / replay the record as it stood at this moment"
        },
    )
    limit = Whole(load_default=200, validate=ma.validate.Range(min=1, max=500))


class CorrectionOut(ma.Schema):
    event_id = ma.fields.String(metadata={"description": "更正本身的事实编号 / the correction's own fact id"})
    action = ma.fields.String(metadata={"description": "amend | retract"})
    recorded_at = ma.fields.AwareDateTime()
    recorded_by = ma.fields.String()
    reason = ma.fields.String()
    changes = ma.fields.Dict(keys=ma.fields.String())


class EntryOut(ma.Schema):
    event_id = ma.fields.String()
    kind = ma.fields.String(metadata={"description": "visit, message, assigned, handover_planned, …"})
    occurred_at = ma.fields.AwareDateTime()
    recorded_at = ma.fields.AwareDateTime()
    recorded_by = ma.fields.String()
    chapter = ma.fields.Integer(metadata={"description": "所在章节 / index of the chapter it falls in"})
    volunteer_ids = ma.fields.List(ma.fields.String())
    data = ma.fields.Dict(
        keys=ma.fields.String(), metadata={"description": "更正后的内容 / fields, corrections applied"}
    )
    retracted = ma.fields.Boolean()
    sensitive = ma.fields.Boolean(metadata={"description": "属于敏感服务线 / in a sensitive compartment"})
    corrections = ma.fields.List(ma.fields.Nested(CorrectionOut))


class ChapterOut(ma.Schema):
    index = ma.fields.Integer()
    lead_id = ma.fields.String(allow_none=True, metadata={"description": "null: 没有主责义工 / no lead"})
    lead_name = ma.fields.String()
    cohort_name = ma.fields.String()
    started_at = ma.fields.AwareDateTime()
    ended_at = ma.fields.AwareDateTime(allow_none=True)


class BridgeOut(ma.Schema):
    handover_id = ma.fields.String()
    outgoing_id = ma.fields.String()
    outgoing_name = ma.fields.String()
    incoming_id = ma.fields.String()
    incoming_name = ma.fields.String()
    planned_on = ma.fields.String(metadata={"description": "计划交接日期 / planned date (YYYY-MM-DD)"})
    opened_at = ma.fields.AwareDateTime()
    state = ma.fields.String(metadata={"description": "planned | completed | cancelled"})
    closed_at = ma.fields.AwareDateTime(allow_none=True)
    joint_visits = ma.fields.Integer()
    family_agreed = ma.fields.Boolean()
    letter = ma.fields.String()
    no_joint_visit_reason = ma.fields.String()
    gap_days = ma.fields.Integer(allow_none=True)


class TimelineOut(ma.Schema):
    family_id = ma.fields.String()
    display_name = ma.fields.String()
    as_of = ma.fields.AwareDateTime(allow_none=True)
    chapters = ma.fields.List(ma.fields.Nested(ChapterOut))
    bridges = ma.fields.List(ma.fields.Nested(BridgeOut))
    entries = ma.fields.List(ma.fields.Nested(EntryOut))
    next = ma.fields.String(allow_none=True, metadata={"description": "下一页的游标 / cursor of the next page"})


class Cursor(NamedTuple):
    """Where a walk through one family's pages stands: after which entry, as of which moment, replaying or not."""

    family_id: str
    event_id: str
    occurred_at: str
    snapshot: datetime
    replay: bool

    def text(self) -> str:
        return encode_cursor(
            [self.family_id, self.event_id, self.occurred_at, iso(self.snapshot), self.replay], of="timeline"
        )


def _cursor(after: str | None, family_id: str) -> Cursor | None:
    """The walk a cursor continues; a cursor of another family is invalid, and a replay is only for those who may."""
    position = decode_cursor(after, of="timeline")
    if position is None:
        return None
    try:
        family, event_id, occurred, snapshot, replay = position
        moment = datetime.fromisoformat(snapshot).astimezone(UTC)
        cursor = Cursor(str(family), str(event_id), str(occurred), moment, replay is True)
    except (TypeError, ValueError, OverflowError):
        bad_query("after", "游标无效 / invalid cursor")
    if cursor.family_id != family_id:
        bad_query("after", "游标无效 / invalid cursor")
    if cursor.replay and not may_replay():
        forbidden()  # as ?as_of= is refused: the cursor carries no authority of the reader who was given it
    return cursor


def _read_at(models: ReadModels, family_id: Any, cleared: bool) -> datetime:
    """The moment a current read stands for: now, or the latest fact it shows if a writer's clock ran ahead."""
    latest = models.last_recorded(family_id, include_sensitive=cleared)
    return max(now(), latest) if latest else now()


@blp.route("/<uuid:family_id>/timeline")
class FamilyTimeline(MethodView):
    @blp.arguments(TimelineQuery, location="query")
    @blp.response(200, TimelineOut)
    def get(self, query: dict[str, Any], family_id: Any) -> dict[str, Any]:
        """A family's timeline, page by page; ``as_of`` replays it as recorded then / 家庭陪伴时间线"""
        cursor = _cursor(query.get("after"), str(family_id))
        replay = cursor.replay if cursor else query["as_of"] is not None
        cleared = cleared_for_sensitive()
        # Later pages of a current walk leave out what was recorded after the first page (nothing repeats nor is
        # skipped), yet show the record as it stands now: a cursor never replays the past.
        page = Page(
            query["limit"],
            after=(cursor.event_id, cursor.occurred_at) if cursor else None,
            recorded_by=cursor.snapshot if cursor and not replay else None,
        )
        models = read_models()
        timeline: Timeline = models.timeline(
            family_id,
            as_of=(cursor.snapshot if cursor else query["as_of"]) if replay else None,
            include_sensitive=cleared,
            page=page,
        )
        snapshot = cursor.snapshot if cursor else query["as_of"] or _read_at(models, family_id, cleared)
        g.replayed = iso(snapshot) if replay else None  # what the read audit records: the moment this page showed
        shown = timeline.entries
        following = (
            Cursor(str(family_id), shown[-1].event_id, iso(shown[-1].occurred_at), snapshot, replay)
            if timeline.more
            else None
        )
        return {
            "family_id": timeline.family_id,
            "display_name": timeline.display_name,
            "as_of": snapshot if replay else None,
            "chapters": timeline.chapters,
            "bridges": timeline.bridges,
            "entries": shown,
            "next": following.text() if following else None,
        }
