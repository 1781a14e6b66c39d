"""The HTML pages: what they say, where they link, and what they must never do."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from statuspage.inputs.load import load_site_or_raise
from statuspage.inputs.model import Site
from statuspage.outputs import pages, themes
from tests.sites import OUTAGE_CONFIG, OUTAGE_INCIDENTS, OUTAGE_NOW, at, write_site

INDEX_BUDGET = 40 * 1024
CSS_BUDGET = 16 * 1024  # 15 KiB until the outage page (issue 15); docs/site.md


def load(root: Path, now: str) -> Site:
    return load_site_or_raise(root, now=at(now), check_git=False)


def render(site: Site) -> dict[str, str]:
    """The site's pages in memory: path → text (binary assets left out)."""
    return {
        f.path: f.data.decode("utf-8")
        for f in pages.generate(site)
        if not f.path.endswith((".ico", ".png"))
    }


def text_of(html: str) -> str:
    """The visible text, tags dropped and spaces collapsed, for phrase checks."""
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()
    return re.sub(r" ([.,;:)])", r"\1", text)


class Links(HTMLParser):
    """Every href and src of a page, with its tag."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        for name in ("href", "src"):
            value = attributes.get(name)
            if value is not None:
                self.found.append((tag, value, attributes))


def links_of(html: str) -> list[tuple[str, str, dict[str, str | None]]]:
    parser = Links()
    parser.feed(html)
    return parser.found


OPEN_INCIDENT = """\
title: Checkout errors
impact: major
started: 2026-03-10T09:50:00+01:00
components: {checkout: major_outage, payments: degraded_performance}
updates:
  - at: 2026-03-10T10:00:00+01:00
    status: investigating
    message: Payments **fail**. We are on it.
    next_update: 30m
