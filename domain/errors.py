"""Domain errors: every rejected command raises one of these and records nothing.

Each error carries a stable ``code`` and a message in Simplified Chinese first and
English second, so the CLI, the API and the web pages can show it without
re-implementing the wording.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar


def plain(value: Any) -> Any:
    """How a value reads in a message unless the reader's side says otherwise: a moment in UTC, to the
    minute. The domain knows no display time zone; the web layer renders moments in it."""
    return value.astimezone(UTC).isoformat(timespec="minutes") if isinstance(value, datetime) else value


@dataclass(frozen=True)
class Problem:
    """One field-level problem, worded in both languages; with ``params``, ``zh`` and ``en`` are templates
    (``"must not be before {when}"``) and the values are kept as they are (a moment stays a datetime)."""

    code: str
    zh: str
    en: str
    params: Mapping[str, Any] = field(default_factory=dict, compare=False)

    def worded(self, render: Callable[[Any], Any] = plain) -> tuple[str, str]:
        """(Chinese, English), each value shown by ``render``."""
        if not self.params:
            return self.zh, self.en
        shown = {name: render(value) for name, value in self.params.items()}
        return self.zh.format(**shown), self.en.format(**shown)


class DomainError(Exception):
    """Base of every error a Peiban command can raise."""

    code: ClassVar[str] = "domain_error"
    zh: ClassVar[str] = "操作未完成"
    en: ClassVar[str] = "The command was rejected"

    def __init__(self, **params: Any) -> None:
        self.params = params
        super().__init__(self.message)

    def worded(self, render: Callable[[Any], Any] = plain) -> tuple[str, str]:
        """(Chinese, English), each parameter shown by ``render`` (a moment in the reader's time zone)."""
        shown = {name: render(value) for name, value in self.params.items()}
        return self.zh.format(**shown), self.en.format(**shown)

    @property
    def message_zh(self) -> str:
        return self.worded()[0]

    @property
    def message_en(self) -> str:
        return self.worded()[1]

    @property
    def message(self) -> str:
        return f"{self.message_zh} / {self.message_en}"


class InvalidInput(DomainError):
    """The command's own values are wrong; ``errors`` names each field."""

    code = "invalid_input"
    zh = "输入有误，请检查标出的字段"
    en = "Some fields are invalid"

    def __init__(self, errors: dict[str, list[Problem]]) -> None:
        self.errors = errors
        super().__init__()

    @property
    def message(self) -> str:
        details = "; ".join(f"{field}: {' / '.join(p.worded())}" for field, ps in self.errors.items() for p in ps)
        return f"{self.message_zh} / {self.message_en} ({details})"


class NotFound(DomainError):
    """Something the command names does not exist."""

    code = "not_found"
    zh = "未找到该记录"
    en = "Not found"


class FamilyNotFound(NotFound):
    code = "family_not_found"
    zh = "未找到该家庭"
    en = "Family not found"


class RecordErased(NotFound):
    """A record whose key was destroyed (erasure): nothing of it can be read or changed (answered 410)."""

    code = "erased"
    zh = "该记录已于 {erased_at} 删除，原因：{reason}"
    en = "This record was erased on {erased_at} because: {reason}"


class FamilyErased(RecordErased):
    """The family's record was erased (its key destroyed): nothing of it can be read or changed."""

    code = "family_erased"
    zh = "该家庭的记录已于 {erased_at} 删除，原因：{reason}"
    en = "This family's record was erased on {erased_at} because: {reason}"


class VolunteerNotFound(NotFound):
    code = "volunteer_not_found"
    zh = "未找到该义工"
    en = "Volunteer not found"


class VolunteerErased(RecordErased):
    """The volunteer's personal data was erased (their key destroyed); families' histories keep them nameless."""

    code = "volunteer_erased"
    zh = "该义工的个人资料已于 {erased_at} 删除，原因：{reason}"
    en = "This volunteer's personal data was erased on {erased_at} because: {reason}"


class CohortNotFound(NotFound):
    code = "cohort_not_found"
    zh = "未找到该期义工"
    en = "Cohort not found"


class HandoverNotFound(NotFound):
    code = "handover_not_found"
    zh = "该家庭没有这个交接"
    en = "This family has no such handover"


class FactNotFound(NotFound):
    code = "fact_not_found"
    zh = "该家庭没有这条记录"
    en = "This family has no such record"


class RuleBroken(DomainError):
    """The command is well formed but breaks one of the domain's rules."""

    code = "rule_broken"


class Conflict(RuleBroken):
    """Someone else changed the same record at the same moment; try again."""

    code = "conflict"
    zh = "记录刚被他人修改，请刷新后重试"
    en = "The record was changed by someone else at the same time; please retry"


class ErasureUnavailable(RuleBroken):
    """Erasure destroys a key: a store written without encryption has none to destroy."""

    code = "erasure_unavailable"
    zh = "存储未加密，无法删除记录（请先运行 peiban encrypt）"
    en = "The store is not encrypted: nothing can be erased (run `peiban encrypt` first)"


class VolunteerStillAccompanies(RuleBroken):
    """A volunteer still on a family (an assignment, an open handover) cannot be erased: the family would lose
    track of who is with them."""

    code = "volunteer_still_accompanies"
    zh = "该义工仍在陪伴家庭（分配或未完成的交接：{families}），不能删除其资料；请先完成或取消交接、结束分配"
    en = (
        "The volunteer is still on a family (an assignment or an open handover: {families}); complete or cancel"
        " the handover and end the assignment before erasing their data"
    )
