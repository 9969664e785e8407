"""Peak memory: ``peiban serve`` under the load test, and ``peiban rebuild``, each beside a baseline of the same run.

1. ``peiban serve`` (waitress, one process) on a store of ``peiban demo --scale --families``: its peak resident
   set (``VmHWM`` in ``/proc/<pid>/status``) once started and answering (idle), beside its peak at the end of
   ``benchmarks/load.py`` run against the same store (its server process watched until it stops). Two servers,
   so that the idle one is not the loaded one before its load;
2. ``peiban rebuild`` (every view) of a log of ``--facts`` facts beside one of a quarter of them: the peak
   resident set of the rebuilding process (its ``VmHWM`` as it exits), and of its process tree if it starts
   others (sampled ten times a second). A rebuild that keeps no more as the log grows stays near 1.0.

    python benchmarks/memory.py                                     # about two minutes on 2 cores
    python benchmarks/memory.py --families 1000 --duration 60 --facts 200000
"""

from __future__ import annotations

import argparse
import http.client
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from domain import StoreSettings  # noqa: E402
from web.demo.generate import generate  # noqa: E402
from web.infra.stores import open_application  # noqa: E402
from web.settings import Settings  # noqa: E402

CLI = [sys.executable, "-c", "from web.cli import main; main()"]


@dataclass
class Peak:
    """A peak resident set (MiB) beside its baseline's."""

    figure: float
    baseline: float
    note: str = ""

    @property
    def ratio(self) -> float:
        return self.figure / self.baseline


def status_kib(pid: int, field: str) -> int:
    """A ``/proc/<pid>/status`` figure in KiB (0 once the process is gone)."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    found = re.search(rf"^{field}:\s+(\d+) kB", text, re.MULTILINE)
    return int(found.group(1)) if found else 0


def children(pid: int) -> list[int]:
    """The processes whose parent is ``pid``."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def tree(pid: int) -> list[int]:
    """``pid`` and every process below it."""
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        found.append(current)
        pending += children(current)
    return found


def command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def generated_programme(folder: Path, families: int, years: float) -> None:
    """``peiban demo --scale`` into ``folder`` unless it holds a log already."""
    if not (folder / "peiban.sqlite3").exists():
        command = [*CLI, "--data-dir", str(folder), "demo", "--scale", str(families), "--years", str(years)]
        subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def idle_server_peak(folder: Path) -> float:
    """MiB: the peak resident set of ``peiban serve`` on ``folder`` once it answers ``/healthz``, settled."""
    port = free_port()
    command = [*CLI, "--data-dir", str(folder), "serve", "--port", str(port), "--threads", "8"]
    server = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                connection.request("GET", "/healthz")
                if connection.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.1)
        else:
            raise SystemExit("peiban serve did not answer within 60 s")
        time.sleep(1)
        return status_kib(server.pid, "VmHWM") / 1024
    finally:
        server.terminate()
        server.wait(timeout=30)


