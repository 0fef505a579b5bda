"""Certificate login (电子身份认证): the page from trusted and untrusted proxies, every refusal
reason, the audit rows, and the bind/unbind command."""

from urllib.parse import quote

import pytest
from django.core.management import CommandError, call_command

from bianzhi.accounts.certificates import CertRefused, parse_pem
from bianzhi.accounts.models import CertificateBinding
from bianzhi.audit.models import AuditEvent
from bianzhi.core.net import proxy_trusted

from .pki import CA, DAY, NOW, pem

PROXY = "10.0.0.5"
URL = "/accounts/cert/login/"


@pytest.fixture(scope="module")
def pki():
    ca, other = CA.create(), CA.create("Some Other CA")
    certs = {
        "valid": ca.issue("张三 320506"),
        "expired": ca.issue("expired", not_before=NOW - 400 * DAY, not_after=NOW - DAY),
        "future": ca.issue("future", not_before=NOW + DAY, not_after=NOW + 400 * DAY),
        "revoked": ca.issue("revoked"),
        "foreign": other.issue("张三 320506"),
        "unbound": ca.issue("nobody bound"),
    }
    return ca, other, certs


@pytest.fixture
def cert_settings(settings, tmp_path, pki):
    ca, _other, certs = pki
    (tmp_path / "ca.pem").write_text(pem(ca.cert))
    (tmp_path / "crl.pem").write_bytes(ca.crl([certs["revoked"]]))
    settings.CERT_TRUSTED_PROXIES = ["127.0.0.1", "10.0.0.0/24"]
    settings.CERT_CA_FILE = str(tmp_path / "ca.pem")
    settings.CERT_CRL_FILE = str(tmp_path / "crl.pem")
    return settings


@pytest.fixture
def bound(users, pki, cert_settings):
    _ca, _other, certs = pki
    for name in ("valid", "expired", "future", "revoked"):
        call_command("cert", "bind", "county", _write(cert_settings, name, certs[name]))
    return users["county"]


def _write(settings, name, cert) -> str:
    path = f"{settings.CERT_CA_FILE}.{name}.pem"
    with open(path, "w") as handle:
        handle.write(pem(cert))
    return path


def _post(client, cert=None, *, address=PROXY, escaped=True):
    headers = {}
    if cert is not None:
        text = pem(cert)
        headers["HTTP_X_SSL_CLIENT_CERT"] = quote(text) if escaped else text.replace("\n", " ")
    return client.post(URL, REMOTE_ADDR=address, **headers)


def _last_refusal() -> AuditEvent:
    return AuditEvent.objects.filter(action="auth.cert.refused").order_by("-seq").first()


def test_it_signs_in_with_a_bound_valid_certificate(client, bound, pki):
    response = _post(client, pki[2]["valid"])
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").wsgi_request.user == bound
    event = AuditEvent.objects.get(action="auth.login.succeeded", data__method="certificate")
    assert event.actor == bound and event.result == "success" and event.address == PROXY
    assert event.data["subject"].startswith("CN=张三 320506")


def test_plain_pem_with_folded_lines_is_read_too(client, bound, pki):
    assert _post(client, pki[2]["valid"], escaped=False).status_code == 302


@pytest.mark.parametrize(
    ("name", "reason", "words"),
    [
        ("expired", "expired", "证书已过期"),
        ("future", "not_yet_valid", "证书尚未生效"),
        ("revoked", "revoked", "证书已被吊销"),
        ("foreign", "unknown_issuer", "受信任的 CA"),
        ("unbound", "no_binding", "未绑定任何账号"),
    ],
)
def test_it_refuses_and_audits_each_bad_certificate(client, bound, pki, name, reason, words):
    response = _post(client, pki[2][name])
    assert response.status_code == 403
    assert words in response.content.decode()
    assert "_auth_user_id" not in client.session
    event = _last_refusal()
    assert (event.result, event.reason, event.data["reason"]) == ("refused", reason, reason)


