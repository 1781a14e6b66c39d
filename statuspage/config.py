"""Read and check `statuspage.yaml` (design §3)."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from statuspage.diagnostics import Problems
from statuspage.model import Component, Config, Contact
from statuspage.yamlmarks import YamlFile

CONFIG_NAME = "statuspage.yaml"
LANGUAGES = ("en", "fr", "ru", "zh")
CONFIG_KEYS = (
    "title",
    "base_url",
    "language",
    "timezone",
    "contact",
    "components",
    "theme",
    "postmortem_due_days",
)
CONTACT_KEYS = ("email", "url", "response_promise")
COMPONENT_KEYS = ("id", "name", "description", "group")

_URL = re.compile(r"https?://[^\s/?#]+(?:/[^\s?#]*)?")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


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

    title = _text(source, value("title"), "title")
    base_url = _url(source, value("base_url"), "base_url")
    language = "en"
    if (node := value("language")) is not None:
        language = source.choice(node, "language", LANGUAGES) or language
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
        due_days = source.integer(node, "postmortem_due_days", minimum=1) or due_days
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
    )


def _text(source: YamlFile, node: yaml.Node | None, field: str) -> str | None:
    return source.nonempty_text(node, field) if node is not None else None


def _url(source: YamlFile, node: yaml.Node | None, field: str) -> str | None:
    text = _text(source, node, field)
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
    email = _text(source, keys["email"][1], "contact.email") if "email" in keys else None
    if email is not None and not _EMAIL.fullmatch(email):
        source.error(keys["email"][1], f"contact.email: {email!r} is not an e-mail address")
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
        name = source.nonempty_text(keys["name"][1], f"{field}.name")
        description = group = None
        if "description" in keys:
            description = source.text(keys["description"][1], f"{field}.description")
        if "group" in keys:
            group = source.nonempty_text(keys["group"][1], f"{field}.group")
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
            )
        )
    return tuple(components)
