"""The lists of families, volunteers and cohorts, and the forms that enrol, register, put on duty and open."""

from __future__ import annotations

import html
import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.builders import local_today
from tests.web.api.conftest import ago, cohort, post, signed_in
from tests.web.api.scenes import assign, family, volunteer
from tests.web.ui.conftest import browser, form_token, handover_scene, log_position, open_account, preset_times, text
from tests.web.ui.test_page_safety import assert_safe


def linked_families(page: str) -> set[str]:
    return set(re.findall(r'href="/families/([0-9a-f-]{36})"', page))


def listed(page: str, list_id: str) -> str:
    """The HTML of a page's list (empty when the page says nothing matches)."""
    found = re.search(rf'<ul class="directory" id="{list_id}">.*?</ul>', page, re.S)
    return found.group(0) if found else ""


def error_beside(page: str, name: str) -> str:
    """The error shown beside an input (or group), or "" when there is none."""
    found = re.search(rf'<p class="error" id="{re.escape(name)}-error">([^<]*)</p>', page)
    return html.unescape(found.group(1)) if found else ""


def value_of(page: str, name: str) -> str:
    found = re.search(rf'<input id="{re.escape(name)}" name="{re.escape(name)}" type="[^"]+" value="([^"]*)"', page)
    assert found, name
    return html.unescape(found.group(1))


def checked(page: str, name: str) -> set[str]:
    return set(re.findall(rf'name="{re.escape(name)}" value="([^"]+)"\s+checked', page))


def coordinator(app: Flask) -> FlaskClient:
    open_account(app, "coordinator", "coordinator")
    return browser(app, "coordinator")


def send(client: FlaskClient, path: str, fields: dict[str, Any]) -> TestResponse:
    """Fill in the form at ``path`` and send it, with the page's CSRF token."""
    form = client.get(path)
    return client.post(path, data={**preset_times(form), **fields, "csrf_token": form_token(form)})


# --- Families ---------------------------------------------------------------------------------------


def test_the_family_list_searches_by_name_or_community_and_filters_by_status_and_lead(ui_app: Flask) -> None:
    # given 王家 (城东, led by 甲), 李家 (城西, no lead) and 张家 (城东, closed)
    api = signed_in(ui_app, "coordinator")
    lead = volunteer(api, cohort(api), "甲")
    wang, li, zhang = family(api, "王家"), family(api, "李家", community="城西社区"), family(api, "张家")
    assign(api, wang, lead)
    post(api, f"/families/{zhang}/closure", {"reason": "搬家", "occurred_at": ago(days=1)}, 200)
    # and 赵家, whose lead has left the programme without a handover
    gone, zhao = volunteer(api, cohort(api, "2023级"), "丙"), family(api, "赵家")
    assign(api, zhao, gone)
    post(api, f"/volunteers/{gone}/departure", {"reason": "withdrew", "occurred_at": ago(days=2)}, 200)
    client = coordinator(ui_app)

    # when the coordinator opens the list, then every family is there, with its community, status and lead
    page = text(client.get("/families"))
    assert linked_families(listed(page, "families")) == {wang, li, zhang, zhao}
    row = re.search(r"<li[^>]*>\s*<a href=\"/families/" + wang + r'">王家</a>.*?</li>', page, re.S)
    assert row and "城东社区" in row.group(0) and "甲" in row.group(0)
    assert 'href="/families/new"' in page

    def shown(query: str) -> set[str]:
        return linked_families(listed(text(client.get(f"/families?{query}")), "families"))

    # then searching and filtering narrow it
    assert shown("q=城西") == {li}
    assert shown("q=王") == {wang}
    assert shown("status=closed") == {zhang}
    assert shown("status=open") == {wang, li, zhao}
    assert shown("uncovered=1") == {li, zhang, zhao}
    assert shown("uncovered=1&status=open") == {li, zhao}
    assert shown("q=没有这个家") == set()
    # and a filter value the list does not know is no filter
    assert shown("status=lost") == {wang, li, zhang, zhao}


