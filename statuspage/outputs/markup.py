"""Markdown from incident files to safe HTML, and to plain text.

Incident text is untrusted: raw HTML is not parsed, only http, https and mailto links survive,
and the result is sanitised once more with nh3 (Ammonia) before anyone sees it.
"""

from __future__ import annotations

from functools import lru_cache

import nh3
from markdown_it import MarkdownIt

_TAGS = {
    "a", "p", "br", "hr", "strong", "em", "code", "pre", "blockquote", "ul", "ol", "li",
    "h2", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td", "del",
}  # fmt: skip
_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "th": {"align"}, "td": {"align"}}
_SCHEMES = {"http", "https", "mailto"}


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    parser = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    parser.enable("table").enable("strikethrough")
    parser.validateLink = _safe_link  # type: ignore[method-assign]
    return parser


def _safe_link(url: str) -> bool:
    scheme, sep, _ = url.strip().partition(":")
    if not sep or "/" in scheme or "?" in scheme or "#" in scheme:
        return True  # relative link
    return scheme.lower() in _SCHEMES


def _demote_headings(html: str) -> str:
    """A `# Heading` in an update must not compete with the page's own <h1>."""
    return html.replace("<h1>", "<h2>").replace("</h1>", "</h2>")


@lru_cache(maxsize=4096)
def to_html(text: str) -> str:
    """Safe HTML for a Markdown text (cached: the same text renders once per process)."""
    rendered = _demote_headings(_parser().render(text))
    return str(
        nh3.clean(
            rendered,
            tags=_TAGS,
            attributes=_ATTRIBUTES,
            url_schemes=_SCHEMES,
            link_rel="noopener noreferrer nofollow",
        )
    ).strip()


def to_text(text: str) -> str:
    """Plain text for e-mail and feed summaries: Markdown is already readable as text."""
    return text.strip()