"""


# -- the demo ------------------------------------------------------------------------------


def test_demo_has_every_page(built_demo: Path, demo_site: Site) -> None:
    expected = [
        "index.html",
        "history/index.html",
        "uptime/index.html",
        "404.html",
        "sitemap.xml",
        "robots.txt",
        "favicon.ico",
    ]
    expected += [f"incidents/{i.id}/index.html" for i in demo_site.incidents]
    expected += [f"components/{c.id}/index.html" for c in demo_site.config.components]
    missing = [path for path in expected if not (built_demo / path).is_file()]
    assert not missing
    assert len(list((built_demo / "assets").glob("style.*.css"))) == 1


def test_demo_stays_within_its_size_budgets(built_demo: Path) -> None:
    assert (built_demo / "index.html").stat().st_size <= INDEX_BUDGET
    (css,) = (built_demo / "assets").glob("style.*.css")
    assert css.stat().st_size <= CSS_BUDGET


def test_pages_load_nothing_from_elsewhere_and_links_resolve(built_demo: Path) -> None:
    """No third-party request: stylesheets, icons and images are local; every internal link
    resolves to a built file (feeds, calendars and the API come from their generators)."""
    for page in sorted(built_demo.rglob("*.html")):
        html = page.read_text(encoding="utf-8")
        assert "<script" not in html, page
        assert "@import" not in html and "<style" not in html, page
        for tag, target, attributes in links_of(html):
            if target.startswith(("mailto:", "#", "webcal:")):
                continue
            loaded = tag in ("img", "script", "iframe") or (
                tag == "link" and attributes.get("rel") in ("stylesheet", "icon")
            )
            if target.startswith(("http://", "https://")):
                assert not loaded, f"{page}: third-party resource {target}"
                continue
            if page.name == "404.html":
                target = target.removeprefix("/")
                base = built_demo
            else:
                base = page.parent
            resolved = (base / target.split("#")[0]).resolve()
            if resolved.is_dir():
                resolved = resolved / "index.html"
            assert resolved.is_relative_to(built_demo.resolve()), f"{page}: {target}"
            assert resolved.is_file(), f"{page}: broken link {target}"
    css = next((built_demo / "assets").glob("style.*.css")).read_text(encoding="utf-8")
    assert "@font-face" not in css and "@import" not in css
    assert not re.search(r"url\(\s*[\"']?(https?:)?//", css)


def test_demo_index(built_demo: Path) -> None:
    html = (built_demo / "index.html").read_text(encoding="utf-8")
    text = text_of(html)
    assert "All systems operational" in text
    assert 'class="banner i-none"' in html
    # Every component with its state in words and its 90-day figure (tests/test_uptime.py
    # computes these by hand).
    assert text.count("Operational") == 8 + 3  # and each of the 3 groups' headers
    assert "99.96% uptime" in text  # checkout
    assert "99.99% uptime" in text  # delivery notifications
    assert text.count("100.00% uptime 90 days ago") == 0  # the scale is not mangled
    # The day of the checkout incident names itself, its uptime and its incident.
    assert (
        "Nov 20, 2026 96.68% uptime Major outage: 42 min Partial outage: 19 min "
        "Elevated error rate at checkout"
    ) in text
    # Upcoming maintenance with its window; the last 7 days with their incidents.
    assert "Scheduled maintenance" in text
    assert "Database upgrade (checkout and merchant dashboard paused)" in text
    assert "Fri, Nov 20, 2026 Elevated error rate at checkout" in text
    assert text.count("No incidents reported.") == 6
    # Subscribe links, autodiscovery, contact and promise.
    for name, target in pages.SUBSCRIBE_LINKS.items():
        if name == "calendar":  # subscribed to, in a calendar app or Google Calendar
            assert 'href="webcal://status.acme.example/maintenance.ics"' in html
            assert (
                'href="https://calendar.google.com/calendar/r?cid='
                'webcal%3A%2F%2Fstatus.acme.example%2Fmaintenance.ics"'
            ) in html
        elif name == "json":  # for developers, on their own page
            assert 'href="developers/"' in html
            developers = (built_demo / "developers/index.html").read_text("utf-8")
            assert f'href="../{target}"' in developers
        else:
            assert f'href="{target}"' in html
    assert '<link rel="alternate" type="application/atom+xml" href="history.atom"' in html
    assert '<link rel="alternate" type="application/rss+xml" href="history.rss"' in html
    assert 'href="mailto:support@acme.example"' in html
    assert "We answer every message within 8 hours, 7 days a week." in text


def test_times_carry_the_zone_abbreviation(built_demo: Path) -> None:
    html = (built_demo / "incidents/2026-11-20-checkout-errors/index.html").read_text("utf-8")
    assert (
        '<time datetime="2026-11-20T14:02:00+01:00">Nov 20, 2026, 2:02\u202fPM CET</time>' in html
    )
    summer = (built_demo / "incidents/2026-06-04-card-payments-declined/index.html").read_text(
        "utf-8"
    )
    assert '<time datetime="2026-06-04T19:14:00+02:00">' in summer
    assert "7:14\u202fPM CEST</time>" in summer


def test_demo_incident_page(built_demo: Path) -> None:
    html = (built_demo / "incidents/2026-11-20-checkout-errors/index.html").read_text("utf-8")
    text = text_of(html)
    assert '<h1 id="title">Elevated error rate at checkout</h1>' in html
    assert "Time to acknowledge 14 min" in text  # started 13:48, first update 14:02
    assert "Duration 1 hr 22 min" in text
    assert "Postmortem owed by Nov 27, 2026." in text  # resolved 20 Nov + 7 days
    assert "Checkout worst state: Major outage" in text
    # All four updates, newest first, each with status, time and text.
    statuses = re.findall(r'<span class="tag u-(\w+)">', html[html.index('id="updates-title"') :])
    assert statuses == ["resolved", "monitoring", "identified", "investigating"]
    assert "Checkout: Partial outage" in text
    assert "<strong>not charged</strong>" in html  # Markdown rendered


def test_demo_postmortem_and_tombstone(built_demo: Path) -> None:
    html = (built_demo / "incidents/2026-08-06-shop-unavailable/index.html").read_text("utf-8")
    assert '<section class="postmortem"' in html
    assert "<table>" in html  # the postmortem's timeline table
    assert "owed" not in text_of(html)
    tomb = (built_demo / "incidents/2026-09-08-checkout-false-alarm/index.html").read_text("utf-8")
    text = text_of(tomb)
    assert "This notice was retracted" in text
    assert "One of our external monitoring probes lost its network connection" in text
    assert "Our monitoring reports failed checkouts." in text  # the original stays readable


def test_demo_history_keeps_everything(built_demo: Path, demo_site: Site) -> None:
    html = (built_demo / "history/index.html").read_text("utf-8")
    for incident in demo_site.incidents:
        assert f'href="../incidents/{incident.id}/"' in html
    months = re.findall(r"<h2 id=\"m-\d+\">([^<]+)</h2>", html)
    assert months == [
        "December 2026",
        "November 2026",
        "October 2026",
        "September 2026",
        "August 2026",
        "July 2026",
        "June 2026",
        "May 2026",
    ]


def test_demo_component_page(built_demo: Path) -> None:
    html = (built_demo / "components/checkout/index.html").read_text("utf-8")
    text = text_of(html)
    assert "<h1>Checkout</h1>" in html
    assert "99.96% uptime" in text
    assert "November 2026 99.85% 48 min" in text  # 47.7 min of 22 days 9 h, to the nearest
    # Twelve months back; before the first incident (May 2026) nothing was measured.
    assert "December 2025 No data" in text and "May 2026 100.00%" in text
    feed = "../../components/checkout/history.atom"
    assert f'href="{feed}"' in html and 'href="../../components/checkout/maintenance.ics"' in html
    assert f'<link rel="alternate" type="application/atom+xml" href="{feed}"' in html
    assert "Elevated error rate at checkout" in text


def test_demo_uptime_report(built_demo: Path) -> None:
    html = (built_demo / "uptime/index.html").read_text("utf-8")
    text = text_of(html)
    assert "How we count" in text
    assert "time in a partial outage counts at 30%" in text
    assert "Uptime = 1 − downtime ÷ time measured" in text
    # November: 2 incidents, checkout 47.7 + delivery notifications 6.3 = 54 component-minutes;
    # acknowledged after 14 and 26 min (mean 20), resolved after 82 and 115 (mean 98.5 min,
    # 1 hr 39 min to the nearest minute, half up: the one rule for minutes).
    assert "November 2026 2 54 min 20 min 1 hr 39 min 0 of 1" in text
    assert "August 2026 2 242 min" in text
    assert "1 of 1" in text
    assert "Postmortems owed: Elevated error rate at checkout" in text


def test_sitemap_and_robots(built_demo: Path, demo_site: Site) -> None:
    sitemap = (built_demo / "sitemap.xml").read_text("utf-8")
    assert "<loc>https://status.acme.example/</loc>" in sitemap
    assert "<loc>https://status.acme.example/incidents/2026-11-20-checkout-errors/</loc>" in sitemap
    assert "404" not in sitemap
    html_pages = [p for p in built_demo.rglob("*.html") if p.name != "404.html"]
    assert sitemap.count("<loc>") == len(html_pages)
    robots = (built_demo / "robots.txt").read_text("utf-8")
    assert "Sitemap: https://status.acme.example/sitemap.xml" in robots


def test_404_links_work_from_any_depth(tmp_path: Path) -> None:
    config = write_site(tmp_path).joinpath("statuspage.yaml")
    config.write_text(
        config.read_text().replace(
            "https://status.test.example", "https://example.github.io/status"
        )
    )
    html = render(load(tmp_path, "2026-03-01T12:00:00"))["404.html"]
    assert 'href="/status/history/"' in html
    assert re.search(r'href="/status/assets/style\.\w+\.css"', html)


# -- small sites --------------------------------------------------------------------------


def test_open_incident_with_the_next_update_due(tmp_path: Path) -> None:
    write_site(tmp_path, {"checkout-errors": OPEN_INCIDENT})
    html = render(load(tmp_path, "2026-03-10T10:20:00+01:00"))["index.html"]
    text = text_of(html)
    assert "Major outage" in text
    assert 'class="banner i-critical"' in html
    assert "Checkout errors" in text
    assert "Payments <strong>fail</strong>." in html
    assert "Next update by 10:30 AM CET (in 10 min)." in text
    assert "Overdue" not in text


def test_overdue_update_promise_is_shown(tmp_path: Path) -> None:
    write_site(tmp_path, {"checkout-errors": OPEN_INCIDENT})
    site = load(tmp_path, "2026-03-10T10:45:00+01:00")
    rendered = render(site)
    text = text_of(rendered["index.html"])
    assert "Overdue: the next update was promised by 10:30 AM CET (15 min ago)." in text
    incident = text_of(rendered["incidents/checkout-errors/index.html"])
    # The incident page says so first, before its facts and timeline.
    assert incident.index("Overdue since 10:30 AM CET (15 min ago)") < incident.index("Started")
    assert "Resolved Not yet" in incident
    assert "Duration 55 min so far" in incident  # from 09:50
    assert "We will publish a postmortem within 7 days of resolving this incident." in incident


def test_maintenance_in_progress_and_upcoming(tmp_path: Path) -> None:
    maintenance = """\
    title: {title}
    type: maintenance
    window: {{start: {start}, end: {end}}}
    components: {{api: under_maintenance}}
    updates:
      - at: 2026-03-01T10:00:00+01:00
        status: scheduled
        message: Planned.
    """
    write_site(
        tmp_path,
        {
            "now": maintenance.format(
                title="Database move",
                start="2026-03-10T09:00:00+01:00",
                end="2026-03-10T11:00:00+01:00",
            ),
            "later": maintenance.format(
                title="Network upgrade",
                start="2026-03-20T22:00:00+01:00",
                end="2026-03-20T23:00:00+01:00",
            ),
        },
    )
    html = render(load(tmp_path, "2026-03-10T10:00:00+01:00"))["index.html"]
    text = text_of(html)
    assert 'class="banner i-maintenance"' in html
    # One line each: title, window, how soon, what it affects, the calendar.
    assert (
        "Maintenance in progress Database move Mar 10, 2026, 9:00 AM CET to "
        "Mar 10, 2026, 11:00 AM CET (ends in 1 hr) Affects: Public API Add to calendar"
    ) in text
    assert (
        "Scheduled maintenance Network upgrade Mar 20, 2026, 10:00 PM CET to "
        "Mar 20, 2026, 11:00 PM CET (in 10 days) Affects: Public API Add to calendar"
    ) in text
    assert "Planned." not in text  # the body is on the maintenance's own page
    assert 'href="webcal://status.test.example/maintenance.ics"' in html
    assert "Under maintenance" in text


def test_history_is_paginated_and_drops_nothing(tmp_path: Path) -> None:
    count = pages.HISTORY_PAGE_SIZE * 2 + 3
    incidents = {
        f"i{n:03d}": f"""\
        title: Incident number {n}
        impact: minor
        components: {{web: degraded_performance}}
        updates:
          - {{at: 2026-01-01T00:00:00+01:00, status: investigating, message: x}}
          - {{at: 2026-01-01T01:00:00+01:00, status: resolved, message: y}}
        """.replace("2026-01-01", f"2026-{1 + n // 28:02d}-{1 + n % 28:02d}")
        for n in range(count)
    }
    write_site(tmp_path, incidents)
    rendered = render(load(tmp_path, "2026-12-01T00:00:00"))
    history = [
        rendered["history/index.html"],
        rendered["history/page/2/index.html"],
        rendered["history/page/3/index.html"],
    ]
    assert "history/page/4/index.html" not in rendered
    seen = [re.findall(r"Incident number (\d+)<", page) for page in history]
    assert [len(found) for found in seen] == [pages.HISTORY_PAGE_SIZE] * 2 + [3]
    flat = [int(n) for found in seen for n in found]
    assert flat == sorted(range(count), reverse=True)  # newest first, each exactly once
    assert 'rel="next" href="../history/page/2/"' in history[0]
    assert 'rel="prev" href="../../../history/"' in history[1]
    assert 'rel="next" href="../../../history/page/3/"' in history[1]
    assert 'aria-current="page"' in history[2]
    # Component pages paginate the same way.
    assert "components/web/page/3/index.html" in rendered
    assert "components/web/page/4/index.html" not in rendered


def test_pagination_links_a_window_of_pages() -> None:
    page = pages.Pagination(number=10, count=40, items=(), base="history/")
    assert page.numbers == [1, None, 8, 9, 10, 11, 12, None, 40]
    assert pages.Pagination(number=1, count=3, items=(), base="h/").numbers == [1, 2, 3]


class VisibleText(HTMLParser):
    """Text nodes and human-readable attributes of a template with its Jinja code removed."""

    READABLE = ("aria-label", "title", "alt", "placeholder")

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found += [value or "" for name, value in attrs if name in self.READABLE]

    def handle_data(self, data: str) -> None:
        self.found.append(data)


@pytest.mark.parametrize(
    "template",
    sorted(
        p.relative_to(themes.builtin_themes() / "default").as_posix()
        for pattern in ("*.html", "fragments/*.html")
        for p in themes.builtin_themes().joinpath("default").glob(pattern)
    ),
)
def test_every_ui_string_goes_through_gettext(template: str) -> None:
    """Outside Jinja code the templates hold no words, so the languages issue only adds
    catalogs: every word a reader sees comes from `_()`, `ngettext()` or the data."""
    source = (themes.builtin_themes() / "default" / template).read_text(encoding="utf-8")
    code = re.sub(r"\{#.*?#\}|\{%.*?%\}|\{\{.*?\}\}", " ", source, flags=re.DOTALL)
    parser = VisibleText()
    parser.feed(code)
    words = [w for text in parser.found for w in re.findall(r"[^\W\d_]{2,}", text)]
    assert not words, f"{template}: words outside gettext: {words}"


# -- themes -------------------------------------------------------------------------------


def test_a_site_theme_overrides_and_extends_the_builtin_one(tmp_path: Path) -> None:
    write_site(tmp_path)
    theme = tmp_path / "themes" / "default"
    theme.mkdir(parents=True)
    (theme / "base.html").write_text(
        '{% extends "default:base.html" %}\n'
        "{% block footer_extra %}<p>Our own footer</p>{% endblock %}\n"
    )
    (theme / "static").mkdir()
    (theme / "static" / "style.css").write_text("body { color: red }\n")
    rendered = render(load(tmp_path, "2026-03-01T12:00:00"))
    for page in ("index.html", "history/index.html", "uptime/index.html"):
        assert "<p>Our own footer</p>" in rendered[page]
        assert "All systems operational" in rendered["index.html"]
    (css,) = [path for path in rendered if path.startswith("assets/style.")]
    assert rendered[css] == "body { color: red }\n"


def test_a_named_theme_falls_back_to_the_builtin_templates(tmp_path: Path) -> None:
    config = write_site(tmp_path) / "statuspage.yaml"
    config.write_text(config.read_text() + "theme: acme\n")
    theme = tmp_path / "themes" / "acme"
    theme.mkdir(parents=True)
    (theme / "404.html").write_text(
        '{% extends "base.html" %}{% block main %}<h1>{{ _("Lost?") }}</h1>{% endblock %}'
    )
    rendered = render(load(tmp_path, "2026-03-01T12:00:00"))
    assert "<h1>Lost?</h1>" in rendered["404.html"]
    assert "All systems operational" in rendered["index.html"]


def test_missing_theme_is_a_clear_error(tmp_path: Path) -> None:
    config = write_site(tmp_path) / "statuspage.yaml"
    config.write_text(config.read_text() + "theme: nope\n")
    with pytest.raises(themes.ThemeError, match="theme 'nope' not found: there is no themes/nope/"):
        list(pages.generate(load(tmp_path, "2026-03-01T12:00:00")))


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("{% extends 'base.html' %}{% block main %}{% if %}{% endblock %}", r"index\.html:1: "),
        (
            "{% extends 'base.html' %}{% block main %}{{ sitee.title }}{% endblock %}",
            "index.html: 'sitee' is undefined",
        ),
        ("{% extends 'nothing.html' %}", "template not found in the theme: nothing.html"),
    ],
)
def test_template_errors_fail_the_build(tmp_path: Path, template: str, message: str) -> None:
    write_site(tmp_path)
    theme = tmp_path / "themes" / "default"
    theme.mkdir(parents=True)
    (theme / "index.html").write_text(template)
    with pytest.raises(themes.ThemeError, match=message):
        [f.data for f in pages.generate(load(tmp_path, "2026-03-01T12:00:00"))]  # rendered


def test_pages_of_another_language_live_under_its_folder(tmp_path: Path) -> None:
    """For multilingual sites: a renderer with a root writes below it and links within it,
    while the assets stay shared at the top."""
    write_site(tmp_path, {"checkout-errors": OPEN_INCIDENT})
    renderer = pages.Renderer(load(tmp_path, "2026-03-10T10:20:00+01:00"), root="fr/")
    page = next(renderer.history_pages())
    assert page.path == "fr/history/index.html"
    html = page.data.decode()
    assert 'href="../../fr/incidents/checkout-errors/"' in html
    assert re.search(r'href="\.\./\.\./assets/style\.\w+\.css"', html)
    assert '<link rel="canonical" href="https://status.test.example/fr/history/">' in html


# -- an outage (issue 15) -----------------------------------------------------------------


@pytest.fixture
def outage(tmp_path: Path) -> dict[str, str]:
    write_site(tmp_path, OUTAGE_INCIDENTS, config=OUTAGE_CONFIG)
    return render(load(tmp_path, OUTAGE_NOW))


def test_the_banner_says_what_is_broken_in_words(outage: dict[str, str]) -> None:
    html = outage["index.html"]
    banner = text_of(html[html.index('<section class="banner') : html.index("</section>")])
    assert banner == (
        "Checkout and Payments are down · Search is slow "
        "Major outage · As of Nov 30, 2026, 10:04 AM CET (UTC+1)"
    )
    # A page not found says the same: a customer who mistyped still learns about the outage.
    assert "Checkout and Payments are down · Search is slow" in text_of(outage["404.html"])


def test_open_incidents_worst_first_with_everything_a_customer_asks(
    outage: dict[str, str],
) -> None:
    html = outage["index.html"]
    cards = re.findall(r'<article class="card active.*?</article>', html, flags=re.DOTALL)
    texts = [text_of(card) for card in cards]
    # The critical outage first, although the minor slowdown was filed after it.
    assert texts[0].startswith("Checkout unavailable Critical Investigating")
    assert texts[1].startswith("Search results are slow Minor Identified")
    assert "Checkout Major outage Payments Major outage" in texts[0]
    assert "Started 9:48 AM CET (16 min ago)" in texts[0]
    assert "Latest update 9:55 AM CET (9 min ago)" in texts[0]
    assert "Orders cannot be placed" in texts[0]
    assert "Next update by 10:25 AM CET (in 21 min)." in texts[0]
    assert "Search Degraded performance" in texts[1]
    # Open incidents are not repeated under "Past incidents"; the resolved one is there.
    past = text_of(html[html.index('id="recent-title"') :])
    assert "Checkout unavailable" not in past and "Search results are slow" not in past
    assert "Delivery e-mails delayed" in past


def test_group_headers_show_their_worst_state(outage: dict[str, str]) -> None:
    heads = re.findall(r'<div class="group-head">(.*?)</div>', outage["index.html"])
    assert [text_of(head) for head in heads] == [
        "Storefront Major outage",
        "Orders Major outage",
        "Platform Operational",
    ]


def test_maintenance_is_one_line_on_the_home_page(outage: dict[str, str]) -> None:
    text = text_of(outage["index.html"])
    assert (
        "Scheduled maintenance Database upgrade Dec 3, 2026, 10:00 PM CET to "
        "Dec 4, 2026, 1:00 AM CET (in 3 days) Affects: Checkout and Merchant dashboard "
        "Add to calendar Past incidents"
    ) in text  # after the components: it is not what goes on now
    assert "What you will notice" not in text
    assert "What you will notice" in text_of(
        outage["incidents/2026-12-03-database-upgrade/index.html"]
    )


def test_the_incident_page_leads_with_the_promise_and_what_is_affected(
    outage: dict[str, str],
) -> None:
    text = text_of(outage["incidents/2026-11-30-checkout-unavailable/index.html"])
    promise = text.index("Next update by 10:25 AM CET (in 21 min).")
    affected = text.index("Affected components Checkout Major outage Payments Major outage")
    assert promise < affected < text.index("Started") < text.index("Updates")


def test_the_developers_page_gives_the_api_and_badges_to_copy(outage: dict[str, str]) -> None:
    html = outage["developers/index.html"]
    text = text_of(html)
    assert "https://status.acme.example/api/v2/summary.json" in text
    assert "https://status.acme.example/api/uptime.json" in text
    assert "Maintenance calendar: webcal://status.acme.example/maintenance.ics" in text
    assert (
        "&lt;a href=&#34;https://status.acme.example/&#34;&gt;&lt;img "
        "src=&#34;https://status.acme.example/badge.svg&#34; alt=&#34;Acme Shop Status&#34;&gt;"
        "&lt;/a&gt;"
    ) in html or '&lt;img src="https://status.acme.example/badge.svg"' in html
    assert (
        "[![Acme Shop Status](https://status.acme.example/badge.svg)](https://status.acme.example/)"
    ) in text
    assert "Checkout: https://status.acme.example/components/checkout/badge.svg" in text
    assert '<img src="../badge.svg" alt="Major outage">' in html


def test_times_say_their_offset_from_utc(outage: dict[str, str]) -> None:
    assert "Times are in Europe/Paris (CET, UTC+1)." in text_of(outage["index.html"])


def test_relative_times_depend_on_the_clock_alone(tmp_path: Path) -> None:
    """The same --now gives the same bytes; another one, other words."""
    write_site(tmp_path, OUTAGE_INCIDENTS, config=OUTAGE_CONFIG)
    first = render(load(tmp_path, OUTAGE_NOW))["index.html"]
    assert render(load(tmp_path, OUTAGE_NOW))["index.html"] == first
    later = text_of(render(load(tmp_path, "2026-11-30T10:40:00+01:00"))["index.html"])
    assert "Started 9:48 AM CET (52 min ago)" in later
    assert "Overdue: the next update was promised by 10:25 AM CET (15 min ago)." in later


def test_a_fragment_is_made_once_per_key(demo_site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    """`{{ fragment(name, **arguments) }}` renders the theme template once per build and
    language for each key (its name, its arguments, the page's depth), a key the renderer
    makes and the theme never writes: the default theme's footer is made once for all the
    incident pages (two folders down), a component's bars and monthly table once for its
    pages at each depth, and the pages are the same as if each had made them."""
    renderer = pages.Renderer(demo_site)
    made: list[str] = []
    get_template = renderer.env.get_template

    def counting(name: str, *args: object, **kwargs: object) -> object:
        if name.startswith("fragments/"):
            made.append(name)
        return get_template(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(renderer.env, "get_template", counting)
    files = list(renderer.pages())
    incidents = [f for f in files if f.path.startswith("incidents/")][:3]
    bodies = [f.data for f in incidents]
    assert made == ["fragments/footer.html"]
    assert len({body.split(b"<footer", 1)[1].split(b"Times are in")[0] for body in bodies}) == 1
    made.clear()
    component = [f for f in files if f.path.startswith("components/")]
    for file in component:
        file.data  # noqa: B018 - rendered
    depths = {(f.path.split("/")[1], f.path.count("/")) for f in component}
    assert made.count("fragments/component_bars.html") == len(depths)
    assert made.count("fragments/component_months.html") == len(depths)
    # Another build (a new renderer) makes them again, and makes the same bytes.
    again = {f.path: f.data for f in pages.Renderer(demo_site).pages()}
    assert all(again[f.path] == f.data for f in [*incidents, *component])
