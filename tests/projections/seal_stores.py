"""Stores with a sealed log, for the seal's tests: generated facts, a seal key, the seal caught up."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from domain import Peiban, StoreSettings
from projections.seal.store import SealStore, seal_database
from projections.seal.verdict import Verdict
from projections.seal.verify import SignedBy, verify
from web.demo.generate import generate

#: The keys are made once: generating one is cheap, but the tests need the same one across copies.
KEY = Ed25519PrivateKey.generate()
SIGNED_AT = datetime(2026, 3, 1, 8, tzinfo=UTC)


def pinned() -> datetime:
    return SIGNED_AT


@dataclass
class Sealed:
    app: Peiban
    seal: SealStore

    def verify(self, *extra: SignedBy) -> Verdict:
        """Verify the log against the stored chain, the stored checkpoints (server key) and ``extra``."""
        stored = SignedBy(self.seal.checkpoints(), KEY.public_key(), "server")
        return verify(self.app, self.seal, [stored, *extra], now=pinned())


@contextmanager
def opened(settings: StoreSettings, *, key: Ed25519PrivateKey | None = KEY, every: int = 50) -> Iterator[Sealed]:
    """The application and its seal on ``settings``, closed afterwards."""
    app = Peiban(settings.env(Peiban.name))
    seal = SealStore(app, seal_database(settings), key=key, clock=pinned, checkpoint_every=every, batch_size=64)
    try:
        yield Sealed(app, seal)
    finally:
        seal.db.close()
        app.close()


def fill(sealed: Sealed, families: int = 12, facts: int = 12) -> None:
    """Generated families with their facts, then the whole log sealed."""
    generate(sealed.app, families=families, facts_per_family=facts)
    sealed.seal.catch_up()
