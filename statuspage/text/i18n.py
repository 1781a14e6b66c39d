"""Translations (gettext catalogs compiled with Babel) and locale-aware formatting.

Every string a customer reads goes through `gettext`, so a language is only a catalog away.
Dates, times, durations and percentages are formatted by Babel for the page's language, in the
site's time zone, with the zone's abbreviation (CET, MSK, …) so readers know which clock it is.
"""

from __future__ import annotations

import gettext as gettext_module
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache, cached_property
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import (
    format_date,
    format_interval,
    format_skeleton,
    format_time,
    format_timedelta,
    get_datetime_format,
)
from babel.lists import format_list
from babel.numbers import format_decimal, format_percent
from babel.support import Translations
from babel.units import format_unit

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
DOMAIN = "statuspage"
# Our language codes → Babel locales (Chinese is Simplified). The catalogs live in
# locale/<code>/LC_MESSAGES/statuspage.po (and the compiled .mo beside it).
BABEL_LOCALES = {"en": "en", "fr": "fr", "ru": "ru", "zh": "zh_Hans_CN"}
# Our codes → BCP 47 tags for `lang`, `hreflang` and Content-Language: the script matters
# for Chinese (browsers pick Simplified glyphs and fonts from it).
LANGUAGE_TAGS = {"en": "en", "fr": "fr", "ru": "ru", "zh": "zh-Hans"}
# Each language's name in itself, for the language switcher.
AUTONYMS = {"en": "English", "fr": "Français", "ru": "Русский", "zh": "简体中文"}


@cache
def translations(language: str) -> gettext_module.NullTranslations:
    """The catalog for `language`; the English source strings where there is none."""
    return Translations.load(str(LOCALE_DIR), [language], DOMAIN)


def language_tag(language: str) -> str:
    """`zh` → `zh-Hans`: the BCP 47 tag of one of our language codes."""
    return LANGUAGE_TAGS.get(language, language)


