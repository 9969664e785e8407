"""The cohort report page: charts drawn on the server above tables of the same numbers, and the report
as a CSV file that Excel opens with its Chinese intact."""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from datetime import UTC, datetime, timedelta

from flask import Flask

from projections.plain import local_day
from projections.reports import PERIOD_COLUMNS, TRANSITION_COLUMNS
from tests.web.ui.conftest import browser, handover_scene, open_account, text


def chart(page: str, key: str) -> str:
    found = re.search(rf'<svg class="chart [a-z]+" id="chart-{key}".*?</svg>', page, re.S)
    assert found, f"the page draws the {key} chart"
    return found.group(0)


def table_after(page: str, key: str) -> str:
    """The table that follows a chart."""
    chart_then_table = rf'id="chart-{key}".*?</svg>\s*</div>\s*<div class="table-scroll"[^>]*><table.*?</table>'
    found = re.search(chart_then_table, page, re.S)
    assert found, f"a table follows the {key} chart"
    return found.group(0).rpartition("</svg>")[2]


def month_of(days: int) -> str:
    return local_day(datetime.now(tz=UTC) - timedelta(days=days)).strftime("%Y-%m")


def test_the_report_charts_each_cohort_above_a_table_of_the_same_numbers(ui_app: Flask) -> None:
    # given 王家 handed over from 甲 (2024级) to 乙 after a joint visit; 甲's last visit before the handover
    # was the joint visit 30 days ago, 乙's first after it 10 days ago
    handover_scene(ui_app)
    open_account(ui_app, "coordinator", "coordinator")
    # when the coordinator opens the report
    response = browser(ui_app, "coordinator").get("/reports/cohorts")
    page = text(response)
    assert response.status_code == 200
    # then each chart is an accessible picture naming the cohort in text, not by colour alone
    for key in ("gap", "joint", "lost"):
        picture = chart(page, key)
        assert re.search(rf'role="img"\s+aria-labelledby="chart-{key}-title chart-{key}-desc"', picture)
        assert f'<title id="chart-{key}-title">' in picture and re.search(
            r'<text class="bar-label"[^>]*>2024级</text>', picture
        )
        assert '<tr><th scope="row">2024级</th>' in table_after(page, key)
    assert "中位数 20 天，最长 20 天" in chart(page, "gap")
    assert "100%（1 次中 1 次）" in chart(page, "joint")
    assert "1 个家庭中 0 个" in chart(page, "lost")
    gap_row = re.search(r"<tr><th scope=\"row\">2024级</th>.*?</tr>", table_after(page, "gap"), re.S)
    assert gap_row and re.findall(r"<td>([^<]*)</td>", gap_row[0])[-2:] == ["20", "20"]
    # and visits per month: a line through every month, the retracted visit left out, in a table too
    visits = chart(page, "visits")
    expected = Counter(month_of(days) for days in (70, 30, 10))
    table = table_after(page, "visits")
    assert re.search(r'<th scope="col">1月</th>.*<th scope="col">12月</th>', table, re.S), "a year a row"
    counted = {
        f"{year}-{month:02d}": int(cell)
        for year, cells in re.findall(r'<tr><th scope="row">(\d{4})</th>(.*?)</tr>', table, re.S)
        for month, cell in enumerate(re.findall(r"<td>(\d*)</td>", cells), start=1)
        if cell
    }
    assert {m: n for m, n in counted.items() if n} == dict(expected) and sum(counted.values()) == 3
    assert (min(counted), max(counted)) == (min(expected), max(expected)), "from the first visit's month to the last's"
    assert visits.count('<circle class="point') == len(counted) and '<path class="line"' in visits
    assert f"<title>{min(counted)}: 1</title>" in visits and '<desc id="chart-visits-desc">' in visits
    # the month still running is said to be counted only so far
    this_month = month_of(0)
    assert (f"{this_month} 只统计到今天" in page) == (max(counted) == this_month)
    # and a link to the CSV file
    assert 'href="/reports/cohorts.csv"' in page


def test_the_csv_download_is_an_attachment_in_utf8_with_a_byte_order_mark(ui_app: Flask) -> None:
    handover_scene(ui_app)
    open_account(ui_app, "shen", "auditor")

    response = browser(ui_app, "shen").get("/reports/cohorts.csv")

    assert response.status_code == 200 and response.content_type == "text/csv; charset=utf-8"
    disposition = response.headers["Content-Disposition"]
    assert re.fullmatch(r'attachment; filename="peiban-cohort-report-\d{4}-\d\d-\d\d\.csv"', disposition)
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0] == ["期次交接 / Cohort transitions"] and tuple(rows[1]) == TRANSITION_COLUMNS
    assert rows[2][:3] == ["2024级", rows[2][1], "1"] and rows[2][5:8] == ["1.00", "20.0", "20"]
    assert rows[3] == [] and rows[4] == ["季度服务 / Service per quarter"] and tuple(rows[5]) == PERIOD_COLUMNS
    assert sum(int(row[4]) for row in rows[6:]) == 3, "three visits, the retracted one left out"


def test_before_any_handover_the_report_says_so_and_draws_no_cohort_charts(ui_app: Flask) -> None:
    open_account(ui_app, "coordinator", "coordinator")

    page = text(browser(ui_app, "coordinator").get("/reports/cohorts"))

    assert "还没有期次完成交接。" in page and "还没有探访。" in page and "<svg" not in page


def test_the_report_is_for_those_who_report_to_funders_and_linked_from_the_header(ui_app: Flask) -> None:
    scene = handover_scene(ui_app)
    open_account(ui_app, "coordinator", "coordinator")
    open_account(ui_app, "social-worker", "social_worker")
    open_account(ui_app, "shen", "auditor")
    open_account(ui_app, "yi", "volunteer", scene.second_lead)
    clients = {user: browser(ui_app, user) for user in ("coordinator", "social-worker", "shen", "yi")}

    statuses = {
        user: (client.get("/reports/cohorts").status_code, client.get("/reports/cohorts.csv").status_code)
        for user, client in clients.items()
    }
    linked = {user: 'href="/reports/cohorts"' in text(client.get("/")) for user, client in clients.items()}

    assert statuses == {"coordinator": (200, 200), "social-worker": (200, 200), "shen": (200, 200), "yi": (403, 403)}
    assert linked == {"coordinator": True, "social-worker": True, "shen": True, "yi": False}
