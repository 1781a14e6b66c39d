"""The commands as a user meets them: messages word for word, exit codes, files kept intact."""

from __future__ import annotations

from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from statuspage import __version__
from statuspage.cli import COMMANDS, cli
from tests.sites import write_site

NOW = "2026-11-23T10:00:00+01:00"


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def test_init_then_validate(tmp_path: Path) -> None:
    result = run("init", str(tmp_path / "status"), "--timezone", "Europe/Paris")
    assert result.exit_code == 0, result.output
    # What to do next, on stderr (stdout lists the files written).
    assert "Next steps:\n  cd " in result.stderr
    assert '  git init && git add -A && git commit -m "Status page"\n' in result.stderr
    assert "  statuspage serve           # preview at http://127.0.0.1:8000/" in result.stderr
    assert (
        sorted(result.stdout.split())
        == sorted(
            str(tmp_path / "status" / name)
            for name in (".gitignore", "statuspage.yaml", "incidents/2026-11-22-slow-api.yaml")
        )
        or "slow-api.yaml" in result.stdout
    )
    checked = run("validate", "--root", str(tmp_path / "status"))
    assert checked.exit_code == 0, checked.output
    assert checked.stderr.endswith("statuspage.yaml and 1 incident file: 0 errors, 0 warnings\n")
    again = run("init", str(tmp_path / "status"))
    assert again.exit_code == 1
    assert again.stderr == (
        f"Error: {tmp_path / 'status' / 'statuspage.yaml'} already exists; not overwriting it\n"
    )


def test_new_then_updates_keep_hand_written_text(tmp_path: Path) -> None:
    write_site(tmp_path)
    root = str(tmp_path)
    created = run(
        "new", "incident", "Login fails", "-c", "web=major_outage", "--next-update", "30m",
        "--root", root, "--now", "2026-11-23T09:00:00+01:00",
    )  # fmt: skip
    assert created.exit_code == 0, created.output
    path = Path(created.stdout.strip())
    assert path == tmp_path / "incidents" / "2026-11-23-login-fails.yaml"
    text = path.read_text()
    assert "impact: critical" in text  # from the worst component state
    # A person edits the file by hand: a comment, odd quoting, a key after the updates.
    hand_written = text.replace("impact: critical", "impact: critical   # we think") + (
        "# Postmortem to follow.\n"
    )
    path.write_text(hand_written)
    first = run(
        "update", "2026-11-23-login-fails", "--status", "identified",
        "-m", "A bad deploy: rolling back.", "-c", "web=partial_outage",
        "--root", root, "--now", "2026-11-23T09:20:00+01:00",
    )  # fmt: skip
    assert first.exit_code == 0, first.output
    second = run(
        "update", "2026-11-23-login-fails", "--status", "resolved",
        "-m", "Logins work again.\n\nNo data was lost.",
        "--root", root, "--now", "2026-11-23T09:45:00+01:00",
    )  # fmt: skip
    assert second.exit_code == 0, second.output
    final = path.read_text()
    appended = (
        "  - at: 2026-11-23T09:20:00+01:00\n"
        "    status: identified\n"
        '    message: "A bad deploy: rolling back."\n'
        "    components:\n"
        "      web: partial_outage\n"
        "  - at: 2026-11-23T09:45:00+01:00\n"
        "    status: resolved\n"
        "    message: |-\n"  # strip: the message is exactly the text given
        "      Logins work again.\n"
        "\n"
        "      No data was lost.\n"
    )
    before_comment = hand_written.removesuffix("# Postmortem to follow.\n")
    assert final == before_comment + appended + "# Postmortem to follow.\n"
    checked = run("validate", "--root", root, "--now", NOW, "--no-git")
    assert checked.exit_code == 0, checked.output


