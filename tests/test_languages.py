"""Languages: the catalogs, formatting per locale, multilingual sites, fallbacks, warnings.

The demo in each language in real browsers and checkers: tests/test_languages_browser.py.
"""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import feedparser
import pytest
from babel import Locale
from babel import dates as babel_dates
from babel.lists import format_list
from babel.messages.catalog import Catalog
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from babel.numbers import format_percent
from babel.units import format_unit
from click.testing import CliRunner
from icalendar import Calendar

from statuspage.cli import cli
from statuspage.inputs.config import LANGUAGES, parse_config
from statuspage.inputs.diagnostics import Problems
from statuspage.inputs.load import load_site, load_site_or_raise
from statuspage.inputs.model import Site, Text
from statuspage.notify.notices import Recipient, Renderer, latest_notice, preview_sender
from statuspage.outputs import api, feeds, ical, pages
from statuspage.outputs.output import OutputFile
from statuspage.text.i18n import LOCALE_DIR, Formatter, translations
from tests.sites import BASE_CONFIG, REPO_ROOT, at, write_site

CATALOG_LANGUAGES = ("en", "fr", "ru", "zh")
MULTILINGUAL = BASE_CONFIG.replace("language: en\n", "languages: [en, fr, ru, zh]\n")
NOW = "2026-03-10T10:20:00+01:00"

# Translated into French and Russian, not Chinese; the postmortem only in English.
CHECKOUT = """\
title:
  en: Checkout errors
  fr: Erreurs au paiement
  ru: Ошибки при оплате
started: 2026-03-10T09:50:00+01:00
impact: major
components: {checkout: major_outage}
updates:
  - at: 2026-03-10T10:00:00+01:00
    status: investigating
    message:
      en: Payments **fail**. We are on it.
      fr: Les paiements **échouent**. Nous nous en occupons.
      ru: Платежи **не проходят**. Мы разбираемся.
    next_update: 30m
"""
# A plain string: written in the main language.
SLOW = """\
title: Slow search
impact: minor
components: {web: degraded_performance}
updates:
  - {at: 2026-03-09T10:00:00+01:00, status: investigating, message: Search is slow.}
  - {at: 2026-03-09T11:00:00+01:00, status: resolved, message: Fast again.}
"""


def load(root: Path, now: str = NOW) -> Site:
    return load_site_or_raise(root, now=at(now), check_git=False)


def rendered(site: Site) -> dict[str, str]:
    return {f.path: f.data.decode() for f in pages.generate(site) if f.path.endswith(".html")}


@pytest.fixture
def multilingual(tmp_path: Path) -> Site:
    write_site(tmp_path, {"checkout": CHECKOUT, "slow": SLOW}, config=MULTILINGUAL)
    return load(tmp_path)


# -- catalogs ------------------------------------------------------------------------------


def po_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / "statuspage.po"


def read_catalog(language: str) -> Catalog:
    with po_path(language).open("rb") as file:
        return read_po(file)


