"""Every domain error and field problem in words: one catalogue, translated by the .po files.

The domain raises a stable ``code`` with typed parameters (``HandoverNotOpen(state=HandoverState.COMPLETED)``);
this module holds the English message id for each code, with named placeholders, and renders it in a
language: a moment in the display time zone (or as the caller says), an enum member through its label in
that language, a list of values joined, a count through the catalogue's plural forms (``ngettext``).
The API answers "中文 / English", the pages the reader's language, the CLI Chinese then English.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum

from domain import DomainError, InvalidInput, Problem
from domain.values import HandoverState, PromiseState, VolunteerStatus
from domain.volunteer import VolunteerAction
from web.i18n import LANGUAGES, N_, NP_, catalogue


@dataclass(frozen=True)
class Counted:
    """A message whose words depend on a number: ``forms`` is (singular, plural), ``count`` the parameter
    that counts; the number is shown as ``%(num)d``."""

    forms: tuple[str, str]
    count: str


Wording = str | Counted

#: Domain error code -> its message. A class without an entry reads as its nearest parent's.
ERRORS: dict[str, Wording] = {
    "domain_error": N_("The command was rejected"),
    "rule_broken": N_("The command was rejected"),
    "invalid_input": N_("Some fields are invalid"),
    "not_found": N_("No such record"),
    "family_not_found": N_("Family not found"),
    "erased": N_("This record was erased on %(erased_at)s because: %(reason)s"),
    "family_erased": N_("This family's record was erased on %(erased_at)s because: %(reason)s"),
    "volunteer_erased": N_("This volunteer's personal data was erased on %(erased_at)s because: %(reason)s"),
    "volunteer_still_accompanies": N_(
        "The volunteer is still on a family (an assignment or an open handover: %(families)s); complete or cancel"
        " the handover and end the assignment before erasing their data"
    ),
    "volunteer_not_found": N_("Volunteer not found"),
    "cohort_not_found": N_("Cohort not found"),
    "handover_not_found": N_("This family has no such handover"),
    "fact_not_found": N_("This family has no such record"),
    "promise_not_found": N_("This family has no such promise"),
    "not_your_entry": N_("You may correct only the entries you recorded yourself"),
    "promise_not_open": N_("This promise is no longer open (%(state)s)"),
    "account_not_found": N_("Account not found"),
    "token_not_found": N_("This account has no token with this id"),
    "conflict": N_("The record was changed by someone else at the same time; please retry"),
    "erasure_unavailable": N_("The store is not encrypted: nothing can be erased (run `peiban encrypt` first)"),
    "lead_already_assigned": N_(
        "This family already has a lead volunteer (%(lead)s): plan a handover or unassign first"
    ),
    "already_assigned": N_("This volunteer is already assigned to the family"),
    "not_assigned": N_("This volunteer is not currently assigned to the family"),
    "volunteer_not_active": N_("Only an active volunteer can be assigned (%(name)s is %(status)s)"),
    "volunteer_not_on_family": N_(
        "%(name)s was not assigned to the family, nor part of its open handover, at %(when)s"
    ),
    "not_an_alumni_contact": N_("%(name)s no longer accompanies this family and is not an alumni contact it agreed to"),
    "family_closed": N_("The family is closed: reopen it before logging new visits"),
    "family_already_closed": N_("The family is already closed"),
    "family_not_closed": N_("The family is not closed"),
    "handover_already_open": N_("The family already has an open handover"),
    "handover_not_open": N_("The handover is already %(state)s"),
    "handover_same_volunteer": N_("The outgoing and incoming volunteers must be different people"),
    "handover_needs_joint_visit": N_(
        "A handover needs at least one joint visit with both volunteers; "
        "if that was impossible, the coordinator must record why"
    ),
    "fact_already_retracted": N_("This record has been retracted and cannot be corrected"),
    "fact_not_correctable": N_(
        "Records of this kind cannot be corrected; use the matching command (e.g. unassign, cancel handover)"
    ),
    "concern_already_resolved": N_("The concern is already resolved"),
    "follow_up_already_done": N_("The follow-up is already done"),
    "cohort_closed": N_("The cohort is closed; no new volunteers can join it"),
    "cohort_already_closed": N_("The cohort is already closed"),
    "volunteer_status": N_("The volunteer is %(status)s and cannot %(action)s"),
    "alumni_choice_unchanged": N_("The volunteer has already made this choice"),
    "user_name_taken": N_("This user name is already taken"),
    "volunteer_account_needs_volunteer": N_("A volunteer's account must be linked to a volunteer"),
    "second_factor_not_offered": N_("A second factor is offered to coordinators and auditors"),
}

#: Field problem ``code`` or ``code.detail`` -> its message.
PROBLEMS: dict[str, Wording] = {
    "required": N_("is required"),
    "required.a_volunteer": N_("at least one volunteer"),
    "required.a_change": N_("must change at least one field"),
    "required.consent": N_("guardian consent is required"),
    "required.for_a_volunteer": N_("required for a volunteer"),
    "blank": N_("must not be empty"),
    "blank.password": N_("must not be only spaces"),
    "control": N_("contains an invalid character"),
    "too_long": Counted(NP_("must be at most %(num)d character", "must be at most %(num)d characters"), "limit"),
    "too_long.password": Counted(
        NP_("must not be longer than %(num)d character", "must not be longer than %(num)d characters"), "most"
    ),
    "too_short.password": Counted(
        NP_("must be at least %(num)d character", "must be at least %(num)d characters"), "least"
    ),
    "too_many": Counted(NP_("at most %(num)d item", "at most %(num)d items"), "most"),
    "too_many.members": Counted(NP_("at most %(num)d member", "at most %(num)d members"), "most"),
    "common.password": N_("is too common or contains the user name"),
    "type.text": N_("must be text"),
    "type.texts": N_("must be a list of texts"),
    "type.list": N_("must be a list"),
    "type.whole_number": N_("must be a whole number"),
    "type.ids": N_("must be a list of ids"),
    "type.yes_or_no": N_("must be true or false"),
    "type.household": N_("must be a list of household members"),
    "type.household_member": N_("must be a household member"),
    "choice": N_("must be one of: %(allowed)s"),
    "range": N_("must be between %(low)s and %(high)s"),
    "range.moment": N_("is out of range"),
    "id": N_("is not a valid id"),
    "date": N_("must be a date"),
    "aware": N_("must be a date-time with a time zone"),
    "future": N_("must not be in the future"),
    "future.day": N_("must not be a day in the future"),
    "too_early": N_("must not be before %(when)s"),
    "before_contact": N_("must not be before the volunteer's last recorded visit or message"),
    "unknown": N_("is not a known field"),
    "unknown.profile_field": N_("is not a profile field"),
    "not_amendable": N_("cannot be amended; amendable: %(amendable)s"),
    "order.after_intake": N_("must be after the intake date"),
    "no_child": N_("must include at least one child"),
    "records": N_("must include consent to keep records"),
}

#: HTTP status -> what the API's error says when nothing more precise is known.
HTTP: dict[int, str] = {
    400: N_("Bad request"),
    401: N_("Please sign in"),
    403: N_("Forbidden"),
    404: N_("Not found"),
    405: N_("Method not allowed"),
    409: N_("Conflict"),
    410: N_("Record erased"),
    413: N_("Request too large"),
    415: N_("Send JSON"),
    422: N_("Some fields are invalid"),
    429: N_("Too many requests; try again later"),
    500: N_("Internal server error"),
}

#: Labels of the enumerations errors carry, by member (the same message ids as the pages' labels).
LABELS: dict[type[Enum], Mapping[Enum, str]] = {
    VolunteerStatus: {
        VolunteerStatus.REGISTERED: N_("registered"),
        VolunteerStatus.ACTIVE: N_("active"),
        VolunteerStatus.DEPARTING: N_("departing"),
        VolunteerStatus.DEPARTED: N_("departed"),
    },
    PromiseState: {
        PromiseState.OPEN: N_("open"),
        PromiseState.KEPT: N_("kept"),
        PromiseState.LET_GO: N_("let go"),
        PromiseState.CHANGED: N_("changed by an amendment of its visit"),
    },
    HandoverState: {
        HandoverState.PLANNED: N_("planned"),
        HandoverState.COMPLETED: N_("completed"),
        HandoverState.CANCELLED: N_("cancelled"),
    },
    VolunteerAction: {
        VolunteerAction.ACTIVATE: N_("be activated"),
        VolunteerAction.ANNOUNCE_DEPARTURE: N_("announce a departure"),
        VolunteerAction.DEPART: N_("depart"),
        VolunteerAction.CHANGE_ALUMNI_CHOICE: N_("change the alumni choice"),
        VolunteerAction.ERASE: N_("have their personal data erased (record their departure first)"),
    },
}

Moment = Callable[[datetime], str]


def utc_minute(moment: datetime) -> str:
    """A moment as ISO 8601 in UTC, to the minute: how the CLI names moments unless told a zone."""
    return moment.astimezone(UTC).isoformat(timespec="minutes")


def wording_of(said: DomainError | Problem) -> Wording:
    """The catalogue's entry for an error (its class's, or the nearest parent's) or a problem (its
    ``code.detail``, else its ``code``)."""
    if isinstance(said, Problem):
        return PROBLEMS.get(said.key) or PROBLEMS.get(said.code) or ERRORS["invalid_input"]
    for kind in type(said).__mro__:
        code = getattr(kind, "code", None)
        if isinstance(code, str) and code in ERRORS:
            return ERRORS[code]
    return ERRORS["domain_error"]


def shown(value: object, locale: str, moment: Moment) -> str:
    """One parameter as the reader reads it."""
    if isinstance(value, datetime):
        return moment(value)
    if isinstance(value, Enum):
        label = LABELS.get(type(value), {}).get(value)
        return str(catalogue(locale).ugettext(label)) if label else str(value.value)
    if isinstance(value, (tuple, list, frozenset, set)):
        return ", ".join(shown(item, locale, moment) for item in value)
    return str(value)


def worded(entry: Wording, params: Mapping[str, object], locale: str, moment: Moment = utc_minute) -> str:
    """A catalogue entry in ``locale`` (``zh_Hans`` or ``en``), its placeholders filled from ``params``."""
    words = catalogue(locale)
    values = {name: shown(value, locale, moment) for name, value in params.items()}
    if isinstance(entry, Counted):
        number = params.get(entry.count)
        count = number if isinstance(number, int) else 0
        return str(words.ungettext(*entry.forms, count)) % {**values, "num": count}
    text = str(words.ugettext(entry))
    return text % values if values else text


def message(said: DomainError | Problem, locale: str, moment: Moment = utc_minute) -> str:
    """An error or a field problem in ``locale``."""
    return worded(wording_of(said), said.params, locale, moment)


def both(said: DomainError | Problem, moment: Moment = utc_minute) -> tuple[str, ...]:
    """The message in every language, Simplified Chinese first."""
    return tuple(message(said, locale, moment) for locale in LANGUAGES)


def bilingual(said: DomainError | Problem, moment: Moment = utc_minute) -> str:
    """``中文 / English``."""
    return " / ".join(both(said, moment))


def cli_message(error: DomainError, moment: Moment = utc_minute) -> str:
    """An error for the command line: Chinese / English, then each bad field's problems."""
    said = bilingual(error, moment)
    if not isinstance(error, InvalidInput):
        return said
    details = "; ".join(
        f"{field}: {bilingual(problem, moment)}" for field, problems in error.errors.items() for problem in problems
    )
    return f"{said} ({details})"


def http_message(status: int, name: str) -> str:
    """An HTTP error's ``中文 / English`` (a status without wording here: its ``name`` in both)."""
    if status not in HTTP:
        return f"{name} / {name}"
    return " / ".join(worded(HTTP[status], {}, locale) for locale in LANGUAGES)
