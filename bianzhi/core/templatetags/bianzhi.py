from django import template
from django.utils.translation import get_language

from bianzhi.core import reference
from bianzhi.core.identifiers import mask_resident_id

register = template.Library()


@register.filter
def region_name(code: str) -> str:
    return reference.region_full_name(code) if code else ""


@register.filter
def code_label(code: str, codeset: str) -> str:
    if not code:
        return "—"
    return reference.code_label(codeset, code, get_language() or "zh-hans")


@register.filter
def org_status(status: str) -> str:
    from bianzhi.orgs.models import OrgStatus

    return str(OrgStatus(status).label) if status in OrgStatus.values else status


@register.filter
def masked_id(value: str) -> str:
    return mask_resident_id(value) if value else ""


@register.filter
def get_item(mapping: dict, key):
    return mapping.get(key, key)