def test_the_family_list_pages_on_with_signed_cursors_keeping_its_filters(ui_app: Flask) -> None:
    # given five families in 城东 and one in 城西, two rows a page
    api = signed_in(ui_app, "coordinator")
    east = {family(api, name) for name in ("一家", "二家", "三家", "四家", "五家")}
    family(api, "西家", community="城西社区")
    ui_app.config["PEIBAN_PAGE_SIZE"] = 2
    client = coordinator(ui_app)

    # when the coordinator searches 城东 and follows each "next page" link
    seen: list[str] = []
    address: str | None = "/families?q=城东"
    pages = 0
    while address:
        page = text(client.get(address))
        rows = re.findall(r'href="/families/([0-9a-f-]{36})"', listed(page, "families"))
        assert len(rows) <= 2
        seen += rows
        pages += 1
        found = re.search(r'rel="next" href="([^"]+)"', page)
        address = html.unescape(found.group(1)) if found else None
        assert address is None or "q=%E5%9F%8E%E4%B8%9C" in address  # the search is kept

    # then every family of 城东 was shown once, over three pages
    assert pages == 3 and len(seen) == 5 and set(seen) == east
    # and an altered cursor starts the list over rather than failing
    first = text(client.get("/families?q=城东"))
    cursor = re.search(r"after=([^&\"]+)", first)
    assert cursor
    altered = client.get(f"/families?q=城东&after={cursor.group(1)[:-2]}xx")
    assert altered.status_code == 200 and listed(text(altered), "families") == listed(first, "families")
    # and so does a cursor of the volunteers' list, whose positions have the same shape (a name, an id)
    for name in ("甲义工", "乙义工", "丙义工"):
        volunteer(api, cohort(api), name)
    theirs = re.search(r"after=([^&\"]+)", text(client.get("/volunteers")))
    assert theirs
    taken = client.get(f"/families?q=城东&after={theirs.group(1)}")
    assert taken.status_code == 200 and listed(text(taken), "families") == listed(first, "families")


def test_a_volunteer_lists_only_their_own_families_and_may_not_enrol_or_manage_people(ui_app: Flask) -> None:
    # given the second lead of 王家 (李家 is another volunteer's), signed in as a volunteer
    scene = handover_scene(ui_app)
    open_account(ui_app, "yi", "volunteer", scene.second_lead)
    client = browser(ui_app, "yi")
    before = log_position(ui_app)

    # when they open the list of families, then only 王家 is there, and no way to enrol
    page = text(client.get("/families"))
    assert linked_families(page) == {scene.family}
    assert "李家" not in page and 'href="/families/new"' not in page
    assert linked_families(text(client.get("/families?q=李家"))) == set()
    # and the header offers their own families (their home), not the volunteers or cohorts
    nav = re.search(r'<nav class="sections".*?</nav>', page, re.S)
    assert nav and '<a href="/">我陪伴的家庭</a>' in nav.group(0)
    assert 'href="/families"' not in nav.group(0) and 'href="/volunteers"' not in nav.group(0)

    # then the people pages and the forms are refused, and sending them records nothing
    refused = {
        path: client.get(path).status_code for path in ("/volunteers", "/volunteers/new", "/cohorts", "/families/new")
    }
    assert refused == dict.fromkeys(refused, 403)
    token = form_token(client.get("/"))
    sent = client.post("/volunteers/new", data={"csrf_token": token, "name": "冒名", "contact": "x"})
    assert sent.status_code == 403 and log_position(ui_app) == before


def good_enrolment() -> dict[str, Any]:
    """An enrol form filled in as a coordinator would: two members, in the first and third rows."""
    return {
        "display_name": "小林家",
        "community": "城南社区",
        "referral_source": "学校老师",
        "circumstances": ["migrant", "single_parent"],
        "household-0-relation": "child",
        "household-0-birth_year": "2016",
        "household-0-alias": "小林",
        "household-2-relation": "mother",
        "household-2-birth_year": "1988",
        "consent-guardian_relation": "mother",
        "consent-scopes": ["records", "home_visits"],
        "consent-given_on": str(local_today(-2)),
        "occurred_at": local_today(-1).strftime("%Y-%m-%dT10:00"),
    }


