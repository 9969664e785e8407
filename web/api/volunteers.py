"""Volunteers: registration, going on duty, departure, alumni contact, and the directory."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import url_for
from flask.views import MethodView

from domain.errors import VolunteerNotFound
from domain.values import VolunteerStatus
from projections.directory import VolunteerRow, volunteer, volunteers
from projections.erasure import refuse_erased_volunteer
from web.api.common import Blueprint, PageQuery, current_actor, keyset_after, page, peiban, read_models
from web.api.idempotency import command_id
from web.schemas.fields import Strict, choice, occurred_at
from web.schemas.people import AlumniContactIn, DepartureAnnouncedIn, DepartureIn, VolunteerIn

blp = Blueprint("volunteers", __name__, url_prefix="/volunteers", description="义工 / Volunteers")


class VolunteerOut(ma.Schema):
    id = ma.fields.String(attribute="volunteer_id")
    name = ma.fields.String()
    cohort_id = ma.fields.String()
    cohort_name = ma.fields.String()
    status = ma.fields.String(metadata={"enum": [s.value for s in VolunteerStatus]})
    registered_at = ma.fields.AwareDateTime()
    departed_at = ma.fields.AwareDateTime(allow_none=True)
    alumni_opted_in = ma.fields.Boolean()


class VolunteerQuery(PageQuery):
    cohort_id = ma.fields.UUID(load_default=None)
    status = choice(VolunteerStatus, load_default=None)
    q = ma.fields.String(load_default="", validate=ma.validate.Length(max=100))


class VolunteerPage(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(VolunteerOut))
    next = ma.fields.String(allow_none=True, metadata={"description": "下一页的 after / `after` of the next page"})


class VolunteerMomentIn(Strict):
    occurred_at = occurred_at()


def _find(volunteer_id: Any) -> VolunteerRow:
    with read_models()["continuity"].reading() as tx:
        refuse_erased_volunteer(tx, str(volunteer_id))
        found = volunteer(tx, str(volunteer_id))
    if found is None:
        raise VolunteerNotFound()
    return found


@blp.route("")
class Volunteers(MethodView):
    @blp.arguments(VolunteerQuery, location="query")
    @blp.response(200, VolunteerPage)
    def get(self, query: dict[str, Any]) -> dict[str, Any]:
        """List volunteers by name, filtered by cohort, status or name / 义工名录"""
        status = query["status"]
        with read_models()["continuity"].reading() as tx:
            rows = volunteers(
                tx,
                cohort_id=str(query["cohort_id"]) if query["cohort_id"] else None,
                status=status.value if status else None,
                search=query["q"].strip(),
                after=keyset_after(query.get("after"), of="volunteers"),
                limit=query["limit"] + 1,
            )
        return page(rows, query["limit"], lambda v: [v.name, v.volunteer_id], of="volunteers")

    @blp.arguments(VolunteerIn)
    @blp.response(201, VolunteerOut)
    def post(self, given: dict[str, Any]) -> tuple[VolunteerRow, int, dict[str, str]]:
        """Register a volunteer in an open cohort / 登记义工"""
        volunteer_id = peiban().register_volunteer(recorded_by=current_actor(), **given, command_id=command_id())
        return _find(volunteer_id), 201, {"Location": url_for("volunteers.OneVolunteer", volunteer_id=volunteer_id)}


@blp.route("/<uuid:volunteer_id>")
class OneVolunteer(MethodView):
    @blp.response(200, VolunteerOut)
    def get(self, volunteer_id: Any) -> VolunteerRow:
        """One volunteer / 查看义工"""
        return _find(volunteer_id)


@blp.route("/<uuid:volunteer_id>/activate")
class Activation(MethodView):
    @blp.arguments(VolunteerMomentIn)
    @blp.response(200, VolunteerOut)
    def post(self, given: dict[str, Any], volunteer_id: Any) -> VolunteerRow:
        """Put a registered volunteer on duty: from then on they can be assigned / 义工上岗"""
        peiban().activate_volunteer(volunteer_id, recorded_by=current_actor(), **given, command_id=command_id())
        return _find(volunteer_id)


@blp.route("/<uuid:volunteer_id>/departure-announced")
class DepartureAnnounced(MethodView):
    @blp.arguments(DepartureAnnouncedIn)
    @blp.response(200, VolunteerOut)
    def post(self, given: dict[str, Any], volunteer_id: Any) -> VolunteerRow:
        """Record the day an active volunteer will leave / 登记即将离开"""
        peiban().announce_departure(volunteer_id, recorded_by=current_actor(), **given, command_id=command_id())
        return _find(volunteer_id)


@blp.route("/<uuid:volunteer_id>/departure")
class Departure(MethodView):
    @blp.arguments(DepartureIn)
    @blp.response(200, VolunteerOut)
    def post(self, given: dict[str, Any], volunteer_id: Any) -> VolunteerRow:
        """Record that a volunteer left the programme (graduated or withdrew) / 义工离开"""
        peiban().record_departure(volunteer_id, recorded_by=current_actor(), **given, command_id=command_id())
        return _find(volunteer_id)


@blp.route("/<uuid:volunteer_id>/alumni-contact")
class AlumniContact(MethodView):
    @blp.arguments(AlumniContactIn)
    @blp.response(200, VolunteerOut)
    def post(self, given: dict[str, Any], volunteer_id: Any) -> VolunteerRow:
        """Opt in to, or out of, keeping in touch with families as alumni / 校友联系意愿"""
        peiban().set_alumni_contact(volunteer_id, recorded_by=current_actor(), **given, command_id=command_id())
        return _find(volunteer_id)
