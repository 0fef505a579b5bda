"""Rate limit of the public service: a fixed window per client address, counted in the shared
cache, `settings.PUBLIC_RATE_LIMIT` requests ("count/seconds") per window; over the limit a
429 with `Retry-After` and a message in Chinese and English (a page, or JSON for the API)."""

import math
import time
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

KEY_PREFIX = "public-rate"


def rate_limit() -> tuple[int, int]:
    """(requests, seconds) from PUBLIC_RATE_LIMIT, e.g. "120/60"; a bad value fails loudly."""
    value = getattr(settings, "PUBLIC_RATE_LIMIT", "120/60")
    try:
        count, seconds = (int(part) for part in str(value).split("/"))
    except ValueError:
        raise ImproperlyConfigured(
            f"PUBLIC_RATE_LIMIT must be 'count/seconds', not {value!r}"
        ) from None
    if count < 1 or seconds < 1:
        raise ImproperlyConfigured(f"PUBLIC_RATE_LIMIT must be positive, not {value!r}")
    return count, seconds


def retry_after(request: HttpRequest) -> int | None:
    """Count this request in its client's window; the seconds to wait if it is over the
    limit, else None."""
    limit, seconds = rate_limit()
    now = time.time()
    window = int(now // seconds)
    key = f"{KEY_PREFIX}:{request.META.get('REMOTE_ADDR', '')}:{seconds}:{window}"
    cache.add(key, 0, timeout=seconds + 1)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr: this request opens the window
        cache.add(key, 1, timeout=seconds + 1)
        count = 1
    if count <= limit:
        return None
    return max(1, math.ceil((window + 1) * seconds - now))


def _message(wait: int) -> tuple[str, str]:
    return (
        f"请求过于频繁，请在 {wait} 秒后重试",
        f"too many requests from your address; try again in {wait} seconds",
    )


def _too_many(request: HttpRequest, wait: int, as_json: bool) -> HttpResponse:
    message, message_en = _message(wait)
    if as_json:
        response: HttpResponse = JsonResponse(
            {"code": "rate_limited", "field": None, "message": message, "message_en": message_en},
            status=429,
        )
    else:
        response = render(
            request,
            "public/error.html",
            {"message": message, "message_en": message_en, "status": 429},
            status=429,
        )
    response["Retry-After"] = str(wait)
    return response


def rate_limited(*, as_json: bool = False) -> Callable:
    """Refuse a client over the public rate limit before the view runs."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def limited(request: HttpRequest, *args, **kwargs):
            wait = retry_after(request)
            if wait is not None:
                return _too_many(request, wait, as_json)
            return view(request, *args, **kwargs)

        return limited

    return decorator
