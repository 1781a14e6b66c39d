"""Atom and RSS feeds of the incident history (design §5), with feedgen.

- `history.atom`, `history.rss`: Statuspage's shape, one entry per incident or maintenance with
  all its updates in the body, newest first;
- `updates.atom`: one entry per update, for readers that want to hear of every change;
- `components/<id>/history.atom`: the history feed of one component.

Entry ids are `tag:` URIs from the site's host and the incident's file id (links.py), so they
never change. Every time in a feed comes from the incidents, never from the build clock: the
feed's `updated` is its newest update, and feedgen's defaults (the current time) are always
overridden. A retracted incident keeps its entry: its title and body say it was retracted and
why, because nothing once published may silently disappear.

A site in several languages has these feeds once per language: the main language's at the
top, the others' under `<lang>/`, with their own ids (`tag:…:fr/incident/<id>`).
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape
from typing import TYPE_CHECKING

from statuspage import __version__
from statuspage.inputs.model import Component, Config, Incident, Site, Text, Update
from statuspage.outputs import links
from statuspage.outputs.markup import to_html
from statuspage.outputs.output import Keys, OutputFile
from statuspage.text.i18n import Formatter, language_tag
from statuspage.text.words import update_status_word

if TYPE_CHECKING:
    from feedgen.feed import FeedGenerator

HISTORY_LIMIT = 50  # incidents per history feed; the history pages hold the rest
UPDATES_LIMIT = 200  # updates in updates.atom
# The `updated` of a feed with no entry at all: a fixed moment, never the build clock.
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
GENERATOR = "statuspage"
GENERATOR_URI = "https://pypi.org/project/statuspage-git/"


@dataclass(frozen=True)
class _Context:
    config: Config
    fmt: Formatter

    def __fingerprint__(self) -> object:
        """All a render reads of it: the formatter is made from these."""
        return (self.config, self.language)

    @property
    def language(self) -> str:
        return self.fmt.language

    @property
    def root(self) -> str:
        """The language's folder: "" for the main language, e.g. "fr/" for another."""
        return links.language_root(self.config, self.language)

    def _(self, message: str) -> str:
        return self.fmt.gettext(message)

    def text(self, text: Text) -> str:
        """Plain text in the feed's language, or the main language's where there is none."""
        return text.pick(self.language, self.config.language)[1]

    def html(self, text: Text) -> str:
        """Markdown as HTML; text in another language is marked with its `lang` and a note."""
        shown, written = text.pick(self.language, self.config.language)
        html = to_html(written)
        if shown == self.language:
            return html
        note = escape(self._("Not yet translated"))
        return f'<p><em>{note}</em></p>\n<div lang="{language_tag(shown)}">{html}</div>'


def generate(site: Site) -> Iterable[OutputFile]:
    """The generator registered in build.GENERATORS: the feeds of every language."""
    for language in site.config.languages:
        yield from _language_feeds(
            site, _Context(site.config, Formatter(language, site.config.zone))
        )


def _language_feeds(site: Site, ctx: _Context) -> Iterable[OutputFile]:
    # What each feed lists is chosen here; feedgen writes it only when the bytes are asked
    # for, under a key naming the entries (docs/performance.md).
    root = ctx.root
    keys = Keys(site.sources)

    # A feed opened in a browser reads as a page, in the feed's language.
    yield OutputFile(f"{root}{STYLESHEET}", stylesheet(ctx))

    history = tuple(_newest(site.incidents)[:HISTORY_LIMIT])
    yield keys(f"{root}history.atom", history_atom, ctx, history)
    yield keys(f"{root}history.rss", history_rss, ctx, history)
    yield keys(f"{root}updates.atom", updates_atom, ctx, _latest_updates(site.incidents))
    for component in site.config.components:
        mine = _newest(i for i in site.incidents if component.id in i.affected_components)
        yield keys(
            f"{root}components/{component.id}/history.atom",
            component_atom,
            ctx,
            component,
            tuple(mine[:HISTORY_LIMIT]),
        )


def history_atom(ctx: _Context, incidents: Sequence[Incident]) -> bytes:
    """`history.atom`: the newest incidents, each with all its updates."""
    title = ctx._("Incident history")
    feed = _history_feed(ctx, incidents, "history", title).atom_str(pretty=True)
    return styled(bytes(feed), f"{ctx.root}history.atom", f"{ctx.root}{STYLESHEET}")


def history_rss(ctx: _Context, incidents: Sequence[Incident]) -> bytes:
    """`history.rss`: the same as RSS."""
    feed = _history_feed_rss(ctx, incidents).rss_str(pretty=True)
    return styled(bytes(feed), f"{ctx.root}history.rss", f"{ctx.root}{STYLESHEET}")


def updates_atom(ctx: _Context, latest: Sequence[tuple[Incident, int]]) -> bytes:
    """`updates.atom`: one entry per update, given as (incident, place in its updates)."""
    updates = [(incident.updates[n], incident) for incident, n in latest]
    feed = _updates_feed(ctx, updates).atom_str(pretty=True)
    return styled(bytes(feed), f"{ctx.root}updates.atom", f"{ctx.root}{STYLESHEET}")


