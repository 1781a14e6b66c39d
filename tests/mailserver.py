"""A real SMTP server for the e-mail tests: aiosmtpd on 127.0.0.1, recording what it accepts."""

from __future__ import annotations

import asyncio
import datetime
import ipaddress
import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP as SMTPServer
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session


def free_port() -> int:
    """A port nothing listens on right now (aiosmtpd's Controller cannot use port 0)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Received:
    sender: str
    recipient: str
    data: bytes

    @property
    def message(self) -> EmailMessage:
        parsed = message_from_bytes(self.data, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed

    @property
    def notice(self) -> str:
        return str(self.message["X-Statuspage-Notice"])


@dataclass
class Recorder:
    """An aiosmtpd handler that keeps every accepted message.

    `delay` makes the answer to DATA slow (the message is kept before the delay, as a
    server that has queued it), `rcpt_delay` makes RCPT slow (a client gone by then has sent
    nothing); `refuse` lists addresses whose RCPT gets a 550, `defer` those that get a 450;
    `stall` maps addresses to how long the answer to their DATA takes (kept first);
    `drop` lists addresses whose RCPT closes the connection without an answer, once each.
    """

    delay: float = 0.0
    refuse: set[str] = field(default_factory=set)
    received: list[Received] = field(default_factory=list)
    started: int = 0  # DATA commands begun, including ones still in flight
    rcpt_delay: float = 0.0
    rcpts: int = 0  # RCPT commands begun
    answered: int = 0  # DATA commands answered with 250
    lock: threading.Lock = field(default_factory=threading.Lock)
    defer: set[str] = field(default_factory=set)
    stall: dict[str, float] = field(default_factory=dict)
    drop: set[str] = field(default_factory=set)
    connections: int = 0  # sessions opened
    pipelining: bool = False  # offer PIPELINING (RFC 2920), as Postfix and most relays do

    async def handle_EHLO(
        self,
        server: SMTPServer,
        session: Session,
        envelope: Envelope,
        hostname: str,
        responses: list[str],
    ) -> list[str]:
        with self.lock:
            self.connections += 1
        session.host_name = hostname
        if self.pipelining:
            responses.insert(-1, "250-PIPELINING")
        return responses

    async def handle_RCPT(
        self,
        server: SMTPServer,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        with self.lock:
            self.rcpts += 1
        if self.rcpt_delay:
            await asyncio.sleep(self.rcpt_delay)
        if address in self.refuse:
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        if address in self.defer:
            return f"450 4.2.1 <{address}>: Mailbox busy, try again later"
        if address in self.drop:
            self.drop.discard(address)
            assert server.transport is not None
            server.transport.close()
            return "421 4.3.2 gone"  # never reaches the client: the connection is closed
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTPServer, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or b""
        with self.lock:
            self.started += 1
            for recipient in envelope.rcpt_tos:
                self.received.append(Received(str(envelope.mail_from), recipient, bytes(content)))
        delay = max([self.delay, *(self.stall.get(r, 0.0) for r in envelope.rcpt_tos)])
        if delay:
            # Queued, then slow to say so: a client killed now never learns it was delivered.
            await asyncio.sleep(delay)
        with self.lock:
            self.answered += 1
        return "250 2.0.0 OK: queued"

    def messages(self) -> list[EmailMessage]:
        with self.lock:
            return [r.message for r in self.received]

    def pairs(self) -> list[tuple[str, str]]:
        """(notice, recipient) of every accepted message, duplicates included."""
        with self.lock:
            return [(r.notice, r.recipient) for r in self.received]


@contextmanager
def smtp_server(handler: Recorder | None = None, **options: Any) -> Iterator[tuple[Recorder, int]]:
    """Run aiosmtpd on a free port; yields (handler, port)."""
    handler = handler or Recorder()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, **options)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


def self_signed(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and localhost, made here with `cryptography`; (cert, key)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def server_tls(cert: Path, key: Path) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


def password_check(user: str, password: str) -> Callable[..., AuthResult]:
    """An aiosmtpd authenticator accepting one login."""

    def authenticate(
        server: SMTPServer, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        ok = (
            isinstance(data, LoginPassword)
            and data.login == user.encode()
            and data.password == password.encode()
        )
        return AuthResult(success=ok, handled=False)

    return authenticate
