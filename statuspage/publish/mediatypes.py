"""What a built file is and how long a client may keep it: shared by `serve` and `deploy`."""

from __future__ import annotations

import mimetypes
import re
from pathlib import PurePosixPath

# Explicit, because the platform's mimetypes table differs between machines (and lacks .atom
# on some), and a feed served as text/plain is shown as text instead of being subscribed to.
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
    ".json": "application/json",
    # Feeds as XML in UTF-8: a browser applies their stylesheet (feed.xsl) to an XML type,
    # so a clicked feed reads as a page, where it shows application/atom+xml as raw text (or
    # downloads application/rss+xml). Readers recognise a feed by its content; the pages'
    # <link rel="alternate"> still name the feed types.
    ".atom": "application/xml; charset=utf-8",
    ".rss": "application/xml; charset=utf-8",
    ".ics": "text/calendar; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
    ".xsl": "application/xml; charset=utf-8",  # the feeds' stylesheet
    ".txt": "text/plain; charset=utf-8",
    ".eml": "message/rfc822",
    ".png": "image/png",
    ".ico": "image/vnd.microsoft.icon",
    ".webmanifest": "application/manifest+json",
    ".woff2": "font/woff2",
}

# `style.3f2a9c1b.css`: a name that carries a hash of the content changes whenever the
# content does, so clients may keep it for a year.
_FINGERPRINT = re.compile(r"\.[0-9a-f]{8,64}\.[A-Za-z0-9]+$")

SHORT_CACHE = "public, max-age=60"
LONG_CACHE = "public, max-age=31536000, immutable"


def content_type(path: str) -> str:
    suffix = PurePosixPath(path).suffix.lower()
    if suffix in CONTENT_TYPES:
        return CONTENT_TYPES[suffix]
    guessed, _ = mimetypes.guess_type(path, strict=False)
    return guessed or "application/octet-stream"


def is_fingerprinted(path: str) -> bool:
    return _FINGERPRINT.search(PurePosixPath(path).name) is not None


def cache_control(path: str) -> str:
    """Pages, feeds, the API and badges change with every update: clients check back within a
    minute. Fingerprinted assets never change under their name."""
    return LONG_CACHE if is_fingerprinted(path) else SHORT_CACHE
