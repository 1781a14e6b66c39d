"""Themes: where templates and static files are found, for pages and e-mail notices alike.

The built-in themes live in the repository's top-level `themes/` and ship inside the wheel
as `statuspage/themes/`. A site's own `themes/<name>/` is searched first, then the built-in
theme of that name, then the built-in `default`; a template can extend the built-in one
explicitly with the `default:` prefix (`{% extends "default:base.html" %}`). Only regular
files are read: a link or a special file is an error, never followed (design §9).
"""

from __future__ import annotations

import os
import traceback
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import jinja2

from statuspage.inputs.diagnostics import StatuspageError
from statuspage.inputs.fingerprint import digest
from statuspage.inputs.model import Site
from statuspage.inputs.regular import NotRegularError, read_regular
from statuspage.inputs.yamlmarks import unreadable

BUILTIN_THEME = "default"


class ThemeError(StatuspageError):
    """A theme is missing, or one of its templates is broken."""


# Jinja's default globals are pure functions but one: `lipsum()` writes random text, so a
# theme calling it would make two builds of the same inputs differ. Themes do without it.
_UNREPEATABLE_GLOBALS = ("lipsum",)


def repeatable(env: jinja2.Environment) -> jinja2.Environment:
    """`env` without the globals whose results are random (a call is then an error)."""
    for name in _UNREPEATABLE_GLOBALS:
        env.globals.pop(name, None)
    return env


def failed_template(template: str, exc: Exception) -> ThemeError:
    """A template that raised while rendering (a theme is code, and may have bugs), as one
    message naming the template file and line where it failed, not a traceback."""
    where = template
    # Jinja rewrites a render's traceback so that each template frame carries the template's
    # file and line, and marks those frames with `__jinja_exception__`: the last is the place.
    for frame, line in traceback.walk_tb(exc.__traceback__):
        if "__jinja_exception__" in frame.f_globals:
            where = f"{frame.f_code.co_filename}:{line}"
    return ThemeError(f"{where}: the template failed: {type(exc).__name__}: {exc}")


def builtin_themes() -> Path:
    """The folder of the built-in themes: inside the installed package, or in a checkout."""
    package = Path(__file__).resolve().parent.parent
    packaged = package / "themes"
    if packaged.is_dir():
        return packaged
    return package.parent / "themes"


def theme_folders(site: Site, *, required: bool = True) -> list[Path]:
    """The folders a template is looked up in, first match wins. Without `required`, a
    missing theme leaves the built-in default alone."""
    name = site.config.theme
    local = Path(site.root) / "themes" / name
    builtin = builtin_themes()
    folders = [folder for folder in (local, builtin / name) if folder.is_dir()]
    if not folders and required:
        raise ThemeError(
            f"theme {name!r} not found: there is no themes/{name}/ in the site and no "
            f"built-in theme of that name (built-in: {', '.join(_builtin_names())})"
        )
    if name != BUILTIN_THEME:
        folders.append(builtin / BUILTIN_THEME)
    return folders


def _builtin_names() -> list[str]:
    return sorted(p.name for p in builtin_themes().iterdir() if p.is_dir())


class ThemeLoader(jinja2.FileSystemLoader):
    """Jinja's loader from folders, reading only regular files: a template that is a link
    (or a FIFO, a device) is an error, never followed or opened (design §9)."""

    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str, Callable[[], bool]]:
        pieces = jinja2.loaders.split_template_path(template)
        for folder in self.searchpath:
            filename = os.path.join(folder, *pieces)
            if os.path.lexists(filename):
                break
        else:
            raise jinja2.TemplateNotFound(template)
        source = theme_file(Path(filename)).decode(self.encoding)
        mtime = _mtime(filename)
        return source, os.path.normpath(filename), lambda: _mtime(filename) == mtime


def _mtime(path: str) -> int:
    try:
        return os.lstat(path).st_mtime_ns
    except OSError:
        return -1


def theme_loader(site: Site, part: str = "", *, required: bool = True) -> jinja2.BaseLoader:
    """Templates of the site's theme (under `part`, e.g. `email`), then the built-in ones;
    `default:name` reaches the built-in default's template (to extend it)."""
    default = ThemeLoader(builtin_themes() / BUILTIN_THEME / part)
    folders = [folder / part for folder in theme_folders(site, required=required)]
    if not folders or folders[-1] != builtin_themes() / BUILTIN_THEME / part:
        folders.append(builtin_themes() / BUILTIN_THEME / part)
    return jinja2.ChoiceLoader(
        [
            jinja2.PrefixLoader({BUILTIN_THEME: default}, delimiter=":"),
            ThemeLoader([folder for folder in folders if folder.is_dir()]),
        ]
    )


def theme_file(path: Path) -> bytes:
    """A theme file's bytes; a link or a special file is a ThemeError, never followed."""
    try:
        return read_regular(path)
    except NotRegularError as exc:
        raise ThemeError(f"{path}: {exc.reason}") from None
    except OSError as exc:
        raise ThemeError(f"{path}: {unreadable(exc)}") from None


def _theme_paths(folder: Path) -> Iterator[Path]:
    """The files under `folder`, sorted, without entering linked folders or hidden ones."""
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(name for name in dirnames if not name.startswith("."))
        for name in sorted(filenames):
            if not name.startswith("."):
                yield Path(dirpath, name)


def theme_assets(site: Site) -> dict[str, bytes]:
    """Files under the themes' `static/`, by path; the site's own theme wins."""
    found: dict[str, bytes] = {}
    for folder in reversed(theme_folders(site)):
        static = folder / "static"
        if not static.is_dir() or static.is_symlink():
            continue
        for path in _theme_paths(static):
            found[path.relative_to(static).as_posix()] = theme_file(path)
    return found


def theme_files(folders: Sequence[Path]) -> list[str]:
    """Every file of the themes, as `folder/path digest`, in lookup order: what a page's
    key needs to know of the templates and static files it is made from."""
    found = []
    for folder in folders:
        for path in _theme_paths(folder):
            found.append(f"{path.relative_to(folder.parent)} {digest(theme_file(path))}")
    return found
