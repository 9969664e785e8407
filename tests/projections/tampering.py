"""Ways to tamper with a sealed SQLite store, each applied with sqlite3 to a copy of the real files.

Each mutation returns the first position it changed in the log (what ``verify`` must name), or
None when only the seal's own evidence is attacked (a checkpoint, or the stored chain rewritten).
"""

from __future__ import annotations

import json
import random
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from projections.seal.chain import GENESIS, link


@dataclass
class Copy:
    """A copy of a sealed store: its event store, its seal, and the auditor's checkpoint file."""

    events: sqlite3.Connection
    seal: sqlite3.Connection
    checkpoint_file: Path

    def ids(self) -> list[int]:
        return [r[0] for r in self.events.execute("SELECT rowid FROM stored_events ORDER BY rowid")]

    def state(self, position: int) -> bytes:
        return bytes(self.events.execute("SELECT state FROM stored_events WHERE rowid = ?", [position]).fetchone()[0])


@dataclass(frozen=True)
class Row:
    id: int
    originator_id: str
    originator_version: int
    topic: str
    state: bytes


Mutation = Callable[[Copy, random.Random], int | None]


def edit_bytes(c: Copy, rng: random.Random) -> int:
    position = rng.choice(c.ids())
    state = bytearray(c.state(position))
    state[rng.randrange(len(state))] ^= rng.randrange(1, 256)
    c.events.execute("UPDATE stored_events SET state = ? WHERE rowid = ?", [bytes(state), position])
    return position


def swap_payloads(c: Copy, rng: random.Random) -> int:
    while True:
        p, q = sorted(rng.sample(c.ids(), 2))
        if c.state(p) != c.state(q):
            break
    a, b = c.state(p), c.state(q)
    c.events.execute("UPDATE stored_events SET state = ? WHERE rowid = ?", [b, p])
    c.events.execute("UPDATE stored_events SET state = ? WHERE rowid = ?", [a, q])
    return p


def delete_row(c: Copy, rng: random.Random) -> int:
    position = rng.choice(c.ids())
    c.events.execute("DELETE FROM stored_events WHERE rowid = ?", [position])
    return position


def swap_positions(c: Copy, rng: random.Random) -> int:
    """Reorder the log: two facts trade places (their notification ids)."""
    p, q = sorted(rng.sample(c.ids(), 2))
    c.events.execute("UPDATE stored_events SET rowid = -1 WHERE rowid = ?", [p])
    c.events.execute("UPDATE stored_events SET rowid = ? WHERE rowid = ?", [p, q])
    c.events.execute("UPDATE stored_events SET rowid = ? WHERE rowid = -1", [q])
    return p


def swap_versions(c: Copy, rng: random.Random) -> int:
    """Reorder an aggregate's history: two of its facts trade versions."""
    owners = c.events.execute("SELECT originator_id FROM stored_events GROUP BY originator_id HAVING COUNT(*) > 1")
    owner = rng.choice([r[0] for r in owners])
    rows = c.events.execute("SELECT rowid, originator_version FROM stored_events WHERE originator_id = ?", [owner])
    (p, vp), (q, vq) = sorted(rng.sample(list(rows), 2))
    c.events.execute("UPDATE stored_events SET originator_version = -1 WHERE rowid = ?", [p])
    c.events.execute("UPDATE stored_events SET originator_version = ? WHERE rowid = ?", [vp, q])
    c.events.execute("UPDATE stored_events SET originator_version = ? WHERE rowid = ?", [vq, p])
    return p


def edit_topic(c: Copy, rng: random.Random) -> int:
    position = rng.choice(c.ids())
    (topic,) = c.events.execute("SELECT topic FROM stored_events WHERE rowid = ?", [position]).fetchone()
    others = [r[0] for r in c.events.execute("SELECT DISTINCT topic FROM stored_events WHERE topic != ?", [topic])]
    c.events.execute("UPDATE stored_events SET topic = ? WHERE rowid = ?", [rng.choice(others), position])
    return position