def key(message_id: str | tuple[str, ...] | list[str]) -> str:
    return message_id if isinstance(message_id, str) else message_id[0]


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    """A fresh extraction of the code and the themes, as docs/languages.md tells translators."""
    pot = tmp_path_factory.mktemp("pot") / "statuspage.pot"
    subprocess.run(
        [
            sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "pyproject.toml",
            "--no-location", "--sort-output", "-o", str(pot), ".",
        ],
        cwd=REPO_ROOT, check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    with pot.open("rb") as file:
        return read_po(file)


def test_extraction_finds_the_code_the_themes_and_the_emails(extracted: Catalog) -> None:
    ids = {key(m.id) for m in extracted if m.id}
    assert "Investigating" in ids  # statuspage/text/words.py, marked with N_
    assert "Starting soon" in ids  # statuspage/notify/notices.py
    assert "Skip to content" in ids  # themes/default/base.html
    assert "See all updates" in ids  # themes/default/email/notice.html
    assert "All updates, as they happen:" in ids  # themes/default/email/notice.txt
    assert len(ids) > 150


@pytest.mark.parametrize("language", CATALOG_LANGUAGES)
def test_catalog_is_complete_and_current(extracted: Catalog, language: str) -> None:
    """Every message extracted is translated, nothing is fuzzy, nothing is left over, and
    the placeholders match (Babel's own checks)."""
    catalog = read_catalog(language)
    wanted = {key(m.id): m for m in extracted if m.id}
    have = {key(m.id): m for m in catalog if m.id}
    assert sorted(wanted.keys() - have.keys()) == [], "missing: run pybabel update"
    assert sorted(have.keys() - wanted.keys()) == [], "stale: run pybabel update"
    assert not catalog.obsolete, f"obsolete entries: {list(catalog.obsolete)}"
    for name, message in have.items():
        assert message.id == wanted[name].id, f"{name!r}: the plural changed"
        assert not message.fuzzy, f"{language}: fuzzy: {name!r}"
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(strings), f"{language}: untranslated: {name!r}"
        if isinstance(message.id, tuple):
            assert len(strings) == catalog.num_plurals, f"{language}: plural forms of {name!r}"
    problems = [(key(m.id), [str(e) for e in errors]) for m, errors in catalog.check()]
    assert problems == []


def messages(catalog: Catalog) -> dict[object, object]:
    """id → translation; .mo files read back give lists where .po files give tuples."""

    def same(value: object) -> object:
        return tuple(value) if isinstance(value, list | tuple) else value

    return {same(m.id): same(m.string) for m in catalog if m.id}


@pytest.mark.parametrize("language", CATALOG_LANGUAGES)
def test_compiled_catalog_matches_its_source(language: str) -> None:
    """The .mo files are committed (a wheel from a clean clone must hold them): they must
    say what the .po files say. `pybabel compile -d statuspage/locale -D statuspage`."""
    with po_path(language).with_suffix(".mo").open("rb") as file:
        compiled = read_mo(file)
    source = read_catalog(language)
    assert messages(compiled) == messages(source)
    assert compiled.num_plurals == source.num_plurals


def test_plural_rules() -> None:
    russian = translations("ru")
    times = [russian.ngettext("%(num)d time", "%(num)d times", n) % {"num": n} for n in (1, 3, 5)]
    assert times == ["1 раз", "3 раза", "5 раз"]
    months = [
        russian.ngettext("Past %(num)d month", "Past %(num)d months", n) % {"num": n}
        for n in (1, 3, 5, 11, 21, 22)
    ]
    assert months == [
        "За последний 1 месяц",
        "За последние 3 месяца",
        "За последние 5 месяцев",
        "За последние 11 месяцев",
        "За последний 21 месяц",
        "За последние 22 месяца",
    ]
    open_ = [russian.ngettext("%(num)d still open", "", n) % {"num": n} for n in (1, 2, 7)]
    assert open_ == ["1 ещё не закрыт", "2 ещё не закрыты", "7 ещё не закрыто"]
    french = translations("fr")
    assert french.ngettext("%(num)d day ago", "%(num)d days ago", 1) == "il y a %(num)d jour"
    assert french.ngettext("%(num)d day ago", "%(num)d days ago", 90) == "il y a %(num)d jours"
    chinese = translations("zh")
    assert chinese.ngettext("%(num)d time", "%(num)d times", 5) == "%(num)d 次"


def test_each_language_has_its_own_words() -> None:
    words = [translations(code).gettext("All systems operational") for code in LANGUAGES]
    assert words == [
        "All systems operational",
        "Tous les systèmes sont opérationnels",
        "Все системы работают нормально",
        "所有系统运行正常",
    ]
    # French typography: a no-break space before the colon.
    assert translations("fr").gettext("Affects: %(components)s") == "Concerne\u00a0: %(components)s"


# -- formatting ----------------------------------------------------------------------------

MOMENT = datetime(2026, 11, 20, 13, 2, tzinfo=UTC)


@pytest.mark.parametrize("language", CATALOG_LANGUAGES)
def test_formatting_per_locale(language: str) -> None:
    """The locale's own order, clock, units and percent sign, exactly as Babel words them in
    the installed CLDR (a newer CLDR may change a dash or a space: the expectations are asked
    of Babel's public API, not typed in), with the zone's abbreviation everywhere."""
    locale = Locale.parse(language)
    fmt = Formatter(language, ZoneInfo("Europe/Paris"))
    local = MOMENT.astimezone(ZoneInfo("Europe/Paris"))
    medium = str(babel_dates.get_datetime_format("medium", locale=locale))
    expected_when = medium.replace("{1}", babel_dates.format_date(local, "medium", locale=locale))
    expected_when = expected_when.replace(
        "{0}", babel_dates.format_time(local, "short", locale=locale)
    )
    assert fmt.date_time(MOMENT) == f"{expected_when} CET"
    first, last = date(2026, 8, 26), date(2026, 11, 19)
    assert fmt.day_range(first, last) == babel_dates.format_interval(
        first, last, "yMMMd", locale=locale
    )
    assert fmt.day_range(last, last) == fmt.day(last)
    units = [
        format_unit(2, "duration-day", length="short", locale=locale),
        format_unit(3, "duration-hour", length="short", locale=locale),
    ]  # the minute is left out: two units at most
    expected_duration = format_list(units, style="unit-narrow", locale=locale)
    assert fmt.duration(timedelta(days=2, hours=3, minutes=1)) == expected_duration
    pattern = str(locale.percent_formats[None].pattern).replace("#,##0", "#,##0.00", 1)
    assert fmt.percent(0.99961) == format_percent(0.99961, pattern, locale=locale)
    assert fmt.direction == "ltr"


def test_formatting_keeps_our_rules_whatever_the_cldr() -> None:
    """What is ours, not Babel's: a 24-hour clock where the locale uses one, two decimals
    (truncation is the caller's business), the day numbers and year in a range."""
    for language, clock in (("en", "2:02"), ("fr", "14:02"), ("ru", "14:02"), ("zh", "14:02")):
        fmt = Formatter(language, ZoneInfo("Europe/Paris"))
        assert clock in fmt.date_time(MOMENT) and fmt.date_time(MOMENT).endswith(" CET")
        span = fmt.day_range(date(2026, 8, 26), date(2026, 11, 19))
        assert "26" in span and "19" in span and span.count("2026") == 1
        assert re.search(r"99[.,]96", fmt.percent(0.99961))


# -- configuration -------------------------------------------------------------------------


def config_problems(text: str) -> list[str]:
    problems = Problems()
    parse_config("statuspage.yaml", text.encode(), problems)
    return [str(d) for d in problems.sorted()]


def test_languages_in_the_config() -> None:
    problems = Problems()
    config = parse_config("statuspage.yaml", MULTILINGUAL.encode(), problems)
    assert config is not None and not problems.sorted()
    assert config.language == "en"
    assert config.languages == ("en", "fr", "ru", "zh")
    # `language` alone still works, and means a site in one language.
    single = parse_config("statuspage.yaml", BASE_CONFIG.replace(": en", ": ru").encode(), problems)
    assert single is not None and single.languages == ("ru",)
    both = parse_config(
        "statuspage.yaml", (BASE_CONFIG + "languages: [en, zh]\n").encode(), problems
    )
    assert both is not None and both.languages == ("en", "zh")


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("languages: [fr, en]\n", "statuspage.yaml:3:11: error: language: 'en' is not the first of languages ('fr'); the first of languages is the main language: remove language, or put it first"),
        ("languages: []\n", "statuspage.yaml:20:12: error: languages: list at least one language"),
        ("languages: [en, fr, en]\n", "statuspage.yaml:20:21: error: languages[2]: 'en' is listed twice"),
        ("languages: [en, de]\n", "statuspage.yaml:20:17: error: languages[1]: 'de' is not one of en, fr, ru, zh"),
        ("languages: en\n", "statuspage.yaml:20:12: error: languages: expected a list, got text"),
        ("langauges: [en]\n", "statuspage.yaml:20:1: error: unknown key 'langauges'; did you mean 'languages'?"),
    ],
)  # fmt: skip
def test_languages_errors(extra: str, message: str) -> None:
    assert config_problems(BASE_CONFIG + extra) == [message]