def component_atom(ctx: _Context, component: Component, incidents: Sequence[Incident]) -> bytes:
    """`components/<id>/history.atom`: the history feed of one component."""
    path = f"{ctx.root}components/{component.id}/history.atom"
    return styled(_component_feed(ctx, component, incidents), path, f"{ctx.root}{STYLESHEET}")


STYLESHEET = "feed.xsl"


def styled(feed: bytes, path: str, sheet: str) -> bytes:
    """The feed with an `xml-stylesheet` instruction (relative, so it works wherever the
    site is published): a browser shows it as a page; feed readers ignore it."""
    href = "../" * path.count("/") + sheet
    declaration, newline, rest = feed.partition(b"\n")
    instruction = f'<?xml-stylesheet type="text/xsl" href="{href}"?>'.encode()
    return declaration + newline + instruction + b"\n" + rest


def stylesheet(ctx: _Context) -> bytes:
    """XSLT 1.0 that shows an Atom or RSS feed as a short page: what a feed is, how to
    follow it, and its entries linked to their pages."""
    words = {
        "about": links.xml_text(
            ctx._("This is a feed: this status page's incidents, for feed readers.")
        ),
        "how": links.xml_text(
            ctx._("To follow it, copy the address of this page into your feed reader.")
        ),
        "page": links.xml_text(ctx._("Open the status page")),
    }
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
  xmlns:atom="http://www.w3.org/2005/Atom" exclude-result-prefixes="atom">
<xsl:output method="html" encoding="UTF-8" doctype-system="about:legacy-compat"/>
<xsl:template match="/">
<xsl:variable name="title" select="atom:feed/atom:title | rss/channel/title"/>
<xsl:variable name="home" select="atom:feed/atom:link[@rel='alternate']/@href | rss/channel/link"/>
<html lang="{language_tag(ctx.language)}">
<head>
<meta charset="utf-8"/>
<meta name="viewport" content="width=device-width, initial-scale=1"/>
<meta name="color-scheme" content="light dark"/>
<title><xsl:value-of select="$title"/></title>
<style>body{{font:1rem/1.5 system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem}}
li{{margin:.5rem 0}}</style>
</head>
<body>
<h1><xsl:value-of select="$title"/></h1>
<p>{words["about"]} {words["how"]}</p>
<p><a href="{{$home}}">{words["page"]}</a></p>
<ul>
<xsl:for-each select="atom:feed/atom:entry | rss/channel/item">
<li><a href="{{atom:link/@href | link}}"><xsl:value-of select="atom:title | title"/></a><br/>
<small><xsl:value-of select="atom:updated | pubDate"/></small></li>
</xsl:for-each>
</ul>
</body>
</html>
</xsl:template>
</xsl:stylesheet>
""".encode()


def _component_feed(ctx: _Context, component: Component, incidents: Sequence[Incident]) -> bytes:
    feed = _history_feed(
        ctx,
        incidents,
        f"components/{component.id}/history",
        ctx._("%(component)s history") % {"component": component.name},
        alternate=links.component_url(ctx.config, component.id, ctx.language),
    )
    return bytes(feed.atom_str(pretty=True))


def _newest(incidents: Iterable[Incident]) -> list[Incident]:
    """Most recently updated first: what a feed reader shows at the top."""
    return sorted(incidents, key=lambda i: (i.last_update.at, i.id), reverse=True)


# --------------------------------------------------------------------------- feeds


def _feed(
    ctx: _Context,
    path: str,
    title: str,
    updated: datetime,
    *,
    alternate: str,
    self_type: str = "application/atom+xml",
) -> FeedGenerator:
    # Imported here: a build that keeps every feed of the last one never needs it (nor lxml).
    from feedgen.feed import FeedGenerator

    config = ctx.config
    path = ctx.root + path
    feed = FeedGenerator()
    feed.id(links.tag(config, path))
    feed.title(f"{config.title} – {title}")
    feed.subtitle(ctx._("Incidents and maintenance of %(site)s") % {"site": config.title})
    suffix = "rss" if self_type == "application/rss+xml" else "atom"
    feed.link(href=links.url(config, f"{path}.{suffix}"), rel="self", type=self_type)
    # Last, because feedgen takes the last link as the RSS channel's <link>.
    feed.link(href=alternate, rel="alternate", type="text/html")
    feed.language(language_tag(ctx.language))
    feed.author(_author(config))
    feed.generator(GENERATOR, version=__version__, uri=GENERATOR_URI)
    feed.updated(updated)
    feed.lastBuildDate(updated)  # RSS; defaults to the current time otherwise
    return feed


def _author(config: Config) -> dict[str, str]:
    author = {"name": config.title, "uri": config.contact.url or links.url(config)}
    if config.contact.email:
        author["email"] = config.contact.email
    return author


def _updated(incidents: Sequence[Incident]) -> datetime:
    return max((_changed(i) for i in incidents), default=EPOCH)


def _changed(incident: Incident) -> datetime:
    """The incident's last change: its newest update, or a later edit of one (design §4)."""
    return max(_update_changed(update) for update in incident.updates)


