"""pyproject.toml declares exactly the packages the requirements files install."""

import tomllib
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]

# A requirement as pip reads it, so "Django" and "django", or extras in another order, agree.
Pin = tuple[str, frozenset[str], str]


def pin(line: str) -> Pin:
    requirement = Requirement(line)
    return (
        requirement.name.lower().replace("_", "-"),
        frozenset(requirement.extras),
        str(requirement.specifier),
    )


def pins_in(requirements_file: str) -> set[Pin]:
    """The file's own requirements, without comments or the files it includes with -r."""
    lines = (ROOT / requirements_file).read_text().splitlines()
    entries = (line.split("#", 1)[0].strip() for line in lines)
    return {pin(entry) for entry in entries if entry and not entry.startswith("-")}


def test_the_apps_dependencies_are_requirements_txt():
    assert {pin(entry) for entry in PROJECT["dependencies"]} == pins_in("requirements.txt")


def test_the_dev_extra_is_what_requirements_dev_txt_adds_to_the_app():
    dev = {pin(entry) for entry in PROJECT["optional-dependencies"]["dev"]}

    assert dev == pins_in("requirements-dev.txt")
    assert (ROOT / "requirements-dev.txt").read_text().startswith("-r requirements.txt\n")


def test_every_requirement_is_pinned_to_one_version():
    for entry in [*PROJECT["dependencies"], *PROJECT["optional-dependencies"]["dev"]]:
        assert str(Requirement(entry).specifier).startswith("=="), entry
