"""Seal benchmark: sealing and verifying rates beside reading and deserialising the same log, in one run.

Every figure is printed beside the baseline as a ratio, because these machines are noisy:

1. read the log as stored (no decoding): the floor any pass over the log pays;
2. read + deserialise (the mapper turns each stored fact into a domain event): what a view rebuild pays;
3. seal: chain every fact from an empty seal (hash + insert), with a checkpoint every 1000 facts;
4. verify: recompute the chain and compare it with the stored chain and every checkpoint.

    python benchmarks/seal.py                          # ~50k facts, about a minute on 2 cores
    python benchmarks/seal.py --families 20000 --facts 50   # ~1M facts
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: E402

from domain import Peiban, StoreSettings  # noqa: E402
from projections.seal.store import SealStore, seal_database  # noqa: E402
from projections.seal.verify import SignedBy, verify  # noqa: E402
from web.demo.generate import generate  # noqa: E402


def now() -> datetime:
    return datetime.now(tz=UTC)


def make_store(folder: Path, families: int, facts: int) -> StoreSettings:
    settings = StoreSettings(backend="sqlite", data_dir=folder)
    folder.mkdir(parents=True, exist_ok=True)
    app = Peiban(settings.env(Peiban.name))
    if app.log_position() == 0:
        generate(app, families=families, facts_per_family=facts)
    app.close()
    settings.sqlite_file("seal").unlink(missing_ok=True)
    return settings


def rate_of(run: Callable[[], int]) -> tuple[int, float]:
    started = time.perf_counter()
    count = run()
    return count, count / (time.perf_counter() - started)


def read_log(app: Peiban, *, decode: bool) -> int:
    position, count = 0, 0
    while notifications := app.recorder.select_notifications(position, 2000, inclusive_of_start=False):
        if decode:
            for notification in notifications:
                app.mapper.to_domain_event(notification)
        count += len(notifications)
        position = notifications[-1].id
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--families", type=int, default=2000, help="families in the store (default 2000)")
    parser.add_argument("--facts", type=int, default=25, help="facts per family (default 25)")
    parser.add_argument("--keep", type=Path, help="keep the generated store in this folder (reused next time)")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="peiban-seal-bench-"))
    settings = make_store(folder / "store", args.families, args.facts)
    app = Peiban(settings.env(Peiban.name))
    key = Ed25519PrivateKey.generate()
    seal = SealStore(app, seal_database(settings), key=key, clock=now, checkpoint_every=1000)

    facts, raw = rate_of(lambda: read_log(app, decode=False))
    _, read = rate_of(lambda: read_log(app, decode=True))
    _, sealing = rate_of(seal.catch_up)
    checks = [SignedBy(seal.checkpoints(), key.public_key(), "server")]
    verdict = None

    def run_verify() -> int:
        nonlocal verdict
        verdict = verify(app, seal, checks, now=now())
        return facts

    _, verifying = rate_of(run_verify)
    assert verdict is not None and verdict.intact, verdict
    print(f"log: {facts:,} facts, {len(checks[0].checkpoints)} signed checkpoints")
    print(f"  read as stored:        {raw:>10,.0f} facts/s")
    print(f"  read + deserialise:    {read:>10,.0f} facts/s  (baseline)")
    print(f"  seal (chain + insert): {sealing:>10,.0f} facts/s  ratio to read+deserialise = {sealing / read:.2f}")
    print(f"  verify:                {verifying:>10,.0f} facts/s  ratio to read+deserialise = {verifying / read:.2f}")
    seal.db.close()
    app.close()
    results = {
        "facts": facts,
        "raw_read_rate": round(raw),
        "read_rate": round(read),
        "seal_rate": round(sealing),
        "verify_rate": round(verifying),
        "seal_ratio": round(sealing / read, 2),
        "verify_ratio": round(verifying / read, 2),
    }
    print(json.dumps(results))


if __name__ == "__main__":
    main()
