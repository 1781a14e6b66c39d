"""Everything a build writes: pages, feeds, calendars, the JSON API and badges.

Each generator is a pure function of the site, named "module:function" so that a build
imports only what it runs. Order does not matter: files are sorted before writing.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from statuspage.inputs.model import Site
    from statuspage.outputs.output import OutputFile

Generator = Callable[["Site"], Iterable["OutputFile"]]

ALL: tuple[str, ...] = (
    "statuspage.outputs.pages:generate",
    "statuspage.outputs.feeds:generate",
    "statuspage.outputs.ical:generate",
    "statuspage.outputs.api:generate",
    "statuspage.outputs.badges:generate",
)


def generators(specs: Iterable[str] = ALL) -> list[Generator]:
    """The generator functions named by `specs`, imported now."""
    found = []
    for spec in specs:
        module, _, name = spec.partition(":")
        found.append(getattr(importlib.import_module(module), name))
    return found
