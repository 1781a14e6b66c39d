"""The subscriber list, the `subscribers` commands and the `notify:` config section."""

from __future__ import annotations

import json
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from statuspage.cli import cli
from statuspage.inputs.config import parse_config
from statuspage.inputs.diagnostics import InputError, Problems, StatuspageError
from statuspage.notify.ledger import KEY_ENV, Keys
from statuspage.notify.subscribers import (
    AddressError,
    Subscriber,
    SubscriberStore,
    merge,
    normalise_address,
    read_csv,
    unsubscribe_token,
)
from tests.sites import BASE_CONFIG, write_site

T1 = datetime(2026, 11, 1, tzinfo=UTC)
T2 = datetime(2026, 11, 2, tzinfo=UTC)
COMPONENTS = ("web", "checkout", "payments", "api")
LANGUAGES = ("en", "fr", "ru", "zh")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("jane@example.com", "jane@example.com"),
        ("  Jane.Doe@Example.COM ", "jane.doe@example.com"),
        ("mailto:ops+status@acme.example", "ops+status@acme.example"),
        ("o'brien@example.ie", "o'brien@example.ie"),
        ("x@bücher.example", "x@xn--bcher-kva.example"),
        ("x@example.com.", "x@example.com"),
    ],
)
def test_addresses_are_normalised(text: str, expected: str) -> None:
    assert normalise_address(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "jane",
        "jane@",
        "@example.com",
        "jane@localhost",
        "jane@@example.com",
        "jane doe@example.com",
        "jane..doe@example.com",
        ".jane@example.com",
        "jané@example.com",
        "jane@-example.com",
        "jane@example.123",
        "Jane <jane@example.com>",
        "a" * 65 + "@example.com",
    ],
)
def test_bad_addresses_are_refused(text: str) -> None:
    with pytest.raises(AddressError):
        normalise_address(text)


def test_merging_one_address() -> None:
    some = Subscriber(email="a@example.com", components=("api",), language="fr", added=T2)
    other = Subscriber(email="a@example.com", components=("web",), added=T1)
    merged = merge(some, other)
    assert merged == Subscriber(
        email="a@example.com", components=("api", "web"), language="fr", added=T1
    )
    everything = Subscriber(email="a@example.com")
    assert merge(some, everything).components == ()  # everything includes api


def test_component_filters() -> None:
    assert Subscriber(email="a@example.com").wants(["api"])
    assert Subscriber(email="a@example.com", components=("api",)).wants(["web", "api"])
    assert not Subscriber(email="a@example.com", components=("api",)).wants(["web"])
    # An incident that names no component concerns everyone.
    assert Subscriber(email="a@example.com", components=("api",)).wants([])


def test_store_round_trip_and_privacy(tmp_path: Path) -> None:
    store = SubscriberStore(tmp_path / ".statuspage" / "subscribers.json")
    assert store.load() == ()
    store.add([Subscriber(email="b@example.com", added=T1)])
    store.add([Subscriber(email="a@example.com", components=("api",), language="fr")])
    store.add([Subscriber(email="b@example.com", language="ru", added=T2)])
    assert store.load() == (
        Subscriber(email="a@example.com", components=("api",), language="fr"),
        Subscriber(email="b@example.com", language="ru", added=T1),
    )
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(store.path.parent.stat().st_mode) == 0o700
    document = json.loads(store.path.read_text())
    assert document["subscribers"][1] == {
        "added": "2026-11-01T00:00:00Z",
        "email": "b@example.com",
        "language": "ru",
    }
    store.remove("B@Example.com")
    assert [s.email for s in store.load()] == ["a@example.com"]
    with pytest.raises(StatuspageError, match=r"^b@example.com is not subscribed$"):
        store.remove("b@example.com")


