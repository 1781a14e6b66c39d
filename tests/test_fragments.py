"""Fragments: pieces of a page made once per build under a key the theme cannot get wrong.

`{{ fragment("name.html", **arguments) }}` renders a theme template that sees only its
arguments, the globals and the page-relative `url`/`asset`/`top`; the key is a fingerprint
of the name, the arguments and the page's depth. What replaced `{% call remember(key) %}`,
whose hand-written key let one page show another page's piece.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import TypeVar

import pytest

from statuspage.builder.pipeline import build_site
from statuspage.inputs.load import load_site_or_raise
from statuspage.outputs import pages, themes
from tests.sites import OUTAGE_CONFIG, OUTAGE_INCIDENTS, OUTAGE_NOW, REPO_ROOT, at, write_site

T = TypeVar("T")

# A theme that leans on fragments the way a careless one would: a piece that differs on
# every page (its path), one that differs with the depth alone, one that shows the clock
# where the page has one, one given a value that cannot be fingerprinted (a function), and
# fragments calling fragments. With hand-written keys each of these showed one page's
# piece on another, depending on which page was rendered first in which process.
HOSTILE = {
    "base.html": (
        '{% extends "default:base.html" %}\n'
        "{% block footer_extra %}"
        '{{ fragment("fragments/where.html", here=page_path) }}'
        '{{ fragment("fragments/depth.html") }}'
        '{{ fragment("fragments/clock.html", now=now if now is defined else none) }}'
        '{{ fragment("fragments/word.html", word=update_word) }}'
        "{% endblock %}\n"
    ),
    "fragments/where.html": '<p class="where">{{ here }} at {{ url("") }}</p>\n',
    "fragments/depth.html": (
        '<p class="depth"><a href="{{ url("history/") }}">{{ _("History") }}</a> '
        '{{ asset("style.css") }} {{ top("api/v1/status.json") }}</p>\n'
        '{{ fragment("fragments/where.html", here="inner") }}'
    ),
    "fragments/clock.html": (
        '<p class="clock">{% if now %}{{ fmt.date_time(now) }}{% else %}-{% endif %}</p>\n'
    ),
    "fragments/word.html": '<p class="word">{{ word("resolved") }} {{ url("uptime/") }}</p>\n',
}


def hostile_site(root: Path, files: dict[str, str] = HOSTILE) -> Path:
    write_site(root, OUTAGE_INCIDENTS, config=OUTAGE_CONFIG + "theme: hostile\n")
    for name, text in files.items():
        path = root / "themes" / "hostile" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def rendered(root: Path) -> dict[str, str]:
    site = load_site_or_raise(root, now=at(OUTAGE_NOW), check_git=False)
    return {
        f.path: f.data.decode("utf-8") for f in pages.generate(site) if f.path.endswith(".html")
    }


def test_pages_given_other_arguments_get_other_fragments(tmp_path: Path) -> None:
    """Each page shows the piece made from its own arguments and its own depth, never the
    piece of the page rendered before it."""
    found = rendered(hostile_site(tmp_path))
    assert len(found) > 10
    for path, html in found.items():
        here = path.removesuffix("index.html")
        up = "../" * path.count("/") if path != "404.html" else "/"
        assert f'<p class="where">{here} at {up or "./"}</p>' in html, path
        assert f'<p class="where">inner at {up or "./"}</p>' in html, path
        assert f'<a href="{up}history/">History</a>' in html, path
        assert f'<p class="word">Resolved {up}uptime/</p>' in html, path
    # The clock shows where the page has one (the live pages), and only there.
    assert '<p class="clock">-</p>' in found["history/index.html"]
    assert '<p class="clock">-</p>' not in found["index.html"]


def test_a_fragment_that_reads_what_it_was_not_given_fails(tmp_path: Path) -> None:
    """A fragment sees only its arguments: reading a variable of the page (which a key
    would miss) is a clear error naming the fragment, not a piece shown on the wrong page."""
    files = {
        "base.html": (
            '{% extends "default:base.html" %}'
            '{% block footer_extra %}{{ fragment("fragments/sneaky.html", x=1) }}{% endblock %}'
        ),
        "fragments/sneaky.html": "<p>{{ x }} {{ page_path }}</p>",
    }
    root = hostile_site(tmp_path, files)
    with pytest.raises(themes.ThemeError) as caught:
        rendered(root)
    message = str(caught.value)
    assert message.startswith("fragments/sneaky.html: 'page_path' is undefined"), message
    assert "only what it is given: x," in message


def test_a_fragment_does_not_see_the_clock_unless_given(tmp_path: Path) -> None:
    files = {
        "base.html": (
            '{% extends "default:base.html" %}'
            '{% block footer_extra %}{{ fragment("fragments/late.html") }}{% endblock %}'
        ),
        "fragments/late.html": "{% if now is defined %}{{ now }}{% endif %}{{ now }}",
    }
    with pytest.raises(themes.ThemeError, match=r"fragments/late\.html: 'now' is undefined"):
        rendered(hostile_site(tmp_path, files))


@pytest.mark.parametrize(
    ("call", "message"),
    [
        ('{{ fragment("fragments/nothing.html") }}', "fragment not found in the theme"),
        ('{{ fragment("fragments/where.html", url=1) }}', "cannot be given 'url'"),
        ('{% call remember("footer") %}x{% endcall %}', r"index\.html: remember\(\) was removed"),
    ],
)
def test_fragment_mistakes_are_theme_errors(tmp_path: Path, call: str, message: str) -> None:
    """`remember`, whose key the theme wrote by hand, is refused with what to use instead."""
    files = {
        "index.html": '{% extends "base.html" %}{% block main %}' + call + "{% endblock %}",
        "fragments/where.html": "<p>{{ here }}</p>",
    }
    with pytest.raises(themes.ThemeError, match=message):
        rendered(hostile_site(tmp_path, files))


# Run in a process of its own: forking needs a process with one thread, and other tests
# of the suite may leave threads behind (servers, watchers).
_SPLIT_BUILD = """
import json, sys
from pathlib import Path
from statuspage.builder import engine, parallel
from statuspage.builder.pipeline import build_site
from tests.sites import OUTAGE_NOW, at

