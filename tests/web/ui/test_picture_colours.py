"""The picture's colours, read from the stylesheet as the browser would apply them, against WCAG 2's
contrast ratio: every mark at least 3:1 on the white page (graphics, WCAG 1.4.11), and the co and shadow
bars at least 3:1 apart, so that the roles are told apart without guessing at shades."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

STYLESHEET = Path(__file__).resolve().parents[3] / "web" / "static" / "peiban.css"
GRAPHICS = 3.0


def rules() -> dict[str, str]:
    """Each rule's declarations on screen by selector (a selector list split into its selectors)."""
    found: dict[str, str] = {}
    css = re.sub(r"/\*.*?\*/", "", STYLESHEET.read_text(encoding="utf-8"), flags=re.S)
    css = re.sub(r"@media print\s*\{(?:[^{}]*\{[^{}]*\})*[^{}]*\}", "", css)  # paper is not the screen
    for selectors, body in re.findall(r"([^{}]+)\{([^{}]*)\}", css):
        for selector in selectors.split(","):
            found[" ".join(selector.split())] = found.get(" ".join(selector.split()), "") + ";" + body
    return found


def colour(selector: str, prop: str) -> str:
    """The colour ``prop`` of ``selector`` (its last declaration), custom properties resolved from :root."""
    declared = re.findall(rf"(?:^|;)\s*{re.escape(prop)}\s*:\s*([^;]+)", rules()[selector])
    assert declared, f"{selector} declares no {prop}"
    value = declared[-1].strip()
    while value.startswith("var("):
        name = value[4:-1].strip()
        value = re.findall(rf"(?:^|;)\s*{re.escape(name)}\s*:\s*([^;]+)", rules()[":root"])[-1].strip()
    assert re.fullmatch(r"#[0-9a-fA-F]{6}", value), f"{selector} {prop}: {value} is not a colour this test reads"
    return value


def luminance(hex_colour: str) -> float:
    """WCAG 2 relative luminance of an sRGB colour ``#rrggbb``."""
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(one: str, other: str) -> float:
    lighter, darker = sorted((luminance(one), luminance(other)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def test_the_contrast_ratio_is_computed_as_wcag_defines_it() -> None:
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)
    assert contrast("#1f4e79", "#1f4e79") == 1.0


#: Every mark the picture draws, by the rule that colours it (and its legend key, which uses the same classes).
MARKS = {
    "lead bar": ("svg .bar.role-lead", "fill"),
    "co bar": ("svg .bar.role-co", "fill"),
    "shadow bar": ("svg .bar.role-shadow", "fill"),
    "visit": ("svg .mark.visit", "stroke"),
    "joint visit": ("svg .mark.joint_visit", "fill"),
    "message": ("svg .mark.message", "fill"),
    "concern": ("svg .concern-mark", "fill"),
    "high concern": ("svg .concern.level-high .concern-mark", "fill"),
    "handover box": ("svg .bridge-span", "stroke"),
    "handover step": ("svg .bridge-step", "stroke"),
    "today": ("svg .today-line", "stroke"),
    "cohort end": ("svg .cohort-end-line", "stroke"),
    "new lead": ("svg .chapter-line", "stroke"),
}


@pytest.mark.parametrize("mark", sorted(MARKS))
def test_every_mark_stands_out_from_the_white_page(mark: str) -> None:
    page = colour("body", "background")
    assert page.lower() == "#ffffff"
    ratio = contrast(colour(*MARKS[mark]), page)
    assert ratio >= GRAPHICS, f"{mark}: {ratio:.2f}:1 on white"


def test_co_and_shadow_bars_are_told_apart() -> None:
    ratio = contrast(colour("svg .bar.role-co", "fill"), colour("svg .bar.role-shadow", "fill"))
    assert ratio >= GRAPHICS, f"co against shadow: {ratio:.2f}:1"


def test_the_today_label_reads_as_text() -> None:
    assert contrast(colour("svg .today-label", "fill"), "#ffffff") >= 4.5
    assert contrast(colour("svg .tick-label", "fill"), "#ffffff") >= 4.5
