"""A bounded load test: a real ``peiban serve`` on 127.0.0.1 under volunteers, coordinators and auditors.

On a store made by ``peiban demo --scale`` (generated here into a temporary folder, or ``--data-dir`` of your
own), it starts ``peiban serve`` (waitress, a process of its own) and runs, for ``--duration`` seconds or
until ``--requests`` answers, closed-loop client threads, each with its own account and token:

- volunteers (``--volunteers``) log visits (2 in 3) and messages on the families they lead;
- coordinators (``--coordinators``) read the continuity dashboard (1 in 4) and families' timelines;
- auditors (``--auditors``) replay families' timelines as they stood on a day of the past year (``as_of``);
- one prober measures the projection lag: it logs a visit, then reads the family's timeline (as a
  coordinator, page by page) until the visit shows; the lag is from the write's answer to that read.

It prints requests/s, p50/p95/p99 and errors per route, the lag, and stops the server by itself.

    python benchmarks/load.py                                               # 300 families, 1 year, 30 s
    python benchmarks/load.py --families 10000 --years 2 --duration 120     # generating takes ~3 min
    python benchmarks/load.py --data-dir DIR --duration 60                  # a store of `peiban demo --scale`

locust was available, but needs gevent and a dependency the project would carry for this script alone; plain
threads with http.client measure the same thing here.
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from domain import StoreSettings  # noqa: E402
from projections.read_models import ReadModels  # noqa: E402
from web.infra.stores import open_accounts, open_application  # noqa: E402
from web.settings import Settings  # noqa: E402

CLI = [sys.executable, "-c", "from web.cli import main; main()"]
VISIT = {"place": "home", "duration_minutes": 90, "summary": "陪孩子写作业，聊了学校的事", "activities": ["作业辅导"]}
MESSAGE = {"direction": "from_family", "channel": "wechat", "summary": "孩子说天冷了，注意身体"}


def settings_for(folder: Path) -> Settings:
    return Settings(store=StoreSettings(backend="sqlite", data_dir=folder))


def generated(folder: Path, families: int, years: float) -> None:
    """``peiban demo --scale`` into ``folder`` unless it holds a log already."""
    app = open_application(settings_for(folder))
    empty = app.log_position() == 0
    app.close()
    if empty:
        command = [*CLI, "--data-dir", str(folder), "demo", "--scale", str(families), "--years", str(years)]
        subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)


def cast(folder: Path, leads: int) -> tuple[dict[str, list[str]], dict[str, datetime]]:
    """Up to ``leads`` volunteers leading open families now, each with their families' ids; and when every
    family led now was enrolled (an auditor replays them no earlier)."""
    app = open_application(settings_for(folder))
    models = ReadModels(app, settings_for(folder).store)
    with models["continuity"].reading() as tx:
        rows = tx.query(
            "SELECT a.volunteer_id, a.family_id, f.enrolled_at FROM continuity_assignment a JOIN continuity_family f"
            " ON f.family_id = a.family_id WHERE a.ended_at IS NULL AND a.role = 'lead' AND f.status = 'open'"
            " ORDER BY a.volunteer_id"
        )
    models.close()
    app.close()
    families: dict[str, list[str]] = defaultdict(list)
    for volunteer, family, _ in rows:
        if volunteer in families or len(families) < leads:
            families[volunteer].append(family)
    return dict(families), {family: datetime.fromisoformat(enrolled) for _, family, enrolled in rows}


def tokens(folder: Path, roles: list[tuple[str, str, str | None]]) -> dict[str, str]:
    """A bearer token for each (user name, role, volunteer id): the account opened if it is not there yet."""
    from uuid import UUID

    from domain import Actor, DomainError
    from domain.accounts import AccountRole
    from web.access.passwords import hash_password
    from web.access.tokens import new_token

    accounts, made = open_accounts(settings_for(folder)), {}
    for name, role, volunteer in roles:
        try:
            accounts.get(name)
        except DomainError:
            accounts.open_account(
                user_name=name, display_name=name, role=AccountRole(role),
                password_hash=hash_password(f"{name}-password-1"),
                volunteer_id=UUID(volunteer) if volunteer else None, recorded_by=Actor("load"),
            )  # fmt: skip
        text, token_id, token_hash = new_token(accounts.get(name))
        accounts.issue_token(
            name, token_id=token_id, token_hash=token_hash, label="load test", recorded_by=Actor("load")
        )
        made[name] = f"Bearer {text}"
    accounts.close()
    return made


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def serve(folder: Path, port: int, threads: int) -> subprocess.Popen[bytes]:
    """``peiban serve`` on 127.0.0.1:``port``, once it answers."""
    command = [*CLI, "--data-dir", str(folder), "serve", "--port", str(port), "--threads", str(threads)]
    server = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("peiban serve did not answer within 60 s")


@dataclass
class Results:
    """Latencies (ms) and failures per route, and the projection lags (ms)."""

    stop_at: float
    budget: int
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    lags: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def running(self) -> bool:
        return time.monotonic() < self.stop_at and sum(map(len, self.latencies.values())) < self.budget


class Client:
    """One user's keep-alive connection; every call timed and tallied under its route's name."""

    def __init__(self, port: int, auth: str, results: Results) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.auth, self.results = auth, results

    def call(self, route: str, method: str, path: str, body: Any = None) -> Any:
        headers = {"Authorization": self.auth, **({"Content-Type": "application/json"} if body else {})}
        began = time.perf_counter()
        self.connection.request(method, path, body=json.dumps(body) if body else None, headers=headers)
        response = self.connection.getresponse()
        data = response.read()
        took = (time.perf_counter() - began) * 1000
        with self.results.lock:
            self.results.latencies[route].append(took)
            if response.status >= 400:
                self.results.errors[route].append(f"{response.status} {data[:200]!r}")
        return json.loads(data) if response.status < 400 else None


def volunteer(client: Client, volunteer_id: str, families: list[str], rng: random.Random) -> None:
    while client.results.running():
        family, at = rng.choice(families), (datetime.now(UTC) - timedelta(minutes=rng.randint(1, 600))).isoformat()
        if rng.random() < 2 / 3:
            body = {**VISIT, "occurred_at": at, "volunteer_ids": [volunteer_id]}
            client.call("POST visit", "POST", f"/api/v1/families/{family}/visits", body)
        else:
            body = {**MESSAGE, "occurred_at": at, "volunteer_id": volunteer_id}
            client.call("POST message", "POST", f"/api/v1/families/{family}/messages", body)


def coordinator(client: Client, families: list[str], rng: random.Random) -> None:
    while client.results.running():
        if rng.random() < 0.25:
            client.call("GET dashboard", "GET", "/api/v1/dashboard/continuity")
        else:
            client.call("GET timeline", "GET", f"/api/v1/families/{rng.choice(families)}/timeline")


#: Days after it happened that the generator may write a fact up, at most (see web/demo/scale.py).
LATEST_WRITE_UP = 30


def auditor(client: Client, enrolled: dict[str, datetime], rng: random.Random) -> None:
    families = list(enrolled)
    while client.results.running():
        family = rng.choice(families)
        # No earlier than a month after the enrolment happened: an enrolment written up late (the generator
        # writes some days after the fact) is not yet on record just after it happened, and the replay says so.
        now = datetime.now(UTC)
        start = min(enrolled[family] + timedelta(days=LATEST_WRITE_UP), now)
        day = (start + (now - start) * rng.random()).replace(microsecond=0).isoformat()
        path = f"/api/v1/families/{family}/timeline?as_of={day.replace('+', '%2B')}"
        client.call("GET timeline as_of", "GET", path)


def prober(writer: Client, reader: Client, volunteer_id: str, families: list[str], rng: random.Random) -> None:
    """Write a visit, then read the family's timeline until it shows: the projection lag."""
    while writer.results.running():
        family = rng.choice(families)
        body = {**VISIT, "occurred_at": datetime.now(UTC).isoformat(), "volunteer_ids": [volunteer_id]}
        answer = writer.call("POST visit (probe)", "POST", f"/api/v1/families/{family}/visits", body)
        if answer is None:
            continue
        written = time.perf_counter()
        while not shows(reader, family, answer["event_id"]):
            time.sleep(0.005)
        with writer.results.lock:
            writer.results.lags.append((time.perf_counter() - written) * 1000)
        time.sleep(0.2)


