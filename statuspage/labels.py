"""The words customers read for each state, marked for translation.

Pages, feeds and notices show the same state names; keeping them here means one catalog
entry per word. The values are English source strings: pass them through the language's
`gettext` (`Formatter.gettext`, or `_()` in templates) before showing them.
"""

from __future__ import annotations

from statuspage.model import ComponentStatus, Impact, Indicator, UpdateStatus


def N_(message: str) -> str:
    """Marks a string for extraction into the catalogs without translating it yet."""
    return message


COMPONENT_STATUS = {
    ComponentStatus.OPERATIONAL: N_("Operational"),
    ComponentStatus.DEGRADED_PERFORMANCE: N_("Degraded performance"),
    ComponentStatus.PARTIAL_OUTAGE: N_("Partial outage"),
    ComponentStatus.MAJOR_OUTAGE: N_("Major outage"),
    ComponentStatus.UNDER_MAINTENANCE: N_("Under maintenance"),
}

UPDATE_STATUS = {
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

IMPACT = {
    Impact.NONE: N_("No impact"),
    Impact.MINOR: N_("Minor"),
    Impact.MAJOR: N_("Major"),
    Impact.CRITICAL: N_("Critical"),
    Impact.MAINTENANCE: N_("Maintenance"),
}

# Atlassian Statuspage's wording for the overall state, which customers know.
INDICATOR = {
    Indicator.NONE: N_("All Systems Operational"),
    Indicator.MINOR: N_("Partially Degraded Service"),
    Indicator.MAJOR: N_("Partial System Outage"),
    Indicator.CRITICAL: N_("Major Service Outage"),
    Indicator.MAINTENANCE: N_("Service Under Maintenance"),
}