def whole_minutes(span: timedelta) -> int:
    """A span in whole minutes, to the nearest (half a minute up): the one rounding rule
    for minutes on every page, so the same downtime reads the same everywhere."""
    return max(int((span.total_seconds() + 30) // 60), 0)


@dataclass(frozen=True)
class Formatter:
    """Formats values for one language and one time zone."""

    language: str
    zone: ZoneInfo

    @cached_property
    def locale(self) -> Locale:
        return Locale.parse(BABEL_LOCALES.get(self.language, self.language))

    @cached_property
    def _translations(self) -> gettext_module.NullTranslations:
        return translations(self.language)

    @property
    def tag(self) -> str:
        """The BCP 47 tag, for `lang` attributes."""
        return language_tag(self.language)

    @cached_property
    def direction(self) -> str:
        """`ltr` or `rtl`, for `dir` attributes."""
        return str(self.locale.text_direction)

    def gettext(self, message: str) -> str:
        return self._translations.gettext(message)

    def ngettext(self, singular: str, plural: str, count: int) -> str:
        return self._translations.ngettext(singular, plural, count)

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.zone)

    def abbreviation(self, moment: datetime) -> str:
        """The zone's abbreviation at that moment: CET in winter, CEST in summer."""
        return self.local(moment).tzname() or ""

    def iso(self, moment: datetime) -> str:
        """For `<time datetime="…">`: ISO 8601 with the site zone's offset."""
        return self.local(moment).replace(microsecond=0).isoformat()

    def date_time(self, moment: datetime) -> str:
        """`Nov 20, 2026, 2:02 PM CET` (the locale's own order and clock)."""
        local = self.local(moment)
        # What format_datetime(local, "medium") does, from parts remembered per day and per
        # time of day: pages show tens of thousands of distinct moments, on few days.
        clock = self._clock(local)
        medium = self._remember(("time medium", clock), format_time, local, "medium")
        text = self._pattern.replace("{0}", medium).replace("{1}", self._date(local))
        text = text.replace(medium, self._remember(("time short", clock), format_time, local))
        return f"{text} {self.abbreviation(moment)}"

    def time_only(self, moment: datetime) -> str:
        local = self.local(moment)
        return self._remember(("time short", self._clock(local)), format_time, local)

    @cached_property
    def _memo(self) -> dict[object, str]:
        return {}

    @cached_property
    def _pattern(self) -> str:
        return str(get_datetime_format("medium", locale=self.locale)).replace("'", "")

    @staticmethod
    def _clock(local: datetime) -> tuple[object, ...]:
        """All that a time of day is formatted from, whatever the pattern."""
        return (local.time(), local.utcoffset(), local.tzname())

    def _date(self, local: datetime) -> str:
        key = ("date medium", local.date())
        if key not in self._memo:
            self._memo[key] = format_date(local, "medium", locale=self.locale)
        return self._memo[key]

    def _remember(
        self,
        key: tuple[object, ...],
        function: Callable[..., str],
        local: datetime,
        width: str = "short",
    ) -> str:
        if key not in self._memo:
            self._memo[key] = function(local, width, tzinfo=None, locale=self.locale)
        return self._memo[key]

    def time(self, moment: datetime) -> str:
        """`2:02 PM CET`."""
        return f"{self.time_only(moment)} {self.abbreviation(moment)}"

    def day(self, day: date | datetime, width: str = "medium") -> str:
        """`Nov 20, 2026` (a datetime is first put in the site zone)."""
        if isinstance(day, datetime):
            day = self.local(day).date()
        return format_date(day, width, locale=self.locale)

    def day_range(self, first: date, last: date) -> str:
        """`Aug 26 – Nov 19, 2026`, or one day when `first` is `last`."""
        if first == last:
            return self.day(first)
        return format_interval(first, last, "yMMMd", locale=self.locale)

    def weekday(self, day: date) -> str:
        """`Mon, Nov 2, 2026`."""
        return format_skeleton("yMMMEd", day, locale=self.locale)

    def month(self, year: int, month: int) -> str:
        """`November 2026`, standing alone (nominative case where the language has cases)."""
        return format_skeleton("yMMMM", date(year, month, 1), locale=self.locale)

    def utc(self, moment: datetime) -> str:
        """`UTC+1`, `UTC+5:30`, `UTC−5`: the zone's offset at that moment."""
        offset = self.local(moment).utcoffset() or timedelta(0)
        minutes = int(offset.total_seconds() // 60)
        if not minutes:
            return "UTC"
        sign = "+" if minutes > 0 else "\u2212"
        hours, rest = divmod(abs(minutes), 60)
        return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")

    def zone_label(self, moment: datetime) -> str:
        """`CET, UTC+1`: the abbreviation a reader may not know, with the offset they can
        work from."""
        utc, name = self.utc(moment), self.abbreviation(moment)
        return utc if name in ("", "UTC", utc) or name.lstrip("+-").isdigit() else f"{name}, {utc}"

    def when(self, moment: datetime, now: datetime) -> str:
        """`9:48 AM CET` on the day of `now` (site zone), else the date too."""
        if self.local(moment).date() == self.local(now).date():
            return self.time(moment)
        return self.date_time(moment)

    def relative(self, moment: datetime, now: datetime) -> str:
        """`16 min ago`, `in 3 days`, `in 1 hr 30 min`, `just now`: from the build clock,
        so the same `--now` gives the same words. Past two days, days alone."""
        span = moment - now
        ahead = span > timedelta(0)
        span = abs(span)
        if whole_minutes(span) == 0:
            return self.gettext("just now")
        if span >= timedelta(days=2):
            span = timedelta(days=span.days)
        text = self.duration(span)
        pattern = self.gettext("in %(duration)s") if ahead else self.gettext("%(duration)s ago")
        return pattern % {"duration": text}

    def join(self, items: list[str] | tuple[str, ...]) -> str:
        """`Checkout and Payments`, `Checkout, Search and Payments`, in the language's way."""
        return format_list(list(items), locale=self.locale)

    def duration(self, span: timedelta) -> str:
        """`2 days 3 hr`, `1 hr 22 min`, `45 min`: to the nearest minute (`whole_minutes`,
        the one rule every page uses), two units at most."""
        minutes = whole_minutes(span)
        days, rest = divmod(minutes, 24 * 60)
        hours, minutes = divmod(rest, 60)
        parts = [
            (days, "duration-day"),
            (hours, "duration-hour"),
            (minutes, "duration-minute"),
        ]
        shown = [(value, unit) for value, unit in parts if value]
        if not shown:
            return format_unit(0, "duration-minute", length="short", locale=self.locale)
        # Units side by side as the language writes them: `2 days 3 hr`, `2天3小时`.
        return format_list(
            [
                format_unit(value, unit, length="short", locale=self.locale)
                for value, unit in shown[:2]
            ],
            style="unit-narrow",
            locale=self.locale,
        )

    def ago(self, span: timedelta) -> str:
        """`5 weeks ago`, `3 days ago`: how long ago, rounded the way people say it."""
        return format_timedelta(-span, add_direction=True, locale=self.locale)

    def percent(self, fraction: float, decimals: int = 2) -> str:
        """`99.96%`, `99,96 %`: the locale's own pattern (French puts a space before the
        sign), with exactly `decimals` decimals."""
        pattern = str(self.locale.percent_formats[None].pattern)
        if decimals:
            pattern = pattern.replace("#,##0", "#,##0." + "0" * decimals, 1)
        return format_percent(fraction, pattern, locale=self.locale)

    def number(self, value: float) -> str:
        return format_decimal(value, locale=self.locale)