def shows(reader: Client, family: str, event_id: str) -> bool:
    """Whether the family's timeline (every page of it) shows the fact."""
    path = f"/api/v1/families/{family}/timeline?limit=500"
    while path:
        page = reader.call("GET timeline (probe)", "GET", path)
        if page is None:
            return False
        if any(entry["event_id"] == event_id for entry in page["entries"]):
            return True
        path = f"/api/v1/families/{family}/timeline?limit=500&after={page['next']}" if page["next"] else ""
    return False


def quantile(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]


def report(results: Results, elapsed: float) -> int:
    """Print the table; returns the number of errors."""
    total = sum(map(len, results.latencies.values()))
    print(f"{'route':<22} {'requests':>8} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>6}")
    for route, took in sorted(results.latencies.items()):
        p50, p95, p99 = (quantile(took, q) for q in (50, 95, 99))
        errors = len(results.errors.get(route, []))
        print(f"{route:<22} {len(took):>8} {len(took) / elapsed:>7.1f} {p50:>8.1f} {p95:>8.1f} {p99:>8.1f} {errors:>6}")
    errors = sum(map(len, results.errors.values()))
    print(f"{'all':<22} {total:>8} {total / elapsed:>7.1f}   in {elapsed:.1f} s{'':>19} {errors:>6}")
    if results.lags:
        lags = results.lags
        print(f"projection lag (write answered -> visible in the timeline), {len(lags)} probes: "
              f"p50 {quantile(lags, 50):.1f} ms, p95 {quantile(lags, 95):.1f} ms, max {max(lags):.1f} ms")  # fmt: skip
    for route, failures in results.errors.items():
        print(f"  {route}: {failures[0]}" + (f" (and {len(failures) - 1} more)" if len(failures) > 1 else ""))
    return errors


