"""Status badges: state in words, an accessible name, readable colours."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from statuspage.inputs.model import ComponentStatus, Site
from statuspage.outputs.badges import COLOURS, LABEL_BACKGROUND, badge
from tests.machine_site import build_machine_site

SVG = "{http://www.w3.org/2000/svg}"


def read(path: Path) -> tuple[str, list[str], ET.Element]:
    """The badge's title, its texts, and its root (checked to be accessible SVG)."""
    root = ET.parse(path).getroot()
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    title = root.findtext(f"{SVG}title") or ""
    assert title and root.get("aria-label") == title
    texts = [t.text or "" for t in root.iter(f"{SVG}text")]
    return title, texts, root


def contrast(first: str, second: str) -> float:
    """WCAG 2 contrast ratio of two #rrggbb colours."""

    def luminance(colour: str) -> float:
        channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    high, low = sorted((luminance(first), luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_demo_badges(built_demo: Path, demo_site: Site) -> None:
    title, texts, _ = read(built_demo / "badge.svg")
    assert title == "status: All systems operational"
    assert texts == ["status", "All systems operational"]
    for component in demo_site.config.components:
        title, texts, _ = read(built_demo / "components" / component.id / "badge.svg")
        assert texts == [component.name, "Operational"]


def test_badges_say_the_state_in_words(tmp_path: Path) -> None:
    site = build_machine_site(tmp_path)
    assert read(site / "badge.svg")[1] == ["status", "Major outage"]
    words = {
        name: read(site / "components" / name / "badge.svg")[1][1]
        for name in ("web", "checkout", "payments", "api")
    }
    assert words == {
        "web": "Operational",
        "checkout": "Under maintenance",
        "payments": "Operational",
        "api": "Major outage",
    }


@pytest.mark.parametrize("status", list(ComponentStatus))
def test_colours_are_readable(status: ComponentStatus) -> None:
    """Each badge paints its own background, so it reads on light and dark pages alike."""
    background, foreground = COLOURS[status]
    assert contrast(background, foreground) >= 4.5
    assert contrast(LABEL_BACKGROUND, "#ffffff") >= 4.5
    _, _, root = read_bytes(badge("Checkout", "Words & <more>", status))
    fills = [rect.get("fill") for rect in root.iter(f"{SVG}rect")]
    assert fills == [LABEL_BACKGROUND, background]


def read_bytes(data: bytes) -> tuple[str, list[str], ET.Element]:
    root = ET.fromstring(data)
    title = root.findtext(f"{SVG}title") or ""
    assert title == "Checkout: Words & <more>"  # escaped in the file, intact when read
    return title, [t.text or "" for t in root.iter(f"{SVG}text")], root


def test_text_fits_its_box() -> None:
    """Long and wide (CJK) words get a box sized for them, and are pinned to it."""
    root = read_bytes(badge("Checkout", "Words & <more>", ComponentStatus.OPERATIONAL))[2]
    rects = list(root.iter(f"{SVG}rect"))
    nodes = list(root.iter(f"{SVG}text"))
    for rect, node in zip(rects, nodes, strict=True):
        assert int(node.get("textLength", "0")) == int(rect.get("width", "0")) - 12
    wide = ET.fromstring(badge("状态", "所有系统正常运行", ComponentStatus.OPERATIONAL))
    narrow = ET.fromstring(badge("ab", "abcdefgh", ComponentStatus.OPERATIONAL))
    assert int(wide.get("width", "0")) > int(narrow.get("width", "0"))
