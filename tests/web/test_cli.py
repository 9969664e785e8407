"""The `peiban` command: init, demo, events, and serve on a real WSGI server."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from domain import Actor, StoreSettings
from tests.builders import StepClock, scene, visit
from tests.web.stores import encrypted_peiban
from web.cli import main


def run(tmp_path: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--data-dir", str(tmp_path / "data"), *args], env={"PEIBAN_STORE": "sqlite"})
    return result.exit_code, result.output


def test_init_creates_the_data_directory_and_an_empty_store(tmp_path: Path) -> None:
    code, out = run(tmp_path, "init")
    assert code == 0, out
    assert (tmp_path / "data" / "peiban.sqlite3").is_file()
    assert "0 条事实" in out


def test_events_prints_every_fact_with_its_times_and_recorder_a_page_at_a_time(tmp_path: Path) -> None:
    # given a store with a family, an assignment and a visit recorded three days after it happened
    settings = StoreSettings(backend="sqlite", data_dir=tmp_path / "data")
    settings.data_dir.mkdir(parents=True)
    clock = StepClock()
    app = encrypted_peiban(settings.data_dir, clock=clock)
    s = scene(app, clock)
    monday = clock.now
    clock.advance(days=3)
    app.log_visit(
        s.fid, volunteer_ids=[s.lead], occurred_at=monday, recorded_by=Actor("xiaoming"), **visit(summary="周一家访")
    )
    total = app.log_position()
    app.close()
    # when the whole log is printed in pages of 3
    code, first = run(tmp_path, "events", "--limit", "3")
    # then each fact shows kind, occurred_at, recorded_at and recorded_by, with a pointer to the next page
    assert code == 0, first
    assert first.count("occurred_at 发生") == 3
    assert "--after 3" in first
    code, rest = run(tmp_path, "events", "--after", "3", "--limit", "100")
    assert rest.count("occurred_at 发生") == total - 3
    # and one family's facts, in Asia/Shanghai time, show the late entry for what it is
    code, family = run(tmp_path, "events", "--family", str(s.fid))
    assert code == 0, family
    visit_block = family.split("VisitLogged", 1)[1]
    assert "周一家访" in visit_block and "recorded_by 记录人 xiaoming" in visit_block
    shown_monday = monday.astimezone().strftime("%Y-%m-%d")
    assert shown_monday[:4] in visit_block and "+0800" in visit_block


def test_events_for_an_unknown_family_says_so(tmp_path: Path) -> None:
    run(tmp_path, "init")
    code, out = run(tmp_path, "events", "--family", "00000000-0000-0000-0000-000000000000")
    assert code != 0
    assert "未找到该家庭" in out and "Family not found" in out


def test_demo_loads_once_with_progress_and_refuses_a_second_time(tmp_path: Path) -> None:
    code, out = run(tmp_path, "demo")
    assert code == 0, out
    assert "载入示例数据 / Loading demo" in out and "100%" in out
    code, events = run(tmp_path, "events", "--limit", "10000")
    assert events.count("HandoverCompleted") >= 2
    code, _ = run(tmp_path, "demo")
    assert code != 0
    code, events_again = run(tmp_path, "events", "--limit", "10000")
    assert events_again.count("occurred_at 发生") == events.count("occurred_at 发生")


def test_rebuild_tells_each_views_facts_a_second_apart_or_in_one_pass(tmp_path: Path) -> None:
    assert run(tmp_path, "demo")[0] == 0
    for how, said in (
        ("--apart", "每个视图一个进程 / a process per view"),
        ("--together", "一次读完日志 / in one pass"),
    ):
        # when the views are rebuilt, each in a process of its own, then all in one pass
        code, out = run(tmp_path, "rebuild", how)
        # then each view's facts, seconds and facts a second are told, and how the rebuild ran
        assert code == 0, out
        for view in ("timeline", "continuity"):
            assert re.search(rf"^  {view}: [\d,]+ 条事实 facts, 折叠 fold .* [\d,]+ 条/秒 facts/s$", out, re.M), out
        assert said in out.splitlines()[-1], out


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_serve_runs_a_real_wsgi_server_on_localhost(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "PEIBAN_DATA_DIR": str(tmp_path / "data"), "PEIBAN_STORE": "sqlite"}
    command = [sys.executable, "-c", "from web.cli import main; main()", "serve", "--port", str(port)]
    server = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        body = ""
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as response:
                    body = response.read().decode()
                    server_header = response.headers.get("Server", "")
                break
            except OSError:
                if server.poll() is not None:
                    pytest.fail(f"server exited: {server.stdout.read() if server.stdout else ''}")
                time.sleep(0.2)
        assert "陪伴" in body and "Peiban" in body
        assert "waitress" in server_header.lower() or "peiban" in server_header.lower()
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        if server.stdout:
            server.stdout.close()


def test_a_family_id_is_read_in_any_spelling_and_a_malformed_one_is_refused_before_anything_runs(
    tmp_path: Path,
) -> None:
    # given a store with a family
    settings = StoreSettings(backend="sqlite", data_dir=tmp_path / "data")
    settings.data_dir.mkdir(parents=True)
    clock = StepClock()
    app = encrypted_peiban(settings.data_dir, clock=clock)
    s = scene(app, clock)
    app.close()
    # when its facts are asked for by its id in upper case, then they are the same facts
    code, lower = run(tmp_path, "events", "--family", str(s.fid))
    code_upper, upper = run(tmp_path, "events", "--family", str(s.fid).upper())
    assert code == code_upper == 0 and upper == lower
    # and a malformed id is a usage error naming the option (the command is not run)
    code, out = run(tmp_path, "events", "--family", "42")
    assert code == 2 and "--family" in out and "not a valid id" in out