def test_a_damaged_store_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "subscribers.json"
    path.write_text('{"version": 1, "subscribers": [{"email": "nope"}]}')
    with pytest.raises(StatuspageError) as caught:
        SubscriberStore(path).load()
    assert str(caught.value) == (
        f"{path} is not a valid subscriber list: 'nope' is not an e-mail address"
    )


def test_csv_import() -> None:
    data = (
        b"email,components,language\n"
        b"Jane@Example.com,checkout payments,fr\n"
        b"bob@example.org,,\n"
        b"jane@example.com,api,\n"
        b"\n"
    )
    found = read_csv("people.csv", data, known_components=COMPONENTS, languages=LANGUAGES, added=T1)
    assert [(s.email, s.components, s.language) for s in found] == [
        ("jane@example.com", ("checkout", "payments"), "fr"),
        ("bob@example.org", (), None),
        ("jane@example.com", ("api",), None),
    ]
    # Without a header, columns are email, components, language; a BOM is fine.
    plain = '\ufeffann@example.com,"web,api",zh\n'.encode()
    (ann,) = read_csv("p.csv", plain, known_components=COMPONENTS, languages=LANGUAGES, added=T1)
    assert ann.components == ("api", "web") and ann.language == "zh"


def test_csv_errors_are_all_reported_and_nothing_is_imported() -> None:
    data = (
        b"email,components,language\n"
        b"ok@example.com,,\n"
        b"not-an-address,,\n"
        b"x@example.com,checkot,\n"
        b"y@example.com,,de\n"
    )
    with pytest.raises(InputError) as caught:
        read_csv("people.csv", data, known_components=COMPONENTS, languages=LANGUAGES, added=T1)
    assert caught.value.report() == (
        "people.csv:3:1: error: 'not-an-address' is not an e-mail address\n"
        "people.csv:4:1: error: x@example.com: unknown component 'checkot'; the components "
        "are api, checkout, payments, web\n"
        "people.csv:5:1: error: y@example.com: language 'de' is not one of en, fr, ru, zh"
    )


# -- commands ------------------------------------------------------------------------------


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return write_site(tmp_path / "site-src")


