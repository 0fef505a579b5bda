"""Certificate login (电子身份认证, docs/adr/0008): verify the client certificate that the TLS
terminator passes in a header, and map its subject to an account.

The header is believed only from `CERT_TRUSTED_PROXIES`. The certificate must be issued by a CA
of `CERT_CA_FILE` (signature checked with the issuer's key), be inside its validity window, pass
`cryptography`'s client-certificate path validation, and not be on the CRL of `CERT_CRL_FILE`
(whose own signature and freshness are checked; an unusable CRL refuses every login)."""

import datetime
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.x509.oid import ExtendedKeyUsageOID
from cryptography.x509.verification import (
    ExtensionPolicy,
    PolicyBuilder,
    Store,
    VerificationError,
)
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from bianzhi.core.net import proxy_trusted

from .models import CertificateBinding, User

REASONS = {
    "feature_off": ("未启用证书登录", "certificate login is not enabled"),
    "untrusted_proxy": (
        "请求不是来自受信任的 TLS 终结代理",
        "the request did not come through a trusted TLS terminator",
    ),
    "no_certificate": ("未提供客户端证书", "no client certificate was presented"),
    "malformed": ("客户端证书无法解析", "the client certificate could not be read"),
    "unknown_issuer": (
        "证书不是由受信任的 CA 签发",
        "the certificate was not issued by a trusted CA",
    ),
    "expired": ("证书已过期", "the certificate has expired"),
    "not_yet_valid": ("证书尚未生效", "the certificate is not yet valid"),
    "invalid_chain": ("证书链校验失败", "the certificate chain did not validate"),
    "crl_unusable": (
        "证书吊销列表不可用（缺失、签名无效或已过期）",
        "the revocation list is missing, badly signed or out of date",
    ),
    "revoked": ("证书已被吊销", "the certificate has been revoked"),
    "no_binding": ("该证书未绑定任何账号", "the certificate is not bound to any account"),
    "account_disabled": ("账号已停用", "the account is disabled"),
}


class CertRefused(Exception):
    """A certificate login refused for a named reason (a key of REASONS)."""

    def __init__(self, code: str, detail: str = ""):
        self.code, self.detail = code, detail
        zh, en = REASONS[code]
        self.message = f"{zh} / {en}"
        super().__init__(f"{code}: {detail}" if detail else code)


@dataclass(frozen=True)
class Presented:
    """A verified certificate and what identifies it."""

    certificate: x509.Certificate
    subject: str
    issuer: str


def parse_pem(raw: str) -> x509.Certificate:
    """A certificate from a header: URL-escaped PEM (nginx `$ssl_client_escaped_cert`) or plain
    PEM whose line breaks a proxy turned into spaces or tabs."""
    text = unquote(raw) if "%" in raw else raw
    begin, end = "-----BEGIN CERTIFICATE-----", "-----END CERTIFICATE-----"
    if begin not in text or end not in text:
        raise CertRefused("malformed", "no PEM markers")
    body = "".join(text.split(begin, 1)[1].split(end, 1)[0].split())
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    pem = "\n".join([begin, *lines, end, ""]).encode("ascii", "replace")
    try:
        return x509.load_pem_x509_certificate(pem)
    except ValueError as exc:
        raise CertRefused("malformed", str(exc)[:100]) from exc


def _read_file(path: str) -> bytes:
    return Path(path).read_bytes()


def load_ca_bundle() -> list[x509.Certificate]:
    if not settings.CERT_CA_FILE:
        raise CertRefused("feature_off", "CERT_CA_FILE is not set")
    return x509.load_pem_x509_certificates(_read_file(settings.CERT_CA_FILE))


def _issuer_of(cert: x509.Certificate, cas: list[x509.Certificate]) -> x509.Certificate:
    for ca in cas:
        if ca.subject != cert.issuer:
            continue
        try:
            cert.verify_directly_issued_by(ca)
        except (ValueError, TypeError, InvalidSignature):
            continue
        return ca
    raise CertRefused("unknown_issuer", cert.issuer.rfc4514_string()[:200])


def _check_window(cert: x509.Certificate, now: datetime.datetime) -> None:
    if now < cert.not_valid_before_utc:
        raise CertRefused("not_yet_valid", cert.not_valid_before_utc.isoformat())
    if now > cert.not_valid_after_utc:
        raise CertRefused("expired", cert.not_valid_after_utc.isoformat())


def _extension(cert: x509.Certificate, kind):
    try:
        return cert.extensions.get_extension_for_class(kind).value
    except x509.ExtensionNotFound:
        return None


def _check_leaf_usage(cert: x509.Certificate) -> None:
    """A login certificate is no CA, and where it states its uses, client auth is one of them."""
    constraints = _extension(cert, x509.BasicConstraints)
    usage = _extension(cert, x509.KeyUsage)
    extended = _extension(cert, x509.ExtendedKeyUsage)
    if constraints is not None and constraints.ca:
        raise CertRefused("invalid_chain", "a CA certificate cannot sign in")
    if usage is not None and not usage.digital_signature:
        raise CertRefused("invalid_chain", "key usage lacks digitalSignature")
    if extended is not None and ExtendedKeyUsageOID.CLIENT_AUTH not in extended:
        raise CertRefused("invalid_chain", "extended key usage lacks clientAuth")


