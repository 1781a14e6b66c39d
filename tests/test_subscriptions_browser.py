"""End to end, on real processes: the built site's "Get notified" form in Chromium posts to
the subscription service under gunicorn, the confirmation reaches an SMTP sink (aiosmtpd),
the link's button confirms, `statuspage update` plus `notify` deliver exactly one notice,
its one-click unsubscribe POST removes the subscriber, and the next notice does not reach
them. The service's pages pass axe-core and the Nu HTML checker."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from statuspage.notify.ledger import KEY_ENV
from statuspage.notify.store import DATABASE_ENV, Store
from tests.mailserver import free_port, smtp_server
from tests.notify_sites import SECRET
from tests.sites import BASE_CONFIG, REPO_ROOT, write_site
from tests.tools import axe_violations, format_axe, format_vnu, vnu_errors

INCIDENT = """\
title: Search is slow
impact: minor
components: {web: degraded_performance}
updates:
  - at: 2026-11-01T10:00:00+01:00
    status: investigating
    message: Searches take several seconds.
"""


def statuspage(root: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-c", "from statuspage.cli import main; main()", *args]
    return subprocess.run(
        [*command, "--root", str(root)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@contextmanager
def gunicorn(env: dict[str, str], port: int) -> Iterator[str]:
    command = [
        sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "2",
        "statuspage.subscriptions.app:create_app()",
    ]  # fmt: skip
    process = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/healthz", timeout=5) as response:
                    if response.status == 200:
                        break
            except OSError:
                if process.poll() is not None:
                    raise AssertionError(process.stderr.read() if process.stderr else "") from None
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)
        if process.stderr is not None:
            print(process.stderr.read())


@pytest.mark.browser
def test_subscribe_confirm_notify_unsubscribe(
    browser: Browser, serve: Callable[[Path], str], tmp_path: Path
) -> None:
    stack = ExitStack()
    mail, smtp_port = stack.enter_context(smtp_server())
    port = free_port()
    while port == smtp_port:  # nothing listens on it yet, so it could be handed out twice
        port = free_port()
    service = f"http://127.0.0.1:{port}"
    config = (
        BASE_CONFIG.replace("language: en\n", "languages: [en, fr]\n")
        + "notify:\n  since: 2026-10-01T00:00:00+01:00\n"
        + f"subscriptions:\n  url: {service}\n  database: sqlite:///.statuspage/subscriptions.db\n"
    )
    root = write_site(tmp_path / "status", {"2026-11-01-search-slow": INCIDENT}, config=config)
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO_ROOT),
        "STATUSPAGE_SITE": str(root),
        KEY_ENV: SECRET,
        "CI": "true",
    }
    env.pop(DATABASE_ENV, None)
    built = statuspage(root, env, "build", "--no-git")
    assert built.returncode == 0, built.stderr
    site = serve(root / "site")
    checked: list[Path] = []

    def keep(name: str, html: str) -> None:
        path = tmp_path / "pages" / f"{name}.html"
        path.parent.mkdir(exist_ok=True)
        path.write_text(html, encoding="utf-8")
        checked.append(path)

    with stack, gunicorn({**env, "STATUSPAGE_SMTP_URL": f"smtp://127.0.0.1:{smtp_port}"}, port):
        env["STATUSPAGE_SMTP_URL"] = f"smtp://127.0.0.1:{smtp_port}"
        page = browser.new_page()
        # The page: "Get notified" in the header leads to the form.
        page.goto(site + "fr/")
        assert not axe_violations(page), format_axe(axe_violations(page))
        checked.extend([root / "site" / "index.html", root / "site" / "fr" / "index.html"])
        page.locator('header a[href="#subscribe"]').click()
        assert page.url.endswith("#subscribe")
        form = page.locator("form.subscribe-form")
        assert form.locator('input[name="language"]').get_attribute("value") == "fr"
        form.locator('input[name="email"]').fill("Jane.Customer@Example.com")
        form.get_by_role("checkbox", name="Website").check()
        form.locator('button[type="submit"]').click()
        page.wait_for_url(f"{service}/subscribe")
        assert page.get_by_role("heading", name="Consultez votre messagerie").is_visible()
        assert not axe_violations(page), format_axe(axe_violations(page))
        keep("check-inbox", page.content())
        # The confirmation message, with its link; following it confirms nothing yet.
        deadline = time.monotonic() + 30
        while not mail.received:
            assert time.monotonic() < deadline, "no confirmation arrived"
            time.sleep(0.1)
        (confirmation,) = mail.received
        assert confirmation.recipient == "jane.customer@example.com"
        link = re.search(
            rf"{re.escape(service)}/confirm\?token=\S+", confirmation.message.get_content()
        )
        assert link is not None
        page.goto(link.group(0))
        assert not axe_violations(page), format_axe(axe_violations(page))
        keep("confirm", page.content())
        with Store.open(f"sqlite:///{root}/.statuspage/subscriptions.db") as store:
            assert store.confirmed() == ()
        page.get_by_role("button", name="Confirmer").click()
        assert page.get_by_role("heading", name="Vous êtes abonné").is_visible()
        keep("confirmed", page.content())
        page.get_by_role("link", name="Choisir les composants ou la langue").click()
        assert not axe_violations(page), format_axe(axe_violations(page))
        keep("manage", page.content())
        assert page.get_by_role("checkbox", name="Website").is_checked()
        with Store.open(f"sqlite:///{root}/.statuspage/subscriptions.db") as store:
            (subscription,) = store.confirmed()
            assert (subscription.components, subscription.language) == (("web",), "fr")

        # What is already published is not mailed; the next update is, exactly once.
        baseline = statuspage(root, env, "notify", "--baseline", "--no-git")
        assert baseline.returncode == 0, baseline.stderr
        updated = statuspage(
            root, env, "update", "2026-11-01-search-slow", "--status", "identified",
            "-m", "A slow index; rebuilding it.",
        )  # fmt: skip
        assert updated.returncode == 0, updated.stderr
        sent = statuspage(root, env, "notify", "--no-git")
        assert sent.returncode == 0, sent.stderr
        notices = [r for r in mail.received if "X-Statuspage-Notice" in r.message]
        assert [(r.notice, r.recipient) for r in notices] == [
            ("2026-11-01-search-slow/1", "jane.customer@example.com")
        ]
        notice = notices[0].message
        unsubscribe = re.search(
            r"<(http://[^>]+/unsubscribe\?token=[^>]+)>", notice["List-Unsubscribe"]
        )
        assert unsubscribe is not None
        assert notice["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        # The mail client's one-click POST (RFC 8058): no cookies, no redirect.
        request = urllib.request.Request(
            unsubscribe.group(1), data=b"List-Unsubscribe=One-Click", method="POST"
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            assert response.status == 200
        with Store.open(f"sqlite:///{root}/.statuspage/subscriptions.db") as store:
            assert store.find("jane.customer@example.com") == ()
        # The footer's link shows a page (for a person) that says so.
        page.goto(unsubscribe.group(1))
        assert page.get_by_role("heading", name="You are unsubscribed").is_visible()
        keep("unsubscribed", page.content())
        page.goto(f"{service}/subscribe")
        assert not axe_violations(page), format_axe(axe_violations(page))
        keep("subscribe", page.content())

        updated = statuspage(
            root, env, "update", "2026-11-01-search-slow", "--status", "resolved",
            "-m", "Searches are fast again.",
        )  # fmt: skip
        assert updated.returncode == 0, updated.stderr
        again = statuspage(root, env, "notify", "--no-git")
        assert again.returncode == 0, again.stderr
        assert len([r for r in mail.received if "X-Statuspage-Notice" in r.message]) == 1
        page.close()
    errors = vnu_errors(checked)
    assert not errors, format_vnu(errors)
