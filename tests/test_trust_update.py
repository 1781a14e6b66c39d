"""`statuspage update`: the id is a slug, and the message can only ever be the message."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from statuspage.authoring.edit import NewUpdate, append_update, new_incident
from statuspage.cli import cli
from statuspage.inputs.diagnostics import StatuspageError
from statuspage.inputs.load import load_site
from statuspage.inputs.model import Incident
from tests.sites import at, write_site

NOW = "2026-11-23T10:00:00+01:00"
INCIDENT = (
    "title: Checkout errors\nimpact: minor\nupdates:\n  - at: 2026-11-20T14:02:00+01:00\n"
    "    status: investigating\n    message: Looking.\n"
)


def update(root: Path, incident_id: str, message: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        cli,
        [
            "update",
            incident_id,
            "--status",
            "identified",
            "-m",
            message,
            "--root",
            str(root),
            "--now",
            NOW,
        ],
    )
    return result.exit_code, result.stderr


def loaded(root: Path, incident_id: str) -> Incident:
    result = load_site(root, now=at("2026-11-23T09:00:00"), check_git=False)
    assert result.site is not None, result.errors
    return result.site.by_id[incident_id]


def top_keys(path: Path) -> list[str]:
    node = yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    assert isinstance(node, yaml.MappingNode)
    return [key.value for key, _ in node.value]


def test_update_refuses_an_id_that_is_not_a_slug(tmp_path: Path) -> None:
    root = write_site(tmp_path / "site", {"2026-11-20-checkout": INCIDENT})
    victim = write_site(tmp_path / "outside", {"victim": INCIDENT}) / "incidents" / "victim.yaml"
    # `update` takes an id, a unique slug without its date, or the path `new` printed; none of
    # these names a file outside incidents/.
    not_a_file = "is not a file in incidents/"
    not_an_id = "is not a valid id (use a-z, 0-9 and -)"
    for incident_id, message in (
        ("../../outside/incidents/victim", not_a_file),
        ("/etc/x", not_a_file),
        ("a/b", not_a_file),
        ("..", not_an_id),
        ("Victim", not_an_id),
    ):
        code, err = update(root, incident_id, "Gotcha.")
        assert code == 1
        assert err.splitlines() == [f"Error: {incident_id!r} {message}"]
    assert victim.read_text() == INCIDENT


def test_update_refuses_a_linked_incident_file(tmp_path: Path) -> None:
    root = write_site(tmp_path / "site")
    victim = write_site(tmp_path / "outside", {"victim": INCIDENT}) / "incidents" / "victim.yaml"
    (root / "incidents" / "victim.yaml").symlink_to(victim)
    code, err = update(root, "victim", "Gotcha.")
    assert code == 1
    assert err.splitlines()[0] == (
        f"incidents/victim.yaml:1:1: error: is a symbolic link (to {str(victim)!r}); links are "
        "not followed, so that nothing outside the site's folder is read: put the file itself here"
    )
    assert victim.read_text() == INCIDENT


def test_a_bare_cr_stays_in_the_message(tmp_path: Path) -> None:
    root = write_site(tmp_path, {"2026-11-20-checkout": INCIDENT})
    message = "Fixed.\rretracted: Posted by an attacker.\n\rtitle: Owned"
    assert update(root, "2026-11-20-checkout", message) == (0, "")
    path = root / "incidents" / "2026-11-20-checkout.yaml"
    assert top_keys(path) == ["title", "impact", "updates"]
    incident = loaded(root, "2026-11-20-checkout")
    assert incident.retracted is None
    assert incident.title.default == "Checkout errors"
    assert incident.updates[-1].message.default == message
    assert path.read_text(encoding="utf-8").endswith(
        '    message: "Fixed.\\rretracted: Posted by an attacker.\\n\\rtitle: Owned"\n'
    )


@pytest.mark.parametrize(
    "message",
    [
        "One\u2028retracted: x",
        "One\u2029retracted: x",
        "One\x85retracted: x",
        "Two lines\nretracted: x\n",
        "Ends with a break\n",
        "Ends with two\n\n",
        "\nStarts with a break",
        "Tab\tin it\nand a second line",
        "\ufeffBOM first",
        'Quote " and backslash \\ and # hash: colon',
        "  indented first line\nsecond",
        "Trailing space \nsecond",
    ],
)
def test_line_breaks_of_every_kind_stay_in_the_message(tmp_path: Path, message: str) -> None:
    root = write_site(tmp_path, {"2026-11-20-checkout": INCIDENT})
    assert update(root, "2026-11-20-checkout", message) == (0, "")
    path = root / "incidents" / "2026-11-20-checkout.yaml"
    assert top_keys(path) == ["title", "impact", "updates"]
    assert loaded(root, "2026-11-20-checkout").updates[-1].message.default == message


def test_new_keeps_the_title_and_message_exact(tmp_path: Path) -> None:
    root = write_site(tmp_path)
    title = "Checkout: retracted: x # impact: none"
    message = "Broken.\u2028impact: none"
    path = new_incident(
        root,
        title,
        now=at("2026-11-23T08:00:00"),
        incident_id="odd",
        first=NewUpdate(status="investigating", message=message),
        impact="major",
    )
    assert top_keys(path) == ["title", "impact", "updates"]
    incident = loaded(root, "odd")
    assert (incident.title.default, incident.updates[0].message.default) == (title, message)
    assert incident.impact.value == "major"
    # A title is one line (it is the subject of the notices): a line break in it is
    # refused before anything is written.
    with pytest.raises(StatuspageError, match="1 error"):
        new_incident(
            root,
            "Checkout\rretracted: x",
            now=at("2026-11-23T08:00:00"),
            incident_id="odder",
            first=NewUpdate(status="investigating", message=message),
            impact="major",
        )
    assert not (root / "incidents" / "odder.yaml").exists()


BREAKS = st.sampled_from(
    ["\n", "\r", "\r\n", "\x85", "\u2028", "\u2029", "\t", " ", "\ufeff", "\x07", "\x00", "\x7f"]
)
PIECES = st.sampled_from(
    ["retracted: x", "title: y", "- at: 2026-11-20T14:02:00+01:00", "#", ":", "|", ">", '"']
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.one_of(BREAKS, PIECES, st.text(max_size=5)), min_size=1, max_size=12))
def test_any_message_reads_back_exactly_or_is_refused(tmp_path: Path, parts: list[str]) -> None:
    message = "".join(parts)
    root = write_site(tmp_path / "prop", {"2026-11-20-checkout": INCIDENT})
    path = root / "incidents" / "2026-11-20-checkout.yaml"
    try:
        append_update(
            root,
            "2026-11-20-checkout",
            NewUpdate(status="identified", message=message),
            now=at("2026-11-23T08:00:00"),
        )
    except StatuspageError:  # empty, control characters, ...: a clear error, nothing written
        assert path.read_text(encoding="utf-8") == INCIDENT
        return
    assert top_keys(path) == ["title", "impact", "updates"]
    incident = loaded(root, "2026-11-20-checkout")
    assert incident.retracted is None
    assert [u.message.default for u in incident.updates] == ["Looking.", message]


def test_new_and_update_refuse_a_linked_incidents_folder(tmp_path: Path) -> None:
    root = write_site(tmp_path / "site")
    outside = write_site(tmp_path / "outside", {"victim": INCIDENT}) / "incidents"
    (root / "incidents").rmdir()
    (root / "incidents").symlink_to(outside)
    expected = [
        f"Error: incidents: is a symbolic link (to {str(outside)!r}); links are not followed, "
        "so that nothing outside the site's folder is read: put the file itself here"
    ]
    code, err = update(root, "victim", "Gotcha.")
    assert (code, err.splitlines()) == (1, expected)
    result = CliRunner().invoke(
        cli, ["new", "incident", "Planted", "--root", str(root), "--now", NOW]
    )
    assert (result.exit_code, result.stderr.splitlines()) == (1, expected)
    assert sorted(p.name for p in outside.iterdir()) == ["victim.yaml"]
    assert (outside / "victim.yaml").read_text() == INCIDENT


def test_init_does_not_write_through_a_link(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    target = tmp_path / "elsewhere.txt"
    (site / "statuspage.yaml").symlink_to(target)  # dangling: exists() says False
    result = CliRunner().invoke(cli, ["init", str(site)])
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == (
        f"Error: {site / 'statuspage.yaml'} already exists; not overwriting it"
    )
    assert not target.exists()
    (site / "statuspage.yaml").unlink()
    (site / ".gitignore").symlink_to(target)
    result = CliRunner().invoke(cli, ["init", str(site)])
    assert result.exit_code == 0, result.output
    assert not target.exists()  # an existing .gitignore, even a link, is left as it is
