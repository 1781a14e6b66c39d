"""Incident files are untrusted: no payload in them may run in a reader's browser.

Each payload goes into an incident's title, update text, postmortem and a retraction reason,
and into the config's texts. The built HTML must hold no script, event handler, dangerous
element or `javascript:`/`data:` link, and Chromium must open no dialog on any page.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

import pytest

from statuspage.builder.pipeline import build_site
from tests.sites import BASE_CONFIG, at, write_site
from tests.tools import open_page

PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(2)>",
    "<svg onload=alert(3)>",
    '<iframe src="javascript:alert(4)"></iframe>',
    "[click me](javascript:alert(5))",
    "[click me](JaVaScRiPt:alert(6))",
    "[click me](<javascript:alert(7)>)",
    "[click me](data:text/html;base64,PHNjcmlwdD5hbGVydCg4KTwvc2NyaXB0Pg==)",
    "[click me](vbscript:msgbox(9))",
    "![picture](javascript:alert(10))",
    '![x](x" onerror="alert(11))',
    '<a href="javascript:alert(12)">link</a>',
    '"><script>alert(13)</script>',
    "'><img src=x onerror=alert(14)>",
    "<details open ontoggle=alert(15)>x</details>",
    "<body onload=alert(16)>",
    "<input autofocus onfocus=alert(17)>",
    '<style>body{background:url("javascript:alert(18)")}</style>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(19)>",
    "[click me](java&#x09;script:alert(20))",
    '<a href="&#106;avascript:alert(21)">link</a>',
    '<object data="javascript:alert(22)"></object>',
    '<embed src="javascript:alert(23)">',
    '<form action="javascript:alert(24)"><button>go</button></form>',
    "[click me](javascript&colon;alert(25))",
    '<meta http-equiv="refresh" content="0;url=javascript:alert(26)">',
    '<base href="javascript:alert(27)//">',
    "<javascript:alert(28)>",
    "[click me](&#x01;javascript:alert(29))",
    '<a href="#" style="position:fixed;inset:0" onclick="alert(30)">x</a>',
    "{{ config }}{% raw %}{{ 7*7 }}",
    '<noscript><p title="</noscript><img src=x onerror=alert(31)>">',
]

DANGEROUS_TAGS = {
    "script", "iframe", "img", "svg", "math", "object", "embed", "form", "input", "button",
    "style", "base", "details", "noscript", "textarea", "select", "audio", "video",
}  # fmt: skip
SAFE_SCHEMES = ("http:", "https:", "mailto:", "webcal:")  # webcal: the calendar, from base_url
C0_AND_SPACE = "".join(chr(c) for c in range(0x21))
OUR_STYLE = re.compile(r"grid-column:span \d+;--n:\d+")


def quoted(text: str) -> str:
    """A YAML double-quoted scalar (JSON strings are YAML)."""
    return json.dumps(text)


def payload_site(root: Path) -> Path:
    incidents = {}
    for n, payload in enumerate(PAYLOADS):
        fields = {
            "title": quoted(payload),
            "impact": "major",
            "components": "{web: major_outage}",
            "updates": "\n".join(
                [
                    "",
                    f"  - at: 2026-03-{1 + n % 28:02d}T10:00:00+01:00",
                    "    status: investigating",
                    f"    message: {quoted(payload + chr(10) + chr(10) + 'Details: ' + payload)}",
                    f"  - at: 2026-03-{1 + n % 28:02d}T11:00:00+01:00",
                    "    status: resolved",
                    f"    message: {quoted(payload)}",
                ]
            ),
            "postmortem": quoted(f"## What happened\n\n{payload}"),
        }
        if n % 3 == 0:
            fields["retracted"] = quoted(payload)
        incidents[f"p{n:02d}"] = "".join(f"{key}: {value}\n" for key, value in fields.items())
    payload = PAYLOADS[0] + PAYLOADS[1]
    config = (
        BASE_CONFIG.replace("title: Test Shop Status", f"title: {quoted('Shop ' + payload)}")
        .replace(
            "response_promise: We answer within 8 hours.",
            f"response_promise: {quoted(PAYLOADS[2])}",
        )
        .replace(
            "name: Website", f"name: {quoted(PAYLOADS[3])}\n    description: {quoted(payload)}"
        )
        .replace("group: Orders", f"group: {quoted(PAYLOADS[12])}")
    )
    return write_site(root, incidents, config=config)


@pytest.fixture(scope="module")
def built_payloads(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = payload_site(tmp_path_factory.mktemp("xss") / "site")
    out = root / "site"
    build_site(root, out, now=at("2026-04-01T12:00:00+02:00"), check_git=False)
    return out


class Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))

    handle_startendtag = handle_starttag


def html_pages(out: Path) -> list[Path]:
    found = sorted(out.rglob("*.html"))
    assert len(found) > len(PAYLOADS)  # every incident page, and the rest
    return found


def is_our_badge(page: Path, tag: str, attrs: dict[str, str | None]) -> bool:
    """The developers page shows the site's own badge, a relative link to its badge.svg."""
    src = attrs.get("src") or ""
    return (
        tag == "img"
        and page.parent.name == "developers"
        and re.fullmatch(r"(\.\./)*badge\.svg", src) is not None
        and set(attrs) == {"src", "alt"}
    )


