"""Atom and RSS feeds of the notices (公告), newest first, with the filters of the notices page;
each entry links to the notice's absolute address under `settings.PUBLIC_BASE_URL`."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import feedgenerator
from django.utils.translation import gettext as _

from bianzhi.core.errors import InvalidInput
from bianzhi.core.permissions import public

from . import present, queries
from .ratelimit import rate_limited

FEED_SIZE = 50


def _feed(request: HttpRequest, generator: type, url_name: str) -> HttpResponse:
    asked = {key: request.GET.get(key, "")[:200] for key in ("kind", "region", "q")}
    try:
        flt = queries.notice_filter(**asked)
    except InvalidInput as exc:
        return HttpResponse(
            f"{exc.message_zh} / {exc.message_en}",
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    base = settings.PUBLIC_BASE_URL
    feed = generator(
        title=_("Registration notices of public institutions (事业单位登记公告)"),
        link=base + reverse("public:notices"),
        description=_("Establishment, change and cancellation notices of public institutions."),
        language="zh-cn",
        feed_url=base + reverse(url_name),
    )
    for notice in queries.notices(flt)[:FEED_SIZE]:
        data = present.notice_public(notice)
        lines = [f"{label}：{value}" for label, value in present.notice_body_rows(data["body"])]
        feed.add_item(
            title=notice.title,
            link=data["url"],
            unique_id=data["url"],
            description="\n".join([data["number"], data["kind_label"], *lines]),
            pubdate=notice.published_at,
            updateddate=notice.published_at,
            categories=[data["kind_label"]],
        )
    response = HttpResponse(content_type=feed.content_type)
    feed.write(response, "utf-8")
    return response


@public
@rate_limited()
def notices_atom(request: HttpRequest) -> HttpResponse:
    return _feed(request, feedgenerator.Atom1Feed, "public:notices_atom")


@public
@rate_limited()
def notices_rss(request: HttpRequest) -> HttpResponse:
    return _feed(request, feedgenerator.Rss201rev2Feed, "public:notices_rss")
