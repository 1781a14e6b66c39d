"""The subscription service (design §8): a Flask WSGI application.

`create_app(root)` reads the site's `statuspage.yaml` (title, components, languages, theme)
and serves the endpoints of §8 with plain HTML forms in the site's look:

    GET  /subscribe            the form (also on every page of the site, posting here)
    POST /subscribe            always "check your inbox"; one confirmation per address per 10 min
    GET  /confirm?token=…      a page with a button; only the POST confirms
    GET  /manage?token=…       components and language; POST saves
    GET  /unsubscribe?token=…  a page with a button; POST (also RFC 8058 one-click) deletes
    GET  /healthz              200 when the database answers, else 503

Production: `gunicorn 'statuspage.subscriptions.app:create_app()'` in the site's folder
(or with $STATUSPAGE_SITE naming it); docs/subscriptions.md has the whole setup. Nothing
here logs an address: log lines name a subscription by its random uid at most.
"""

from __future__ import annotations

import logging
import os
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jinja2
from flask import Flask, Response, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.middleware.proxy_fix import ProxyFix

from statuspage.inputs.clock import utc_now
from statuspage.inputs.config import LANGUAGES
from statuspage.inputs.diagnostics import StatuspageError
from statuspage.inputs.load import read_config
from statuspage.inputs.model import Config
from statuspage.notify.ledger import Keys, load_keys
from statuspage.notify.notices import sender_of
from statuspage.notify.send import SMTP_ENV, Mailer, SmtpError, SmtpSettings
from statuspage.notify.store import Store, StoreError, Subscription, database_url
from statuspage.notify.subscribers import AddressError, normalise_address
from statuspage.notify.tokens import TokenError, TokenExpired, Tokens
from statuspage.outputs.themes import ThemeLoader, builtin_themes, theme_file
from statuspage.text.i18n import AUTONYMS, Formatter, language_tag, translations

log = logging.getLogger(__name__)

SITE_ENV = "STATUSPAGE_SITE"
LIMIT_ENV = "STATUSPAGE_SUBSCRIBE_LIMIT"
PROXIES_ENV = "STATUSPAGE_PROXIES"
DEFAULT_LIMIT = "10 per minute;100 per hour"
CONSENT_VERSION = "1"  # bump when the text above the form's button changes
MAX_FORM = 64 * 1024
MAX_URL = 2048
HONEYPOT = "website"


class ServiceError(StatuspageError):
    """The service cannot start: no database, no secret, no config."""


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    template: str
    context: dict[str, Any]


def _theme_folders(root: Path, theme: str) -> list[Path]:
    builtin = builtin_themes()
    folders = [root / "themes" / theme, builtin / theme, builtin / "default"]
    return [folder for folder in dict.fromkeys(folders) if folder.is_dir()]