def truncate_tail(c: Copy, rng: random.Random) -> int:
    first_gone = c.ids()[-rng.randint(1, 30)]
    c.events.execute("DELETE FROM stored_events WHERE rowid >= ?", [first_gone])
    return first_gone


def truncate_log_and_seal(c: Copy, rng: random.Random) -> None:
    """Cut the tail off the log and off the server's seal alike: only the auditor's file can tell."""
    first_gone = c.ids()[-rng.randint(1, 30)]
    c.events.execute("DELETE FROM stored_events WHERE rowid >= ?", [first_gone])
    c.seal.execute("DELETE FROM chain WHERE position >= ?", [first_gone])
    c.seal.execute("DELETE FROM checkpoints WHERE position >= ?", [first_gone])


def rewrite_fact_and_chain(c: Copy, rng: random.Random) -> None:
    """Edit a fact and recompute the stored chain after it, as someone holding the server's disk could."""
    position = edit_bytes(c, rng)
    found = c.seal.execute("SELECT head FROM chain WHERE position < ? ORDER BY position DESC", [position]).fetchone()
    head = found[0] if found else GENESIS
    for values in c.events.execute("SELECT rowid, * FROM stored_events WHERE rowid >= ? ORDER BY rowid", [position]):
        head = link(head, Row(*values))
        c.seal.execute("UPDATE chain SET head = ? WHERE position = ?", [head, values[0]])


def _edit_file(c: Copy, rng: random.Random, change: Callable[[dict[str, Any], random.Random], None]) -> None:
    kept = json.loads(c.checkpoint_file.read_text(encoding="utf-8"))
    change(rng.choice(kept["checkpoints"]), rng)
    c.checkpoint_file.write_text(json.dumps(kept), encoding="utf-8")


def _flip(text: str, rng: random.Random, alphabet: str) -> str:
    at = rng.randrange(len(text))
    return text[:at] + rng.choice(alphabet.replace(text[at], "")) + text[at + 1 :]


HEX, BASE64 = "0123456789abcdef", "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def edit_checkpoint_head(c: Copy, rng: random.Random) -> None:
    _edit_file(c, rng, lambda cp, r: cp.update(head=_flip(cp["head"], r, HEX)))


def edit_checkpoint_position(c: Copy, rng: random.Random) -> None:
    _edit_file(c, rng, lambda cp, r: cp.update(position=cp["position"] + r.choice([-7, -1, 1, 3])))


def edit_checkpoint_signature(c: Copy, rng: random.Random) -> None:
    _edit_file(c, rng, lambda cp, r: cp.update(signature=_flip(cp["signature"][:-4], r, BASE64) + cp["signature"][-4:]))


def edit_checkpoint_time(c: Copy, rng: random.Random) -> None:
    _edit_file(c, rng, lambda cp, r: cp.update(signed_at=cp["signed_at"].replace("2026", "2025")))


def edit_stored_checkpoint(c: Copy, rng: random.Random) -> None:
    """A checkpoint in the server's seal, its head or its signature changed."""
    position, head, signature = rng.choice(list(c.seal.execute("SELECT position, head, signature FROM checkpoints")))
    if rng.random() < 0.5:
        c.seal.execute("UPDATE checkpoints SET head = ? WHERE position = ?", [_flip(head, rng, HEX), position])
    else:
        flipped = _flip(signature[:-4], rng, BASE64) + signature[-4:]
        c.seal.execute("UPDATE checkpoints SET signature = ? WHERE position = ?", [flipped, position])


MUTATIONS: tuple[Mutation, ...] = (
    edit_bytes,
    swap_payloads,
    delete_row,
    swap_positions,
    swap_versions,
    edit_topic,
    truncate_tail,
    truncate_log_and_seal,
    rewrite_fact_and_chain,
    edit_checkpoint_head,
    edit_checkpoint_position,
    edit_checkpoint_signature,
    edit_checkpoint_time,
    edit_stored_checkpoint,
)