def _update_changed(update: Update) -> datetime:
    return max(update.at, update.edited_at or update.at)


def _history_feed(
    ctx: _Context,
    incidents: Sequence[Incident],
    path: str,
    title: str,
    *,
    alternate: str | None = None,
    self_type: str = "application/atom+xml",
) -> FeedGenerator:
    feed = _feed(
        ctx,
        path,
        title,
        _updated(incidents),
        alternate=alternate or links.url(ctx.config, f"{ctx.root}history/"),
        self_type=self_type,
    )
    for incident in incidents:
        entry = feed.add_entry(order="append")
        entry.id(links.tag(ctx.config, f"{ctx.root}incident/{incident.id}"))
        entry.title(_title(ctx, incident))
        entry.link(href=links.incident_url(ctx.config, incident.id, ctx.language), rel="alternate")
        entry.published(incident.first_update.at)
        entry.updated(_changed(incident))
        entry.author(_author(ctx.config))
        body = [*_preamble(ctx, incident), *_postmortem(ctx, incident)]
        body += [_update_html(ctx, update) for update in reversed(incident.updates)]
        entry.content("\n".join(body), type="html")
    return feed


def _history_feed_rss(ctx: _Context, incidents: Sequence[Incident]) -> FeedGenerator:
    return _history_feed(
        ctx, incidents, "history", ctx._("Incident history"), self_type="application/rss+xml"
    )


def _latest_updates(incidents: Iterable[Incident]) -> tuple[tuple[Incident, int], ...]:
    """The newest updates, newest first, as (incident, place in its updates); the order is
    unique, so ties cannot reorder."""
    return tuple(
        heapq.nlargest(
            UPDATES_LIMIT,
            ((incident, n) for incident in incidents for n in range(len(incident.updates))),
            key=lambda pair: (
                pair[0].updates[pair[1]].at,
                pair[0].id,
                pair[0].updates[pair[1]].index,
            ),
        )
    )


def _updates_feed(ctx: _Context, updates: Sequence[tuple[Update, Incident]]) -> FeedGenerator:
    """One entry per update, newest first; an entry's id names the update forever."""
    feed = _feed(
        ctx,
        "updates",
        ctx._("Every update"),
        max((_update_changed(u) for u, _ in updates), default=EPOCH),
        alternate=links.url(ctx.config, ctx.root),
    )
    for update, incident in updates:
        entry = feed.add_entry(order="append")
        entry.id(links.tag(ctx.config, f"{ctx.root}incident/{incident.id}/update/{update.index}"))
        word = update_status_word(update.status, ctx.language)
        entry.title(
            ctx._("%(status)s: %(title)s") % {"status": word, "title": _title(ctx, incident)}
        )
        entry.link(href=links.incident_url(ctx.config, incident.id, ctx.language), rel="alternate")
        entry.published(update.at)
        entry.updated(_update_changed(update))
        entry.author(_author(ctx.config))
        body = [*_preamble(ctx, incident), _update_html(ctx, update)]
        entry.content("\n".join(body), type="html")
    return feed


# --------------------------------------------------------------------------- entries


def _title(ctx: _Context, incident: Incident) -> str:
    title = ctx.text(incident.title)
    if incident.retracted is not None:
        return ctx._("Retracted: %(title)s") % {"title": title}
    return title


def _preamble(ctx: _Context, incident: Incident) -> list[str]:
    """What comes before the updates: the retraction, and a maintenance's window."""
    parts = []
    if incident.retracted is not None:
        reason = escape(incident.retracted.strip())
        label = escape(ctx._("Retracted"))
        parts.append(f"<p><strong>{label}:</strong> {reason}</p>")
    window = incident.current_window
    if incident.is_maintenance and window is not None:
        text = ctx._("Scheduled for %(start)s to %(end)s") % {
            "start": ctx.fmt.date_time(window.start),
            "end": ctx.fmt.date_time(window.end),
        }
        parts.append(f"<p><strong>{escape(text)}</strong></p>")
    return parts


def _postmortem(ctx: _Context, incident: Incident) -> list[str]:
    """The postmortem, first: the last word on an incident, however late it came."""
    if incident.postmortem is None:
        return []
    label = escape(ctx._("Postmortem"))
    return [f"<p><strong>{label}</strong></p>\n{ctx.html(incident.postmortem)}"]


def _update_html(ctx: _Context, update: Update) -> str:
    word = escape(update_status_word(update.status, ctx.language))
    when = escape(ctx.fmt.date_time(update.at))
    message = ctx.html(update.message)
    html = f"<p><strong>{word}</strong> – <small>{when}</small></p>\n{message}"
    if update.edited_at is not None:
        edited = ctx._("Edited %(time)s") % {"time": ctx.fmt.date_time(update.edited_at)}
        html += f"\n<p><small>{escape(edited)}</small></p>"
    return html