class Service:
    """What the views share: the config, the store, the keys, the templates, the mailer."""

    def __init__(
        self,
        root: Path,
        config: Config,
        store: Store,
        keys: Keys,
        *,
        smtp_url: str | None,
        clock: Callable[[], datetime],
        address: str | None = None,
    ) -> None:
        self.root = root
        # Links in mails: the configured URL, else where `serve` listens; never the Host
        # header, which whoever sends the request chooses.
        self.base = (config.subscriptions.url or address or "").rstrip("/")
        self.config = config
        self.store = store
        # Tokens age on the service's one clock, the same that dates its mail and records.
        self.tokens = Tokens(keys.service, clock=lambda: clock().timestamp())
        self.smtp_url = smtp_url
        self.clock = clock
        self.tls: ssl.SSLContext | None = None
        folders = _theme_folders(root, config.theme)
        self.stylesheets = {
            name: next(
                (theme_file(folder / where) for folder in folders if (folder / where).is_file()),
                b"",
            )
            for name, where in (
                ("style.css", "static/style.css"),
                ("service.css", "service/service.css"),
                ("favicon.svg", "static/favicon.svg"),
            )
        }
        self.env = jinja2.Environment(
            loader=ThemeLoader(folders),
            autoescape=jinja2.select_autoescape(["html"]),
            undefined=jinja2.StrictUndefined,
            extensions=["jinja2.ext.i18n"],
            trim_blocks=True,
            lstrip_blocks=True,
        )

    # -- helpers ---------------------------------------------------------------------------

    def language(self, wanted: str | None) -> str:
        """One of the site's languages: from a code (`zh`) or a page's tag (`zh-Hans`)."""
        for code in self.config.languages:
            if wanted in (code, language_tag(code)):
                return code
        return self.config.language

    def url(self, path: str) -> str:
        """Where a link in a message points: the configured URL, else the served address."""
        return f"{self.base}/{path}"

    def render(self, answer: Answer, language: str) -> Response:
        catalog = translations(language)
        fmt = Formatter(language, self.config.zone)
        template = self.env.get_template(f"service/{answer.template}")
        self.env.install_gettext_translations(catalog, newstyle=True)  # type: ignore[attr-defined]
        html = template.render(
            config=self.config,
            lang=language_tag(language),
            language=language,
            dir=fmt.direction,
            languages=[(code, AUTONYMS.get(code, code)) for code in self.config.languages],
            page=answer.template.removesuffix(".html"),
            **answer.context,
        )
        response = Response(html, status=answer.status, mimetype="text/html")
        response.headers["Content-Language"] = language_tag(language)
        return response

    def form_context(self, language: str, **extra: Any) -> dict[str, Any]:
        return {
            "components": self.config.components,
            "chosen": (),
            "email": "",
            "problem": None,
            "honeypot": HONEYPOT,
            **extra,
        }

    # -- mail ------------------------------------------------------------------------------

    def send(self, subscription: Subscription, language: str) -> None:
        """The confirmation (or, when already confirmed, the manage link) for one request."""
        url = self.smtp_url if self.smtp_url is not None else os.environ.get(SMTP_ENV, "")
        if not url.strip():
            raise SmtpError(f"set ${SMTP_ENV} so the service can send confirmations")
        catalog = translations(language)
        confirmed = subscription.confirmed is not None
        if confirmed:
            action = "manage"
            subject = catalog.gettext("Your subscription to %(site)s") % {"site": self.config.title}
        else:
            action = "confirm"
            subject = catalog.gettext("Confirm your subscription to %(site)s") % {
                "site": self.config.title
            }
        link = self.url(f"{action}?token={self.tokens.make(action, subscription.uid)}")
        self.env.install_gettext_translations(catalog, newstyle=True)  # type: ignore[attr-defined]
        body = self.env.get_template("service/message.txt").render(
            config=self.config,
            confirmed=confirmed,
            link=link,
            webhook=subscription.webhook_url,
        )
        sender = sender_of(self.config)
        message = EmailMessage()
        message["Subject"] = f"[{self.config.title}] {subject}"
        message["From"] = sender.from_
        message["To"] = subscription.email
        message["Date"] = format_datetime(self.clock())
        message["Message-ID"] = make_msgid(domain=urlsplit(self.config.base_url).hostname)
        message["Auto-Submitted"] = "auto-generated"
        message["Content-Language"] = language_tag(language)
        message.set_content(body)
        if self.tls is None:
            self.tls = ssl.create_default_context()  # 50 ms each: made once, not per request
        with Mailer(SmtpSettings.from_url(url), context=self.tls, reconnects=1) as mailer:
            mailer.connect()
            outcome = mailer.send(sender.address, subscription.email, message.as_bytes())
        if not outcome.accepted:
            log.warning("confirmation for %s refused: %s", subscription.uid, outcome.code)