def invoke(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


def test_subscribers_commands(root: Path, tmp_path: Path) -> None:
    def sub(*args: str) -> tuple[int, str, str]:
        return invoke("subscribers", *args, "--root", str(root))

    assert sub("add", "Jane@Example.com", "-c", "checkout", "--language", "fr") == (
        0, "", "Subscribed: jane@example.com\tcheckout\tfr\n"
    )  # fmt: skip
    assert sub("add", "jane@example.com", "-c", "api") == (
        0, "", "Updated: jane@example.com\tapi,checkout\tfr\n"
    )  # fmt: skip
    assert sub("add", "bob@") == (1, "", "Error: 'bob@' is not an e-mail address\n")
    assert sub("add", "bob@example.org", "-c", "nope") == (
        1, "", "Error: unknown component 'nope'; the components are api, checkout, payments, web\n"
    )  # fmt: skip
    csv_file = tmp_path / "people.csv"
    csv_file.write_text("email,components,language\nbob@example.org,,\nann@example.com,web,zh\n")
    assert sub("import", str(csv_file)) == (
        0, "", "Imported 2 rows: 2 new subscribers, 3 in all\n"
    )  # fmt: skip
    assert sub("list") == (
        0,
        "ann@example.com\tweb\tzh\nbob@example.org\tall\t-\njane@example.com\tapi,checkout\tfr\n",
        "3 subscribers\n",
    )
    assert sub("remove", "BOB@example.org") == (0, "", "Unsubscribed bob@example.org\n")
    assert sub("remove", "bob@example.org") == (
        1, "", "Error: bob@example.org is not subscribed\n"
    )  # fmt: skip
    code, _, err = sub("remove")
    assert code == 2 and err.endswith("Error: give either EMAIL or --token\n")
    # Nothing of it lands in the site's public files.
    assert not list(root.glob("site/**/*"))


def test_remove_by_unsubscribe_token(root: Path) -> None:
    secret = "a-secret-of-enough-length"

    def remove(token: str) -> tuple[int, str, str]:
        return invoke(
            "subscribers", "remove", "--token", token, "--root", str(root), env={KEY_ENV: secret}
        )

    invoke("subscribers", "add", "jane@example.com", "--root", str(root))
    token = unsubscribe_token(Keys.from_secret(secret.encode()).unsubscribe, "jane@example.com")
    forged = unsubscribe_token(b"x" * 32, "jane@example.com")
    assert remove(forged) == (
        1, "", "Error: the token is not one of ours (or was made with another key)\n"
    )  # fmt: skip
    assert remove(token) == (0, "", "Unsubscribed jane@example.com\n")


# -- config --------------------------------------------------------------------------------


def config_errors(notify: str) -> list[str]:
    problems = Problems()
    parse_config("statuspage.yaml", (BASE_CONFIG + notify).encode(), problems)
    return [str(d) for d in problems.sorted()]


def test_notify_config_defaults() -> None:
    problems = Problems()
    config = parse_config("statuspage.yaml", BASE_CONFIG.encode(), problems)
    assert config is not None and not problems.items
    assert config.notify.subscribers == ".statuspage/subscribers.json"
    assert config.notify.ledger == "notices.ledger"
    assert config.notify.sender is None and config.notify.since is None


def test_notify_config_values() -> None:
    problems = Problems()
    text = BASE_CONFIG + (
        "notify:\n"
        "  from: Test Status <status@test.example>\n"
        "  reply_to: help@test.example\n"
        "  since: 2026-11-01T00:00:00\n"
        "  subscribers: private/people.json\n"
        "  ledger: state/notices.ledger\n"
        "  unsubscribe_mailto: unsubscribe@test.example\n"
        "  unsubscribe_url: https://test.example/unsubscribe?list=status\n"
        "  reminder_minutes: 60\n"
        "  rate_limit: 2.5\n"
    )
    config = parse_config("statuspage.yaml", text.encode(), problems)
    assert config is not None and not problems.items
    notify = config.notify
    assert notify.sender == "Test Status <status@test.example>"
    assert notify.since == datetime(2026, 10, 31, 23, 0, tzinfo=UTC)  # read in Europe/Paris
    assert (notify.subscribers, notify.ledger) == ("private/people.json", "state/notices.ledger")
    assert notify.unsubscribe_url == "https://test.example/unsubscribe?list=status"
    assert (notify.reminder_minutes, notify.rate_limit) == (60, 2.5)


def test_notify_config_errors() -> None:
    assert config_errors(
        "notify:\n"
        "  form: status@test.example\n"
        "  rate_limit: fast\n"
        "  ledger: ../notices.ledger\n"
        "  subscribers: site/subscribers.json\n"
        "  unsubscribe_url: http://test.example/u\n"
        "  reminder_minutes: 0\n"
        "  reply_to: nobody\n"
    ) == [
        "statuspage.yaml:21:3: error: notify: unknown key 'form'; did you mean 'from'?",
        "statuspage.yaml:22:15: error: notify.rate_limit: expected messages per second "
        "(a number above 0), got 'fast'",
        "statuspage.yaml:23:11: error: notify.ledger: '../notices.ledger' must be a path "
        "inside the site's folder",
        "statuspage.yaml:24:16: error: notify.subscribers: 'site/subscribers.json' is inside "
        "site/, which is published",
        "statuspage.yaml:25:20: error: notify.unsubscribe_url: 'http://test.example/u' is not "
        "an absolute https:// URL",
        "statuspage.yaml:26:21: error: notify.reminder_minutes: expected a whole number from 1 "
        "to 10,080, got '0'",
        "statuspage.yaml:27:13: error: notify.reply_to: 'nobody' is not one e-mail address like "
        "status@example.com or Example Status <status@example.com>",
    ]