def test_it_refuses_without_a_certificate(client, bound):
    response = _post(client, None)
    assert response.status_code == 403 and "未提供客户端证书" in response.content.decode()
    assert _last_refusal().reason == "no_certificate"


def test_it_ignores_the_header_from_an_untrusted_address(client, bound, pki):
    response = _post(client, pki[2]["valid"], address="192.0.2.7")
    assert response.status_code == 403 and "受信任的 TLS 终结代理" in response.content.decode()
    event = _last_refusal()
    assert (event.reason, event.address) == ("untrusted_proxy", "192.0.2.7")
    assert "_auth_user_id" not in client.session


def test_the_feature_is_off_without_trusted_proxies(client, bound, pki, settings):
    settings.CERT_TRUSTED_PROXIES = []
    assert _post(client, pki[2]["valid"]).status_code == 403
    assert _last_refusal().reason == "feature_off"


def test_a_disabled_account_is_refused(client, bound, pki):
    bound.is_active = False
    bound.save(update_fields=["is_active"])
    assert _post(client, pki[2]["valid"]).status_code == 403
    assert _last_refusal().reason == "account_disabled"


def test_a_stale_or_forged_crl_refuses_every_login(client, bound, pki, cert_settings):
    ca, other, certs = pki
    with open(cert_settings.CERT_CRL_FILE, "wb") as handle:
        handle.write(ca.crl([], next_update=NOW - DAY))
    assert _post(client, certs["valid"]).status_code == 403
    assert _last_refusal().reason == "crl_unusable"
    with open(cert_settings.CERT_CRL_FILE, "wb") as handle:
        handle.write(other.crl([]))  # signed by a CA that is not trusted
    assert _post(client, certs["valid"]).status_code == 403
    assert _last_refusal().reason == "crl_unusable"


def test_a_ca_certificate_cannot_sign_in(client, bound, pki, cert_settings):
    ca = pki[0]
    call_command("cert", "bind", "city", _write(cert_settings, "ca", ca.cert))
    assert _post(client, ca.cert).status_code == 403
    assert _last_refusal().reason == "invalid_chain"


def test_unbind_ends_the_login_and_is_audited(client, bound, pki):
    subject = pki[2]["valid"].subject.rfc4514_string()
    call_command("cert", "unbind", subject)
    assert CertificateBinding.objects.get(subject=subject).revoked_at is not None
    assert _post(client, pki[2]["valid"]).status_code == 403
    assert _last_refusal().reason == "no_binding"
    assert AuditEvent.objects.filter(action="accounts.certificate.unbound").count() == 1
    assert AuditEvent.objects.filter(action="accounts.certificate.bound").count() == 4


def test_bind_refuses_a_subject_bound_already_and_a_bad_file(bound, pki, cert_settings, tmp_path):
    with pytest.raises(CommandError, match="already bound"):
        call_command("cert", "bind", "city", _write(cert_settings, "valid2", pki[2]["valid"]))
    (tmp_path / "junk.pem").write_text("junk")
    with pytest.raises(CommandError, match="not a PEM"):
        call_command("cert", "bind", "city", str(tmp_path / "junk.pem"))


def test_the_page_shows_a_form(client, cert_settings, db):
    response = client.get(URL)
    assert (
        response.status_code == 200
        and 'action="/accounts/cert/login/"' in response.content.decode()
    )


def test_proxy_matching_and_pem_parsing(settings):
    settings.CERT_TRUSTED_PROXIES = ["10.0.0.0/24", "::1"]
    assert proxy_trusted("10.0.0.9") and proxy_trusted("::1")
    assert not proxy_trusted("10.0.1.9") and not proxy_trusted("") and not proxy_trusted("junk")
    with pytest.raises(CertRefused) as caught:
        parse_pem("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----")
    assert caught.value.code == "malformed"