def _check_path(cert: x509.Certificate, cas: list[x509.Certificate], now) -> None:
    """Path validation to a root of the bundle: CA certificates under the Web PKI profile
    (basic constraints, key usage); the leaf's own profile is ours (`_check_leaf_usage`),
    because government client certificates often carry no SAN or authority key id."""
    _check_leaf_usage(cert)
    roots = [ca for ca in cas if ca.subject == ca.issuer]
    intermediates = [ca for ca in cas if ca.subject != ca.issuer]
    if not roots:
        raise CertRefused("invalid_chain", "the CA bundle holds no root")
    verifier = (
        PolicyBuilder()
        .store(Store(roots))
        .time(now)
        .extension_policies(
            ca_policy=ExtensionPolicy.webpki_defaults_ca(), ee_policy=ExtensionPolicy.permit_all()
        )
        .build_client_verifier()
    )
    try:
        verifier.verify(cert, intermediates)
    except VerificationError as exc:
        raise CertRefused("invalid_chain", str(exc)[:200]) from exc


def _load_crl(cas: list[x509.Certificate], now) -> x509.CertificateRevocationList:
    try:
        crl = x509.load_pem_x509_crl(_read_file(settings.CERT_CRL_FILE))
    except (OSError, ValueError) as exc:
        raise CertRefused("crl_unusable", str(exc)[:100]) from exc
    signer = next(
        (ca for ca in cas if ca.subject == crl.issuer and crl.is_signature_valid(ca.public_key())),
        None,
    )
    if signer is None:
        raise CertRefused("crl_unusable", "no trusted CA signed the CRL")
    if crl.next_update_utc is not None and crl.next_update_utc < now:
        raise CertRefused("crl_unusable", f"stale since {crl.next_update_utc.isoformat()}")
    return crl


def _check_revocation(cert: x509.Certificate, cas: list[x509.Certificate], now) -> None:
    if not settings.CERT_CRL_FILE:
        return
    crl = _load_crl(cas, now)
    if crl.issuer != cert.issuer:
        return  # the CRL covers another CA; an intermediate's own CRL is its operator's job
    if crl.get_revoked_certificate_by_serial_number(cert.serial_number) is not None:
        raise CertRefused("revoked", f"serial {cert.serial_number:x}")


def verify_certificate(cert: x509.Certificate, now: datetime.datetime | None = None) -> Presented:
    """Check issuer and signature, validity window, path and revocation; raise CertRefused."""
    now = now or timezone.now()
    cas = load_ca_bundle()
    _issuer_of(cert, cas)
    _check_window(cert, now)
    _check_path(cert, cas, now)
    _check_revocation(cert, cas, now)
    return Presented(cert, cert.subject.rfc4514_string(), cert.issuer.rfc4514_string())


def presented_certificate(request) -> Presented:
    """The verified certificate of this request, from a trusted proxy's header."""
    if not settings.CERT_TRUSTED_PROXIES:
        raise CertRefused("feature_off")
    if not proxy_trusted(request.META.get("REMOTE_ADDR")):
        raise CertRefused("untrusted_proxy", str(request.META.get("REMOTE_ADDR")))
    key = "HTTP_" + settings.CERT_HEADER.upper().replace("-", "_")
    raw = request.META.get(key, "").strip()
    if not raw or raw == "(null)":
        raise CertRefused("no_certificate")
    return verify_certificate(parse_pem(raw))


def account_for(presented: Presented) -> User:
    """The active account bound to the certificate's subject (and issuer, if recorded)."""
    binding = (
        CertificateBinding.objects.select_related("user")
        .filter(subject=presented.subject, revoked_at__isnull=True)
        .first()
    )
    if binding is None or (binding.issuer and binding.issuer != presented.issuer):
        raise CertRefused("no_binding", presented.subject[:200])
    if not binding.user.is_active:
        raise CertRefused("account_disabled", binding.user.username)
    return binding.user


# --- bindings (services) ---------------------------------------------------------------------


@transaction.atomic
def certificate_bind(*, actor, user: User, certificate: x509.Certificate) -> CertificateBinding:
    """Bind a certificate's subject to an account; one subject signs in as one account."""
    from bianzhi.audit.services import audit_record
    from bianzhi.core.errors import InvalidInput

    subject = certificate.subject.rfc4514_string()
    existing = CertificateBinding.objects.select_for_update().filter(subject=subject).first()
    if existing is not None and existing.revoked_at is None:
        raise InvalidInput(
            f"证书主题已绑定到账号 {existing.user}",
            f"the subject is already bound to {existing.user}",
            field="subject",
            code="duplicate",
        )
    if existing is not None:
        existing.delete()  # a revoked binding gives way to the new one; the audit keeps both
    binding = CertificateBinding.objects.create(
        user=user, subject=subject, issuer=certificate.issuer.rfc4514_string()
    )
    audit_record(
        "accounts.certificate.bound",
        actor=actor,
        obj=binding,
        data={
            "user": user.username,
            "subject": subject,
            "serial": f"{certificate.serial_number:x}",
        },
    )
    return binding


@transaction.atomic
def certificate_unbind(*, actor, subject: str) -> CertificateBinding:
    """End a binding: the subject no longer signs in."""
    from bianzhi.audit.services import audit_record
    from bianzhi.core.errors import InvalidInput

    binding = (
        CertificateBinding.objects.select_for_update()
        .filter(subject=subject, revoked_at__isnull=True)
        .first()
    )
    if binding is None:
        raise InvalidInput("没有该证书主题的有效绑定", "no active binding for this subject")
    binding.revoked_at = timezone.now()
    binding.save(update_fields=["revoked_at"])
    audit_record(
        "accounts.certificate.unbound",
        actor=actor,
        obj=binding,
        data={"user": binding.user.username, "subject": subject},
    )
    return binding