def test_there_are_enough_payloads() -> None:
    assert len(PAYLOADS) >= 20


def test_no_payload_survives_in_the_html(built_payloads: Path) -> None:
    problems = []
    for page in html_pages(built_payloads):
        html = page.read_text(encoding="utf-8")
        parser = Elements()
        parser.feed(html)
        if [tag for tag, _ in parser.tags].count("body") != 1:
            problems.append(f"{page}: a second <body>")
        for tag, attrs in parser.tags:
            if is_our_badge(page, tag, dict(attrs)):
                continue
            if tag in DANGEROUS_TAGS or (tag == "meta" and dict(attrs).get("http-equiv")):
                problems.append(f"{page.name}: <{tag}>")
            for name, value in attrs:
                value = value or ""
                # As the URL standard parses it: C0 controls and spaces around the URL and
                # tabs and newlines inside it are dropped; a scheme is letters before a colon.
                url = re.sub(r"[\t\n\r]", "", value.strip(C0_AND_SPACE))
                scheme = re.match(r"[a-z][a-z0-9+.-]*:", url, re.IGNORECASE)
                if name.startswith("on"):
                    problems.append(f"{page}: {name}={value!r}")
                linked = name in ("href", "src", "action", "formaction", "data")
                if linked and scheme and scheme.group().lower() not in SAFE_SCHEMES:
                    problems.append(f"{page}: {name}={value!r}")
                if name == "style" and not OUR_STYLE.fullmatch(value):
                    problems.append(f"{page}: style={value!r}")
        # Incident text is never evaluated as a template.
        assert "{{ config }}" in html or "p30" not in page.as_posix(), page
    assert not problems, "\n".join(problems)


def test_payloads_are_shown_as_text(built_payloads: Path) -> None:
    html = (built_payloads / "incidents/p00/index.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # the title, escaped


@pytest.mark.browser
def test_no_script_runs_and_no_dialog_opens(
    built_payloads: Path, browser_context: object, serve: Callable[[Path], str]
) -> None:
    from playwright.sync_api import BrowserContext, Dialog

    assert isinstance(browser_context, BrowserContext)
    base = serve(built_payloads)
    dialogs: list[str] = []

    def on_dialog(dialog: Dialog) -> None:
        dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    browser_context.on("dialog", on_dialog)
    pages = html_pages(built_payloads)
    for path in pages:
        url = base + path.relative_to(built_payloads).as_posix()
        page, problems = open_page(browser_context, url)
        # Give event handlers (onload, onfocus, ontoggle) a chance, hover and tab through.
        page.mouse.move(200, 200)
        for _ in range(5):
            page.keyboard.press("Tab")
        page.wait_for_timeout(50)
        assert page.evaluate("() => document.scripts.length") == 0, url
        assert not problems.page_errors, url
        page.close()
    assert dialogs == []
