"""What a verification found: how far the log matched its seal, and where it first did not."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Verdict:
    """The outcome of checking the log against the stored chain and the checkpoints."""

    verified_at: str  # ISO 8601, UTC
    log_position: int  # the last position in the log when checked
    verified_position: int  # every fact up to here matched the seal
    broken_at: int | None = None  # the first position that did not
    reason: str = ""
    checkpoints: int = 0  # checkpoints whose signature and head were checked

    @property
    def intact(self) -> bool:
        return self.broken_at is None

    @property
    def unsealed(self) -> int:
        """Facts recorded after the last sealed one: not covered by the seal yet."""
        return max(self.log_position - self.verified_position, 0) if self.intact else 0