def test_enrolling_a_family_records_it_and_opens_its_page(ui_app: Flask) -> None:
    client = coordinator(ui_app)
    form = text(client.get("/families/new"))
    assert 'name="household-3-alias"' in form and 'name="consent-scopes"' in form

    # when the coordinator enrols 小林家 (the second member row left empty)
    sent = send(client, "/families/new", good_enrolment())

    # then they land on the new family's page
    assert sent.status_code == 303
    family_id = sent.headers["Location"].removeprefix("/families/")
    assert re.fullmatch(r"[0-9a-f-]{36}", family_id)
    assert "小林家" in text(client.get(sent.headers["Location"]))
    # and the family is in the list, with its household, circumstances and consent as given
    assert linked_families(text(client.get("/families?q=城南"))) == {family_id}
    profile = signed_in(ui_app, "coordinator").get(f"/api/v1/families/{family_id}").get_json()
    assert profile["household"] == [
        {"relation": "child", "birth_year": 2016, "alias": "小林"},
        {"relation": "mother", "birth_year": 1988, "alias": ""},
    ]
    assert sorted(profile["circumstances"]) == ["migrant", "single_parent"]
    assert sorted(profile["consent_scopes"]) == ["home_visits", "records"]
    assert profile["referral_source"] == "学校老师"


def test_a_rejected_enrolment_shows_each_error_beside_its_input_keeps_the_input_and_records_nothing(
    ui_app: Flask,
) -> None:
    client = coordinator(ui_app)
    before = log_position(ui_app)

    # when the name is left out, a member's year of birth is not a number, the consent has no day
    # and the time is mistyped
    typed = {
        **good_enrolment(),
        "display_name": "",
        "household-2-birth_year": "八八年",
        "consent-given_on": "",
        "occurred_at": "昨天",
    }
    sent = send(client, "/families/new", typed)

    # then the form comes back, each error beside its input, everything typed kept, nothing recorded
    page = text(sent)
    assert sent.status_code == 422
    assert error_beside(page, "display_name") == "必填"
    assert error_beside(page, "household-2-birth_year")
    assert error_beside(page, "consent-given_on") == "必填"
    assert error_beside(page, "occurred_at") and value_of(page, "occurred_at") == "昨天"
    assert error_beside(page, "community") == error_beside(page, "household-0-birth_year") == ""
    assert value_of(page, "community") == "城南社区" and value_of(page, "household-2-birth_year") == "八八年"
    assert checked(page, "circumstances") == {"migrant", "single_parent"}
    assert checked(page, "consent-scopes") == {"records", "home_visits"}
    assert log_position(ui_app) == before

    # when the schema is satisfied but the domain refuses: no child, and no consent to keep records
    typed = {**good_enrolment(), "household-0-relation": "grandmother", "consent-scopes": ["photos"]}
    page = text(refused := send(client, "/families/new", typed))

    # then the domain's errors are beside the household and the consent's scopes
    assert refused.status_code == 422
    assert error_beside(page, "household") == "至少需要一名儿童"
    assert "记录" in error_beside(page, "consent-scopes")
    assert checked(page, "consent-scopes") == {"photos"}
    assert log_position(ui_app) == before

    # and a form with every member row empty says a member is needed
    empty_rows = {k: v for k, v in good_enrolment().items() if not k.startswith("household-")}
    page = text(send(client, "/families/new", empty_rows))
    assert error_beside(page, "household") and log_position(ui_app) == before


# --- Volunteers -------------------------------------------------------------------------------------


