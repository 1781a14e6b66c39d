"""Incremental builds are invisible: whatever happened before, the files are a clean build's.

The property test drives random sequences of edits, additions, deletions, broken files,
config and theme changes, a moving clock, a tampered output folder and a damaged cache,
and after each step compares, byte for byte, a clean build with four incremental ones:
`statuspage build` (a new process each time: only the disk cache carries over), a library
user holding one `Builder`, `serve`'s in-memory builder, and an in-memory `Builder` kept
across clock changes (what the clock is in a key matters there most).
"""

from __future__ import annotations

import json
import os
import pickle
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from statuspage.builder import engine as cache
from statuspage.builder import parallel
from statuspage.builder.engine import Builder
from statuspage.builder.pipeline import build_site, render
from statuspage.inputs.diagnostics import InputError
from statuspage.inputs.fingerprint import Fingerprints
from statuspage.inputs.load import load_site
from statuspage.inputs.places import SITE_MARKER
from statuspage.outputs import api, ical
from statuspage.outputs.themes import ThemeError
from statuspage.publish.serve import incremental_builder
from statuspage.text.i18n import Formatter
from tests.sites import BASE_CONFIG, DEMO_NOW, REPO_ROOT, write_site

START = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
COMPONENTS = ("web", "checkout", "payments", "api")
STATES = ("degraded_performance", "partial_outage", "major_outage")
MESSAGES = ("We are looking into it.", "We are looking into **it**.", "Fixed: see [x](https://a.b)")


@dataclass
class Spec:
    """One incident file, as the test writes it."""

    day: int
    title: str = "Slow pages"
    impact: str = "minor"
    component: str = "web"
    state: str = "degraded_performance"
    updates: int = 1
    resolved: bool = False
    postmortem: bool = False
    maintenance: bool = False
    retracted: bool = False
    message: str = MESSAGES[0]
    french: bool = False

    def text(self) -> str:
        day = f"2026-11-{self.day:02d}"
        if self.maintenance:
            lines = [
                f"title: {self.title}",
                "type: maintenance",
                f"window: {{start: {day}T22:00:00+01:00, end: {day}T23:30:00+01:00}}",
                f"components: {{{self.component}: under_maintenance}}",
                "updates:",
                f"  - {{at: {day}T08:00:00+01:00, status: scheduled, message: {self.message!r}}}",
            ]
        else:
            title = f"{{en: {self.title}, fr: Pages lentes}}" if self.french else self.title
            lines = [
                f"title: {title}",
                f"impact: {self.impact}",
                f"components: {{{self.component}: {self.state}}}",
                "updates:",
            ]
            statuses = ["investigating", "identified", "monitoring"][: self.updates]
            if self.resolved:
                statuses.append("resolved")
            for hour, status in enumerate(statuses, start=10):
                lines.append(
                    f"  - {{at: {day}T{hour}:00:00+01:00, status: {status}, "
                    f"message: {self.message!r}}}"
                )
            if self.resolved and self.postmortem:
                lines.append("postmortem: |\n  ## What happened\n  A disk filled up.")
        if self.retracted:
            lines.append("retracted: Posted by mistake.")
        return "\n".join(lines) + "\n"


@dataclass
class World:
    """The site on disk, the output folders, and what the test knows about them."""

    root: Path
    specs: dict[str, Spec] = field(default_factory=dict)
    broken: set[str] = field(default_factory=set)
    now: datetime = START
    config: str = BASE_CONFIG
    library: Builder | None = None
    preview: object = None
    memory: Builder | None = None  # in memory, across clocks (serve's clock ticks)
    last_good: dict[str, dict[str, bytes]] = field(default_factory=dict)

    @property
    def cli_out(self) -> Path:
        return self.root / "site"

    @property
    def library_out(self) -> Path:
        return self.root.parent / f"{self.root.name}-library"

    def write(self, name: str) -> None:
        path = self.root / "incidents" / f"{name}.yaml"
        if name in self.broken:
            path.write_text("title: [unclosed\n")
        else:
            path.write_text(self.specs[name].text())