def create_app(
    root: Path | str | None = None,
    *,
    database: str | None = None,
    smtp_url: str | None = None,
    clock: Callable[[], datetime] = utc_now,
    limit: str | None = None,
    address: str | None = None,
) -> Flask:
    """The WSGI application for the site in `root` (default: $STATUSPAGE_SITE, else here).

    The database comes from `database`, else $STATUSPAGE_DATABASE_URL, else the config's
    `subscriptions.database`; the secret from $STATUSPAGE_LEDGER_KEY (or the site's
    .statuspage/ledger.key); SMTP from $STATUSPAGE_SMTP_URL. The schema of an empty
    database is created; an older one must be migrated first (`statuspage subscriptions
    migrate`).

    Links in mails start with the config's `subscriptions.url`, else with `address` (where
    `serve` listens); without either the service does not start.
    """
    folder = Path(root if root is not None else os.environ.get(SITE_ENV, ".")).resolve()
    config = read_config(folder)
    url = database or database_url(config.subscriptions.database, folder)
    if not url:
        raise ServiceError(
            "no database: set $STATUSPAGE_DATABASE_URL or subscriptions.database "
            "(sqlite:///.statuspage/subscriptions.db for one machine)"
        )
    keys = load_keys(folder / ".statuspage", create=False)
    if keys is None:
        raise ServiceError(
            "no secret: set $STATUSPAGE_LEDGER_KEY to the secret `statuspage notify` uses "
            "(tokens in notices and on the service must agree)"
        )
    if not (config.subscriptions.url or address):
        raise ServiceError(
            "no address for the links in mails: set subscriptions.url in statuspage.yaml "
            "to where the service answers"
        )
    store = Store.open(url)
    service = Service(folder, config, store, keys, smtp_url=smtp_url, clock=clock, address=address)

    app = Flask(__name__, static_folder=None)
    app.config["MAX_CONTENT_LENGTH"] = MAX_FORM
    app.extensions["statuspage"] = service
    proxies = int(os.environ.get(PROXIES_ENV, "0") or 0)
    if proxies:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies
        )
    limiter = Limiter(
        get_remote_address,
        app=app,
        storage_uri="memory://",
        headers_enabled=True,
    )
    subscribe_limit = limit or os.environ.get(LIMIT_ENV, "") or DEFAULT_LIMIT

    def page_language(subscription: Subscription | None = None) -> str:
        try:
            wanted = request.values.get("language") or request.args.get("lang")
        except HTTPException:  # a form too large to read: the query string only
            wanted = request.args.get("lang")
        if not wanted and subscription is not None:
            wanted = subscription.language
        return service.language(wanted)

    @app.after_request
    def headers(response: Response) -> Response:
        response.headers.setdefault("Cache-Control", "no-store")
        response.headers["Referrer-Policy"] = "no-referrer"  # links carry tokens
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Content-Security-Policy"] = (
            "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
            "frame-ancestors 'none'; base-uri 'none'"
        )
        return response

    @app.errorhandler(StoreError)
    def database_down(exc: StoreError) -> Response:
        log.error("database: %s", exc)
        return service.render(Answer(503, "unavailable.html", {}), page_language())

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response:
        code = exc.code or 500
        if code == 429:
            answer = Answer(429, "message.html", {"kind": "slow-down"})
        elif code == 413:
            answer = Answer(413, "message.html", {"kind": "too-large"})
        elif code == 404:
            answer = Answer(404, "message.html", {"kind": "not-found"})
        elif code == 405:
            answer = Answer(405, "message.html", {"kind": "not-found"})
        else:
            answer = Answer(code, "message.html", {"kind": "bad-request"})
        return service.render(answer, page_language())

    @app.get("/static/<name>")
    def stylesheet(name: str) -> Response:
        if name not in service.stylesheets:
            raise NotFound()
        kind = "image/svg+xml" if name.endswith(".svg") else "text/css"
        response = Response(service.stylesheets[name], mimetype=kind)
        response.headers["Cache-Control"] = "public, max-age=3600"
        return response

    @app.get("/")
    @app.get("/subscribe")
    def form() -> Response:
        language = page_language()
        return service.render(
            Answer(200, "subscribe.html", service.form_context(language)), language
        )

    @app.post("/subscribe")
    @limiter.limit(subscribe_limit)
    def subscribe() -> Response:
        language = page_language()
        raw_email = request.form.get("email", "")
        chosen = request.form.getlist("components")
        webhook = request.form.get("webhook_url", "").strip()

        def refuse(problem: str) -> Response:
            context = service.form_context(
                language, chosen=chosen, email=raw_email[:254], problem=problem
            )
            return service.render(Answer(400, "subscribe.html", context), language)

        if request.form.get(HONEYPOT):
            log.info("subscribe: honeypot field filled; nothing done")
            return service.render(Answer(200, "message.html", {"kind": "check-inbox"}), language)
        try:
            email = normalise_address(raw_email[:1000])
        except AddressError:
            return refuse("address")
        if len(chosen) > len(service.config.components) or not set(chosen) <= set(
            service.config.component_ids
        ):
            return refuse("component")
        if webhook and not _webhook_url(webhook):
            return refuse("webhook")
        result = service.store.request(
            kind="webhook" if webhook else "email",
            email=email,
            webhook_url=webhook or None,
            components=chosen,
            language=language,
            consent=f"{language}:{CONSENT_VERSION}",
            now=service.clock(),
        )
        if result.mail:
            try:
                service.send(result.subscription, language)
            except SmtpError as exc:
                log.error("subscribe: cannot send the confirmation: %s", exc)
                return service.render(Answer(503, "unavailable.html", {}), language)
        return service.render(Answer(200, "message.html", {"kind": "check-inbox"}), language)

    def token_of(action: str) -> tuple[Subscription | None, Answer | None]:
        token = request.values.get("token", "")
        try:
            uid = service.tokens.read(action, token)
        except TokenExpired:
            return None, Answer(410, "message.html", {"kind": "expired"})
        except TokenError:
            return None, Answer(400, "message.html", {"kind": "invalid"})
        subscription = service.store.get(uid)
        if subscription is None:
            kind = "unsubscribed" if action == "unsubscribe" else "gone"
            return None, Answer(
                200 if action == "unsubscribe" else 410, "message.html", {"kind": kind}
            )
        return subscription, None

    @app.get("/confirm")
    def confirm_page() -> Response:
        subscription, problem = token_of("confirm")
        if problem is not None or subscription is None:
            return service.render(problem or Answer(400, "message.html", {}), page_language())
        context = {"token": request.args.get("token", ""), "subscription": subscription}
        return service.render(Answer(200, "confirm.html", context), page_language(subscription))

    @app.post("/confirm")
    def confirm() -> Response:
        subscription, problem = token_of("confirm")
        if problem is not None or subscription is None:
            return service.render(problem or Answer(400, "message.html", {}), page_language())
        confirmed = service.store.confirm(subscription.uid, service.clock())
        if confirmed is None:
            return service.render(Answer(410, "message.html", {"kind": "gone"}), page_language())
        log.info("subscription %s confirmed", confirmed.uid)
        context = {"kind": "confirmed", "manage": _manage_link(service, confirmed)}
        return service.render(Answer(200, "message.html", context), page_language(confirmed))

    @app.get("/manage")
    def manage_page() -> Response:
        subscription, problem = token_of("manage")
        if problem is not None or subscription is None:
            return service.render(problem or Answer(400, "message.html", {}), page_language())
        return service.render(
            Answer(200, "manage.html", _manage_context(service, subscription)),
            page_language(subscription),
        )

    @app.post("/manage")
    def manage() -> Response:
        subscription, problem = token_of("manage")
        if problem is not None or subscription is None:
            return service.render(problem or Answer(400, "message.html", {}), page_language())
        chosen = request.form.getlist("components")
        language = service.language(request.form.get("language"))
        if not set(chosen) <= set(service.config.component_ids):
            context = _manage_context(service, subscription, problem="component")
            return service.render(Answer(400, "manage.html", context), language)
        changed = service.store.change(subscription.uid, components=chosen, language=language)
        if changed is None:
            return service.render(Answer(410, "message.html", {"kind": "gone"}), language)
        context = _manage_context(service, changed, saved=True)
        return service.render(Answer(200, "manage.html", context), language)

    @app.get("/unsubscribe")
    def unsubscribe_page() -> Response:
        subscription, problem = token_of("unsubscribe")
        if problem is not None or subscription is None:
            return service.render(problem or Answer(400, "message.html", {}), page_language())
        context = {"token": request.args.get("token", ""), "subscription": subscription}
        return service.render(Answer(200, "unsubscribe.html", context), page_language(subscription))

    @app.post("/unsubscribe")
    @limiter.exempt
    def unsubscribe() -> Response:
        """The button's POST, and RFC 8058 one-click (`List-Unsubscribe=One-Click`, the token
        in the URL): deletes the subscription at once."""
        one_click = request.form.get("List-Unsubscribe") == "One-Click"
        subscription, problem = token_of("unsubscribe")
        if problem is not None or subscription is None:
            answer = problem or Answer(400, "message.html", {})
            if one_click:
                return Response(
                    answer.context.get("kind", ""), answer.status, mimetype="text/plain"
                )
            return service.render(answer, page_language())
        language = page_language(subscription)
        service.store.delete(subscription.uid)
        log.info(
            "subscription %s deleted (unsubscribed%s)", subscription.uid, ", one-click" * one_click
        )
        if one_click:
            return Response("unsubscribed\n", 200, mimetype="text/plain")
        return service.render(Answer(200, "message.html", {"kind": "unsubscribed"}), language)

    @app.get("/healthz")
    @limiter.exempt
    def healthz() -> Response:
        try:
            service.store.ping()
        except StoreError:
            return Response("database unavailable\n", 503, mimetype="text/plain")
        return Response("ok\n", 200, mimetype="text/plain")

    return app


def _webhook_url(url: str) -> bool:
    if len(url) > MAX_URL or any(ord(c) < 33 or ord(c) == 127 for c in url):
        return False
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme == "https" and bool(parts.hostname) and not parts.username


def _manage_link(service: Service, subscription: Subscription) -> str:
    return f"manage?token={service.tokens.make('manage', subscription.uid)}"


def _manage_context(
    service: Service, subscription: Subscription, *, problem: str | None = None, saved: bool = False
) -> dict[str, Any]:
    return {
        "subscription": subscription,
        "token": service.tokens.make("manage", subscription.uid),
        "unsubscribe_token": service.tokens.make("unsubscribe", subscription.uid),
        "components": service.config.components,
        "chosen": subscription.components,
        "current_language": subscription.language or service.config.language,
        "all_languages": [
            (code, AUTONYMS.get(code, code))
            for code in LANGUAGES
            if code in service.config.languages
        ],
        "problem": problem,
        "saved": saved,
    }
