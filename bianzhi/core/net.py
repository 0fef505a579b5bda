"""Who is on the other end: the client's address, believing a forwarded address only from the
configured trusted proxies (CERT_TRUSTED_PROXIES, the TLS terminators). Lockout, sessions,
certificate login and the audit all use this one answer."""

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def proxy_trusted(address: str | None) -> bool:
    """Whether an address is one of the configured trusted proxies (addresses or CIDRs)."""
    if not address:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(
        ip in ipaddress.ip_network(net, strict=False)
        for net in getattr(settings, "CERT_TRUSTED_PROXIES", [])
    )


def client_address(request: HttpRequest) -> str | None:
    """REMOTE_ADDR, or, when that is a trusted proxy, the right-most X-Forwarded-For entry the
    proxies did not add themselves (never the left-most, which the client writes)."""
    remote = request.META.get("REMOTE_ADDR") or None
    if not proxy_trusted(remote):
        return remote
    hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
    for hop in reversed(hops):
        if not proxy_trusted(hop):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return remote
    return remote
