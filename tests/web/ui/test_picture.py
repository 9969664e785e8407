"""The timeline picture's edges of time, its whole tick labels, its legend of exactly what it draws, and
each mark's details reachable without a hover."""

from __future__ import annotations

import re
from datetime import timedelta

from flask import Flask

from tests.builders import local_today
from tests.web.ui.conftest import browser, handover_scene, open_account, text
from web.pages.charts import whole_ticks


def svg(page: str) -> str:
    found = re.search(r"<svg class=\"timeline\".*?</svg>", page, re.S)
    assert found, "the page draws the timeline picture"
    return found.group(0)


def numbers(picture: str, pattern: str) -> list[float]:
    return [float(n) for n in re.findall(pattern, picture)]


def test_the_picture_draws_today_and_each_cohorts_end_with_room_after_the_newest_marks(ui_app: Flask) -> None:
    # given 王家, handed over from 甲 (2024级) to 乙 (2025级); both cohorts end in 140 days
    scene = handover_scene(ui_app)
    open_account(ui_app, "coordinator", "coordinator")
    # when the coordinator opens the family page
    page = text(browser(ui_app, "coordinator").get(f"/families/{scene.family}"))
    picture = svg(page)
    width = float(re.findall(r'<svg class="timeline" width="([\d.]+)"', picture)[0])
    # then a today line is drawn, labelled 今天
    (today_x,) = numbers(picture, r'<line class="today-line" x1="([\d.]+)"')
    assert '<text class="today-label"' in picture and ">今天</text>" in picture
    # and each cohort's expected end is drawn after today, on its own volunteers' lane, with its day in the details
    ends = re.findall(r'<a href="#(cohort-end-\d)" class="cohort-end">.*?</a>', picture, re.S)
    assert len(ends) == 2
    end_day = str(local_today() + timedelta(days=140))
    assert f"2024级 预计结束：{end_day}" in page and f"2025级 预计结束：{end_day}" in page
    assert all(x > today_x for x in numbers(picture, r'<line class="cohort-end-line" x1="([\d.]+)"'))
    # and the newest bar ends at today, with room after everything drawn: nothing is pressed against the right edge
    bar_ends = [
        float(x) + float(w) for x, w in re.findall(r'<rect class="bar[^"]*" x="([\d.]+)" width="([\d.]+)"', picture)
    ]
    assert max(bar_ends) == today_x
    marks = numbers(picture, r'<circle class="mark [a-z_]+" cx="([\d.]+)"')
    assert max([*marks, *numbers(picture, r'<line class="cohort-end-line" x1="([\d.]+)"')]) <= width - 20


def test_ticks_read_whole_months_in_the_readers_language(ui_app: Flask) -> None:
    scene = handover_scene(ui_app)
    open_account(ui_app, "coordinator", "coordinator")
    client = browser(ui_app, "coordinator")
    chinese = re.findall(
        r'<text class="tick-label"[^>]*>([^<]*)</text>', svg(text(client.get(f"/families/{scene.family}")))
    )
    assert chinese and all(re.fullmatch(r"\d{4}年\d{1,2}月", label) for label in chinese), chinese
    client.get("/language/en")
    english = re.findall(
        r'<text class="tick-label"[^>]*>([^<]*)</text>', svg(text(client.get(f"/families/{scene.family}")))
    )
    assert english and all(re.fullmatch(r"\d{4}-\d{2}", label) for label in english), english


def test_the_legend_names_every_kind_of_mark_drawn_and_nothing_else(ui_app: Flask) -> None:
    scene = handover_scene(ui_app)
    open_account(ui_app, "coordinator", "coordinator")
    page = text(browser(ui_app, "coordinator").get(f"/families/{scene.family}"))
    picture = svg(page)
    drawn = {"today", "cohort-end", "chapter", "bar-lead", "visit", "joint_visit", "message", "bridge-completed"}
    drawn.add("concern")
    assert re.search(r'<a href="#concern-[^"]+" class="concern level-medium">', picture)
    assert '<line class="chapter-line"' in picture and 'class="bridge state-completed"' in picture
    legend = re.search(r'<ul class="legend".*?</ul>', page, re.S)
    assert legend
    keys = set(re.findall(r'<li data-key="([^"]+)">', legend.group(0)))
    assert keys == drawn
    # each key is drawn with the picture's own classes (so in its colours), and named in words
    assert '<rect class="bar role-lead"' in legend.group(0) and '<g class="bridge state-completed">' in legend.group(0)
    assert "交接完成" in legend.group(0) and "期次预计结束" in legend.group(0)


def test_every_mark_links_to_its_details_and_no_text_sits_in_the_plot(ui_app: Flask) -> None:
    scene = handover_scene(ui_app)
    open_account(ui_app, "coordinator", "coordinator")
    page = text(browser(ui_app, "coordinator").get(f"/families/{scene.family}"))
    picture = svg(page)
    # every mark is a link (focusable, tappable) to a block of details under the picture
    targets = re.findall(r'<a href="#([^"]+)" class="', picture)
    assert len(targets) == len(set(targets)) >= 10
    for target in targets:
        assert f'<div class="mark-detail" id="{target}" tabindex="-1">' in page, target
    # and the only text in the picture is the time axis (no name drawn over a bar or a handover box)
    assert set(re.findall(r'<text class="([^"]+)"', picture)) == {"tick-label", "today-label"}
    assert all(float(y) < 20 for y in re.findall(r'<text class="[^"]+" x="[\d.]+" y="([\d.]+)"', picture))


def test_chart_ticks_are_whole_numbers_on_round_steps() -> None:
    assert whole_ticks(18) == [0, 5, 10, 15, 20]
    assert whole_ticks(1) == [0, 1]
    assert whole_ticks(3) == [0, 1, 2, 3]
    assert whole_ticks(7) == [0, 2, 4, 6, 8]
    assert whole_ticks(0) == [0, 1]
    assert whole_ticks(230) == [0, 100, 200, 300]
