"""Documentation keeps up with the code: every command is documented."""

from __future__ import annotations

import click
import pytest

from statuspage.cli import COMMANDS, cli
from tests.sites import REPO_ROOT

COMMANDS_DOC = (REPO_ROOT / "docs" / "commands.md").read_text(encoding="utf-8")


def command_names() -> list[str]:
    names = []
    context = click.Context(cli)
    for name in sorted(COMMANDS):
        command = cli.get_command(context, name)
        if isinstance(command, click.Group):
            names += [f"{name} {sub}" for sub in command.list_commands(context)]
        else:
            names.append(name)
    return names


@pytest.mark.parametrize("name", command_names())
def test_command_is_documented(name: str) -> None:
    assert f"## `statuspage {name}`" in COMMANDS_DOC, f"docs/commands.md lacks `statuspage {name}`"


def test_readme_names_the_test_command() -> None:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    ci = (REPO_ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "python -m pytest" in readme
    assert "\npython -m pytest" in ci