def snapshot(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


# -- the steps ---------------------------------------------------------------------------

specs = st.builds(
    Spec,
    day=st.integers(1, 22),
    title=st.sampled_from(["Slow pages", "Errors at checkout", "Slow pagez"]),
    impact=st.sampled_from(["none", "minor", "major", "critical"]),
    component=st.sampled_from(COMPONENTS),
    state=st.sampled_from(STATES),
    updates=st.integers(1, 3),
    resolved=st.booleans(),
    postmortem=st.booleans(),
    maintenance=st.booleans(),
    retracted=st.booleans(),
    message=st.sampled_from(MESSAGES),
    french=st.booleans(),
)
names = st.sampled_from(["a", "b", "c", "d", "e"])
steps = st.one_of(
    st.tuples(st.just("write"), names, specs),
    st.tuples(
        st.just("tweak"),
        names,
        st.sampled_from(["title", "message", "day", "resolve", "update", "retract", "impact"]),
    ),
    st.tuples(st.just("delete"), names),
    st.tuples(st.just("break"), names),
    st.tuples(st.just("touch"), names),
    st.tuples(st.just("clock"), st.sampled_from([0, 1, 90, 60 * 24])),
    st.tuples(st.just("config"), st.sampled_from(["title", "languages", "zone", "back"])),
    st.tuples(
        st.just("theme"),
        st.sampled_from(["footer", "site", "overall", "open", "clock", "now", "fragment", "none"]),
    ),
    st.tuples(
        st.just("tamper"),
        st.sampled_from(["change", "delete", "stray", "folder", "link"]),
        st.sampled_from(["site", "spare"]),  # the live site, or the site before beside it
    ),
    st.tuples(st.just("cache"), st.sampled_from(["delete", "garbage", "truncate", "swap"])),
)


def apply(world: World, step: tuple[object, ...]) -> None:
    kind = step[0]
    if kind == "write":
        name, spec = step[1], step[2]
        assert isinstance(name, str) and isinstance(spec, Spec)
        world.specs[name] = spec
        world.broken.discard(name)
        world.write(name)
    elif kind == "tweak" and step[1] in world.specs:
        name, what = str(step[1]), step[2]
        old = world.specs[name]
        world.specs[name] = {
            # The same length: an edit that its size and (coarse) time may not reveal.
            "title": replace(old, title=old.title[:-1] + ("z" if old.title[-1] != "z" else "s")),
            "message": replace(old, message=MESSAGES[(MESSAGES.index(old.message) + 1) % 3]),
            "day": replace(old, day=old.day % 22 + 1),
            "resolve": replace(old, resolved=not old.resolved),
            "update": replace(old, updates=old.updates % 3 + 1),
            "retract": replace(old, retracted=not old.retracted),
            "impact": replace(old, impact="critical" if old.impact != "critical" else "minor"),
        }[str(what)]
        world.broken.discard(name)
        path = world.root / "incidents" / f"{name}.yaml"
        before = path.stat()
        world.write(name)
        # Edited in place with its time put back: only the bytes tell.
        os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    elif kind == "delete" and step[1] in world.specs:
        del world.specs[str(step[1])]
        world.broken.discard(str(step[1]))
        (world.root / "incidents" / f"{step[1]}.yaml").unlink()
    elif kind == "break" and step[1] in world.specs:
        world.broken.add(str(step[1]))
        world.write(str(step[1]))
    elif kind == "touch" and step[1] in world.specs:
        path = world.root / "incidents" / f"{step[1]}.yaml"
        path.write_bytes(path.read_bytes())
    elif kind == "clock":
        world.now += timedelta(minutes=int(str(step[1])))
    elif kind == "config":
        world.config = {
            "title": BASE_CONFIG.replace("Test Shop Status", "Test Shop Health"),
            "languages": BASE_CONFIG.replace("language: en\n", "languages: [en, fr]\n"),
            "zone": BASE_CONFIG.replace("Europe/Paris", "America/New_York"),
            "back": BASE_CONFIG,
        }[str(step[1])]
        (world.root / "statuspage.yaml").write_text(world.config)
    elif kind == "theme":
        theme = world.root / "themes" / "default"
        shutil.rmtree(world.root / "themes", ignore_errors=True)
        if step[1] in ("overall", "open", "now"):
            # Incident pages start showing the site's overall state (an edit of one
            # template, nothing else): a later change of another incident must reach them.
            # "open" shows what `overall` holds of open incidents; "now" reads the clock,
            # which a settled incident's page does not have: every build fails alike then.
            extra = {
                "overall": "Overall: {{ overall.indicator }}, {{ overall.active|length }} "
                "open, {{ overall.statuses }}",
                "open": "{% for o in overall.active + overall.upcoming %}{{ o.id }} "
                "{{ t(o.title) }} {{ o.status }} {{ o.impact }} {{ o.window }}{% endfor %}",
                "now": "Built {{ now }}",
            }[str(step[1])]
            theme.mkdir(parents=True)
            (theme / "incident.html").write_text(
                '{% extends "default:incident.html" %}{% block footer_extra %}'
                f"<p>{extra}</p>{{% endblock %}}"
            )
        elif step[1] == "clock":
            # Every page that has the clock shows it.
            theme.mkdir(parents=True)
            (theme / "base.html").write_text(
                '{% extends "default:base.html" %}{% block footer_extra %}'
                "{% if now is defined %}<p>{{ now.isoformat() }}</p>{% endif %}{% endblock %}"
            )
        elif step[1] == "fragment":
            # A fragment (made once per build for each key) given what differs between
            # pages, and the default's component bars overridden to show more of the view.
            (theme / "fragments").mkdir(parents=True)
            (theme / "base.html").write_text(
                '{% extends "default:base.html" %}{% block footer_extra %}'
                '{{ fragment("fragments/mine.html", here=page_path, n=overall.active|length) }}'
                "{% endblock %}"
            )
            (theme / "fragments" / "mine.html").write_text(
                '<p>{{ here }} {{ n }} {{ url("") }}</p>'
            )
            (theme / "fragments" / "component_bars.html").write_text(
                '{% include "default:fragments/component_bars.html" %}'
                "<p>{{ view.status }} {{ view.fraction }}</p>\n"
            )
        elif step[1] != "none":
            theme.mkdir(parents=True)
            # "site" reads what every page may show of the whole site from every page.
            extra = "{{ overall.upcoming|length }} planned" if step[1] == "site" else "Hello"
            (theme / "base.html").write_text(
                '{% extends "default:base.html" %}'
                f"{{% block footer_extra %}}<p>{extra}</p>{{% endblock %}}"
            )
    elif kind == "tamper":
        for out in (world.cli_out, world.library_out):
            if step[2] == "spare":
                out = out.parent / f".{out.name}.spare"
            files = sorted(p for p in out.rglob("*") if p.is_file()) if out.is_dir() else []
            if not files:
                continue
            victim = files[len(files) // 2]
            if step[1] == "change":
                victim.write_bytes(victim.read_bytes()[:-1] + b"!")
            elif step[1] == "delete":
                victim.unlink()
            elif step[1] == "stray":
                (out / "history" / "stray.html").parent.mkdir(exist_ok=True)
                (out / "history" / "stray.html").write_text("not from a build")
            elif step[1] == "link":  # a folder becomes a link to one outside the site
                outside = world.root.parent / "outside"
                outside.mkdir(exist_ok=True)
                if victim.parent != out and not victim.parent.is_symlink():
                    shutil.rmtree(victim.parent)
                    victim.parent.symlink_to(outside)
            else:
                (out / "leftover" / "deep").mkdir(parents=True, exist_ok=True)
                (out / "leftover" / "deep" / "x.txt").write_text("x")
    elif kind == "cache":
        folder = world.root / cache.CACHE_DIR
        pickles = sorted(folder.glob("*.pickle")) if folder.is_dir() else []
        if step[1] == "delete":
            shutil.rmtree(folder, ignore_errors=True)
        for path in pickles:
            if step[1] == "garbage":
                path.write_bytes(b"not a pickle at all")
            elif step[1] == "truncate":
                path.write_bytes(path.read_bytes()[:50])
            elif step[1] == "swap":  # valid pickles of the wrong thing
                path.write_bytes(pickle.dumps({"format": cache.FORMAT, "entries": 3}))


def check(world: World) -> None:
    """Every way of building gives the clean build's files, or fails like it."""
    clean_out = world.root.parent / f"{world.root.name}-clean"
    try:
        build_site(world.root, clean_out, now=world.now, check_git=False, cache=False)
    except (InputError, ThemeError) as exc:
        for how, out in (("cli", world.cli_out), ("library", world.library_out)):
            before = snapshot(out) if out.is_dir() else {}
            with pytest.raises(type(exc)):
                if how == "cli":
                    build_site(world.root, out, now=world.now, check_git=False)
                else:
                    assert world.library is not None
                    world.library.build(now=world.now, check_git=False)
            assert (snapshot(out) if out.is_dir() else {}) == before  # nothing written
        assert world.memory is not None
        with pytest.raises(type(exc)):
            world.memory.build(now=world.now, check_git=False)
        return
    clean = snapshot(clean_out)
    build_site(world.root, world.cli_out, now=world.now, check_git=False)
    assert snapshot(world.cli_out) == clean
    assert world.library is not None
    world.library.build(now=world.now, check_git=False)
    assert snapshot(world.library_out) == clean
    built = world.preview(frozenset({world.root}))  # type: ignore[operator]
    assert dict(built.files) == {p: d for p, d in clean.items() if p != SITE_MARKER}
    assert world.memory is not None
    kept = world.memory.build(now=world.now, check_git=False).contents
    assert dict(kept) == {p: d for p, d in clean.items() if p != SITE_MARKER}
    # No temporary file left behind, nothing extra in the cache folder's place, nothing
    # written through a link.
    assert [p.name for p in world.cli_out.rglob(".*")] == [SITE_MARKER]
    outside = world.root.parent / "outside"
    assert not outside.exists() or not any(outside.iterdir())


@settings(
    # 200 in CI, the same examples on every run; INCREMENTAL_EXAMPLES=1000 to look harder.
    max_examples=int(os.environ.get("INCREMENTAL_EXAMPLES", "200")),
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(st.lists(specs, min_size=1, max_size=3), st.lists(steps, min_size=1, max_size=6))
def test_incremental_builds_equal_clean_builds(
    tmp_path_factory: pytest.TempPathFactory, initial: list[Spec], plan: list[tuple[object, ...]]
) -> None:
    root = write_site(tmp_path_factory.mktemp("incremental") / "status")
    world = World(root=root)
    for name, spec in zip("abc", initial, strict=False):
        world.specs[name] = spec
        world.write(name)
    world.library = Builder(root, world.library_out)
    world.memory = Builder(root, None, use_disk=False)
    # A fixed clock, as `serve --now` has: the preview holds no clock of its own then.
    clock = {"now": world.now}
    preview_builder = incremental_builder(root, now=world.now, check_git=False)

    def preview(changed: frozenset[Path]) -> object:
        nonlocal preview_builder
        if clock["now"] != world.now:  # serve takes --now once: a new clock, a new serve
            clock["now"] = world.now
            preview_builder = incremental_builder(root, now=world.now, check_git=False)
        return preview_builder(changed)

    world.preview = preview
    check(world)
    for step in plan:
        apply(world, step)
        check(world)


# -- what the cache saves --------------------------------------------------------------------


def demo_copy(tmp_path: Path) -> Path:
    root = tmp_path / "demo"
    root.mkdir()
    shutil.copy(REPO_ROOT / "statuspage.yaml", root)
    shutil.copytree(REPO_ROOT / "incidents", root / "incidents")
    return root


def test_a_build_with_nothing_changed_reads_and_writes_nothing(tmp_path: Path) -> None:
    root = demo_copy(tmp_path)
    out = tmp_path / "public"
    first = Builder(root, out).build(now=DEMO_NOW, check_git=False)
    assert first.written == first.files and first.rendered > first.files // 2
    stamps = {p: p.stat().st_mtime_ns for p in out.rglob("*")}
    again = Builder(root, out).build(now=DEMO_NOW, check_git=False)
    assert again.up_to_date and again.rendered == again.written == 0
    assert again.files == first.files and again.warnings == first.warnings
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*")} == stamps


def test_one_edited_incident_renders_only_what_shows_it(tmp_path: Path) -> None:
    root = demo_copy(tmp_path)
    out = tmp_path / "public"
    first = Builder(root, out).build(now=DEMO_NOW, check_git=False)
    path = root / "incidents" / "2026-06-23-order-tracking-stale.yaml"
    path.write_text(path.read_text().replace("title: ", "title: Old news, ", 1))
    again = Builder(root, out).build(now=DEMO_NOW, check_git=False)
    assert not again.up_to_date
    # Its page, its history and component pages, the uptime report, feeds and API: a few
    # files of the demo's many, each written only if its bytes changed.
    assert 0 < again.rendered < first.files // 4
    assert 0 < again.written < first.files // 4
    build_site(root, tmp_path / "clean", now=DEMO_NOW, check_git=False, cache=False)
    from tests.test_site_build import snapshot as tree

    assert tree(out) == tree(tmp_path / "clean")


def test_an_edit_costs_what_changed_not_the_whole_site(tmp_path: Path) -> None:
    """The site before is kept beside the output as the spare, and a build brings it up to
    date in place: after one edit, only the files that changed since the spare was live are
    touched (linked from the live site or written), not every file of the site."""
    from tests.test_site_build import snapshot as tree

    root = demo_copy(tmp_path)
    out, spare = tmp_path / "public", tmp_path / ".public.spare"
    first = Builder(root, out).build(now=DEMO_NOW, check_git=False)
    path = root / "incidents" / "2026-06-23-order-tracking-stale.yaml"
    text = path.read_text()
    path.write_text(text.replace("title: ", "title: Old news, ", 1))
    second = Builder(root, out).build(now=DEMO_NOW, check_git=False)
    # No spare yet: the first site, replaced, becomes it; the second is linked whole.
    assert second.linked == first.files - second.written
    assert (spare / SITE_MARKER).is_file()
    other = root / "incidents" / "2026-11-20-checkout-errors.yaml"
    other.write_text(other.read_text().replace("Elevated error rate", "Raised error rate", 1))
    third = Builder(root, out).build(now=DEMO_NOW, check_git=False)
    assert 0 < third.written < first.files // 4
    assert 0 < third.linked < first.files // 4  # what the second build changed
    build_site(root, tmp_path / "clean", now=DEMO_NOW, check_git=False, cache=False)
    assert tree(out) == tree(tmp_path / "clean")
    assert len(tree(spare)) == first.files + 1  # the second build's site, with its marker
    # Back to the first version of the first file: the spare already holds those pages.
    path.write_text(text)
    fourth = Builder(root, out).build(now=DEMO_NOW, check_git=False)
    assert fourth.written < third.written
    build_site(root, tmp_path / "clean", now=DEMO_NOW, check_git=False, cache=False)
    assert tree(out) == tree(tmp_path / "clean")


@pytest.mark.parametrize("where", ["spare", "site"])
def test_what_is_put_into_the_spare_is_never_published(tmp_path: Path, where: str) -> None:
    """Files, folders and links put into the spare (or into the live site, which becomes
    the spare at the next build) are removed when the spare is updated, and nothing is
    written through a link: the sites published are clean builds' equals."""
    from tests.test_site_build import snapshot as tree

    root = demo_copy(tmp_path)
    out, spare = tmp_path / "public", tmp_path / ".public.spare"
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("not the site's")
    for _ in range(2):
        build_site(root, out, now=DEMO_NOW, check_git=False)
        path = root / "incidents" / "2026-06-23-order-tracking-stale.yaml"
        path.write_text(path.read_text().replace("title: ", "title: Old news, ", 1))
    folder = spare if where == "spare" else out
    (folder / "stray.html").write_text("not built")
    incident = next((folder / "incidents").iterdir())
    (incident / "extra.html").write_text("not built")
    (folder / "incidents" / "made-up").mkdir()
    (folder / "incidents" / "made-up" / "index.html").write_text("not built")
    shutil.rmtree(folder / "components")
    (folder / "components").symlink_to(outside)
    (folder / "index.html").unlink()
    (folder / "index.html").mkdir()
    for step in range(3):
        path = root / "incidents" / "2026-11-20-checkout-errors.yaml"
        path.write_text(path.read_text().replace("error rate", f"error rate {step}", 1))
        assert not Builder(root, out).build(now=DEMO_NOW, check_git=False).up_to_date
        build_site(root, tmp_path / "clean", now=DEMO_NOW, check_git=False, cache=False)
        assert tree(out) == tree(tmp_path / "clean"), f"build {step}"
    assert sorted(p.name for p in outside.iterdir()) == ["keep.txt"]
    assert not any(p.is_symlink() for p in spare.rglob("*"))
    assert tree(spare).keys() == tree(out).keys()


def test_a_build_that_changes_no_file_leaves_nothing_to_do(tmp_path: Path) -> None:
    """After a build that changes few files or none (an edit of a comment), what is
    recorded of the new site's folders is how they stand: the next build has nothing to
    do."""
    root = demo_copy(tmp_path)
    out = tmp_path / "public"
    path = root / "incidents" / "2026-06-23-order-tracking-stale.yaml"
    for comment in ("", "# one\n", "# two\n", "# three\n"):
        path.write_text(path.read_text() + comment)
        assert not Builder(root, out).build(now=DEMO_NOW, check_git=False).up_to_date
        assert Builder(root, out).build(now=DEMO_NOW, check_git=False).up_to_date


def test_a_new_clock_renders_only_what_shows_it(tmp_path: Path) -> None:
    """The clock is not in every key: a minute later, the live pages (home, 404, a planned
    maintenance) and the uptime figures are rendered again, the rest is kept."""
    root = demo_copy(tmp_path)
    out = tmp_path / "public"
    first = Builder(root, out).build(now=DEMO_NOW, check_git=False)
    later = Builder(root, out).build(now=DEMO_NOW + timedelta(minutes=1), check_git=False)
    assert 0 < later.rendered <= 8 < first.rendered


@pytest.mark.parametrize("damage", ["garbage", "truncated", "empty folder", "read-only"])
def test_a_damaged_cache_only_costs_time(tmp_path: Path, damage: str) -> None:
    root = demo_copy(tmp_path)
    out = tmp_path / "public"
    build_site(root, out, now=DEMO_NOW, check_git=False)
    expected = snapshot(out)
    folder = root / cache.CACHE_DIR
    for path in folder.glob("*.pickle"):
        if damage == "garbage":
            path.write_bytes(os.urandom(300))
        elif damage == "truncated":
            path.write_bytes(path.read_bytes()[:-10])
    if damage == "empty folder":
        shutil.rmtree(folder)
        folder.mkdir()
    if damage == "read-only":
        shutil.rmtree(folder)
        folder.parent.chmod(0o500)  # the cache cannot be written at all
    try:
        (root / "incidents" / "2026-11-20-checkout-errors.yaml").touch()
        build_site(root, out, now=DEMO_NOW, check_git=False)
        assert snapshot(out) == expected
    finally:
        folder.parent.chmod(0o700)


def test_a_cache_from_another_config_is_not_used(tmp_path: Path) -> None:
    root = demo_copy(tmp_path)
    out = tmp_path / "public"
    build_site(root, out, now=DEMO_NOW, check_git=False)
    config = root / "statuspage.yaml"
    config.write_text(config.read_text().replace("timezone: Europe/Paris", "timezone: UTC"))
    build_site(root, out, now=DEMO_NOW, check_git=False)
    build_site(root, tmp_path / "clean", now=DEMO_NOW, check_git=False, cache=False)
    assert snapshot(out) == snapshot(tmp_path / "clean")


def test_the_cache_lives_in_the_site_and_never_in_the_output(tmp_path: Path) -> None:
    root = demo_copy(tmp_path)
    build_site(root, root / "site", now=DEMO_NOW, check_git=False)
    names = {p.name for p in (root / cache.CACHE_DIR).iterdir()}
    assert "parse-00.pickle" in names and any(n.startswith("build-") for n in names)
    assert not any(".statuspage" in p.parts for p in (root / "site").rglob("*"))


# -- several processes ----------------------------------------------------------------------


def test_workers_change_no_byte(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Parsing and rendering split over forked workers give one process's files."""
    root = demo_copy(tmp_path)
    monkeypatch.setenv(parallel.WORKERS_VARIABLE, "1")
    build_site(root, tmp_path / "alone", now=DEMO_NOW, check_git=False, cache=False)
    monkeypatch.setenv(parallel.WORKERS_VARIABLE, "3")
    monkeypatch.setattr(cache, "PARALLEL_PARSE", 2)
    monkeypatch.setattr(cache, "PARALLEL_RENDER", 2)
    build_site(root, tmp_path / "shared", now=DEMO_NOW, check_git=False, cache=False)
    assert snapshot(tmp_path / "shared") == snapshot(tmp_path / "alone")
    assert [p for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_a_worker_failure_is_raised_here() -> None:
    def task(part: int, parts: int) -> int:
        if part == 1:
            raise ValueError(f"part {part} of {parts} failed")
        return part

    with pytest.raises(ValueError, match="part 1 of 2 failed"):
        parallel.split(task, 2)
    assert parallel.split(lambda part, parts: part * 10, 3) == [0, 10, 20]


# -- the pieces the speed-ups rest on -------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(
    st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2040, 1, 1)),
    st.sampled_from(["en", "fr", "ru", "zh"]),
    st.sampled_from(["Europe/Paris", "UTC", "America/New_York", "Asia/Kolkata"]),
)
def test_remembered_date_parts_format_as_babel_does(
    naive: datetime, language: str, zone: str
) -> None:
    from babel.dates import format_datetime, format_time

    fmt = Formatter(language, ZoneInfo(zone))
    moment = naive.replace(tzinfo=UTC)
    local = moment.astimezone(fmt.zone)
    medium = format_datetime(local, "medium", tzinfo=fmt.zone, locale=fmt.locale)
    short = format_time(local, "short", tzinfo=fmt.zone, locale=fmt.locale)
    medium_time = format_time(local, "medium", tzinfo=fmt.zone, locale=fmt.locale)
    assert fmt.date_time(moment) == f"{medium.replace(medium_time, short)} {local.tzname()}"
    assert fmt.time_only(moment) == short


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.text(), json_values, max_size=5))
def test_api_json_is_what_the_json_module_writes(document: dict[str, object]) -> None:
    expected = json.dumps(document, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
    assert api.dump(document) == expected.encode()


def test_calendars_splice_their_events_as_icalendar_writes_them() -> None:
    site = load_site(REPO_ROOT, now=DEMO_NOW, check_git=False).site
    assert site is not None
    fmt = Formatter("en", site.config.zone)
    maintenances = [i for i in site.incidents if i.is_maintenance and i.current_window]
    assert maintenances
    whole = ical._calendar(site.config, fmt, "Demo", maintenances)
    assert ical._calendar(site.config, fmt, "Demo", maintenances, {}) == whole


def test_a_value_that_cannot_be_named_has_no_key() -> None:
    site = load_site(REPO_ROOT, now=DEMO_NOW, check_git=False).site
    assert site is not None
    fingerprints = Fingerprints(site.sources)
    incident = site.incidents[0]
    assert fingerprints(incident, {"n": 1}) == fingerprints(incident, {"n": 1})
    assert fingerprints(incident, {"n": 1}) != fingerprints(incident, {"n": 2})
    assert fingerprints(lambda: 1) is None
    assert Fingerprints({})(incident) is None  # a site made in code: rendered every time


def test_an_incident_answers_for_each_clock_it_is_asked() -> None:
    """Phases are remembered for the last clock only, never given for another."""
    site = load_site(REPO_ROOT, now=DEMO_NOW, check_git=False).site
    assert site is not None
    maintenance = site.by_id["2026-12-03-database-upgrade"]
    window = maintenance.current_window
    assert window is not None
    during = window.start + timedelta(minutes=1)
    assert maintenance.status_at(DEMO_NOW).value == "scheduled"
    assert maintenance.status_at(during).value == "in_progress"
    assert maintenance.status_at(DEMO_NOW).value == "scheduled"


def test_a_kept_builder_asks_an_unchanged_incident_once_per_clock(tmp_path: Path) -> None:
    """A `Builder` kept across builds (serve) takes the last build's timeline of each
    incident whose file did not change, at the same clock; an edited incident, or another
    clock (even the same instant written in another zone), gets a new one."""
    root = demo_copy(tmp_path)
    builder = Builder(root, tmp_path / "public")
    builder.build(now=DEMO_NOW, check_git=False)
    assert builder.site is not None
    before = dict(builder.site.timelines)
    edited = "2026-06-23-order-tracking-stale"
    path = root / "incidents" / f"{edited}.yaml"
    path.write_text(path.read_text().replace("title: ", "title: Old news, ", 1))
    builder.build(now=DEMO_NOW, check_git=False)
    after = builder.site.timelines
    assert after[edited] is not before[edited]
    assert after[edited].incident.title != before[edited].incident.title
    assert all(after[i] is before[i] for i in before if i != edited)
    same_instant = DEMO_NOW.astimezone(ZoneInfo("Asia/Tokyo"))
    builder.build(now=same_instant, check_git=False)
    assert all(builder.site.timelines[i] is not after[i] for i in after)
    assert all(t.now is same_instant for t in builder.site.timelines.values())


def test_a_kept_builder_works_out_an_unchanged_incident_page_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An incident page's context and its digest are kept on the incident's timeline: a
    kept `Builder` works out the edited incident's alone; a config change that the view
    reads (postmortem_due_days) works them all out again and the site is a clean build's."""
    from statuspage.outputs import pages
    from tests.test_site_build import snapshot as tree

    asked: list[str] = []
    view = pages.incident_view

    def counted(timeline: Any, config: Any) -> dict[str, Any]:
        asked.append(timeline.incident.id)
        return view(timeline, config)

    monkeypatch.setattr(pages, "incident_view", counted)
    root = demo_copy(tmp_path)
    out = tmp_path / "public"
    builder = Builder(root, out)
    builder.build(now=DEMO_NOW, check_git=False)
    assert builder.site is not None
    everyone = sorted(builder.site.by_id)
    assert sorted(asked) == everyone
    edited = "2026-06-23-order-tracking-stale"
    path = root / "incidents" / f"{edited}.yaml"
    path.write_text(path.read_text().replace("title: ", "title: Old news, ", 1))
    asked.clear()
    builder.build(now=DEMO_NOW, check_git=False)
    assert asked == [edited]
    config = root / "statuspage.yaml"
    config.write_text(
        config.read_text().replace("postmortem_due_days: 7", "postmortem_due_days: 1")
    )
    asked.clear()
    builder.build(now=DEMO_NOW, check_git=False)
    assert sorted(asked) == everyone
    build_site(root, tmp_path / "clean", now=DEMO_NOW, check_git=False, cache=False)
    assert tree(out) == tree(tmp_path / "clean")


def test_a_kept_builder_checks_an_unchanged_incident_once_per_clock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What load's clock and translation checks find is kept on the incident's timeline:
    a kept `Builder` checks the edited incident alone, and reports the same warnings."""
    from statuspage.inputs import load

    checked: list[str] = []
    check = load.check_clock

    def counted(incident: Any, *args: Any) -> None:
        checked.append(incident.id)
        check(incident, *args)

    monkeypatch.setattr(load, "check_clock", counted)
    root = demo_copy(tmp_path)
    (root / "incidents" / "2026-11-20-left-open.yaml").write_text(
        "title: Slow pages\nimpact: minor\ncomponents: {search: degraded_performance}\n"
        "updates:\n  - {at: 2026-11-20T10:00:00+01:00, status: investigating, message: On it.}\n"
    )
    builder = Builder(root, tmp_path / "public")
    first = builder.build(now=DEMO_NOW, check_git=False)
    assert any("stale notice" in w.message for w in first.warnings)
    edited = "2026-06-23-order-tracking-stale"
    path = root / "incidents" / f"{edited}.yaml"
    path.write_text(path.read_text().replace("title: ", "title: Old news, ", 1))
    checked.clear()
    second = builder.build(now=DEMO_NOW, check_git=False)
    assert checked == [edited]
    assert second.warnings == first.warnings
    checked.clear()
    later = builder.build(now=DEMO_NOW + timedelta(days=30), check_git=False)
    assert builder.site is not None
    assert sorted(checked) == sorted(builder.site.by_id)  # another clock: all checked again
    fresh = Builder(root, tmp_path / "other").build(
        now=DEMO_NOW + timedelta(days=30), check_git=False
    )
    assert later.warnings == fresh.warnings


def test_a_library_build_leaves_the_cycle_collector_as_it_found_it(tmp_path: Path) -> None:
    """Listing and rendering freeze what the build holds while they run (fewer objects
    for each collection to walk) and thaw it after, even when a build fails."""
    import gc

    root = demo_copy(tmp_path)
    assert gc.get_freeze_count() == 0 and gc.isenabled()
    Builder(root, tmp_path / "public").build(now=DEMO_NOW, check_git=False)
    assert gc.get_freeze_count() == 0 and gc.isenabled()
    theme = root / "themes" / "default"
    theme.mkdir(parents=True)
    (theme / "incident.html").write_text("{{ no_such_value.attribute }}")
    with pytest.raises(ThemeError):
        Builder(root, tmp_path / "public").build(now=DEMO_NOW, check_git=False)
    assert gc.get_freeze_count() == 0 and gc.isenabled()


def test_lazy_files_render_when_asked(tmp_path: Path) -> None:
    write_site(tmp_path)
    site = load_site(tmp_path, now=START, check_git=False).site
    assert site is not None
    files = render(site)
    assert all(f.rendered for f in files)
    assert {f.path for f in files} >= {"index.html", "history.atom", "api/v2/summary.json"}


def test_a_template_that_starts_showing_the_overall_state_stays_right(tmp_path: Path) -> None:
    """The change that once published "All systems operational" beside a major outage:
    incident pages start showing the overall state; then another incident changes it."""
    root = demo_copy(tmp_path)
    out = tmp_path / "public"
    build_site(root, out, now=DEMO_NOW, check_git=False)
    theme = root / "themes" / "default"
    theme.mkdir(parents=True)
    (theme / "incident.html").write_text(
        '{% extends "default:incident.html" %}'
        "{% block footer_extra %}<p>Overall: {{ overall.indicator }}</p>{% endblock %}"
    )
    build_site(root, out, now=DEMO_NOW, check_git=False)
    page = out / "incidents" / "2026-06-23-order-tracking-stale" / "index.html"
    assert "Overall: none" in page.read_text()
    (root / "incidents" / "2026-11-23-outage.yaml").write_text(
        "title: Everything is down\nimpact: critical\ncomponents: {storefront: major_outage}\n"
        "updates:\n  - {at: 2026-11-23T08:30:00+01:00, status: investigating, "
        "message: We are on it.}\n"
    )
    build_site(root, out, now=DEMO_NOW, check_git=False)
    assert "Overall: critical" in page.read_text()
    build_site(root, tmp_path / "clean", now=DEMO_NOW, check_git=False, cache=False)
    assert snapshot(out) == snapshot(tmp_path / "clean")


def test_a_folder_filled_during_the_render_is_not_replaced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The output folder is checked again at the swap: what someone put into the empty
    (or missing) folder while the build rendered is not deleted."""
    from statuspage.inputs.places import OutputFolderError

    root = demo_copy(tmp_path)
    out = tmp_path / "public"
    real = cache._render_into

    def meddling(*args: object, **kwargs: object) -> object:
        out.mkdir(exist_ok=True)
        (out / "thesis.tex").write_text("not a site")
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(cache, "_render_into", meddling)
    with pytest.raises(OutputFolderError, match="did not write"):
        Builder(root, out).build(now=DEMO_NOW, check_git=False)
    assert sorted(p.name for p in out.iterdir()) == ["thesis.tex"]
    assert (out / "thesis.tex").read_text() == "not a site"
    assert not list(tmp_path.glob(".public.*"))


def test_what_is_kept_is_decided_under_the_lock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another build may swap its site into the folder while this one waits for the lock:
    the files kept from the last build are then chosen from what stands there after it,
    so the result is this build's site, not a mix of both."""
    import contextlib

    from statuspage.builder import write
    from tests.test_site_build import snapshot as tree

    root = demo_copy(tmp_path)
    out = tmp_path / "public"
    builder = Builder(root, out)
    builder.build(now=DEMO_NOW, check_git=False)
    other = tmp_path / "other"
    build_site(root, other, now=DEMO_NOW + timedelta(days=1), check_git=False, cache=False)
    path = root / "incidents" / "2026-06-23-order-tracking-stale.yaml"
    path.write_text(path.read_text().replace("title: ", "title: Old news, ", 1))
    real = write.locked
    swapped: list[bool] = []

    @contextlib.contextmanager
    def late(folder: Path) -> Iterator[None]:
        if not swapped:  # the other build got the lock first and put its site in place
            swapped.append(True)
            shutil.rmtree(out)
            shutil.copytree(other, out)
        with real(folder):
            yield

    monkeypatch.setattr(cache, "locked", late)
    builder.build(now=DEMO_NOW, check_git=False)
    assert swapped
    build_site(root, tmp_path / "clean", now=DEMO_NOW, check_git=False, cache=False)
    assert tree(out) == tree(tmp_path / "clean")


def test_a_site_left_aside_by_a_killed_swap_is_put_back(tmp_path: Path) -> None:
    """Without renameat2 the swap renames twice; killed between them, it leaves the old
    site as `.public.old-*` and no `public`. The next build puts it back, even one that
    fails on its input, instead of removing the only copy."""
    root = demo_copy(tmp_path)
    out = tmp_path / "public"
    Builder(root, out).build(now=DEMO_NOW, check_git=False)
    from tests.test_site_build import snapshot as tree

    before = tree(out)
    out.rename(tmp_path / ".public.old-x1y2z3")
    (root / "incidents" / "2026-11-30-broken.yaml").write_text("title: [\n")
    with pytest.raises(InputError):
        Builder(root, out).build(now=DEMO_NOW, check_git=False)
    assert tree(out) == before
    assert not list(tmp_path.glob(".public.*"))


def test_files_copied_where_links_fail_are_recorded_as_copied(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Across file systems (EXDEV) the kept files are copied: what is recorded is the copy,
    so the next build finds the site as it was written and has nothing to do."""
    import errno

    def no_link(*args: object, **kwargs: object) -> None:
        raise OSError(errno.EXDEV, "Invalid cross-device link")

    monkeypatch.setattr(os, "link", no_link)
    root = demo_copy(tmp_path)
    out = tmp_path / "public"
    first = Builder(root, out).build(now=DEMO_NOW, check_git=False)
    path = root / "incidents" / "2026-06-23-order-tracking-stale.yaml"
    path.write_text(path.read_text().replace("title: ", "title: Old news, ", 1))
    second = Builder(root, out).build(now=DEMO_NOW, check_git=False)
    assert 0 < second.rendered < first.files // 4
    third = Builder(root, out).build(now=DEMO_NOW, check_git=False)
    assert third.up_to_date and third.rendered == third.written == 0


@pytest.mark.parametrize(
    ("exchange", "links"),
    [(True, True), (False, True), (True, False), (False, False)],
    ids=["renameat2 and links", "renames", "copies", "renames and copies"],
)
def test_the_spare_works_without_renameat2_or_hard_links(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, exchange: bool, links: bool
) -> None:
    """Where the one-step swap is missing, renames put the spare in place; where hard links
    fail, files are copied into it: builds back and forth, with an incident deleted and
    put back, are clean builds' equals, and the spare is the site before."""
    import errno

    from statuspage.builder import write
    from tests.test_site_build import snapshot as tree

    if not exchange:
        monkeypatch.setattr(write, "_exchange", lambda first, second: False)
    if not links:

        def no_link(*args: object, **kwargs: object) -> None:
            raise OSError(errno.EXDEV, "Invalid cross-device link")

        monkeypatch.setattr(os, "link", no_link)
    root = demo_copy(tmp_path)
    out, spare = tmp_path / "public", tmp_path / ".public.spare"
    path = root / "incidents" / "2026-06-23-order-tracking-stale.yaml"
    gone = root / "incidents" / "2026-09-08-checkout-false-alarm.yaml"
    text, kept = path.read_text(), gone.read_text()
    steps = [
        lambda: None,
        lambda: path.write_text(text.replace("title: ", "title: Old news, ", 1)),
        gone.unlink,
        lambda: path.write_text(text),
        lambda: gone.write_text(kept),
    ]
    before: dict[str, bytes] = {}
    for number, step in enumerate(steps):
        step()
        outcome = Builder(root, out).build(now=DEMO_NOW, check_git=False)
        assert number < 2 or outcome.linked + outcome.written < outcome.files // 2
        build_site(root, tmp_path / "clean", now=DEMO_NOW, check_git=False, cache=False)
        assert tree(out) == tree(tmp_path / "clean"), f"step {number}"
        if number:
            assert tree(spare) == before, f"step {number}: the spare is not the site before"
        before = tree(out)
    assert sorted(p.name for p in tmp_path.glob(".public*")) == [".public.spare"]


def test_a_library_build_leaves_a_heap_its_caller_froze_frozen(tmp_path: Path) -> None:
    """Listing, rendering and forking each freeze the heap for a while; they nest, and
    none thaws what the caller froze itself (a server that froze its start-up objects)."""
    import gc

    from statuspage.builder import parallel

    with parallel.frozen():
        outer = gc.get_freeze_count()
        with parallel.frozen():
            pass
        assert gc.get_freeze_count() >= outer > 0  # the inner block did not thaw the outer
    assert gc.get_freeze_count() == 0
    root = demo_copy(tmp_path)
    gc.freeze()
    try:
        frozen_before = gc.get_freeze_count()
        Builder(root, tmp_path / "public").build(now=DEMO_NOW, check_git=False)
        assert gc.get_freeze_count() >= frozen_before > 0
    finally:
        gc.unfreeze()