def test_update_inserts_before_keys_that_follow_the_updates(tmp_path: Path) -> None:
    original = (
        "title: 'Quoted title'   # keep me\n"
        "impact: minor\n"
        "updates:\n"
        "- at: 2026-11-20T14:02:00+01:00   # no indent before the dash\n"
        "  status: investigating\n"
        "  message: >\n"
        "    Folded text.\n"
        "\n"
        "# a comment between\n"
        "postmortem: |\n"
        "  Later.\n"
    )
    write_site(tmp_path, {"x": original})
    result = run(
        "update", "x", "--status", "resolved", "-m", "Done.",
        "--root", str(tmp_path), "--now", NOW,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    new = (tmp_path / "incidents" / "x.yaml").read_text()
    insert = '- at: 2026-11-23T10:00:00+01:00\n  status: resolved\n  message: "Done."\n'
    assert new == original.replace("    Folded text.\n", "    Folded text.\n" + insert)


def test_update_refuses_what_would_not_validate(tmp_path: Path) -> None:
    resolved = (
        "title: Done\nimpact: minor\nupdates:\n"
        "  - at: 2026-11-20T14:02:00+01:00\n    status: resolved\n    message: Fixed.\n"
    )
    write_site(tmp_path, {"done": resolved})
    result = run(
        "update", "done", "--status", "investigating", "-m", "Again?",
        "--root", str(tmp_path), "--now", NOW,
    )  # fmt: skip
    assert result.exit_code == 1
    assert result.stderr == (
        "incidents/done.yaml:7:5: error: updates[1].status: 'investigating' cannot follow "
        "'resolved'; after resolved only a postmortem update may come\n"
        "Error: 1 error in the input files\n"
    )
    assert (tmp_path / "incidents" / "done.yaml").read_text() == resolved


def test_update_unknown_incident(tmp_path: Path) -> None:
    write_site(tmp_path, {"checkout-errors": "title: x\n"})
    result = run(
        "update", "checkout-eror", "--status", "resolved", "-m", "x", "--root", str(tmp_path)
    )
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: no incident 'checkout-eror' in incidents/; did you mean 'checkout-errors'?\n"
    )


