"""The words customers read for statuses and states, in the site's language.

Pages, feeds, calendars, badges and notices all name the same things; keeping the words here
means a status reads the same everywhere and is translated once. The strings are marked with
`N_` so Babel's extractor finds them; `gettext` looks them up at run time.
"""

from __future__ import annotations

from statuspage.inputs.model import ComponentStatus, Impact, Indicator, UpdateStatus
from statuspage.text.i18n import translations


def N_(message: str) -> str:  # the conventional name for gettext markers
    """Mark a string for translation without translating it yet."""
    return message


UPDATE_STATUS_WORDS: dict[UpdateStatus, str] = {
    UpdateStatus.INVESTIGATING: N_("Investigating"),
    UpdateStatus.IDENTIFIED: N_("Identified"),
    UpdateStatus.MONITORING: N_("Monitoring"),
    UpdateStatus.RESOLVED: N_("Resolved"),
    UpdateStatus.POSTMORTEM: N_("Postmortem"),
    UpdateStatus.SCHEDULED: N_("Scheduled"),
    UpdateStatus.IN_PROGRESS: N_("In progress"),
    UpdateStatus.VERIFYING: N_("Verifying"),
    UpdateStatus.COMPLETED: N_("Completed"),
    UpdateStatus.CANCELLED: N_("Cancelled"),
}

COMPONENT_STATUS_WORDS: dict[ComponentStatus, str] = {
    ComponentStatus.OPERATIONAL: N_("Operational"),
    ComponentStatus.DEGRADED_PERFORMANCE: N_("Degraded performance"),
    ComponentStatus.PARTIAL_OUTAGE: N_("Partial outage"),
    ComponentStatus.MAJOR_OUTAGE: N_("Major outage"),
    ComponentStatus.UNDER_MAINTENANCE: N_("Under maintenance"),
}

INDICATOR_WORDS: dict[Indicator, str] = {
    Indicator.NONE: N_("All systems operational"),
    Indicator.MINOR: N_("Degraded performance"),
    Indicator.MAJOR: N_("Partial outage"),
    Indicator.CRITICAL: N_("Major outage"),
    Indicator.MAINTENANCE: N_("Under maintenance"),
}

IMPACT_WORDS: dict[Impact, str] = {
    Impact.NONE: N_("No impact"),
    Impact.MINOR: N_("Minor"),
    Impact.MAJOR: N_("Major"),
    Impact.CRITICAL: N_("Critical"),
    Impact.MAINTENANCE: N_("Maintenance"),
}


def update_status_word(status: UpdateStatus, language: str) -> str:
    """`Resolved`, `In progress`… in `language`."""
    return translations(language).gettext(UPDATE_STATUS_WORDS[status])


def component_status_word(status: ComponentStatus, language: str) -> str:
    """`Operational`, `Partial outage`… in `language`."""
    return translations(language).gettext(COMPONENT_STATUS_WORDS[status])


def indicator_word(indicator: Indicator, language: str) -> str:
    """The overall state in words: `All systems operational`, `Major outage`…"""
    return translations(language).gettext(INDICATOR_WORDS[indicator])