def test_the_volunteer_list_searches_by_name_and_filters_by_cohort_and_status(ui_app: Flask) -> None:
    api = signed_in(ui_app, "coordinator")
    old, new = cohort(api, "2024级"), cohort(api, "2025级")
    volunteer(api, old, "张老义工")
    volunteer(api, new, "李新义工")
    volunteer(api, new, "王新义工", active=False)
    client = coordinator(ui_app)

    def names(query: str = "") -> set[str]:
        return set(
            re.findall(r"<strong>([^<]+)</strong>", listed(text(client.get(f"/volunteers?{query}")), "volunteers"))
        )

    assert names() == {"张老义工", "李新义工", "王新义工"}
    assert names(f"cohort_id={new}") == {"李新义工", "王新义工"}
    assert names("status=registered") == {"王新义工"}
    assert names(f"status=active&cohort_id={old}") == {"张老义工"}
    assert names("q=新义工") == {"李新义工", "王新义工"}
    assert names("q=nobody") == set()


def test_registering_a_volunteer_then_putting_them_on_duty(ui_app: Flask) -> None:
    # given an open cohort and a closed one
    api = signed_in(ui_app, "coordinator")
    open_cohort, closed = cohort(api, "2025级"), cohort(api, "2019级")
    post(api, f"/cohorts/{closed}/close", {}, status=200)
    client = coordinator(ui_app)

    # the form offers only the open cohort
    form = text(client.get("/volunteers/new"))
    assert f'value="{open_cohort}"' in form and f'value="{closed}"' not in form

    # when the coordinator registers 周同学
    fields = {"name": "周同学", "cohort_id": open_cohort, "contact": "微信 zhou", "school": "社工学院"}
    sent = send(client, "/volunteers/new", fields)

    # then the list of the cohort shows them, registered, with a button to put them on duty
    assert sent.status_code == 303
    page = text(client.get(sent.headers["Location"]))
    assert "周同学" in page and 'class="notice"' in page
    button = re.search(r'<form method="post" class="row-action" action="(/volunteers/[0-9a-f-]{36}/activate)"', page)
    assert button
    volunteer_id = button.group(1).split("/")[2]
    assert api.get(f"/api/v1/volunteers/{volunteer_id}").get_json()["status"] == "registered"

    # when they are put on duty from the list
    token = form_token(client.get("/volunteers"))
    done = client.post(button.group(1), data={"csrf_token": token, "cohort_id": open_cohort})

    # then they are active, back on the list as it was filtered, with no button any more
    assert done.status_code == 303 and f"cohort_id={open_cohort}" in done.headers["Location"]
    assert api.get(f"/api/v1/volunteers/{volunteer_id}").get_json()["status"] == "active"
    assert "/activate" not in text(client.get(done.headers["Location"]))

    # and putting them on duty again is refused, with the reason, and records nothing
    before = log_position(ui_app)
    again = client.post(button.group(1), data={"csrf_token": token})
    assert again.status_code == 409 and 'class="error banner"' in text(again)
    assert log_position(ui_app) == before


def test_a_rejected_registration_keeps_the_input_and_records_nothing(ui_app: Flask) -> None:
    api = signed_in(ui_app, "coordinator")
    closed = cohort(api, "2019级")
    post(api, f"/cohorts/{closed}/close", {}, status=200)
    open_cohort = cohort(api, "2025级")
    client = coordinator(ui_app)
    before = log_position(ui_app)

    # when the name and contact are missing
    sent = send(client, "/volunteers/new", {"name": "", "cohort_id": open_cohort, "contact": "", "school": "社工学院"})
    page = text(sent)
    assert sent.status_code == 422
    assert error_beside(page, "name") == error_beside(page, "contact") == "必填"
    assert value_of(page, "school") == "社工学院" and f'<option value="{open_cohort}" selected>' in page

    # when a stale form names a cohort that has closed since
    sent = send(client, "/volunteers/new", {"name": "周同学", "cohort_id": closed, "contact": "微信"})
    assert sent.status_code == 409 and "该期义工已经结束" in text(sent)
    assert value_of(text(sent), "name") == "周同学"
    assert log_position(ui_app) == before


# --- Cohorts ----------------------------------------------------------------------------------------


