"""The generic top-level names domain, projections and web belong to this distribution alone."""

from __future__ import annotations

import tomllib
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("domain", "projections", "web")


def test_our_import_names_belong_to_peiban_alone() -> None:
    owners = metadata.packages_distributions()
    for name in PACKAGES:
        assert set(owners.get(name, [])) == {"peiban"}, f"{name} is provided by {owners.get(name)}"


def test_the_distribution_is_private_and_lists_its_packages_explicitly() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "Private :: Do Not Upload" in project["project"]["classifiers"]
    listed = project["tool"]["setuptools"]["packages"]
    assert {name.split(".")[0] for name in listed} == set(PACKAGES)
    assert not any(name.startswith("tests") for name in listed)
    assert project["project"]["scripts"]["peiban"] == "web.cli:main"
    found = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for name in PACKAGES
        for init in (ROOT / name).rglob("__init__.py")
        if "__pycache__" not in init.parts
    }
    assert set(listed) == found, "every package (a folder with __init__.py) is listed, so `pip install .` ships it"


def test_readme_quick_start_is_the_two_commands_ci_runs() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    quick_start = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    commands = [block.strip() for block in quick_start.split("```sh")[1:]]
    commands = [c.split("```")[0].strip() for c in commands]
    assert commands == ["pip install . && peiban serve --demo", "pip install -e '.[test]' && pytest -n 2"]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert commands[1] in ci.splitlines()


def test_the_wheel_carries_templates_and_data_files(tmp_path: Path) -> None:
    """`pip install .` (not editable) must get everything the app reads at run time."""
    import subprocess
    import sys
    import zipfile

    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("peiban-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {"web/templates/base.html", "web/access/common_passwords.txt", "web/api/cohorts.py"} <= names
    assert {
        "web/static/peiban.css",
        "web/pages/family.py",
        "web/pages/family_actions/records.py",
        "web/templates/_timeline_picture.svg.html",
    } <= names
    assert {f"web/translations/{lang}/LC_MESSAGES/messages.mo" for lang in ("zh_Hans", "en")} <= names
    assert not any(name.startswith("tests/") for name in names)