# -- text in several languages -------------------------------------------------------------


def test_text_picks_the_reader_language_or_the_main_one() -> None:
    text = Text("Checkout errors", (("fr", "Erreurs au paiement"), ("en", "Checkout errors")))
    assert text.pick("fr", "en") == ("fr", "Erreurs au paiement")
    assert text.pick("zh", "en") == ("en", "Checkout errors")
    assert text.languages("en") == ("fr", "en")
    plain = Text("Slow search")
    assert plain.pick("ru", "en") == ("en", "Slow search")
    assert plain.languages("en") == ("en",)
    # The main language not written: the first written stands in.
    only_french = Text("Erreurs", (("fr", "Erreurs"),))
    assert only_french.pick("en", "en") == ("fr", "Erreurs")


def test_validate_warns_about_missing_translations(tmp_path: Path) -> None:
    write_site(tmp_path, {"checkout": CHECKOUT, "slow": SLOW}, config=MULTILINGUAL)
    result = load_site(tmp_path, now=at(NOW), check_git=False)
    assert result.site is not None
    assert [str(w) for w in result.warnings] == [
        "incidents/checkout.yaml:2:3: warning: title: no zh translation; those pages show the en text, marked as not yet translated",
        "incidents/checkout.yaml:12:7: warning: updates[0].message: no zh translation; those pages show the en text, marked as not yet translated",
        "incidents/slow.yaml:1:8: warning: title: no fr, ru, zh translation; those pages show the en text, marked as not yet translated",
        "incidents/slow.yaml:5:69: warning: updates[0].message: no fr, ru, zh translation; those pages show the en text, marked as not yet translated",
        "incidents/slow.yaml:6:64: warning: updates[1].message: no fr, ru, zh translation; those pages show the en text, marked as not yet translated",
    ]  # fmt: skip
    runner = CliRunner()
    root = ["--root", str(tmp_path), "--now", NOW, "--no-git"]
    assert runner.invoke(cli, ["validate", *root]).exit_code == 0
    strict = runner.invoke(cli, ["validate", "--strict", *root])
    assert strict.exit_code == 1
    assert "incidents/slow.yaml:1:8: warning: title: no fr, ru, zh translation" in strict.output


