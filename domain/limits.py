"""How many characters each text a person types may hold: one declaration, read by the domain's
checks, the API's schemas and the page forms, so that the three cannot disagree (they once said
4,000, 4,000 and 2,000 for a visit's summary, and a browser cut a long summary to fit the form).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

SHORT_TEXT = 200
LONG_TEXT = 4000
LETTER_TEXT = 20000
NAME = 100
ALIAS = 50

#: The limit of every text field, by the name the domain gives it (items of a list: each item).
TEXT_LIMITS: Mapping[str, int] = MappingProxyType(
    {
        # What happened with a family, in the recorder's words.
        "summary": LONG_TEXT,
        "resolution": LONG_TEXT,
        "reason": LONG_TEXT,
        "action": LONG_TEXT,
        "note": LONG_TEXT,
        "no_joint_visit_reason": LONG_TEXT,
        "letter": LETTER_TEXT,
        # Short details.
        "activities": SHORT_TEXT,
        "follow_ups_promised": SHORT_TEXT,
        "social_worker": SHORT_TEXT,
        "family_member": SHORT_TEXT,
        "referral_source": SHORT_TEXT,
        # Names.
        "display_name": ALIAS,
        "alias": ALIAS,
        "community": NAME,
        "name": NAME,
        "contact": NAME,
        "school": NAME,
        "major": NAME,
        "recorded_by": NAME,
    }
)


def text_limit(field: str) -> int:
    """The most characters ``field`` takes; a nested field (``changes.summary``, ``household.0.alias``)
    by its own name."""
    return TEXT_LIMITS[field.rsplit(".", 1)[-1]]
