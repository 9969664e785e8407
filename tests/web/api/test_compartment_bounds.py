"""A refusal must not tell the uncleared when a compartment fact happened.

Found by probing the merged fixes of issue 10 from outside: ending an assignment (or closing the family)
earlier than the volunteer's latest visit or message is refused with "must not be before {when}"; when
that latest contact is an anti-domestic-violence message, the coordinator's refusal names its minute.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Flask

from tests.web.api.conftest import cohort, log_position, post, signed_in
from tests.web.api.scenes import assign, family, volunteer


def _at(minutes_ago: int) -> str:
    return (datetime.now(tz=UTC).replace(second=0, microsecond=0) - timedelta(minutes=minutes_ago)).isoformat()


def test_ending_an_assignment_early_does_not_tell_a_coordinator_when_a_hidden_message_was_logged(
    api_app: Flask,
) -> None:
    # given a family, its lead, and a message the lead logged 30 minutes ago
    coordinator, social_worker = signed_in(api_app, "coordinator"), signed_in(api_app, "social_worker")
    lead = volunteer(coordinator, cohort(coordinator), "王义工")
    family_id = family(coordinator)
    assign(coordinator, family_id, lead, days_ago=80)
    message = {"volunteer_id": lead, "direction": "to_family", "channel": "sms", "summary": "问候"}
    post(coordinator, f"/families/{family_id}/messages", {**message, "occurred_at": _at(30)})
    # and a social worker's anti-domestic-violence message with the lead, 5 minutes ago
    hidden = {**message, "summary": "反家暴", "service_line": "anti_domestic_violence", "occurred_at": _at(5)}
    post(social_worker, f"/families/{family_id}/messages", hidden)
    before = log_position(coordinator)
    # when the coordinator ends the lead's assignment 10 minutes ago (after every contact they can see)
    end = {"reason": "毕业", "occurred_at": _at(10)}
    response = coordinator.post(f"/api/v1/families/{family_id}/assignments/{lead}/end", json=end)
    # then the answer is the one the coordinator would get were the hidden message not there
    assert response.status_code == 200, response.get_json()
    assert log_position(coordinator) == before + 1
