"""One rule for what an output depends on, and the clock as an input like any other.

Every output file with a key gets it from `Keys` (outputs/output.py): a fingerprint of the
render function and its arguments. The clock is not in every key: a page whose render reads
it gets it from its view, and a template that reads `now` where no view gives it fails.
"""

from __future__ import annotations

import re
import shutil
from datetime import timedelta
from pathlib import Path

import pytest

from statuspage.builder.engine import Builder
from statuspage.builder.pipeline import build_site
from statuspage.inputs.load import load_site
from statuspage.outputs import generators
from statuspage.outputs.output import OutputFile
from statuspage.outputs.themes import ThemeError
from tests.sites import DEMO_NOW, REPO_ROOT
from tests.test_site_build import snapshot

PACKAGE = Path(__file__).parent.parent / "statuspage"
OPEN = (
    "title: Checkout errors\nimpact: major\ncomponents: {checkout: partial_outage}\n"
    "updates:\n  - {at: 2026-11-23T08:30:00+01:00, status: investigating, "
    "message: We are looking into it., next_update: 30m}\n"
)


def demo_copy(tmp_path: Path) -> Path:
    root = tmp_path / "demo"
    root.mkdir()
    shutil.copy(REPO_ROOT / "statuspage.yaml", root)
    shutil.copytree(REPO_ROOT / "incidents", root / "incidents")
    return root


def rendered_paths(root: Path, out: Path, now: object) -> set[str]:
    """The files a build at `now` renders, kept from the last build otherwise."""
    before = Builder(root, out)
    before.build(now=DEMO_NOW, check_git=False)
    assert before.manifest is not None
    keys = {path: record[0] for path, record in before.manifest.files.items()}
    after = Builder(root, out)
    after.build(now=now, check_git=False)  # type: ignore[arg-type]
    assert after.manifest is not None
    return {path for path, record in after.manifest.files.items() if keys.get(path) != record[0]}


def test_no_generator_makes_a_key_by_hand() -> None:
    """A key comes from `Keys` only: `OutputFile` takes bytes, and nothing else in the
    package builds a keyed file or sets a key."""
    with pytest.raises(TypeError):
        OutputFile("index.html", key="mine", render=lambda: b"")  # type: ignore[call-arg]
    for path in [*(PACKAGE / "outputs").rglob("*.py"), *(PACKAGE / "builder").rglob("*.py")]:
        if path == PACKAGE / "outputs" / "output.py":
            continue
        text = path.read_text()
        assert "_keyed(" not in text, path
        assert not re.search(r"\.key\s*=[^=]", text), path


def test_every_file_rendered_later_has_a_key() -> None:
    """No file of the demo falls out of the rule (an argument that cannot be named would
    leave it without a key, rendered at every build)."""
    site = load_site(REPO_ROOT, now=DEMO_NOW, check_git=False).site
    assert site is not None
    files = [f for generate in generators() for f in generate(site)]
    later = [f for f in files if not f.rendered]
    assert len(later) > len(files) // 2
    assert [f.path for f in later if f.key is None] == []


def test_a_new_clock_renders_only_the_files_that_show_it(tmp_path: Path) -> None:
    """The home page, the 404 page, pages of what is still open or planned, and the
    uptime figures show the clock; settled incidents, history and component pages do not."""
    root = demo_copy(tmp_path)
    (root / "incidents" / "2026-11-23-checkout-errors.yaml").write_text(OPEN)
    out = tmp_path / "public"
    rendered = rendered_paths(root, out, DEMO_NOW + timedelta(minutes=1))
    assert {"index.html", "404.html", "incidents/2026-11-23-checkout-errors/index.html"} <= rendered
    assert "incidents/2026-12-03-database-upgrade/index.html" in rendered  # planned
    assert "incidents/2026-11-20-checkout-errors/index.html" not in rendered  # resolved
    assert "history/index.html" not in rendered
    assert "components/payments/index.html" not in rendered
    assert "history.atom" not in rendered
    assert len(rendered) <= 8
    build_site(root, tmp_path / "clean", now=DEMO_NOW + timedelta(minutes=1), cache=False)
    assert snapshot(out) == snapshot(tmp_path / "clean")


def test_a_new_day_moves_the_bars(tmp_path: Path) -> None:
    """Component pages show 90 days up to today: a new day is a new strip."""
    root = demo_copy(tmp_path)
    out = tmp_path / "public"
    rendered = rendered_paths(root, out, DEMO_NOW + timedelta(days=1))
    assert "components/payments/index.html" in rendered
    build_site(root, tmp_path / "clean", now=DEMO_NOW + timedelta(days=1), cache=False)
    assert snapshot(out) == snapshot(tmp_path / "clean")


