"""Status badges: `badge.svg` for the whole page, `components/<id>/badge.svg` for each component.

A badge says the state in words (colour only repeats it), carries an SVG `<title>` and an
`aria-label` for screen readers, and paints its own opaque background with text of at least
4.5:1 contrast, so it reads the same on a light or a dark README. Text width is estimated and
then pinned with `textLength`, so the words always fit their box whatever font the viewer has.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from html import escape

from statuspage.inputs.model import ComponentStatus, Indicator, Site
from statuspage.outputs.output import OutputFile
from statuspage.text.i18n import translations
from statuspage.text.words import component_status_word, indicator_word

LABEL_BACKGROUND = "#3b3b3b"  # white text on it: 11.2:1
# Background and text colour per state; every pair has a contrast of 4.5:1 or more.
COLOURS: dict[ComponentStatus, tuple[str, str]] = {
    ComponentStatus.OPERATIONAL: ("#1a7f37", "#ffffff"),  # 5.1:1
    ComponentStatus.DEGRADED_PERFORMANCE: ("#f2c744", "#1a1a1a"),  # 10.8:1
    ComponentStatus.PARTIAL_OUTAGE: ("#b35900", "#ffffff"),  # 4.8:1
    ComponentStatus.MAJOR_OUTAGE: ("#c62828", "#ffffff"),  # 5.6:1
    ComponentStatus.UNDER_MAINTENANCE: ("#1f5fbf", "#ffffff"),  # 6.1:1
}
INDICATOR_STATES = {
    Indicator.NONE: ComponentStatus.OPERATIONAL,
    Indicator.MINOR: ComponentStatus.DEGRADED_PERFORMANCE,
    Indicator.MAJOR: ComponentStatus.PARTIAL_OUTAGE,
    Indicator.CRITICAL: ComponentStatus.MAJOR_OUTAGE,
    Indicator.MAINTENANCE: ComponentStatus.UNDER_MAINTENANCE,
}
FONT_SIZE = 11
PADDING = 6
HEIGHT = 20


def generate(site: Site) -> Iterable[OutputFile]:
    """The generator registered in build.GENERATORS."""
    language = site.config.language
    label = translations(language).gettext("status")
    state = INDICATOR_STATES[site.indicator]
    yield OutputFile("badge.svg", badge(label, indicator_word(site.indicator, language), state))
    for component in site.config.components:
        status = site.component_statuses[component.id]
        yield OutputFile(
            f"components/{component.id}/badge.svg",
            badge(component.name, component_status_word(status, language), status),
        )


def text_width(text: str) -> int:
    """A generous estimate of the text's width in pixels at 11px (wide characters count 2)."""
    units = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    return round(units * 6.5) + 1


def badge(label: str, message: str, state: ComponentStatus) -> bytes:
    """A two-part badge, `label | message`, coloured for `state`."""
    background, foreground = COLOURS[state]
    left = text_width(label) + 2 * PADDING
    right = text_width(message) + 2 * PADDING
    width = left + right
    title = escape(f"{label}: {message}")
    svg = f"""\
<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{HEIGHT}" \
viewBox="0 0 {width} {HEIGHT}" role="img" aria-label="{title}">
  <title>{title}</title>
  <rect width="{left}" height="{HEIGHT}" fill="{LABEL_BACKGROUND}"/>
  <rect x="{left}" width="{right}" height="{HEIGHT}" fill="{background}"/>
  <g font-family="Verdana,DejaVu Sans,Geneva,sans-serif" font-size="{FONT_SIZE}" \
text-anchor="middle">
    <text x="{left / 2:g}" y="14" fill="#ffffff" textLength="{left - 2 * PADDING}" \
lengthAdjust="spacingAndGlyphs">{escape(label)}</text>
    <text x="{left + right / 2:g}" y="14" fill="{foreground}" \
textLength="{right - 2 * PADDING}" lengthAdjust="spacingAndGlyphs">{escape(message)}</text>
  </g>
</svg>
"""
    return svg.encode()
