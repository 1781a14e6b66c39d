"""Read and check `statuspage.yaml` (design §3)."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from email.utils import getaddresses, parseaddr
from pathlib import PurePosixPath
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from statuspage.inputs.clock import LocalTimeError, to_utc
from statuspage.inputs.diagnostics import Problems
from statuspage.inputs.model import (
    STALE_AFTER,
    Component,
    Config,
    Contact,
    NotifyConfig,
    SubscriptionsConfig,
)
from statuspage.inputs.yamlmarks import MAX_YEAR, MIN_YEAR, YEARS, YamlFile, scalar_tag

CONFIG_NAME = "statuspage.yaml"
MAX_POSTMORTEM_DAYS = 365
MAX_STALE_AFTER = timedelta(days=365)
MAX_REMINDER_MINUTES = 7 * 24 * 60  # a week
MAX_CONNECTIONS = 100  # SMTP connections at once: each is a thread and a socket
LANGUAGES = ("en", "fr", "ru", "zh")
CONFIG_KEYS = (
    "title",
    "base_url",
    "language",
    "languages",
    "timezone",
    "contact",
    "components",
    "theme",
    "postmortem_due_days",
    "stale_after",
    "since",
    "notify",
    "subscriptions",
)
SUBSCRIPTIONS_KEYS = ("url", "database")
NOTIFY_KEYS = (
    "from",
    "reply_to",
    "since",
    "subscribers",
    "ledger",
    "unsubscribe_mailto",
    "unsubscribe_url",
    "reminder_minutes",
    "rate_limit",
    "connections",
)
CONTACT_KEYS = ("email", "url", "response_promise")
COMPONENT_KEYS = ("id", "name", "description", "group", "since")

# URLs reach pages and e-mail headers (`List-Archive: <…>`, `List-Unsubscribe: <…>`): no
# space, quote or angle bracket, at which a header would end the URL.
_URL = re.compile(r'https?://[^\s<>"/?#@]+(?:/[^\s<>"?#]*)?')
_HTTPS_URL = re.compile(r'https://[^\s<>"/?#@]+(?:/[^\s<>"?#]*)?(?:\?[^\s<>"#]*)?')
# One RFC 5321 address: a dot-atom local part and a domain name, nothing around them.
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LOCAL_PART = re.compile(rf"{_ATOM}(?:\.{_ATOM})*")
_LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
ADDRESS_EXAMPLE = "status@example.com"


def parse_config(path: str, data: bytes, problems: Problems) -> Config | None:
    """The config from the bytes of `statuspage.yaml`, or None with the errors in `problems`."""
    source = YamlFile(path, problems)
    root = source.compose(data)
    if root is None:
        return None
    keys = source.mapping(
        root, "", allowed=CONFIG_KEYS, required=("title", "base_url", "components")
    )
    if keys is None:
        return None

    def value(key: str) -> yaml.Node | None:
        return keys[key][1] if key in keys else None

    title = _line(source, value("title"), "title")
    base_url = _url(source, value("base_url"), "base_url")
    language = "en"
    if (node := value("language")) is not None:
        language = source.choice(node, "language", LANGUAGES) or language
    languages: tuple[str, ...] = (language,)
    if (node := value("languages")) is not None:
        languages = _languages(source, node, value("language"), language) or languages
        language = languages[0]
    timezone = "UTC"
    if (node := value("timezone")) is not None:
        timezone = _timezone(source, node) or timezone
    contact = _contact(source, value("contact"), root)
    components = _components(source, value("components"))
    theme = "default"
    if (node := value("theme")) is not None:
        theme = source.slug(node, "theme") or theme
    due_days = 7
    if (node := value("postmortem_due_days")) is not None:
        due_days = (
            source.integer(node, "postmortem_due_days", minimum=1, maximum=MAX_POSTMORTEM_DAYS)
            or due_days
        )
    stale_after = STALE_AFTER
    if (node := value("stale_after")) is not None:
        stale_after = source.duration(node, "stale_after", maximum=MAX_STALE_AFTER) or stale_after
    since = _day(source, node, "since") if (node := value("since")) is not None else None
    notify = NotifyConfig()
    if (node := value("notify")) is not None:
        notify = _notify(source, node, ZoneInfo(timezone))
    subscriptions = SubscriptionsConfig()
    if (node := value("subscriptions")) is not None:
        subscriptions = _subscriptions(source, node)
    if source.failed or title is None or base_url is None or components is None:
        return None
    return Config(
        title=title,
        base_url=base_url,
        language=language,
        timezone=timezone,
        contact=contact,
        components=components,
        theme=theme,
        postmortem_due_days=due_days,
        stale_after=stale_after,
        since=since,
        notify=notify,
        subscriptions=subscriptions,
        languages=languages,
    )


def _languages(
    source: YamlFile, node: yaml.Node, language_node: yaml.Node | None, language: str
) -> tuple[str, ...] | None:
    """`languages: [en, fr]`: the first is the main language (the site's root, the API);
    `language`, if also given, must name the same one (docs/languages.md)."""
    items = source.sequence(node, "languages")
    if items is None:
        return None
    if not items:
        source.error(node, "languages: list at least one language")
        return None
    found: list[str] = []
    for position, item in enumerate(items):
        code = source.choice(item, f"languages[{position}]", LANGUAGES)
        if code is None:
            return None
        if code in found:
            source.error(item, f"languages[{position}]: {code!r} is listed twice")
            return None
        found.append(code)
    if language_node is not None and language != found[0]:
        source.error(
            language_node,
            f"language: {language!r} is not the first of languages ({found[0]!r}); the first "
            "of languages is the main language: remove language, or put it first",
        )
        return None
    return tuple(found)


def _text(source: YamlFile, node: yaml.Node | None, field: str) -> str | None:
    return source.nonempty_text(node, field) if node is not None else None


def _line(source: YamlFile, node: yaml.Node | None, field: str) -> str | None:
    return source.line(node, field) if node is not None else None


def _url(source: YamlFile, node: yaml.Node | None, field: str) -> str | None:
    text = _line(source, node, field)
    if text is None:
        return None
    if not _URL.fullmatch(text):
        source.error(node, f"{field}: {text!r} is not an absolute http:// or https:// URL")
        return None
    return text.rstrip("/")


def _timezone(source: YamlFile, node: yaml.Node) -> str | None:
    name = source.text(node, "timezone")
    if name is None:
        return None
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        source.error(node, f"timezone: {name!r} is not an IANA time zone like Europe/Paris")
        return None
    return name


def _contact(source: YamlFile, node: yaml.Node | None, root: yaml.Node) -> Contact:
    """Every page and notice names a way to reach a human, so one is required."""
    if node is None:
        source.error(root, "contact: required key is missing (give at least an email or a url)")
        return Contact()
    keys = source.mapping(node, "contact", allowed=CONTACT_KEYS)
    if keys is None:
        return Contact()
    email = _address(source, keys["email"][1], "contact.email") if "email" in keys else None
    url = _url(source, keys["url"][1], "contact.url") if "url" in keys else None
    promise = None
    if "response_promise" in keys:
        promise = _text(source, keys["response_promise"][1], "contact.response_promise")
    if "email" not in keys and "url" not in keys:
        source.error(
            node, "contact: give at least an email or a url, so customers can reach a human"
        )
    return Contact(email=email, url=url, response_promise=promise)


def _components(source: YamlFile, node: yaml.Node | None) -> tuple[Component, ...] | None:
    if node is None:
        return None
    items = source.sequence(node, "components")
    if items is None:
        return None
    if not items:
        source.error(node, "components: list at least one component")
        return None
    components: list[Component] = []
    seen: dict[str, int] = {}
    for position, item in enumerate(items):
        field = f"components[{position}]"
        keys = source.mapping(item, field, allowed=COMPONENT_KEYS, required=("id", "name"))
        if keys is None or "id" not in keys or "name" not in keys:
            continue
        component_id = source.slug(keys["id"][1], f"{field}.id")
        name = source.line(keys["name"][1], f"{field}.name")
        description = group = None
        since = _day(source, keys["since"][1], f"{field}.since") if "since" in keys else None
        if "description" in keys:
            description = source.text(keys["description"][1], f"{field}.description")
        if "group" in keys:
            group = source.line(keys["group"][1], f"{field}.group")
        if component_id is None or name is None:
            continue
        if component_id in seen:
            source.error(
                keys["id"][1],
                f"{field}.id: duplicate component id {component_id!r} "
                f"(also components[{seen[component_id]}])",
            )
            continue
        seen[component_id] = position
        components.append(
            Component(
                id=component_id,
                name=name,
                description=description,
                group=group,
                position=position,
                since=since,
            )
        )
    return tuple(components)


def _notify(source: YamlFile, node: yaml.Node, zone: ZoneInfo) -> NotifyConfig:
    """The `notify:` section; every key is optional (docs/notices.md)."""
    keys = source.mapping(node, "notify", allowed=NOTIFY_KEYS)
    if keys is None:
        return NotifyConfig()
    defaults = NotifyConfig()
    sender = reply_to = mailto = None
    if "from" in keys:
        sender = _mailbox(source, keys["from"][1], "notify.from")
    if "reply_to" in keys:
        reply_to = _mailbox(source, keys["reply_to"][1], "notify.reply_to")
    if "unsubscribe_mailto" in keys:
        mailto = _address(source, keys["unsubscribe_mailto"][1], "notify.unsubscribe_mailto")
    since = _since(source, keys["since"][1], zone) if "since" in keys else None
    subscribers = ledger = None
    if "subscribers" in keys:
        subscribers = _private_path(source, keys["subscribers"][1], "notify.subscribers")
    if "ledger" in keys:
        ledger = _relative_path(source, keys["ledger"][1], "notify.ledger")
    unsubscribe_url = None
    if "unsubscribe_url" in keys:
        unsubscribe_url = _https_url(source, keys["unsubscribe_url"][1], "notify.unsubscribe_url")
    reminder = None
    if "reminder_minutes" in keys:
        reminder = source.integer(
            keys["reminder_minutes"][1],
            "notify.reminder_minutes",
            minimum=1,
            maximum=MAX_REMINDER_MINUTES,
        )
    rate = _rate(source, keys["rate_limit"][1]) if "rate_limit" in keys else None
    connections = defaults.connections
    if "connections" in keys:
        connections = (
            source.integer(
                keys["connections"][1], "notify.connections", minimum=1, maximum=MAX_CONNECTIONS
            )
            or connections
        )
    return NotifyConfig(
        sender=sender,
        reply_to=reply_to,
        since=since,
        subscribers=subscribers or defaults.subscribers,
        ledger=ledger or defaults.ledger,
        unsubscribe_mailto=mailto,
        unsubscribe_url=unsubscribe_url,
        reminder_minutes=reminder,
        rate_limit=rate,
        connections=connections,
    )


def is_address(text: str) -> bool:
    """One plain address (`local@domain.example`): no name, no brackets, no second address.

    The local part is an RFC 5321 dot-atom; the domain may be internationalised (it is
    written in its ASCII form where a header needs it).
    """
    local, at, domain = text.rpartition("@")
    if not at or len(local) > 64 or not _LOCAL_PART.fullmatch(local):
        return False
    try:
        ascii_domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        return False
    labels = ascii_domain.split(".")
    return (
        len(labels) >= 2
        and all(_LABEL.fullmatch(label) for label in labels)
        and not labels[-1].isdigit()
    )


_SERVICE_URL = re.compile(
    r'(?:https://[^\s<>"/?#@]+|http://(?:localhost|127\.0\.0\.1)(?::\d+)?)(?:/[^\s<>"?#]*)?'
)
_DATABASE_URL = re.compile(r"(sqlite:///[^\s?#]+|postgresql(?:\+psycopg)?://[^\s]+)")


def _subscriptions(source: YamlFile, node: yaml.Node) -> SubscriptionsConfig:
    """The `subscriptions:` section (docs/subscriptions.md)."""
    keys = source.mapping(node, "subscriptions", allowed=SUBSCRIPTIONS_KEYS)
    if keys is None:
        return SubscriptionsConfig()
    url = database = None
    if "url" in keys:
        value = keys["url"][1]
        text = _line(source, value, "subscriptions.url")
        if text is not None and not _SERVICE_URL.fullmatch(text.strip()):
            source.error(
                value,
                f"subscriptions.url: {text!r} is not an absolute https:// URL without a query "
                "(http:// only for localhost, to try it out)",
            )
        elif text is not None:
            url = text.strip().rstrip("/")
    if "database" in keys:
        value = keys["database"][1]
        text = _text(source, value, "subscriptions.database")
        if text is not None and not _DATABASE_URL.fullmatch(text.strip()):
            source.error(
                value,
                f"subscriptions.database: {text!r} is not a URL like "
                "sqlite:///.statuspage/subscriptions.db or postgresql://user@host/dbname",
            )
        elif text is not None and _has_password(text.strip()):
            source.error(
                value,
                "subscriptions.database: the URL holds a password; keep it out of the "
                "repository and set $STATUSPAGE_DATABASE_URL instead",
            )
        elif text is not None:
            database = text.strip()
    return SubscriptionsConfig(url=url, database=database)


def _has_password(url: str) -> bool:
    authority = url.partition("://")[2].partition("/")[0]
    return "@" in authority and ":" in authority.rpartition("@")[0]


def _mailbox(source: YamlFile, node: yaml.Node, field: str) -> str | None:
    """`status@acme.example` or `Acme Shop Status <status@acme.example>`: one mailbox."""
    text = _line(source, node, field)
    if text is None:
        return None
    name, address = parseaddr(text)
    if (
        len(getaddresses([text])) != 1
        or not is_address(address)
        or (not name and address != text.strip())
    ):
        source.error(
            node,
            f"{field}: {text!r} is not one e-mail address like {ADDRESS_EXAMPLE} "
            "or Example Status <status@example.com>",
        )
        return None
    return text.strip()


def _address(source: YamlFile, node: yaml.Node, field: str) -> str | None:
    """A bare address: it is also written into `mailto:` links and headers as it stands."""
    text = _line(source, node, field)
    if text is not None and not is_address(text.strip()):
        source.error(node, f"{field}: {text!r} is not one e-mail address like {ADDRESS_EXAMPLE}")
        return None
    return text.strip() if text is not None else None


def _https_url(source: YamlFile, node: yaml.Node, field: str) -> str | None:
    """RFC 8058 one-click unsubscribing needs HTTPS; a query string is allowed."""
    text = _line(source, node, field)
    if text is not None and not _HTTPS_URL.fullmatch(text.strip()):
        source.error(node, f"{field}: {text!r} is not an absolute https:// URL")
        return None
    return text.strip() if text is not None else None


def _relative_path(source: YamlFile, node: yaml.Node, field: str) -> str | None:
    """A path inside the site's folder, written with `/`."""
    text = _text(source, node, field)
    if text is None:
        return None
    path = PurePosixPath(text.strip())
    if path.is_absolute() or ".." in path.parts or "\\" in text or not path.parts:
        source.error(node, f"{field}: {text!r} must be a path inside the site's folder")
        return None
    if path.parts[0] == "site":
        source.error(node, f"{field}: {text!r} is inside site/, which is published")
        return None
    return path.as_posix()


def _private_path(source: YamlFile, node: yaml.Node, field: str) -> str | None:
    """The subscriber list: in a folder of its own, which gets a `.gitignore` of `*`
    (statuspage.notify.private), so neither the site's folder nor a committed one."""
    path = _relative_path(source, node, field)
    if path is None:
        return None
    parts = PurePosixPath(path).parts
    if len(parts) < 2:
        source.error(
            node,
            f"{field}: {path!r} must be in a folder of its own, like "
            ".statuspage/subscribers.json, which statuspage keeps out of git",
        )
        return None
    if parts[0] in ("incidents", "themes", ".git"):
        source.error(node, f"{field}: {path!r} is inside {parts[0]}/, which is committed")
        return None
    return path


def _since(source: YamlFile, node: yaml.Node, zone: ZoneInfo) -> datetime | None:
    moment = source.timestamp(node, "notify.since")
    if moment is None:
        return None
    try:
        return to_utc(moment, zone)
    except LocalTimeError as exc:
        source.error(node, f"notify.since: {exc}")
        return None


_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _day(source: YamlFile, node: yaml.Node, field: str) -> date | None:
    """A calendar day, `2026-11-01` (in the site's zone, where it is used)."""
    raw = str(node.value).strip() if isinstance(node, yaml.ScalarNode) else ""
    try:
        day = date.fromisoformat(raw) if _DAY.fullmatch(raw) else None
    except ValueError:
        day = None
    if day is None:
        source.error(node, f"{field}: {raw or 'this'!r} is not a day like 2026-11-01")
        return None
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        source.error(node, f"{field}: {raw!r} is out of range; {YEARS}")
        return None
    return day


def _rate(source: YamlFile, node: yaml.Node) -> float | None:
    """Messages per second: a positive number, 0.5 or 14."""
    if isinstance(node, yaml.ScalarNode) and scalar_tag(node) in (
        "tag:yaml.org,2002:int",
        "tag:yaml.org,2002:float",
    ):
        try:
            rate = float(str(node.value).replace("_", ""))
        except ValueError:
            rate = 0.0
        if rate > 0 and rate != float("inf"):
            return rate
    shown = node.value if isinstance(node, yaml.ScalarNode) else "a mapping or list"
    source.error(
        node, f"notify.rate_limit: expected messages per second (a number above 0), got {shown!r}"
    )
    return None