def test_opening_a_cohort_lists_it_with_its_dates_and_volunteers(ui_app: Flask) -> None:
    api = signed_in(ui_app, "coordinator")
    older = cohort(api, "2024级")
    volunteer(api, older, "甲")
    volunteer(api, older, "乙")
    client = coordinator(ui_app)

    starts, ends = local_today(-3), local_today(540)
    sent = send(client, "/cohorts/new", {"name": "2026级", "starts_on": str(starts), "ends_on": str(ends)})

    assert sent.status_code == 303
    page = text(client.get(sent.headers["Location"]))
    assert 'class="notice"' in page and "2026级" in page
    rows = re.findall(r'<li id="cohort-([0-9a-f-]{36})"[^>]*>(.*?)</li>', listed(page, "cohorts"), re.S)
    by_name = {re.search(r">([^<]+)</a>", body).group(1): body for _id, body in rows}  # type: ignore[union-attr]
    assert list(by_name) == ["2026级", "2024级"]  # newest intake first
    assert str(starts) in by_name["2026级"] and str(ends) in by_name["2026级"]
    assert "0 名义工" in by_name["2026级"] and "2 名义工" in by_name["2024级"]


def test_a_rejected_cohort_shows_the_error_beside_the_date_and_records_nothing(ui_app: Flask) -> None:
    client = coordinator(ui_app)
    before = log_position(ui_app)

    # when the expected end comes before the intake
    fields = {"name": "2026级", "starts_on": str(local_today()), "ends_on": str(local_today(-1))}
    sent = send(client, "/cohorts/new", fields)

    page = text(sent)
    assert sent.status_code == 422
    assert error_beside(page, "ends_on") == "结束日期应晚于招募日期"
    assert value_of(page, "name") == "2026级" and value_of(page, "ends_on") == str(local_today(-1))
    assert log_position(ui_app) == before

    # and dates no cohort has (a slip of the keyboard) are refused too
    sent = send(client, "/cohorts/new", {"name": "2026级", "starts_on": "0001-01-01", "ends_on": "9999-12-31"})
    assert sent.status_code == 422
    assert "2000-01-01" in error_beside(text(sent), "starts_on") and "2099-12-31" in error_beside(text(sent), "ends_on")
    assert log_position(ui_app) == before


# --- Every form -------------------------------------------------------------------------------------


def test_forms_sent_without_the_csrf_token_are_refused_and_record_nothing(ui_app: Flask) -> None:
    api = signed_in(ui_app, "coordinator")
    open_cohort = cohort(api)
    registered = volunteer(api, open_cohort, "周同学", active=False)
    client = coordinator(ui_app)
    before = log_position(ui_app)

    answers = {
        path: client.post(path, data=fields).status_code
        for path, fields in {
            "/families/new": good_enrolment(),
            "/volunteers/new": {"name": "周同学", "cohort_id": open_cohort, "contact": "微信"},
            f"/volunteers/{registered}/activate": {},
            "/cohorts/new": {"name": "2026级", "starts_on": str(local_today()), "ends_on": str(local_today(9))},
        }.items()
    }

    assert answers == dict.fromkeys(answers, 400)
    assert log_position(ui_app) == before


def test_a_social_worker_reads_the_lists_but_gets_no_forms(ui_app: Flask) -> None:
    api = signed_in(ui_app, "coordinator")
    volunteer(api, cohort(api), "周同学", active=False)
    open_account(ui_app, "worker", "social_worker")
    client = browser(ui_app, "worker")

    volunteers = text(client.get("/volunteers"))
    assert "周同学" in volunteers and "/activate" not in volunteers and 'href="/volunteers/new' not in volunteers
    assert 'href="/cohorts/new"' not in text(client.get("/cohorts"))
    assert client.get("/families/new").status_code == client.get("/cohorts/new").status_code == 403


def test_the_new_pages_carry_no_inline_script_and_speak_english_on_request(ui_app: Flask) -> None:
    client = coordinator(ui_app)
    for path in ("/families", "/families/new", "/volunteers", "/volunteers/new", "/cohorts", "/cohorts/new"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert_safe(response)
    client.get("/language/en?next=/")
    page = text(client.get("/families/new"))
    assert "<h1>Enrol a family</h1>" in page and "Household members" in page
