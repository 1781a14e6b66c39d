"""statuspage: an honest status page built from incident files kept in git.

The public API, for scripts and tests; the command line is a thin layer over it::

    from statuspage import load_site, build_site

    result = load_site(Path("."), now=now)      # every problem at once, or the model
    build_site(Path("."), Path("site"), now=now)

The stages live in subpackages, each importing only those below it:
``cli`` → ``authoring``, ``builder``, ``notify``, ``publish`` → ``outputs`` → ``text`` → ``inputs``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0.dev0"

# Imported on first use, so `statuspage --version` or `import statuspage` costs nothing.
_PUBLIC = {
    "load_site": "statuspage.inputs.load",
    "load_site_or_raise": "statuspage.inputs.load",
    "build_site": "statuspage.builder.pipeline",
    "render": "statuspage.builder.pipeline",
    "BuildResult": "statuspage.builder.pipeline",
    "Site": "statuspage.inputs.model",
    "InputError": "statuspage.inputs.diagnostics",
    "StatuspageError": "statuspage.inputs.diagnostics",
}

__all__ = [
    "BuildResult",
    "InputError",
    "Site",
    "StatuspageError",
    "__version__",
    "build_site",
    "load_site",
    "load_site_or_raise",
    "render",
]

if TYPE_CHECKING:
    from statuspage.builder.pipeline import BuildResult, build_site, render
    from statuspage.inputs.diagnostics import InputError, StatuspageError
    from statuspage.inputs.load import load_site, load_site_or_raise
    from statuspage.inputs.model import Site


def __getattr__(name: str) -> Any:
    if name not in _PUBLIC:
        raise AttributeError(f"module 'statuspage' has no attribute {name!r}")
    return getattr(importlib.import_module(_PUBLIC[name]), name)
