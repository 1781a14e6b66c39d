"""Absolute addresses and stable identifiers of things on the site.

Feeds, calendars, the API and notices all point at the same pages and must name each incident
and update the same way forever, so the rules live here. Identifiers derive from the site's
address and the incident's file id only: never from titles, times or the build clock.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from statuspage.inputs.model import Config

# The date part of our tag: URIs (RFC 4151). It is a constant, as Statuspage's own feeds use
# a constant: tag URIs are opaque names, and a date taken from the data could change.
TAG_DATE = "2026"


def url(config: Config, path: str = "") -> str:
    """The absolute URL of a path of the built site (`""` is the home page)."""
    return f"{config.base_url}/{path.lstrip('/')}"


def language_root(config: Config, language: str | None = None) -> str:
    """The folder of a language's pages: "" for the main language (and for a language the
    site is not built in, whose readers get the main one), e.g. "fr/" for another."""
    if language is None or language == config.language or language not in config.languages:
        return ""
    return f"{language}/"


def incident_url(config: Config, incident_id: str, language: str | None = None) -> str:
    return url(config, f"{language_root(config, language)}incidents/{incident_id}/")


def component_url(config: Config, component_id: str, language: str | None = None) -> str:
    return url(config, f"{language_root(config, language)}components/{component_id}/")


def host(config: Config) -> str:
    """The site's host name (`status.acme.example`)."""
    return urlsplit(config.base_url).hostname or "localhost"


def _prefix(config: Config) -> str:
    """The base URL's path, so two status sites on one host get different ids."""
    path = urlsplit(config.base_url).path.strip("/")
    return f"{path}/" if path else ""


def tag(config: Config, specific: str) -> str:
    """A stable `tag:` URI for something on the site, e.g. `incident/<id>`."""
    return f"tag:{host(config)},{TAG_DATE}:{_prefix(config)}{specific}"


def xml_text(text: str) -> str:
    """`text` as XML character data (`&`, `<`, `>` escaped), as xml.sax.saxutils.escape
    does; that module imports urllib.request, http, ssl and email with it (8 ms of start-up
    for a build that needs none of them)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
