"""The seal's page for auditors: whether the log still matches its hash chain, up to where it was verified,
the latest signed checkpoint, and the checkpoint file to download and keep off the server.

The same small status block shows in the audit tools of every family page an auditor opens.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from flask import Blueprint, Response, g, render_template
from flask.typing import ResponseReturnValue

from web.access.guard import Caller
from web.access.policy import Action, may
from web.i18n import _, local_time
from web.seal_view import download_headers, seal_export, seal_status

bp = Blueprint("seal_page", __name__)


@dataclass(frozen=True)
class SealBlock:
    """The seal's status in words: 'intact', 'broken' or 'unverified', and what to say about it."""

    state: str
    summary: str
    sealed: int
    facts: int
    head: str
    checkpoint: str
    signing_key: bool


def _when(iso: str) -> str:
    return local_time(datetime.fromisoformat(iso))


def seal_block() -> SealBlock:
    """The seal's status, every fact recorded so far sealed first."""
    found = seal_status()
    last, latest = found["last_verification"], found["latest_checkpoint"]
    if last is None:
        summary = _("Not verified yet: run peiban verify on the server.")
    elif last["intact"]:
        summary = _(
            "Intact up to fact %(position)s, verified %(when)s.",
            position=last["verified_position"],
            when=_when(last["verified_at"]),
        )
    else:
        summary = _("Broken at fact %(position)s: %(reason)s", position=last["broken_at"], reason=last["reason"])
    checkpoint = (
        _("Position %(position)s, signed %(when)s", position=latest["position"], when=_when(latest["signed_at"]))
        if latest
        else _("None yet")
    )
    facts, sealed = found["log_position"], found["sealed_position"]
    return SealBlock(found["status"], summary, sealed, facts, found["head"], checkpoint, found["signing_key"])


def seal_tools() -> SealBlock | None:
    """For templates: the seal's status block, for those who may read it."""
    caller: Caller | None = g.get("caller")
    return seal_block() if caller is not None and may(caller.role, Action.READ_SEAL) else None


@bp.app_context_processor
def template_tools() -> dict[str, object]:
    return {"seal_tools": seal_tools}


@bp.route("/seal", endpoint="seal")
def seal_page() -> ResponseReturnValue:
    """The seal's status, and the signed checkpoints to download."""
    return render_template("seal.html", seal=seal_block())


@bp.route("/seal/checkpoints.json", endpoint="checkpoints")
def checkpoints() -> ResponseReturnValue:
    """The checkpoint file (a fresh checkpoint signed at the head first), as a download."""
    text = json.dumps(seal_export(), ensure_ascii=False, indent=2) + "\n"
    return Response(text, mimetype="application/json", headers=download_headers())
