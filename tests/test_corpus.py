"""Bad input: every broken file gives exit 1 and its exact message, never a traceback."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from statuspage.cli import cli
from statuspage.inputs.config import parse_config
from statuspage.inputs.diagnostics import Problems
from statuspage.inputs.load import parse_incident
from tests.sites import write_site

CORPUS = Path(__file__).parent / "corpus"
NOW = "2026-11-23T10:00:00+01:00"

# Each file in tests/corpus/incidents/ and the one line `validate` must print for it.
EXPECTED = {
    "Upper Case.yaml": (
        "1:1: error: file name: 'Upper Case' is not a valid id (use a-z, 0-9 and -)"
    ),
    "alias-bomb.yaml": (
        "8:9: error: YAML aliases (*name) are not allowed; write the value out in full"
    ),
    "bad-boolean.yaml": (
        "7:28: error: updates[0].deliver_notifications: expected true or false, got 'maybe'"
    ),
    "bad-next-update.yaml": (
        "7:18: error: updates[0].next_update: 'soon' is not a duration like 30m, 2h or 1h30m"
    ),
    "bare-date-as-message.yaml": (
        "6:14: error: updates[0].message: '2026-11-20' is read by YAML as a date, not text; put it in quotes: \"2026-11-20\""
    ),
    "component-dotdot.yaml": (
        "4:3: error: components: '../etc' is not a valid component id (use a-z, 0-9 and -)"
    ),
    "component-slash.yaml": (
        "4:3: error: components: 'web/admin' is not a valid component id (use a-z, 0-9 and -)"
    ),
    "control-character.yaml": (
        "6:14: error: updates[0].message: contains the control character U+0007, which feeds, e-mail and XML cannot carry; remove it"
    ),
    "date-without-time.yaml": (
        "4:9: error: updates[0].at: '2026-11-20' is not a date and time like 2026-11-20T14:02:00+01:00 (a time of day is required)"
    ),
    "dst-ambiguous.yaml": (
        "4:9: error: updates[0].at: 2026-10-25T02:30:00 happens twice in Europe/Paris: the clocks go back over it; write the offset, 2026-10-25T02:30:00+02:00 (the first time) or 2026-10-25T02:30:00+01:00 (the second)"
    ),
    "dst-gap.yaml": (
        "4:9: error: updates[0].at: 2026-03-29T02:30:00 does not exist in Europe/Paris: the clocks jump forward over it; write the offset, 2026-03-29T02:30:00+01:00 or 2026-03-29T02:30:00+02:00"
    ),
    "duplicate-key.yaml": ("3:1: error: title: duplicate key (first at line 1)"),
    "empty-retracted.yaml": ("3:12: error: retracted: must not be empty"),
    "empty-updates.yaml": ("3:10: error: updates: list at least one update"),
    "empty.yaml": ("1:1: error: the file is empty"),
    "incident-status-on-maintenance.yaml": (
        "8:13: error: updates[0].status: 'investigating' is an incident status; a maintenance uses scheduled, in_progress, verifying, completed, cancelled"
    ),
    "list-not-mapping.yaml": ("1:1: error: expected a mapping (key: value), got a list"),
    "maintenance-status-on-incident.yaml": (
        "5:13: error: updates[0].status: 'scheduled' is a maintenance status; an incident uses investigating, identified, monitoring, resolved, postmortem"
    ),
    "maintenance-without-window.yaml": (
        "1:1: error: window: required key is missing for a maintenance"
    ),
    "merge-key-alias.yaml": (
        "4:5: error: YAML aliases (*name) are not allowed; write the value out in full"
    ),
    "missing-impact.yaml": (
        "1:1: error: impact: required key is missing (none, minor, major or critical)"
    ),
    "missing-title.yaml": ("1:1: error: title: required key is missing"),
    "missing-updates.yaml": ("1:1: error: updates: required key is missing"),
    "next-update-after-resolved.yaml": (
        "7:18: error: updates[0].next_update: a resolved update promises no further update"
    ),
    "no-as-title.yaml": (
        "1:8: error: title: 'no' is read by YAML as a boolean, not text; put it in quotes: \"no\""
    ),
    "not-a-timestamp.yaml": (
        "4:9: error: updates[0].at: 'yesterday afternoon' is not a date and time like 2026-11-20T14:02:00+01:00 (a time of day is required)"
    ),
    "not-utf8.yaml": ("1:11: error: the file is not valid UTF-8 (byte 0xe9); save it as UTF-8"),
    "number-as-title.yaml": (
        "1:8: error: title: '404' is read by YAML as a number, not text; put it in quotes: \"404\""
    ),
    "only-comment.yaml": ("1:1: error: the file is empty"),
    "postmortem-without-text.yaml": (
        "10:5: error: updates[2].status: a postmortem update needs the postmortem text in the file's `postmortem:` key"
    ),
    "resolved-then-investigating.yaml": (
        "10:5: error: updates[2].status: 'investigating' cannot follow 'resolved'; after resolved only a postmortem update may come"
    ),
    "started-after-first-update.yaml": (
        "3:10: error: started: 2026-11-20T15:00:00+01:00 is after the first update (2026-11-20T14:02:00+01:00); it says when trouble began, before anyone posted"
    ),
    "syntax-error.yaml": (
        "7:1: error: YAML syntax: while scanning a quoted scalar (line 1), found unexpected end of stream"
    ),
    "tab-indent.yaml": (
        "4:1: error: YAML syntax: a tab character is not allowed here; indent with spaces"
    ),
    "unknown-component.yaml": (
        "4:3: error: components: 'chekout' is not a component in statuspage.yaml; did you mean 'checkout'?"
    ),
    "unknown-key.yaml": ("1:1: error: unknown key 'titel'; did you mean 'title'?"),
    "unknown-update-key.yaml": (
        "6:5: error: updates[0]: unknown key 'mesage'; did you mean 'message'?"
    ),
    "update-in-future.yaml": (
        "7:5: error: updates[1].at: 2026-11-24T09:00:00+01:00 is in the future (the clock says 2026-11-23T10:00:00+01:00)"
    ),
    "update-not-a-mapping.yaml": (
        "4:5: error: updates[0]: expected a mapping (key: value), got text"
    ),
    "updates-out-of-order.yaml": (
        "7:5: error: updates[1].at: 2026-11-20T14:02:00+01:00 is earlier than updates[0].at (2026-11-20T14:30:00+01:00); updates are oldest first"
    ),
    "window-end-before-start.yaml": ("5:8: error: window.end: the window must end after it starts"),
    "window-on-incident.yaml": ("3:1: error: window: only maintenances have a window"),
    "wrong-component-state.yaml": (
        "4:13: error: components.checkout: 'down' is not one of operational, degraded_performance, partial_outage, major_outage, under_maintenance"
    ),
    "wrong-impact.yaml": ("2:9: error: impact: 'huge' is not one of none, minor, major, critical"),
    "wrong-status.yaml": (
        "8:13: error: updates[1].status: 'resolvd' is not one of investigating, identified, monitoring, resolved, postmortem"
    ),
    "wrong-type.yaml": ("2:7: error: type: 'outage' is not one of incident, maintenance"),
    "yes-as-message.yaml": (
        "6:14: error: updates[0].message: 'yes' is read by YAML as a boolean, not text; put it in quotes: \"yes\""
    ),
    # Hostile input (design §9): control characters and line breaks, extreme values, tags,
    # nesting that would crash YAML's composer.
    "hostile-component-line-break.yaml": (
        "4:3: error: components: 'web\\nX-Injected: yes' is not a valid component id (use a-z, 0-9 and -)"
    ),
    "hostile-deep-block.yaml": (
        "4:128: error: lists or mappings nested more than 64 deep; write it flatter"
    ),
    "hostile-deep-flow.yaml": (
        "6:78: error: lists or mappings nested more than 64 deep; write it flatter"
    ),
    "hostile-february-30.yaml": (
        "4:9: error: updates[0].at: '2026-02-30T10:00:00+01:00' is not a valid date and time (day is out of range for month)"
    ),
    "hostile-hour-24.yaml": (
        "4:9: error: updates[0].at: '2026-11-20T24:00:00+01:00' is not a valid date and time (hour must be in 0..23)"
    ),
    "hostile-message-delete.yaml": (
        "6:14: error: updates[0].message: contains the control character U+007F, which feeds, e-mail and XML cannot carry; remove it"
    ),
    "hostile-message-escape-sequence.yaml": (
        "6:14: error: updates[0].message: contains the control character U+001B, which feeds, e-mail and XML cannot carry; remove it"
    ),
    "hostile-message-form-feed.yaml": (
        "6:14: error: updates[0].message: contains the control character U+000C, which feeds, e-mail and XML cannot carry; remove it"
    ),
    "hostile-message-noncharacter.yaml": (
        "6:14: error: updates[0].message: contains the control character U+FFFE, which feeds, e-mail and XML cannot carry; remove it"
    ),
    "hostile-message-nul.yaml": (
        "6:14: error: updates[0].message: contains the control character U+0000, which feeds, e-mail and XML cannot carry; remove it"
    ),
    "hostile-month-13.yaml": (
        "4:9: error: updates[0].at: '2026-13-01T10:00:00+01:00' is not a valid date and time (month must be in 1..12)"
    ),
    "hostile-next-update-31d.yaml": (
        "7:18: error: updates[0].next_update: '31d' is too long; at most 30 days"
    ),
    "hostile-next-update-huge.yaml": (
        "7:18: error: updates[0].next_update: '99999999999999999999d' is too long; at most 30 days"
    ),
    "hostile-next-update-zero.yaml": (
        "7:18: error: updates[0].next_update: '0m' is not a duration like 30m, 2h or 1h30m"
    ),
    "hostile-offset-24h.yaml": (
        "4:9: error: updates[0].at: '2026-11-20T14:02:00+24:00' is not a valid date and time (the offset must be less than 24 hours)"
    ),
    "hostile-postmortem-control.yaml": (
        "3:13: error: postmortem: contains the control character U+001B, which feeds, e-mail and XML cannot carry; remove it"
    ),
    "hostile-python-tag.yaml": ("6:14: error: updates[0].message: expected text, got a list"),
    "hostile-retracted-control.yaml": (
        "3:12: error: retracted: contains the control character U+0008, which feeds, e-mail and XML cannot carry; remove it"
    ),
    "hostile-started-year-0001.yaml": (
        "3:10: error: started: '0001-01-01T00:00:00+14:00' is out of range; times must fall between the years 1970 and 2999"
    ),
    "hostile-status-control.yaml": (
        "5:13: error: updates[0].status: 'resolved\\x07' is not one of investigating, identified, monitoring, resolved, postmortem"
    ),
    "hostile-title-bell.yaml": (
        "1:8: error: title: contains the control character U+0007, which feeds, e-mail and XML cannot carry; remove it"
    ),
    "hostile-title-cr.yaml": (
        "1:8: error: title: contains a line break (U+000D); it must be one line, as it can reach e-mail headers"
    ),
    "hostile-title-escape-sequence.yaml": (
        "1:8: error: title: contains the control character U+001B, which feeds, e-mail and XML cannot carry; remove it"
    ),
    "hostile-title-lf-bcc.yaml": (
        "1:8: error: title: contains a line break (U+000A); it must be one line, as it can reach e-mail headers"
    ),
    "hostile-title-line-separator.yaml": (
        "1:8: error: title: contains a line break (U+2028); it must be one line, as it can reach e-mail headers"
    ),
    "hostile-title-nel.yaml": (
        "1:8: error: title: contains a line break (U+0085); it must be one line, as it can reach e-mail headers"
    ),
    "hostile-title-paragraph-separator.yaml": (
        "1:8: error: title: contains a line break (U+2029); it must be one line, as it can reach e-mail headers"
    ),
    "hostile-title-tab.yaml": (
        "1:8: error: title: contains a tab (U+0009), which an e-mail header cannot carry; use a space"
    ),
    "hostile-title-translation-lf.yaml": (
        "1:36: error: title.fr: contains a line break (U+000A); it must be one line, as it can reach e-mail headers"
    ),
    "hostile-utf16.yaml": ("1:1: error: the file is not valid UTF-8 (byte 0xff); save it as UTF-8"),
    "hostile-window-year-9999.yaml": (
        "5:8: error: window.end: '9999-12-31T23:00:00+01:00' is out of range; times must fall between the years 1970 and 2999"
    ),
    "hostile-year-0001.yaml": (
        "4:9: error: updates[0].at: '0001-01-01T00:30:00+01:00' is out of range; times must fall between the years 1970 and 2999"
    ),
    "hostile-year-1969.yaml": (
        "4:9: error: updates[0].at: '1969-12-31T23:59:59Z' is out of range; times must fall between the years 1970 and 2999"
    ),
    "hostile-year-3000.yaml": (
        "4:9: error: updates[0].at: '3000-01-01T00:00:00Z' is out of range; times must fall between the years 1970 and 2999"
    ),
    "hostile-year-9999.yaml": (
        "4:9: error: updates[0].at: '9999-12-31T23:30:00-01:00' is out of range; times must fall between the years 1970 and 2999"
    ),
}


# Each file in tests/corpus/config/ is a whole statuspage.yaml with one hostile value, and
# the one line `validate` must print for it.
CONFIG_EXPECTED = {
    "hostile-languages-control.yaml": (
        "9:17: error: languages[1]: 'fr\\x1b' is not one of en, fr, ru, zh"
    ),
    "hostile-notify-connections-huge.yaml": (
        "10:16: error: notify.connections: expected a whole number from 1 to 100, got '99999999999999999999'"
    ),
    "hostile-notify-rate-limit.yaml": (
        "10:15: error: notify.rate_limit: expected messages per second (a number above 0), got '99999999999999999999/s'"
    ),
    "hostile-subscriptions-database-control.yaml": (
        "10:13: error: subscriptions.database: contains the control character U+0000, which feeds, e-mail and XML cannot carry; remove it"
    ),
    "hostile-subscriptions-url-lf.yaml": (
        "10:8: error: subscriptions.url: contains a line break (U+000A); it must be one line, as it can reach e-mail headers"
    ),
    "hostile-base-url-javascript.yaml": (
        "2:11: error: base_url: 'javascript:alert(1)' is not an absolute http:// or https:// URL"
    ),
    "hostile-base-url-lf.yaml": (
        "2:11: error: base_url: contains a line break (U+000A); it must be one line, as it can reach e-mail headers"
    ),
    "hostile-component-description-control.yaml": (
        "9:18: error: components[0].description: contains the control character U+007F, which feeds, e-mail and XML cannot carry; remove it"
    ),
    "hostile-component-group-cr.yaml": (
        "9:12: error: components[0].group: contains a line break (U+000D); it must be one line, as it can reach e-mail headers"
    ),
    "hostile-component-id-traversal.yaml": (
        "7:9: error: components[0].id: '../../etc' is not a valid id (use a-z, 0-9 and -)"
    ),
    "hostile-component-name-lf.yaml": (
        "8:11: error: components[0].name: contains a line break (U+000A); it must be one line, as it can reach e-mail headers"
    ),
    "hostile-contact-email-crlf.yaml": (
        "5:10: error: contact.email: contains a line break (U+000D); it must be one line, as it can reach e-mail headers"
    ),
    "hostile-contact-email-two-addresses.yaml": (
        "5:10: error: contact.email: 'help@corpus.example>,<https://evil.example/unsub' is not one e-mail address like status@example.com"
    ),
    "hostile-contact-promise-control.yaml": (
        "6:21: error: contact.response_promise: contains the control character U+001B, which feeds, e-mail and XML cannot carry; remove it"
    ),
    "hostile-contact-url-javascript.yaml": (
        "5:8: error: contact.url: 'javascript:alert(1)' is not an absolute http:// or https:// URL"
    ),
    "hostile-contact-url-lf.yaml": (
        "5:8: error: contact.url: contains a line break (U+000A); it must be one line, as it can reach e-mail headers"
    ),
    "hostile-language-lf.yaml": ("9:11: error: language: 'en\\n' is not one of en, fr, ru, zh"),
    "hostile-notify-from-lf.yaml": (
        "10:9: error: notify.from: contains a line break (U+000A); it must be one line, as it can reach e-mail headers"
    ),
    "hostile-notify-ledger-absolute.yaml": (
        "10:11: error: notify.ledger: '/etc/passwd' must be a path inside the site's folder"
    ),
    "hostile-notify-reminder-huge.yaml": (
        "10:21: error: notify.reminder_minutes: expected a whole number from 1 to 10,080, got '99999999999999999999'"
    ),
    "hostile-notify-reply-to-cr.yaml": (
        "10:13: error: notify.reply_to: contains a line break (U+000D); it must be one line, as it can reach e-mail headers"
    ),
    "hostile-notify-since-year-0001.yaml": (
        "10:10: error: notify.since: '0001-01-01T00:00:00+01:00' is out of range; times must fall between the years 1970 and 2999"
    ),
    "hostile-notify-subscribers-outside.yaml": (
        "10:16: error: notify.subscribers: '../../etc/passwd' must be a path inside the site's folder"
    ),
    "hostile-notify-unsubscribe-mailto.yaml": (
        "10:23: error: notify.unsubscribe_mailto: 'unsub@corpus.example>, <https://evil.example' is not one e-mail address like status@example.com"
    ),
    "hostile-notify-unsubscribe-url-http.yaml": (
        "10:20: error: notify.unsubscribe_url: 'http://corpus.example/unsub' is not an absolute https:// URL"
    ),
    "hostile-postmortem-due-days-huge.yaml": (
        "9:22: error: postmortem_due_days: expected a whole number from 1 to 365, got '99999999999999999999'"
    ),
    "hostile-stale-after-huge.yaml": (
        "9:14: error: stale_after: '99999999999999999999d' is too long; at most 365 days"
    ),
    "hostile-theme-traversal.yaml": (
        "9:8: error: theme: '../../../tmp/evil' is not a valid id (use a-z, 0-9 and -)"
    ),
    "hostile-timezone-control.yaml": (
        "3:11: error: timezone: contains the control character U+0000, which feeds, e-mail and XML cannot carry; remove it"
    ),
    "hostile-timezone-path.yaml": (
        "3:11: error: timezone: '../../../etc/passwd' is not an IANA time zone like Europe/Paris"
    ),
    "hostile-title-bell.yaml": (
        "1:8: error: title: contains the control character U+0007, which feeds, e-mail and XML cannot carry; remove it"
    ),
    "hostile-title-cr.yaml": (
        "1:8: error: title: contains a line break (U+000D); it must be one line, as it can reach e-mail headers"
    ),
    "hostile-title-lf.yaml": (
        "1:8: error: title: contains a line break (U+000A); it must be one line, as it can reach e-mail headers"
    ),
}

LINK_MESSAGE = (
    "is a symbolic link (to {!r}); links are not followed, so that nothing outside the site's "
    "folder is read: put the file itself here"
)
FIFO_MESSAGE = "is a named pipe (FIFO), not a regular file; remove it"


def _fifo(path: Path) -> None:
    os.mkfifo(path)


def _link(target: str) -> Callable[[Path], None]:
    return lambda path: path.symlink_to(target)


def _socket(path: Path) -> None:
    with contextlib.chdir(path.parent), socket.socket(socket.AF_UNIX) as server:
        server.bind(path.name)  # relative: a socket's path is limited to 107 bytes


# Files that git cannot hold (FIFOs, sockets) or that are better not kept in it (links out of
# the checkout), made by each test: name under incidents/ → (how, the one line for it).
SPECIAL = {
    "hostile-fifo.yaml": (_fifo, f"1:1: error: {FIFO_MESSAGE}"),
    "hostile-fifo-without-suffix": (_fifo, f"1:1: error: {FIFO_MESSAGE}"),
    "hostile-socket.yaml": (_socket, "1:1: error: is a socket, not a regular file; remove it"),
    "hostile-link-etc-passwd.yaml": (
        _link("/etc/passwd"),
        "1:1: error: " + LINK_MESSAGE.format("/etc/passwd"),
    ),
    "hostile-link-dev-zero.yaml": (
        _link("/dev/zero"),
        "1:1: error: " + LINK_MESSAGE.format("/dev/zero"),
    ),
    "hostile-link-proc-environ.yaml": (
        _link("/proc/self/environ"),
        "1:1: error: " + LINK_MESSAGE.format("/proc/self/environ"),
    ),
    "hostile-link-git-config.yaml": (
        _link("../.git/config"),
        "1:1: error: " + LINK_MESSAGE.format("../.git/config"),
    ),
    "hostile-link-escaping.yaml": (
        _link("../../outside.yaml"),
        "1:1: error: " + LINK_MESSAGE.format("../../outside.yaml"),
    ),
    "hostile-link-sibling.yaml": (
        _link("sibling.txt"),
        "1:1: error: " + LINK_MESSAGE.format("sibling.txt"),
    ),
    "hostile-link-dangling.yaml": (
        _link("nowhere.yaml"),
        "1:1: error: " + LINK_MESSAGE.format("nowhere.yaml"),
    ),
    "hostile-link-folder": (
        _link("/etc"),
        "1:1: error: " + LINK_MESSAGE.format("/etc"),
    ),
}


def validate(root: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(
        cli, ["validate", "--root", str(root), "--no-git", "--now", NOW, *args]
    )
    return result.exit_code, result.stdout, result.stderr


def test_corpus_is_complete() -> None:
    names = sorted(p.name for p in (CORPUS / "incidents").iterdir())
    assert names == sorted(EXPECTED)
    assert len(names) >= 30
    configs = sorted(p.name for p in (CORPUS / "config").iterdir())
    assert configs == sorted(CONFIG_EXPECTED)
    hostile = [name for name in [*EXPECTED, *CONFIG_EXPECTED, *SPECIAL] if "hostile-" in name]
    assert len(hostile) >= 40


@pytest.mark.parametrize("name", sorted(CONFIG_EXPECTED))
def test_hostile_config_gives_its_message(tmp_path: Path, name: str) -> None:
    shutil.copy(CORPUS / "config" / name, tmp_path / "statuspage.yaml")
    code, out, err = validate(tmp_path)
    assert code == 1
    assert out.splitlines() == [f"statuspage.yaml:{CONFIG_EXPECTED[name]}"]
    assert "Traceback" not in out + err


@pytest.mark.parametrize("name", sorted(SPECIAL))
def test_special_file_gives_its_message(tmp_path: Path, name: str) -> None:
    """Never opened, never followed: validate answers at once (a FIFO would block it)."""
    site = tmp_path / "site"
    (site / "incidents").mkdir(parents=True)
    shutil.copy(CORPUS / "statuspage.yaml", site)
    (site / "incidents" / "sibling.txt").write_text("not an incident\n")
    (tmp_path / "outside.yaml").write_text("title: Outside\n")
    make, expected = SPECIAL[name]
    make(site / "incidents" / name)
    code, out, err = validate(site)
    assert code == 1
    errors = [line for line in out.splitlines() if ": error: " in line]
    assert errors == [f"incidents/{name}:{expected}"]
    assert "Traceback" not in out + err


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_broken_file_gives_its_message(tmp_path: Path, name: str) -> None:
    shutil.copy(CORPUS / "statuspage.yaml", tmp_path)
    (tmp_path / "incidents").mkdir()
    shutil.copy(CORPUS / "incidents" / name, tmp_path / "incidents" / name)
    code, out, err = validate(tmp_path)
    assert code == 1
    assert out.splitlines() == [f"incidents/{name}:{EXPECTED[name]}"]
    assert "Traceback" not in out + err


def test_all_errors_of_a_run_come_at_once_sorted(tmp_path: Path) -> None:
    shutil.copytree(CORPUS, tmp_path / "site")
    code, out, _ = validate(tmp_path / "site")
    assert code == 1
    lines = out.splitlines()
    assert lines == [f"incidents/{name}:{EXPECTED[name]}" for name in sorted(EXPECTED)]


def test_huge_message_is_refused(tmp_path: Path) -> None:
    message = "All payments fail. " * 270_000  # about 5 MB
    write_site(
        tmp_path,
        {
            "huge": "title: Huge\nimpact: minor\nupdates:\n"
            "  - at: 2026-11-20T14:02:00+01:00\n    status: investigating\n"
            f"    message: {message.strip()}\n"
        },
    )
    code, out, _ = validate(tmp_path)
    assert code == 1
    assert out.splitlines() == [
        "incidents/huge.yaml:1:1: error: file is too large (5,130,108 bytes; the limit is 2,000,000)"
    ]


def test_long_message_under_the_file_limit_is_refused(tmp_path: Path) -> None:
    write_site(
        tmp_path,
        {
            "long": "title: Long\nimpact: minor\nupdates:\n"
            "  - at: 2026-11-20T14:02:00+01:00\n    status: investigating\n"
            f"    message: {'x' * 150_000}\n"
        },
    )
    code, out, _ = validate(tmp_path)
    assert code == 1
    assert out.splitlines() == [
        "incidents/long.yaml:6:14: error: updates[0].message: text is too long "
        "(150,000 characters; at most 100,000)"
    ]


def test_alias_bomb_fails_fast_with_bounded_memory() -> None:
    data = (CORPUS / "incidents" / "alias-bomb.yaml").read_bytes()
    config_problems = Problems()
    config = parse_config(
        "statuspage.yaml", (CORPUS / "statuspage.yaml").read_bytes(), config_problems
    )
    assert config is not None
    tracemalloc.start()
    problems = Problems()
    incident = parse_incident("incidents/alias-bomb.yaml", "alias-bomb", data, config, problems)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert incident is None
    assert [d.message for d in problems.errors] == [
        "YAML aliases (*name) are not allowed; write the value out in full"
    ]
    assert peak < 5_000_000  # 9**9 expanded strings would need gigabytes


def test_duplicate_id(tmp_path: Path) -> None:
    body = (
        "title: Twice\nimpact: minor\nupdates:\n  - at: 2026-11-20T14:02:00+01:00\n"
        "    status: investigating\n    message: Looking.\n"
    )
    write_site(tmp_path, {"twice.yaml": body, "twice.yml": body})
    code, out, _ = validate(tmp_path)
    assert code == 1
    assert out.splitlines() == [
        "incidents/twice.yaml:4:5: warning: stale notice: no update since "
        "2026-11-20T14:02:00+01:00, longer than stale_after (1d); post an update or resolve it",
        "incidents/twice.yml:1:1: error: duplicate id 'twice': incidents/twice.yaml has it too",
    ]


CONFIG_CASES = {
    "unknown key": (
        "titel: Shop\n",
        "statuspage.yaml:{line}:1: error: unknown key 'titel'; did you mean 'title'?",
    ),
    "bad time zone": (
        "timezone: Europe/Pariss\n",
        "statuspage.yaml:{line}:11: error: timezone: 'Europe/Pariss' is not an IANA time zone "
        "like Europe/Paris",
    ),
    "bad language": (
        "language: de\n",
        "statuspage.yaml:{line}:11: error: language: 'de' is not one of en, fr, ru, zh",
    ),
    "relative base_url": (
        "base_url: status.example\n",
        "statuspage.yaml:{line}:11: error: base_url: 'status.example' is not an absolute "
        "http:// or https:// URL",
    ),
}

GOOD_CONFIG = """\
title: Shop
contact:
  email: help@shop.example