engine.PARALLEL_RENDER = 1  # split even this small site between processes
parts = []
split = parallel.split

def recording(task, count):
    parts.append(count)
    return split(task, count)

parallel.split = recording
build_site(Path(sys.argv[1]), Path(sys.argv[2]), now=at(OUTAGE_NOW), check_git=False, cache=False)
print(json.dumps({"parts": parts, "could_fork": parallel.can_fork()}))
"""


def test_one_worker_or_two_make_the_same_site(tmp_path: Path) -> None:
    """The memo of fragments lives in each worker process; since a fragment is a function
    of its key, how the pages are split between processes changes no byte."""
    root = hostile_site(tmp_path / "site")
    outputs = {}
    for workers in ("1", "2"):
        out = tmp_path / f"out-{workers}"
        done = subprocess.run(
            [sys.executable, "-c", _SPLIT_BUILD, str(root), str(out)],
            capture_output=True,
            text=True,
            timeout=300,
            check=True,
            cwd=REPO_ROOT,
            env={**os.environ, "PYTHONPATH": str(REPO_ROOT), "STATUSPAGE_WORKERS": workers},
        )
        report = json.loads(done.stdout.strip().splitlines()[-1])
        assert report["could_fork"]
        assert (2 in report["parts"]) == (workers == "2")  # two processes rendered pages
        outputs[workers] = {
            p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()
        }
    assert outputs["1"] == outputs["2"]
    assert b'<p class="where">incidents/' in b"".join(outputs["2"].values())


def test_editing_a_fragment_rebuilds_the_pages_that_show_it(tmp_path: Path) -> None:
    """A fragment's template is a theme file like any other, in every page's key: an
    incremental build after an edit equals a clean build."""
    root = hostile_site(tmp_path / "site")
    out = tmp_path / "out"
    build_site(root, out, now=at(OUTAGE_NOW), check_git=False)
    where = root / "themes" / "hostile" / "fragments" / "where.html"
    where.write_text('<p class="where">{{ here }} (edited) at {{ url("") }}</p>\n')
    build_site(root, out, now=at(OUTAGE_NOW), check_git=False)
    clean = tmp_path / "clean"
    build_site(root, clean, now=at(OUTAGE_NOW), check_git=False, cache=False)
    files = {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert files == {
        p.relative_to(clean).as_posix(): p.read_bytes() for p in clean.rglob("*") if p.is_file()
    }
    assert b"(edited)" in files["history/index.html"]