def test_a_site_in_one_language_warns_only_when_its_language_is_missing(tmp_path: Path) -> None:
    only_french = "title: {fr: Lenteurs}\n" + SLOW.split("\n", 1)[1]
    write_site(tmp_path, {"checkout": CHECKOUT, "slow": SLOW, "fr": only_french})
    result = load_site(tmp_path, now=at(NOW), check_git=False)
    assert [str(w) for w in result.warnings] == [
        "incidents/fr.yaml:1:8: warning: title: no en translation; those pages show the fr text, marked as not yet translated"
    ]  # fmt: skip


# -- pages ---------------------------------------------------------------------------------


def test_each_language_under_its_folder(multilingual: Site) -> None:
    html = rendered(multilingual)
    for root in ("", "fr/", "ru/", "zh/"):
        for page in ("index.html", "incidents/checkout/index.html", "history/index.html",
                     "components/web/index.html", "uptime/index.html"):  # fmt: skip
            assert root + page in html
    assert "404.html" in html and "fr/404.html" not in html  # servers serve one, at the top
    assert '<html lang="zh-Hans" dir="ltr">' in html["zh/index.html"]
    assert '<html lang="ru" dir="ltr">' in html["ru/history/index.html"]
    assert "<h1>История инцидентов</h1>" in html["ru/history/index.html"]
    assert "Panne majeure" in html["fr/index.html"]
    # Dates, clock and units of each language.
    assert "10 mars 2026, 10:00 CET" in html["fr/incidents/checkout/index.html"]
    assert "2026年3月10日 10:00 CET" in html["zh/incidents/checkout/index.html"]


def test_hreflang_alternates_and_the_language_switcher(multilingual: Site) -> None:
    page = rendered(multilingual)["fr/incidents/checkout/index.html"]
    base = "https://status.test.example/"
    for tag, folder in (("en", ""), ("fr", "fr/"), ("ru", "ru/"), ("zh-Hans", "zh/")):
        alternate = (
            f'<link rel="alternate" hreflang="{tag}" href="{base}{folder}incidents/checkout/">'
        )
        assert alternate in page
    assert f'<link rel="alternate" hreflang="x-default" href="{base}incidents/checkout/">' in page
    switcher = re.search(r'<nav class="languages" aria-label="Langue">(.*?)</nav>', page, re.S)
    assert switcher is not None
    found = re.findall(r'<a href="([^"]+)" lang="([^"]+)" hreflang="[^"]+"( aria-current="true")?>([^<]+)</a>', switcher.group(1))  # fmt: skip
    assert found == [
        ("../../../incidents/checkout/", "en", "", "English"),
        ("../../../fr/incidents/checkout/", "fr", ' aria-current="true"', "Français"),
        ("../../../ru/incidents/checkout/", "ru", "", "Русский"),
        ("../../../zh/incidents/checkout/", "zh-Hans", "", "简体中文"),
    ]
    # The JSON API is shared by all languages, at the top; each language's developers page
    # links it.
    assert 'href="../../../fr/developers/"' in page
    developers = rendered(multilingual)["fr/developers/index.html"]
    assert 'href="../../api/v2/summary.json"' in developers
    assert 'href="../../../fr/history.atom"' in page