def loaded_server_peak(folder: Path, duration: float) -> tuple[float, str]:
    """(MiB, the load test's summary): the peak resident set of the server ``benchmarks/load.py`` runs on
    ``folder``, read until the server stops."""
    command = [sys.executable, str(ROOT / "benchmarks" / "load.py"), "--data-dir", str(folder)]
    load = subprocess.Popen(
        [*command, "--duration", str(duration)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    peak, server = 0, None
    while load.poll() is None:
        if server is None:
            server = next((p for p in tree(load.pid)[1:] if " serve " in command_line(p)), None)
        if server is not None:
            peak = max(peak, status_kib(server, "VmHWM"))
        time.sleep(0.1)
    said = load.stdout.read() if load.stdout else ""
    if load.returncode != 0 or server is None:
        raise SystemExit(f"the load test failed ({load.returncode}):\n{said[-3000:]}")
    return peak / 1024, load_summary(said)


def load_summary(said: str) -> str:
    """The load test's total line, told: requests, their rate, errors."""
    line = next((line for line in said.splitlines() if line.startswith("all ")), "")
    found = re.match(r"all\s+(\d+)\s+([\d.]+)\s+in\s+([\d.]+) s\s+(\d+)", line)
    if not found:
        return " ".join(line.split())
    requests, rate, _, errors = found.groups()
    return f"{int(requests):,} requests, {float(rate):,.1f}/s, {errors} errors"


def server_peak(folder: Path, families: int, years: float, duration: float) -> Peak:
    """The server's peak under the load test beside an idle server's, on one store of ``families`` families."""
    generated_programme(folder, families, years)
    idle = idle_server_peak(folder)
    loaded, summary = loaded_server_peak(folder, duration)
    return Peak(loaded, idle, f"{families:,} families, load {duration:.0f} s ({summary})")


def log_of(folder: Path, facts: int) -> int:
    """A SQLite store in ``folder`` with a log of about ``facts`` facts (encrypted; families of 50)."""
    settings = Settings(store=StoreSettings(backend="sqlite", data_dir=folder))
    app = open_application(settings)
    if app.log_position() == 0:
        generate(app, families=max(facts // 50, 1), facts_per_family=50)
    position = app.log_position()
    app.close()
    return position


#: ``peiban`` telling its own peak as it exits: ``VmHWM`` of its address space. (``ru_maxrss`` will not do: Linux
#: counts in it the parent's resident set the child had before it ran Python, a benchmark's own hundreds of MiB.)
CLI_TELLING_PEAK = [
    sys.executable,
    "-c",
    "import atexit, pathlib, re, sys\n"
    "status = pathlib.Path('/proc/self/status')\n"
    "atexit.register(lambda: print(re.search(r'VmHWM:.*', status.read_text()).group(0), file=sys.stderr))\n"
    "from web.cli import main\n"
    "main()",
]


def rebuild_peak_mib(folder: Path) -> tuple[float, float]:
    """(MiB of the rebuilding process, MiB of its process tree, sampled) of ``peiban rebuild`` on ``folder``."""
    rebuild = subprocess.Popen(
        [*CLI_TELLING_PEAK, "--data-dir", str(folder), "rebuild"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    tree_peak = 0
    while rebuild.poll() is None:
        tree_peak = max(tree_peak, sum(status_kib(p, "VmRSS") for p in tree(rebuild.pid)))
        time.sleep(0.1)
    said = rebuild.stderr.read() if rebuild.stderr else ""
    found = re.search(r"VmHWM:\s+(\d+) kB", said)
    if rebuild.returncode != 0 or not found:
        raise SystemExit(f"peiban rebuild failed ({rebuild.returncode}) on {folder}: {said[-2000:]}")
    return int(found.group(1)) / 1024, tree_peak / 1024


def rebuild_peak(scratch: Path, facts: int) -> Peak:
    """``peiban rebuild``'s peak on a log of ``facts`` facts beside its peak on a log of a quarter of them."""
    small_facts, large_facts = log_of(scratch / "quarter", facts // 4), log_of(scratch / "full", facts)
    small, small_tree = rebuild_peak_mib(scratch / "quarter")
    large, large_tree = rebuild_peak_mib(scratch / "full")
    note = f"{large_facts:,} facts beside {small_facts:,}"
    if large_tree > large * 1.2:  # it ran other processes: their sum too
        note += f"; its process tree: {large_tree:,.0f} MiB beside {small_tree:,.0f} MiB"
    return Peak(large, small, note)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--families", type=int, default=100, help="families of the served store")
    parser.add_argument("--years", type=float, default=1.0)
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of load")
    parser.add_argument("--facts", type=int, default=40_000, help="facts of the larger rebuilt log")
    parser.add_argument("--keep", type=Path, help="keep the generated stores in this folder (reused if there)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="peiban-memory-") as scratch:
        where = args.keep or Path(scratch)
        served = server_peak(where / f"served-{args.families}", args.families, args.years, args.duration)
        rebuilt = rebuild_peak(where / f"rebuilt-{args.facts}", args.facts)
    print("\n| peak resident set | MiB | baseline | MiB | ratio | |")
    print("| --- | ---: | --- | ---: | ---: | --- |")
    print(f"| `peiban serve` under load | {served.figure:,.0f} | the same store, idle | {served.baseline:,.0f} "
          f"| {served.ratio:.2f} | {served.note} |")  # fmt: skip
    print(f"| `peiban rebuild`, full log | {rebuilt.figure:,.0f} | a log 1/4 the size | {rebuilt.baseline:,.0f} "
          f"| {rebuilt.ratio:.2f} | {rebuilt.note} |")  # fmt: skip


if __name__ == "__main__":
    main()
