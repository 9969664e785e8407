"""Family page benchmark: the page's time and the size of its timeline picture as a family's record grows
(issue 14: "reads bounded by what is shown").

In one run, on a fresh SQLite store, families of ``--sizes`` entries are recorded as ``benchmarks/timeline.py``
records them (three years of visits and messages, a handover every ~600 entries with two joint visits, a concern
every 50 entries); then, in a process of its own, the family page is asked ``--repeat`` times for each family in
turn by a signed-in coordinator (sign-in, the policy and the read audit all run), and for each size it prints the
page's p50/p99, the bytes of the page and of its picture (the SVG), the SVG's elements and its contact marks,
each beside the smallest family's (the ratio), and the entries it lists. With ``--replay`` the page measured is the
auditor's replay of the record as it stood at the end of today (every entry recorded by then). With ``--before DIR``
the same store is read by the Peiban checked out in DIR too, in the same run, before and after alternately
(``--rounds``), and both are printed side by side.

    python benchmarks/picture.py                                  # a minute or two on 2 cores
    python benchmarks/picture.py --sizes 200,1000,5000 --before ../peiban-before
    python benchmarks/picture.py --replay --before ../peiban-before   # the auditor's replay page instead
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

#: Measured in a process whose import path starts with the code measured (this checkout, or ``--before``'s).
MEASURE = """
import json, re, statistics, sys, time
from pathlib import Path
from domain import StoreSettings
from tests.web.ui.conftest import browser, open_account
from web.app import create_app, shutdown
from web.settings import Settings
from datetime import datetime
from zoneinfo import ZoneInfo
folder, families, repeat, replay = Path(sys.argv[1]), json.loads(sys.argv[2]), int(sys.argv[3]), sys.argv[4] == "1"
role = "auditor" if replay else "coordinator"
day = datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()
ask = "/families/{}/as-of?day=" + day if replay else "/families/{}"
web = create_app(Settings(store=StoreSettings(backend="sqlite", data_dir=folder)), {"TESTING": True})
try:
    web.extensions["peiban.read_models"].catch_up()
    try:
        open_account(web, role, role, None)
    except Exception:
        pass  # opened by an earlier round
    client = browser(web, role)
    pages = {size: client.get(ask.format(family)) for size, family in families.items()}
    times = {size: [] for size in families}
    for _ in range(repeat):
        for size, family in families.items():
            started = time.perf_counter()
            assert client.get(ask.format(family)).status_code == 200
            times[size].append((time.perf_counter() - started) * 1000)
    found = {}
    for size, response in pages.items():
        page = response.get_data(as_text=True)
        svg = re.search(r'<svg class="timeline".*?</svg>', page, re.S).group(0)
        found[size] = {
            "times": times[size],
            "page_bytes": len(page.encode()),
            "svg_bytes": len(svg.encode()),
            "svg_elements": len(re.findall(r"<(?!/)[a-z]", svg)),
            "marks": len(re.findall(r'class="contact', svg)),
            "entries": len(re.findall(r'<li class="entry', page)),
        }
    print(json.dumps(found))
finally:
    shutdown(web)
"""


def record(folder: Path, sizes: list[int]) -> dict[int, str]:
    """The families of ``sizes`` entries, recorded with this checkout's code, and their views caught up."""
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from timeline import record_family

    from domain import StoreSettings
    from web.infra.stores import open_application
    from web.settings import Settings

    app = open_application(Settings(store=StoreSettings(backend="sqlite", data_dir=folder)))
    end = datetime.now(tz=UTC) - timedelta(days=1)
    try:
        return {size: str(record_family(app, size, end)) for size in sizes}
    finally:
        app.close()


def measure(code: Path, folder: Path, families: dict[int, str], repeat: int, replay: bool) -> dict[int, dict[str, Any]]:
    """The family pages (or, if ``replay``, the replays of today) as the Peiban checked out in ``code`` answers
    them, in a process of its own."""
    env = {**os.environ, "PYTHONPATH": str(code)}
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, str(folder), json.dumps(families), str(repeat), "1" if replay else "0"],
        cwd=code,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        raise SystemExit(done.stderr)
    return {int(size): figures for size, figures in json.loads(done.stdout.strip().splitlines()[-1]).items()}


def p99(times: list[float]) -> float:
    return sorted(times)[max(0, round(len(times) * 0.99) - 1)]


def show(label: str, runs: list[dict[int, dict[str, Any]]]) -> None:
    """One line per size: p50/p99 over every round's reads, bytes and elements, each with its ratio to the smallest."""
    times = {size: [t for run in runs for t in run[size]["times"]] for size in runs[0]}
    smallest = min(times)
    base = runs[0][smallest]
    for size in sorted(times):
        figures = runs[0][size]
        median = statistics.median(times[size])
        ratio = median / statistics.median(times[smallest])
        print(
            f"{label:7} {size:>6,} {median:8.1f} {p99(times[size]):8.1f} {ratio:6.2f}"
            f" {figures['page_bytes']:>10,} {figures['page_bytes'] / base['page_bytes']:6.2f}"
            f" {figures['svg_bytes']:>9,} {figures['svg_bytes'] / base['svg_bytes']:6.2f}"
            f" {figures['svg_elements']:>7,} {figures['svg_elements'] / base['svg_elements']:6.2f}"
            f" {figures['marks']:>6,} {figures['entries']:>7,}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="200,1000,5000", help="entries in each family (the first is the baseline)")
    parser.add_argument("--repeat", type=int, default=20, help="reads of each family's page in a round")
    parser.add_argument("--rounds", type=int, default=2, help="rounds of each code, before and after alternately")
    parser.add_argument("--before", type=Path, help="an older checkout of Peiban to measure beside this one")
    parser.add_argument(
        "--replay", action="store_true", help="the auditor's replay of today (/families/<id>/as-of) instead"
    )
    args = parser.parse_args()
    sizes = sorted(int(n) for n in args.sizes.split(","))
    codes = {"after": ROOT} if args.before is None else {"before": args.before.resolve(), "after": ROOT}
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        started = time.perf_counter()
        families = record(folder, sizes)
        print(f"recorded {len(sizes)} families in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        runs: dict[str, list[dict[int, dict[str, Any]]]] = {label: [] for label in codes}
        for round_ in range(args.rounds):
            for label, code in codes.items():
                print(f"round {round_ + 1}/{args.rounds}: {label}", file=sys.stderr)
                runs[label].append(measure(code, folder, families, args.repeat, args.replay))
    heads = (
        "code",
        "family",
        "p50 ms",
        "p99 ms",
        "×1st",
        "page B",
        "×1st",
        "SVG B",
        "×1st",
        "elems",
        "×1st",
        "marks",
        "entries",
    )
    widths = (7, 6, 8, 8, 6, 10, 6, 9, 6, 7, 6, 6, 7)
    print(" ".join(f"{h:>{w}}" if i else f"{h:{w}}" for i, (h, w) in enumerate(zip(heads, widths, strict=True))))
    for label, found in runs.items():
        show(label, found)


if __name__ == "__main__":
    main()