def run(folder: Path, args: argparse.Namespace) -> int:
    leads, enrolled = cast(folder, args.volunteers + 1)
    if len(leads) < 2:
        raise SystemExit("the store has too few volunteers leading open families for a load test")
    people = list(leads.items())
    roles = [(f"load-volunteer-{i}", "volunteer", v) for i, (v, _) in enumerate(people)]
    roles += [(f"load-coordinator-{i}", "coordinator", None) for i in range(args.coordinators + 1)]
    roles += [(f"load-auditor-{i}", "auditor", None) for i in range(args.auditors)]
    auth = tokens(folder, roles)
    everyone = [f for _, fs in people for f in fs]
    port = free_port()
    server = serve(folder, port, args.threads)
    results = Results(time.monotonic() + args.duration, args.requests or sys.maxsize)

    def client(name: str) -> Client:
        return Client(port, auth[name], results)

    rng = random.Random(args.seed)
    workers = [(prober, (client(roles[0][0]), client("load-coordinator-0"), people[0][0], people[0][1]))]
    workers += [(volunteer, (client(roles[i][0]), people[i][0], people[i][1])) for i in range(1, len(people))]
    workers += [(coordinator, (client(f"load-coordinator-{i + 1}"), everyone)) for i in range(args.coordinators)]
    workers += [(auditor, (client(f"load-auditor-{i}"), enrolled)) for i in range(args.auditors)]
    threads = [
        threading.Thread(target=work, args=(*given, random.Random(rng.random())), daemon=True)
        for work, given in workers
    ]
    print(f"load: {len(people) - 1} volunteers, {args.coordinators} coordinators, {args.auditors} auditors, "
          f"1 prober; waitress {args.threads} threads; {args.duration} s")  # fmt: skip
    began = time.monotonic()
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        server.terminate()
        server.wait(timeout=30)
    return report(results, time.monotonic() - began)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--families", type=int, default=300, help="families generated (without --data-dir)")
    parser.add_argument("--years", type=float, default=1.0, help="years generated (without --data-dir)")
    parser.add_argument("--data-dir", type=Path, help="a store of `peiban demo --scale` (generated if empty)")
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of load")
    parser.add_argument("--requests", type=int, default=0, help="stop after this many answers (0: no limit)")
    parser.add_argument("--volunteers", type=int, default=6)
    parser.add_argument("--coordinators", type=int, default=2)
    parser.add_argument("--auditors", type=int, default=1)
    parser.add_argument("--threads", type=int, default=8, help="waitress worker threads")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    if args.data_dir is not None:
        generated(args.data_dir, args.families, args.years)
        errors = run(args.data_dir, args)
    else:
        with tempfile.TemporaryDirectory(prefix="peiban-load-") as tmp:
            print(f"generating {args.families} families over {args.years} years …", flush=True)
            generated(Path(tmp), args.families, args.years)
            errors = run(Path(tmp), args)
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