def test_update_takes_the_path_new_printed_or_the_slug_without_its_date(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_site(tmp_path)
    made = run(
        "new", "incident", "Checkout errors", "-c", "checkout=major_outage",
        "-m", "Failing.", "--root", str(tmp_path), "--now", NOW,
    )  # fmt: skip
    assert made.exit_code == 0, made.output
    printed = made.stdout.strip().splitlines()[0]
    assert printed == str(tmp_path / "incidents/2026-11-23-checkout-errors.yaml")
    monkeypatch.chdir(tmp_path)
    later = "2026-11-23T10:10:00+01:00"
    by_path = run("update", printed, "--status", "identified", "-m", "Found.", "--now", later)
    assert by_path.exit_code == 0, by_path.output
    relative = "incidents/2026-11-23-checkout-errors.yaml"
    again = run("update", relative, "--status", "monitoring", "-m", "Watching.", "--now", later)
    assert again.exit_code == 0, again.output
    by_slug = run(
        "update", "checkout-errors", "--status", "resolved", "-m", "Fixed.", "--now", later
    )
    assert by_slug.exit_code == 0, by_slug.output
    text = (tmp_path / relative).read_text()
    assert "Found." in text and "Watching." in text and "Fixed." in text
    # A slug that several incidents share must be given whole.
    write_site(tmp_path, {"2026-10-01-checkout-errors": "title: x\n"})
    twice = run("update", "checkout-errors", "--status", "resolved", "-m", "x")
    assert twice.exit_code == 1
    assert twice.stderr == (
        "Error: 'checkout-errors' is the slug of several incidents; give the whole id: "
        "2026-10-01-checkout-errors, 2026-11-23-checkout-errors\n"
    )
    outside = run("update", "statuspage.yaml", "--status", "resolved", "-m", "x")
    assert outside.stderr == "Error: 'statuspage.yaml' is not a file in incidents/\n"


def test_new_refuses_to_overwrite(tmp_path: Path) -> None:
    write_site(tmp_path)
    args = ("new", "incident", "Slow API", "--root", str(tmp_path), "--now", NOW)
    assert run(*args).exit_code == 0
    again = run(*args)
    assert again.exit_code == 1
    assert again.stderr == (
        "Error: incidents/2026-11-23-slow-api.yaml already exists; "
        "choose another title or pass --id\n"
    )


def test_new_maintenance(tmp_path: Path) -> None:
    write_site(tmp_path)
    result = run(
        "new", "maintenance", "Database upgrade", "-c", "api",
        "--start", "2026-12-03T23:00", "--end", "2026-12-04T01:00",
        "--root", str(tmp_path), "--now", NOW,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    text = Path(result.stdout.strip()).read_text()
    assert text == (
        'title: "Database upgrade"\n'
        "type: maintenance\n"
        "window:\n"
        "  start: 2026-12-03T23:00:00+01:00\n"
        "  end: 2026-12-04T01:00:00+01:00\n"
        "components:\n"
        "  api: under_maintenance\n"
        "updates:\n"
        "  - at: 2026-11-23T10:00:00+01:00\n"
        "    status: scheduled\n"
        '    message: "We will carry out scheduled maintenance."\n'
    )


def test_new_rejects_unknown_component(tmp_path: Path) -> None:
    write_site(tmp_path)
    result = run(
        "new", "incident", "x", "-c", "chekout=major_outage", "--root", str(tmp_path), "--now", NOW
    )
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        "incidents/2026-11-23-x.yaml:4:3: error: components: 'chekout' is not a component in "
        "statuspage.yaml; did you mean 'checkout'?"
    )
    assert not (tmp_path / "incidents" / "2026-11-23-x.yaml").exists()


def test_strict_fails_on_warnings(tmp_path: Path) -> None:
    promise = (
        "title: Open\nimpact: minor\nupdates:\n"
        "  - at: 2026-11-23T09:00:00+01:00\n    status: investigating\n    message: Looking.\n"
        "    next_update: 30m\n"
    )
    write_site(tmp_path, {"open": promise})
    relaxed = run("validate", "--root", str(tmp_path), "--no-git", "--now", NOW)
    assert relaxed.exit_code == 0
    assert relaxed.stdout == (
        "incidents/open.yaml:4:5: warning: updates[0].next_update: the next update was promised "
        "by 2026-11-23T09:30:00+01:00 and is overdue; post an update\n"
    )
    strict = run("validate", "--strict", "--root", str(tmp_path), "--no-git", "--now", NOW)
    assert strict.exit_code == 1


def test_debug_shows_the_traceback_and_only_then(tmp_path: Path) -> None:
    quiet = run("update", "nothing", "--status", "resolved", "-m", "x", "--root", str(tmp_path))
    assert quiet.exit_code == 1 and "Traceback" not in quiet.output
    loud = run(
        "--debug", "update", "nothing", "--status", "resolved", "-m", "x", "--root", str(tmp_path)
    )
    assert loud.exit_code == 1
    assert loud.exc_info is not None and loud.exc_info[0].__name__ == "StatuspageError"


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    assert run("update", "x", "--status", "resolvd", "-m", "x").exit_code == 2
    assert run("validate", "--now", "yesterday", "--root", str(tmp_path)).exit_code == 2
    assert run("frobnicate").exit_code == 2


def test_version() -> None:
    result = run("--version")
    assert result.stdout == f"statuspage, version {__version__}\n"


def _all_commands() -> list[tuple[str, click.Command]]:
    found: list[tuple[str, click.Command]] = []
    context = click.Context(cli)
    for name in COMMANDS:
        command = cli.get_command(context, name)
        assert command is not None
        found.append((name, command))
        if isinstance(command, click.Group):
            sub = click.Context(command, parent=context)
            found += [
                (f"{name} {n}", command.get_command(sub, n)) for n in command.list_commands(sub)
            ]  # type: ignore[misc]
    return found


@pytest.mark.parametrize("name", [name for name, _ in _all_commands()])
def test_every_command_has_an_example(name: str) -> None:
    command = dict(_all_commands())[name]
    if isinstance(command, click.Group):
        return
    result = run(*name.split(), "--help")
    assert result.exit_code == 0
    assert "Example" in result.stdout, f"`statuspage {name} --help` shows no example"


def test_quiet_means_errors_only(tmp_path: Path) -> None:
    """`-q`: nothing but errors on stderr, whatever the command; data asked for (the path
    of a new file, a list) still goes to stdout."""
    site = tmp_path / "status"

    def quiet(*args: str) -> Result:
        result = CliRunner().invoke(cli, ["-q", *args])
        assert result.exit_code == 0, result.output
        assert result.stderr == "", (args, result.stderr)
        return result

    assert quiet("init", str(site), "--install", "statuspage-git==1.0").stdout == ""
    root = ["--root", str(site)]
    assert quiet("validate", *root).stdout == ""
    created = quiet("new", "incident", "Boom", "-c", "api=major_outage", "-m", "Down.", *root)
    assert created.stdout.strip().endswith(".yaml")
    assert quiet("build", *root).stdout == ""
    assert quiet("deploy", str(tmp_path / "www"), *root).stdout == ""
    assert quiet("subscribers", "add", "jane@customer.example", *root).stdout == ""
    assert "jane@customer.example" in quiet("subscribers", "list", *root).stdout
    assert quiet("notify", "--dry-run", *root).stdout == ""

    # Errors still show; warnings only when --strict makes them fail the run.
    broken = CliRunner().invoke(cli, ["-q", "validate", "--root", str(tmp_path / "none")])
    assert broken.exit_code == 1 and "error" in broken.output.lower()
