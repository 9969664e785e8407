"""Page benchmark: how long the main pages take to answer, next to the API's JSON timeline of the same
family (the baseline: the same read model and read audit, without the page's picture and forms).

In one run, on a fresh SQLite store holding the demo story (4 cohorts, 14 families, ~900 facts), each
page is asked ``--repeat`` times through Flask's test client by a signed-in user of the right role
(sign-in, CSRF, the access policy and the read audit all run), and p50/p99 are printed beside the
baseline's, with the ratio of the medians.

    python benchmarks/pages.py               # about half a minute on 2 cores
    python benchmarks/pages.py --repeat 200

Then the timeline read by family size: families of ``--sizes`` facts (visits and messages) are added
to the same store, and for each the API's first page (``limit=200``) and the family page are timed,
with the ratio of each p50 to the smallest family's.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from uuid import UUID  # noqa: E402

from flask.testing import FlaskClient  # noqa: E402

from domain import Peiban, StoreSettings  # noqa: E402
from tests.web.ui.conftest import browser, open_account  # noqa: E402
from web.app import create_app, shutdown  # noqa: E402
from web.demo.generate import generate  # noqa: E402
from web.demo.story import load_demo  # noqa: E402
from web.infra.keys import open_keys  # noqa: E402
from web.infra.stores import open_application  # noqa: E402
from web.settings import Settings  # noqa: E402


def timed(client: FlaskClient, path: str, repeat: int) -> list[float]:
    """Milliseconds for each of ``repeat`` GETs of ``path`` (after one untimed warm-up)."""
    assert client.get(path).status_code == 200, path
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, path
    return times


def p99(times: list[float]) -> float:
    return sorted(times)[max(0, round(len(times) * 0.99) - 1)]


def sized_families(settings: Settings, sizes: list[int]) -> dict[int, UUID]:
    """One family for each size in ``sizes``, with that many facts (from 2021 on, a few days apart)."""
    app = open_application(settings)
    try:
        found = {}
        for size in sizes:
            found[size] = generate(app, families=1, facts_per_family=size, seed=size).families[0]
        return found
    finally:
        app.close()


def by_size(client: FlaskClient, families: dict[int, UUID], repeat: int) -> None:
    """The timeline read (API first page of 200, family page) for families of each size, against the smallest."""
    print(f"{'timeline read by family size':32} {'p50 ms':>8} {'p99 ms':>8} {'ratio to smallest p50':>22}")
    for label, path in (
        ("API timeline, limit 200", "/api/v1/families/{}/timeline?limit=200"),
        ("family page", "/families/{}"),
    ):
        smallest = None
        for size, family in sorted(families.items()):
            times = timed(client, path.format(family), repeat)
            median = statistics.median(times)
            smallest = smallest or median
            print(f"{f'{label}, {size} facts':32} {median:8.1f} {p99(times):8.1f} {median / smallest:22.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=60)
    parser.add_argument("--sizes", default="200,1000", help="facts in each family of the timeline-by-size figures")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder) / "data"
        data.mkdir()
        settings = Settings(store=StoreSettings(backend="sqlite", data_dir=data))
        keys = open_keys(settings)
        demo = load_demo(settings.store.env(Peiban.name), keys=keys)
        keys.close()
        sized = sized_families(settings, [int(n) for n in args.sizes.split(",")])
        app = create_app(settings, {"TESTING": True})
        try:
            family = demo.corrected_family_id
            volunteer = app.extensions["peiban.read_models"].timeline(family).chapters[-1].lead_id
            for name, role, who in (
                ("coordinator", "coordinator", None),
                ("auditor", "auditor", None),
                ("volunteer", "volunteer", volunteer),
            ):
                open_account(app, name, role, who)
            clients = {name: browser(app, name) for name in ("coordinator", "auditor", "volunteer")}
            baseline = timed(clients["coordinator"], f"/api/v1/families/{family}/timeline", args.repeat)
            rows = [
                ("family page (coordinator)", "coordinator", f"/families/{family}"),
                ("family page (volunteer)", "volunteer", f"/families/{family}?seen=briefing"),
                ("briefing (volunteer)", "volunteer", f"/families/{family}/briefing"),
                ("as-of replay (auditor)", "auditor", f"/families/{family}/as-of?day=2025-06-30"),
                ("raw facts (auditor)", "auditor", f"/families/{family}/facts"),
                ("visit form (coordinator)", "coordinator", f"/families/{family}/visits/new"),
                ("dashboard (coordinator)", "coordinator", "/"),
                ("my families (volunteer)", "volunteer", "/"),
                ("family list (coordinator)", "coordinator", "/families"),
                ("cohort report (coordinator)", "coordinator", "/reports/cohorts"),
            ]
            base = statistics.median(baseline)
            print(f"demo store: {demo.families} families, {demo.facts} facts; {args.repeat} requests each")
            print(f"{'page':32} {'p50 ms':>8} {'p99 ms':>8} {'ratio to baseline p50':>22}")
            print(f"{'baseline: API timeline (JSON)':32} {base:8.1f} {p99(baseline):8.1f} {1.0:22.2f}")
            for label, who, path in rows:
                times = timed(clients[who], path, args.repeat)
                median = statistics.median(times)
                print(f"{label:32} {median:8.1f} {p99(times):8.1f} {median / base:22.2f}")
            by_size(clients["coordinator"], sized, args.repeat)
        finally:
            shutdown(app)


if __name__ == "__main__":
    main()
