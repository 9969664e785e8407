"""Every domain error and field problem has its wording in the catalogue, in both languages; English never
shows Chinese (an enum parameter is shown through its label in the reader's language); counts are plural."""

from __future__ import annotations

import ast
import importlib
import pkgutil
import re
from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID

import pytest

import domain
from domain import DomainError, InvalidInput, Problem
from domain.errors import FamilyErased
from domain.rules import HandoverNotOpen, LeadAlreadyAssigned, VolunteerNotActive, VolunteerStatusRule
from domain.values import HandoverState, VolunteerStatus
from domain.volunteer import VolunteerAction
from web.i18n import LANGUAGES
from web.messages import ERRORS, HTTP, LABELS, PROBLEMS, Counted, Wording, both, cli_message, message, worded

ROOT = Path(__file__).resolve().parents[2]
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
#: Where problems are raised: the domain, and the web's own check of a new password.
PROBLEM_SOURCES = [*sorted((ROOT / "domain").rglob("*.py")), ROOT / "web" / "access" / "passwords.py"]


def error_classes() -> set[type[DomainError]]:
    """Every DomainError subclass the domain defines (its modules imported, then the class tree walked)."""
    for module in pkgutil.walk_packages(domain.__path__, "domain."):
        importlib.import_module(module.name)
    found: set[type[DomainError]] = set()
    todo = [DomainError]
    while todo:
        kind = todo.pop()
        found.add(kind)
        todo.extend(kind.__subclasses__())
    return {kind for kind in found if kind.__module__.startswith("domain.")}


def problems_raised() -> set[str]:
    """The catalogue key (``code`` or ``code.detail``) of every ``Problem(...)`` written in the sources."""
    keys: set[str] = set()
    for path in PROBLEM_SOURCES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Problem":
                literal = [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
                assert len(literal) == len(node.args), f"{path.name}:{node.lineno}: a Problem's code is a literal"
                keys.add(".".join(literal))
    return keys


def test_the_sources_raise_problems_the_scan_finds() -> None:
    assert {"required", "required.a_volunteer", "too_early", "type.yes_or_no", "blank.password"} <= problems_raised()


def test_every_domain_error_has_its_own_wording() -> None:
    missing = sorted(kind.__name__ for kind in error_classes() if kind.code not in ERRORS)
    assert not missing, f"no wording in web.messages.ERRORS for {missing}"
    assert not set(ERRORS) - {kind.code for kind in error_classes()}, "wording for codes no error has"


def test_every_problem_raised_has_its_own_wording() -> None:
    raised = problems_raised()
    assert not sorted(raised - set(PROBLEMS)), "no wording in web.messages.PROBLEMS"
    assert not sorted(set(PROBLEMS) - raised), "wording for problems nothing raises"


def sample(entry: Wording) -> dict[str, object]:
    """A value for each placeholder of an entry (a count of 2)."""
    if isinstance(entry, Counted):
        return {entry.count: 2}
    return {name: "X" for name in re.findall(r"%\((\w+)\)s", entry)}


WORDINGS: dict[str, Wording] = {
    **{f"error:{code}": entry for code, entry in ERRORS.items()},
    **{f"problem:{key}": entry for key, entry in PROBLEMS.items()},
    **{f"http:{status}": entry for status, entry in HTTP.items()},
}


@pytest.mark.parametrize("key", sorted(WORDINGS))
def test_each_wording_is_translated_in_both_catalogues(key: str) -> None:
    entry = WORDINGS[key]
    zh, en = (worded(entry, sample(entry), locale) for locale in LANGUAGES)
    assert CJK.search(zh), f"not translated into Chinese: {zh}"
    assert not CJK.search(en), f"Chinese in English: {en}"


def test_every_enum_member_an_error_carries_has_a_label() -> None:
    for kind, labels in LABELS.items():
        assert set(labels) == set(kind), kind


ENUM_SAMPLES = [
    pytest.param(HandoverNotOpen(state=HandoverState.COMPLETED), "completed", "已完成", id="handover-completed"),
    pytest.param(HandoverNotOpen(state=HandoverState.CANCELLED), "cancelled", "已取消", id="handover-cancelled"),
    pytest.param(VolunteerNotActive(name="Li", status=VolunteerStatus.DEPARTED), "departed", "已离开", id="departed"),
    pytest.param(
        VolunteerStatusRule(status=VolunteerStatus.ACTIVE, action=VolunteerAction.ACTIVATE),
        "active and cannot be activated",
        "不能上岗",
        id="status-rule",
    ),
]


@pytest.mark.parametrize(("error", "english", "chinese"), ENUM_SAMPLES)
def test_an_enum_parameter_reads_in_the_readers_language(error: DomainError, english: str, chinese: str) -> None:
    zh, en = both(error)
    assert english in en and not CJK.search(en)
    assert chinese in zh


def test_the_handover_that_is_already_completed_says_so_in_english() -> None:
    assert message(HandoverNotOpen(state=HandoverState.COMPLETED), "en") == "The handover is already completed"


def test_counts_take_the_plural_that_fits() -> None:
    assert both(Problem("too_long", limit=1)) == ("不能超过 1 个字", "must be at most 1 character")
    assert both(Problem("too_long", limit=200)) == ("不能超过 200 个字", "must be at most 200 characters")
    assert message(Problem("too_many", "members", most=30), "en") == "at most 30 members"


def test_moments_and_ids_are_shown_as_the_caller_says() -> None:
    erased = FamilyErased(erased_at=datetime(2025, 3, 1, 7, 0, tzinfo=UTC), reason="监护人撤回同意")
    assert message(erased, "en", lambda moment: moment.strftime("%d.%m.%Y")).startswith(
        "This family's record was erased on 01.03.2025"
    )
    assert "2025-03-01T07:00+00:00" in message(erased, "en")  # the CLI's default: UTC, to the minute
    lead = UUID("4e19f260-fb75-449e-b7d6-4a7bb26553a0")
    assert str(lead) in message(LeadAlreadyAssigned(lead=lead), "en")


def test_the_command_line_says_chinese_then_english_with_each_field() -> None:
    invalid = InvalidInput({"password": [Problem("blank", "password")]})
    assert cli_message(invalid) == (
        "输入有误，请检查标出的字段 / Some fields are invalid (password: 密码不能只有空白 / must not be only spaces)"
    )


def test_a_domain_error_names_no_value_in_its_own_text() -> None:
    """Tracebacks and logs see the code, never a person's name."""
    refused = VolunteerNotActive(name="王小明", status=VolunteerStatus.DEPARTED)
    assert str(refused) == "volunteer_not_active"
    assert "王小明" not in str(InvalidInput({"name": [Problem("too_long", limit=1)]}))


#: Not domain errors: what an operator reads when a store's keys or ciphertext are wrong (raised through
#: the eventsourcing library's own errors, shown by the CLI as they are).
OPERATOR_MESSAGES = {"encryption.py"}


def test_the_domain_holds_no_sentence_in_chinese_outside_its_docstrings() -> None:
    found = []
    for path in sorted((ROOT / "domain").rglob("*.py")):
        if path.name in OPERATOR_MESSAGES:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef)) and ast.get_docstring(node) is not None
        }
        found += [
            f"{path.name}:{node.lineno}"
            for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and CJK.search(node.value)
            if id(node) not in docstrings
        ]
    assert not found, f"wording belongs in web/messages.py: {found}"
    assert not [kind for kind in error_classes() if hasattr(kind, "zh") or hasattr(kind, "en")]