def test_links_resolve_in_every_language(multilingual: Site) -> None:
    """Every relative link of every page leads to a file the build writes."""
    files = {f.path for f in _all_files(multilingual)}
    for path, html in rendered(multilingual).items():
        if path == "404.html":
            continue
        folder = path.rpartition("/")[0]
        for target in re.findall(r'(?:href|src)="([^"#:]+)(?:#[^"]*)?"', html):
            resolved = _resolve(folder, target)
            assert resolved in files or f"{resolved}index.html" in files, f"{path}: {target}"


def _all_files(site: Site) -> list[OutputFile]:
    from statuspage.builder.pipeline import render

    return render(site)


def _resolve(folder: str, target: str) -> str:
    parts = [p for p in folder.split("/") if p]
    for piece in target.split("/"):
        if piece == "..":
            parts.pop()
        elif piece and piece != ".":
            parts.append(piece)
    return "/".join(parts) + ("/" if target.endswith("/") and parts else "")


def test_sitemap_lists_every_language_and_builds_are_deterministic(multilingual: Site) -> None:
    first = {f.path: f.data for f in _all_files(multilingual)}
    assert first == {f.path: f.data for f in _all_files(multilingual)}
    sitemap = first["sitemap.xml"].decode()
    for root in ("", "fr/", "ru/", "zh/"):
        assert f"<loc>https://status.test.example/{root}incidents/checkout/</loc>" in sitemap
    assert "404" not in sitemap


def test_a_missing_translation_falls_back_visibly(multilingual: Site) -> None:
    html = rendered(multilingual)
    chinese = html["zh/incidents/checkout/index.html"]
    assert (
        '<h1 id="title"><span lang="en">Checkout errors</span> '
        '<span class="untranslated">尚未翻译</span></h1>'
    ) in chinese
    assert (
        '<p class="untranslated">尚未翻译</p><div lang="en"><p>Payments <strong>fail</strong>. '
        "We are on it.</p></div>"
    ) in chinese
    assert "<title>Checkout errors · Test Shop Status</title>" in chinese  # no markup there
    russian = html["ru/incidents/checkout/index.html"]
    assert '<h1 id="title">Ошибки при оплате</h1>' in russian
    assert "Платежи <strong>не проходят</strong>" in russian
    assert "untranslated" not in russian.split('<section class="timeline"')[0].split("<h1")[1][:80]
    # Plain strings are in the main language: marked on the other languages' pages only.
    assert '<span lang="en">Slow search</span> <span class="untranslated">Pas encore traduit</span>' in html["fr/history/index.html"]  # fmt: skip
    assert "untranslated" not in html["index.html"].split("<footer")[0]
    # The operator's own words from the config carry the main language's tag elsewhere.
    assert '<span lang="en">We answer within 8 hours.</span>' in html["ru/index.html"]
    assert '<span lang="en">We answer' not in html["index.html"]


def test_one_config_line_switches_a_site_to_another_language(tmp_path: Path) -> None:
    config = BASE_CONFIG.replace("language: en", "language: ru")
    write_site(tmp_path, {"checkout": CHECKOUT, "slow": SLOW}, config=config)
    html = rendered(load(tmp_path))
    assert not any(path.startswith(("ru/", "en/")) for path in html)
    index = html["index.html"]
    assert '<html lang="ru" dir="ltr">' in index
    assert "hreflang" not in index and 'class="languages"' not in index
    assert "Ошибки при оплате" in index
    assert "Все системы" not in index  # the checkout is down
    assert "Серьёзный сбой" in index
    # Plain strings are taken to be in the site's language: nothing to mark.
    assert "untranslated" not in index.split("<footer")[0]