def test_a_postmortem_falling_due_is_seen_without_the_clock_in_the_key(tmp_path: Path) -> None:
    """A resolved incident's page holds what the view makes of the clock ("overdue"): when
    the clock crosses the date, the page changes, as a clean build has it."""
    root = demo_copy(tmp_path)
    (root / "incidents" / "2026-11-22-outage.yaml").write_text(
        "title: Outage\nimpact: critical\ncomponents: {checkout: major_outage}\nupdates:\n"
        "  - {at: 2026-11-22T10:00:00+01:00, status: investigating, message: Down.}\n"
        "  - {at: 2026-11-22T11:00:00+01:00, status: resolved, message: Back.}\n"
    )
    out = tmp_path / "public"
    page = out / "incidents" / "2026-11-22-outage" / "index.html"
    build_site(root, out, now=DEMO_NOW, check_git=False)
    assert "Postmortem owed by" in page.read_text()
    later = DEMO_NOW + timedelta(days=10)
    build_site(root, out, now=later, check_git=False)
    assert "Postmortem overdue" in page.read_text()
    build_site(root, tmp_path / "clean", now=later, check_git=False, cache=False)
    assert snapshot(out) == snapshot(tmp_path / "clean")


def test_a_template_that_reads_the_clock_where_no_view_gives_it_fails(tmp_path: Path) -> None:
    """`now` is not a global: a resolved incident's page that starts showing it would be a
    stale page, so the build fails and names the template instead."""
    root = demo_copy(tmp_path)
    out = tmp_path / "public"
    build_site(root, out, now=DEMO_NOW, check_git=False)
    before = snapshot(out)
    theme = root / "themes" / "default"
    theme.mkdir(parents=True)
    (theme / "incident.html").write_text(
        '{% extends "default:incident.html" %}'
        "{% block footer_extra %}<p>Now: {{ now }}</p>{% endblock %}"
    )
    for cache in (True, False):
        with pytest.raises(ThemeError, match=r"incident\.html: 'now' is undefined"):
            build_site(root, out, now=DEMO_NOW, check_git=False, cache=cache)
    assert snapshot(out) == before


def test_a_theme_shows_the_clock_where_the_view_gives_it(tmp_path: Path) -> None:
    """How a theme reads the clock: `{% if now is defined %}`, on the pages that have it."""
    root = demo_copy(tmp_path)
    (root / "incidents" / "2026-11-23-checkout-errors.yaml").write_text(OPEN)
    theme = root / "themes" / "default"
    theme.mkdir(parents=True)
    (theme / "base.html").write_text(
        '{% extends "default:base.html" %}{% block footer_extra %}'
        "{% if now is defined %}<p>Clock: {{ now.isoformat() }}</p>{% endif %}{% endblock %}"
    )
    out = tmp_path / "public"
    later = DEMO_NOW + timedelta(minutes=1)
    build_site(root, out, now=DEMO_NOW, check_git=False)
    build_site(root, out, now=later, check_git=False)
    live = (out / "incidents" / "2026-11-23-checkout-errors" / "index.html").read_text()
    assert f"Clock: {later.isoformat()}" in live
    assert "Clock:" not in (out / "history" / "index.html").read_text()
    build_site(root, tmp_path / "clean", now=later, check_git=False, cache=False)
    assert snapshot(out) == snapshot(tmp_path / "clean")


def test_an_edit_of_an_open_incident_does_not_render_every_page(tmp_path: Path) -> None:
    """`overall` (in every page's key) holds what a page may show of the open incidents,
    not their updates: a new message renders the pages that show it, not the whole site."""
    root = demo_copy(tmp_path)
    path = root / "incidents" / "2026-11-23-checkout-errors.yaml"
    path.write_text(OPEN)
    out = tmp_path / "public"
    first = Builder(root, out).build(now=DEMO_NOW, check_git=False)
    path.write_text(OPEN.replace("looking into it", "rolling back the release"))
    again = Builder(root, out).build(now=DEMO_NOW, check_git=False)
    assert 0 < again.rendered < first.files // 4
    build_site(root, tmp_path / "clean", now=DEMO_NOW, check_git=False, cache=False)
    assert snapshot(out) == snapshot(tmp_path / "clean")


def test_a_template_that_starts_showing_open_incidents_stays_right(tmp_path: Path) -> None:
    """A theme that shows the open incidents' titles on every page: a new title reaches
    every page (the title is in `overall`), with no other change."""
    root = demo_copy(tmp_path)
    path = root / "incidents" / "2026-11-23-checkout-errors.yaml"
    path.write_text(OPEN)
    theme = root / "themes" / "default"
    theme.mkdir(parents=True)
    (theme / "base.html").write_text(
        '{% extends "default:base.html" %}{% block footer_extra %}'
        "{% for open in overall.active %}<p>Open: {{ t(open.title) }} ({{ open.status }})</p>"
        "{% endfor %}{% endblock %}"
    )
    out = tmp_path / "public"
    build_site(root, out, now=DEMO_NOW, check_git=False)
    path.write_text(OPEN.replace("Checkout errors", "Checkout failures"))
    build_site(root, out, now=DEMO_NOW, check_git=False)
    old = out / "incidents" / "2026-06-23-order-tracking-stale" / "index.html"
    assert "Open: Checkout failures (investigating)" in old.read_text()
    build_site(root, tmp_path / "clean", now=DEMO_NOW, check_git=False, cache=False)
    assert snapshot(out) == snapshot(tmp_path / "clean")
