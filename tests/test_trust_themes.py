"""Themes are code (design §9): a template can run anything, so `validate`, the pull-request
check, renders nothing. Shown with a template that writes a marker file when rendered."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

from tests.sites import REPO_ROOT, write_site

NOW = "2026-11-23T10:00:00+01:00"
INCIDENT = (
    "title: Checkout errors\nimpact: minor\nupdates:\n  - at: 2026-11-20T14:02:00+01:00\n"
    "    status: resolved\n    message: Fixed.\n"
)
# Jinja is not sandboxed: any global's module reaches `os`.
HOSTILE = (
    '{% extends "default:index.html" %}\n'
    "{% set ran = cycler.__init__.__globals__.os.system('touch " + "{marker}" + "') %}\n"
)


def statuspage(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "statuspage", *args, "--root", str(root), "--now", NOW],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
        check=False,
    )


def test_validate_renders_no_template(tmp_path: Path) -> None:
    root = write_site(tmp_path / "site", {"2026-11-20-checkout": INCIDENT})
    marker = tmp_path / "marker"
    theme = root / "themes" / "default"
    theme.mkdir(parents=True)
    (theme / "index.html").write_text(HOSTILE.replace("{marker}", str(marker)))
    (theme / "email").mkdir()
    (theme / "email" / "notice.txt").write_text(HOSTILE.replace("{marker}", str(marker)))
    for args in (("validate",), ("validate", "--strict"), ("validate", "--format", "github")):
        done = statuspage(root, *args, "--no-git")
        assert done.returncode == 0, done.stdout + done.stderr
        assert not marker.exists(), f"{args} rendered a template"
    # The same template does run when the site is built: it is code, and the docs say so.
    assert statuspage(root, "build", "--no-git").returncode == 0
    assert marker.exists()


def test_a_theme_that_fails_while_rendering_names_its_line_and_keeps_the_site(
    tmp_path: Path,
) -> None:
    """A theme is code and may have bugs: one message with the template's file and line
    (no traceback), exit 1, and the site built before is left as it was."""
    root = write_site(tmp_path / "site", {"2026-11-20-checkout": INCIDENT})
    assert statuspage(root, "build", "--no-git").returncode == 0
    before = (root / "site" / "index.html").read_bytes()
    theme = root / "themes" / "default"
    theme.mkdir(parents=True)
    (theme / "index.html").write_text(
        '{% extends "default:index.html" %}\n'
        "{% block main %}\n<p>{{ 1 // 0 }}</p>\n{% endblock %}\n"
    )
    done = statuspage(root, "build", "--no-git")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert (
        f"{theme / 'index.html'}:3: the template failed: ZeroDivisionError: "
        "integer division or modulo by zero"
    ) in done.stderr
    assert (root / "site" / "index.html").read_bytes() == before


def test_a_theme_cannot_call_random_text(tmp_path: Path) -> None:
    """Jinja's `lipsum()` writes random words: a theme calling it would make two builds of
    the same inputs differ, so it is no global of pages nor of e-mail notices."""
    root = write_site(tmp_path / "site", {"2026-11-20-checkout": INCIDENT})
    theme = root / "themes" / "default"
    theme.mkdir(parents=True)
    (theme / "index.html").write_text(
        '{% extends "default:index.html" %}\n{% block main %}{{ lipsum(1) }}{% endblock %}\n'
    )
    done = statuspage(root, "build", "--no-git")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "index.html: 'lipsum' is undefined" in done.stderr

    from statuspage.inputs.load import load_site_or_raise
    from statuspage.notify.notices import Renderer, sender_of

    (theme / "index.html").unlink()
    site = load_site_or_raise(root, now=datetime.fromisoformat(NOW), check_git=False)
    notices = Renderer(site, sender_of(site.config), date=site.now)
    assert "lipsum" not in notices.environment("en").globals