# -- feeds, calendars, API, e-mail ---------------------------------------------------------


def test_feeds_and_calendars_per_language(multilingual: Site) -> None:
    files = {f.path: f.data for f in feeds.generate(multilingual)}
    files |= {f.path: f.data for f in ical.generate(multilingual)}
    for root in ("", "fr/", "ru/", "zh/"):
        for name in ("history.atom", "history.rss", "updates.atom", "maintenance.ics",
                     "components/checkout/history.atom", "components/checkout/maintenance.ics"):  # fmt: skip
            assert root + name in files
    english = feedparser.parse(files["history.atom"])
    russian = feedparser.parse(files["ru/history.atom"])
    chinese = feedparser.parse(files["zh/history.atom"])
    assert russian.feed.language == "ru" and chinese.feed.language == "zh-Hans"
    assert russian.feed.title == "Test Shop Status – История инцидентов"
    entry = next(e for e in russian.entries if e.link.endswith("/checkout/"))
    assert entry.title == "Ошибки при оплате"
    assert entry.link == "https://status.test.example/ru/incidents/checkout/"
    # Each language's entries have ids of their own; the main language's never change.
    assert entry.id == "tag:status.test.example,2026:ru/incident/checkout"
    assert {e.id for e in english.entries} == {
        "tag:status.test.example,2026:incident/checkout",
        "tag:status.test.example,2026:incident/slow",
    }
    untranslated = next(e for e in chinese.entries if e.link.endswith("/checkout/"))
    assert "<p><em>尚未翻译</em></p>" in untranslated.content[0].value
    assert '<div lang="en">' in untranslated.content[0].value
    calendar = Calendar.from_ical(files["fr/maintenance.ics"])
    assert str(calendar.get("x-wr-calname")) == "Test Shop Status\u00a0: maintenances"


def test_the_api_and_badges_stay_in_the_main_language(multilingual: Site) -> None:
    from statuspage.outputs import badges

    paths = [f.path for f in api.generate(multilingual)] + [
        f.path for f in badges.generate(multilingual)
    ]
    assert paths and not any(p.startswith(("fr/", "ru/", "zh/")) for p in paths)
    summary = next(f for f in api.generate(multilingual) if f.path == "api/v2/summary.json")
    assert b'"name": "Checkout errors"' in summary.data


def test_notices_in_the_subscriber_language(multilingual: Site) -> None:
    renderer = Renderer(multilingual, preview_sender(multilingual.config), date=at(NOW))
    notice = latest_notice(multilingual, "checkout")
    russian = renderer.message(notice, Recipient(address="ivan@example.ru", language="ru"))
    assert russian["Content-Language"] == "ru"
    assert str(russian["Subject"]).endswith(": Ошибки при оплате")
    text = russian.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "https://status.test.example/ru/incidents/checkout/" in text
    chinese = renderer.message(notice, Recipient(address="li@example.cn", language="zh"))
    assert chinese["Content-Language"] == "zh-Hans"
    body = chinese.get_body(("plain",)).get_content().replace("\r\n", "\n")  # type: ignore[union-attr]
    assert "[尚未翻译]\nPayments **fail**. We are on it." in body
    assert "https://status.test.example/zh/incidents/checkout/" in body
    html = chinese.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert '<html lang="zh-Hans">' in html and '<div lang="en">' in html
    english = renderer.message(notice, Recipient(address="jo@example.com", language="en"))
    assert "https://status.test.example/incidents/checkout/" in str(
        english.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    )


def test_notices_in_a_language_the_site_is_not_built_in(tmp_path: Path) -> None:
    """A French subscriber of an English site reads French words and the English page."""
    write_site(tmp_path, {"checkout": CHECKOUT})
    site = load(tmp_path)
    renderer = Renderer(site, preview_sender(site.config), date=at(NOW))
    message = renderer.message(
        latest_notice(site, "checkout"), Recipient(address="marie@example.fr", language="fr")
    )
    text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "Les paiements **échouent**." in text
    assert "https://status.test.example/incidents/checkout/" in text
