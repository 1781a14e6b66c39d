"""What every generator produces: files for the site, as paths and bytes."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class OutputFile:
    """One file of the built site; `path` is relative to the output folder, with `/`."""

    path: str
    data: bytes