components:
  - id: web
    name: Website
"""


@pytest.mark.parametrize("case", sorted(CONFIG_CASES))
def test_bad_config(tmp_path: Path, case: str) -> None:
    extra, expected = CONFIG_CASES[case]
    config = GOOD_CONFIG + extra
    if not extra.startswith("base_url"):
        config += "base_url: https://status.shop.example\n"
    line = len(GOOD_CONFIG.splitlines()) + 1
    if case == "unknown key":
        config = config.replace("title: Shop\n", "")
        line -= 1
    write_site(tmp_path, config=config)
    code, out, err = validate(tmp_path)
    assert code == 1
    assert out.splitlines() == [expected.format(line=line)]
    assert "Traceback" not in err


def test_config_component_ids_are_checked(tmp_path: Path) -> None:
    write_site(
        tmp_path,
        config="""\
            title: Shop
            base_url: https://status.shop.example
            contact: {email: help@shop.example}
            components:
              - id: web/admin
                name: Admin
              - id: ..
                name: Up
              - id: web
                name: Website
              - id: web
                name: Website again
            """,
    )
    code, out, _ = validate(tmp_path)
    assert code == 1
    assert out.splitlines() == [
        "statuspage.yaml:5:9: error: components[0].id: 'web/admin' is not a valid id "
        "(use a-z, 0-9 and -)",
        "statuspage.yaml:7:9: error: components[1].id: '..' is not a valid id (use a-z, 0-9 and -)",
        "statuspage.yaml:11:9: error: components[3].id: duplicate component id 'web' "
        "(also components[2])",
    ]


def test_contact_is_required(tmp_path: Path) -> None:
    write_site(
        tmp_path,
        config="title: Shop\nbase_url: https://s.example\ncomponents: [{id: web, name: Web}]\n",
    )
    code, out, _ = validate(tmp_path)
    assert code == 1
    assert out.splitlines() == [
        "statuspage.yaml:1:1: error: contact: required key is missing "
        "(give at least an email or a url)"
    ]


def test_missing_config(tmp_path: Path) -> None:
    code, out, _ = validate(tmp_path)
    assert code == 1
    assert out.splitlines() == [
        "statuspage.yaml:1:1: error: no statuspage.yaml here; run `statuspage init` first"
    ]


def _git(root: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(root), "-c", "user.name=T", "-c", "user.email=t@example.com", *args],
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout.strip()


INCIDENT = (
    "title: Published\nimpact: minor\nupdates:\n  - at: 2026-11-20T14:02:00+01:00\n"
    "    status: investigating\n    message: Looking.\n"
)


def test_deleted_published_incident(tmp_path: Path) -> None:
    write_site(tmp_path, {"published": INCIDENT})
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", ".")
    _git(tmp_path, "commit", "-qm", "Publish")
    (tmp_path / "incidents" / "published.yaml").unlink()
    result = CliRunner().invoke(cli, ["validate", "--root", str(tmp_path), "--now", NOW])
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "incidents/published.yaml:1:1: error: published incident 'published' is deleted in the "
        "working tree (not committed yet); published history never disappears: restore it "
        "(git checkout HEAD -- incidents/published.yaml) and add `retracted: <reason>` to take "
        "it back"
    ]
    _git(tmp_path, "commit", "-qam", "Hide it")
    commit = _git(tmp_path, "rev-parse", "--short=12", "HEAD")
    result = CliRunner().invoke(cli, ["validate", "--root", str(tmp_path), "--now", NOW])
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        f"incidents/published.yaml:1:1: error: published incident 'published' was deleted in "
        f"commit {commit}; published history never disappears: restore it "
        f"(git checkout {commit}^ -- incidents/published.yaml) and add `retracted: <reason>` "
        "to take it back"
    ]
    # Restored with a retraction, it validates again.
    (tmp_path / "incidents" / "published.yaml").write_text(
        INCIDENT + "retracted: Posted by mistake.\n"
    )
    result = CliRunner().invoke(cli, ["validate", "--root", str(tmp_path), "--now", NOW])
    assert result.exit_code == 0, result.stdout
    # Renaming changes the id, so it counts as deleting the old one.
    _git(tmp_path, "add", ".")
    _git(tmp_path, "commit", "-qm", "Retract")
    _git(tmp_path, "mv", "incidents/published.yaml", "incidents/renamed.yaml")
    _git(tmp_path, "commit", "-qm", "Rename")
    result = CliRunner().invoke(cli, ["validate", "--root", str(tmp_path), "--now", NOW])
    assert result.exit_code == 1
    assert "published incident 'published' was deleted in commit" in result.stdout
