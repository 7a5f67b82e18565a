"""A real SMTP server (aiosmtpd) on loopback for tests, with stop()/start() to simulate an outage.

``refused_recipients`` and ``data_reply`` make it answer with an SMTP error code instead of
accepting a recipient or a message (4xx: try again later; 5xx: permanent refusal).

Messages are recorded once the server has answered the DATA command, so they are in
``.messages`` by the time ``smtplib`` returns; no waiting is needed.
"""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from ipaddress import ip_address
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


@dataclass(frozen=True)
class ReceivedEnvelope:
    """The SMTP envelope of one received message (Bcc recipients appear only here)."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    message: EmailMessage


def self_signed_tls(directory: Path, host: str = "127.0.0.1") -> tuple[ssl.SSLContext, Path]:
    """A server TLS context with a fresh self-signed certificate for ``host`` and the certificate's path.

    Clients trust it when ``SSL_CERT_FILE`` points at the returned path.
    """
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ip_address(host))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "smtp-cert.pem", directory / "smtp-key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_path, key_path)
    return context, cert_path


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


class SmtpTestServer:
    """aiosmtpd on ``host:port``; optional STARTTLS/implicit TLS and LOGIN/PLAIN auth."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        tls_context: ssl.SSLContext | None = None,
        implicit_tls: bool = False,
        credentials: tuple[str, str] | None = None,
    ) -> None:
        self.host = host
        self.port = free_port(host)
        self.messages: list[EmailMessage] = []
        self.envelopes: list[ReceivedEnvelope] = []
        self.refused_recipients: dict[str, str] = {}
        self.data_reply: str | None = None
        self._tls_context = tls_context
        self._implicit_tls = implicit_tls
        self._credentials = credentials
        self._controller: Controller | None = None

    @property
    def running(self) -> bool:
        return self._controller is not None

    def start(self) -> None:
        """Listen on the same port again (a stopped Controller cannot be restarted, so build a new one)."""
        if self._controller is not None:
            return
        options: dict[str, Any] = {}
        if self._tls_context is not None and self._implicit_tls:
            options["ssl_context"] = self._tls_context
        elif self._tls_context is not None:
            options.update(tls_context=self._tls_context, require_starttls=True)
        if self._credentials is not None:
            starttls = self._tls_context is not None and not self._implicit_tls
            options.update(authenticator=self._authenticate, auth_require_tls=starttls)
        controller = Controller(self, hostname=self.host, port=self.port, **options)
        controller.start()
        self._controller = controller

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self) -> SmtpTestServer:
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    async def handle_RCPT(  # noqa: N802
        self, _server: object, _session: object, envelope: Any, address: str, _options: list[str]
    ) -> str:
        """Answer ``refused_recipients[address]`` (such as ``550 5.1.1 no such user``) instead of accepting it."""
        if address in self.refused_recipients:
            return self.refused_recipients[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, _server: object, _session: object, envelope: Any) -> str:  # noqa: N802
        """Record the message, or answer ``data_reply`` (such as ``451 4.3.0 try again later``) and drop it."""
        if self.data_reply is not None:
            return self.data_reply
        message = message_from_bytes(envelope.original_content or envelope.content, policy=default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        self.envelopes.append(ReceivedEnvelope(envelope.mail_from, tuple(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def _authenticate(self, *args: Any) -> AuthResult:
        data = args[-1]
        if not isinstance(data, LoginPassword) or self._credentials is None:
            return AuthResult(success=False, handled=False)
        given = (data.login.decode(), data.password.decode())
        return AuthResult(success=given == self._credentials, handled=False)


@pytest.fixture
def smtp_server() -> Iterator[SmtpTestServer]:
    """A plain (no TLS, no auth) SMTP server on 127.0.0.1 and a free port, stopped after the test."""
    with SmtpTestServer() as server:
        yield server
