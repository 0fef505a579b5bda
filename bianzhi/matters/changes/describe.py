"""One line per proposed change, for people: the matter's pages, its decision document and the
execution report. English msgids with named placeholders; zh_Hans holds the wording."""

from collections.abc import Iterable

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from bianzhi.core import reference
from bianzhi.matters.models import ChangeItem
from bianzhi.orgs.models import Org

from . import ops

Names = dict[int | str, str]  # body id, or "ref:<seq>" for a body an item sets up → name
_REF_KEYS = ("org_ref", "target_ref", "supervisor_ref")


def _label(codeset: str, code: str) -> str:
    return reference.code_label(codeset, code, get_language() or "zh-hans") if code else ""


def names_for(items: Iterable[ChangeItem]) -> Names:
    """The names an item's description needs, in one query for the existing bodies; bodies an
    item sets up take the name of its specification."""
    items = list(items)
    names: Names = {}
    ids: set[int] = set()
    for item in items:
        ids |= ops.named_ids(item.org_id, item.op, item.params)
        spec = ops.created_spec(item.op, item.params)
        if spec:
            names[f"ref:{item.seq}"] = spec.get("name", "")
    refs = {item.params[key] for item in items for key in _REF_KEYS if key in item.params}
    missing = {seq for seq in refs if f"ref:{seq}" not in names}
    if missing and items:
        for item in ChangeItem.objects.filter(matter_id=items[0].matter_id, seq__in=missing):
            spec = ops.created_spec(item.op, item.params)
            if spec:
                names[f"ref:{item.seq}"] = spec.get("name", "")
    org_field = ChangeItem._meta.get_field("org")
    for item in items:
        if item.org_id and org_field.is_cached(item):  # loaded with select_related("org")
            names[item.org_id] = item.org.name
    ids = {pk for pk in ids if pk not in names}
    if ids:
        names.update(Org.objects.filter(pk__in=ids).values_list("pk", "name"))
    return names


def _name(names: Names, org_id: int | None, ref: int | None) -> str:
    if ref:
        return names.get(f"ref:{ref}") or _("the body set up by item %(seq)s") % {"seq": ref}
    return names.get(org_id, str(org_id)) if org_id else ""


def _body(item: ChangeItem, names: Names) -> str:
    return _name(names, item.org_id, item.params.get("org_ref"))


def _establish(item, names, body) -> str:
    return _("Set up %(name)s") % {"name": item.params.get("name", "")}


def _abolish(item, names, body) -> str:
    return _("Abolish %(org)s") % {"org": body}


def _merge(item, names, body) -> str:
    sources = "、".join(_name(names, pk, None) for pk in item.params.get("source_ids", ()))
    new = item.params.get("new")
    if new:
        return _("Merge %(sources)s into a new body, %(name)s") % {
            "sources": sources,
            "name": new.get("name", ""),
        }
    return _("Merge %(sources)s into %(org)s") % {"sources": sources, "org": body}


def _split(item, names, body) -> str:
    parts = "、".join(spec.get("name", "") for spec in item.params.get("into", ()))
    return _("Split %(org)s into %(names)s") % {"org": body, "names": parts}


def _rename(item, names, body) -> str:
    params = item.params
    if params.get("short_name"):
        return _("Rename %(org)s to %(name)s, short name %(short_name)s") % {
            "org": body,
            "name": params["name"],
            "short_name": params["short_name"],
        }
    return _("Rename %(org)s to %(name)s") % {"org": body, "name": params.get("name", "")}


def _change_rank(item, names, body) -> str:
    return _("Change the rank of %(org)s to %(rank)s") % {
        "org": body,
        "rank": _label("rank", item.params.get("rank", "")),
    }


def _change_supervisor(item, names, body) -> str:
    params = item.params
    supervisor = _name(names, params.get("supervisor_id"), params.get("supervisor_ref"))
    if not supervisor:
        return _("Remove the supervising body of %(org)s") % {"org": body}
    return _("Place %(org)s under %(supervisor)s") % {"org": body, "supervisor": supervisor}


def _provision(item, names, body) -> str:
    params = item.params
    bodies = params.get("internal_bodies") or []
    if not bodies:
        return _("Adopt the three-fix provision of %(org)s: %(functions)s functions") % {
            "org": body,
            "functions": len(params.get("functions", ())),
        }
    return _(
        "Adopt the three-fix provision of %(org)s: %(functions)s functions; "
        "internal bodies %(bodies)s"
    ) % {"org": body, "functions": len(params.get("functions", ())), "bodies": "、".join(bodies)}


def _quota(item, names, body) -> str:
    params = item.params
    values = {
        "org": body,
        "type": _label("establishment_type", params.get("est_type", "")),
        "count": params.get("count", params.get("approved")),
    }
    if item.op == ops.QUOTA_SET:
        return _("Set %(type)s of %(org)s at %(count)s") % values
    if item.op == ops.QUOTA_RAISE:
        return _("Raise %(type)s of %(org)s by %(count)s") % values
    if item.op == ops.QUOTA_CUT:
        return _("Cut %(type)s of %(org)s by %(count)s") % values
    values["target"] = _name(names, params.get("target_id"), params.get("target_ref"))
    return _("Move %(count)s %(type)s from %(org)s to %(target)s") % values


def _leader_post(item, names, body) -> str:
    params = item.params
    return _("Set the leader posts %(title)s (%(level)s) of %(org)s at %(count)s") % {
        "org": body,
        "title": params.get("title", ""),
        "level": _label("leader_level", params.get("level", "")),
        "count": params.get("approved"),
    }


def _reservation(item, names, body) -> str:
    params = item.params
    return _("Reserve %(count)s %(type)s of %(org)s for %(purpose)s until %(date)s") % {
        "org": body,
        "count": params.get("count"),
        "type": _label("establishment_type", params.get("est_type", "")),
        "purpose": params.get("purpose", ""),
        "date": params.get("expires_on", ""),
    }


LINES = {
    ops.ESTABLISH: _establish,
    ops.ABOLISH: _abolish,
    ops.MERGE: _merge,
    ops.SPLIT: _split,
    ops.RENAME: _rename,
    ops.CHANGE_RANK: _change_rank,
    ops.CHANGE_SUPERVISOR: _change_supervisor,
    ops.PROVISION: _provision,
    ops.QUOTA_SET: _quota,
    ops.QUOTA_RAISE: _quota,
    ops.QUOTA_CUT: _quota,
    ops.QUOTA_TRANSFER: _quota,
    ops.LEADER_POST_SET: _leader_post,
    ops.RESERVATION_CREATE: _reservation,
}


def describe(item: ChangeItem, names: Names | None = None) -> str:
    """One line for people, e.g. "调增 苏州市吴中区市场监督管理局 行政编制 5 名"; ``names``
    from ``names_for`` saves the look-ups when many items are described."""
    if names is None:
        names = names_for([item])
    line = LINES.get(item.op)
    if line is None:
        return item.op
    return line(item, names, _body(item, names))


def describe_items(items: Iterable[ChangeItem]) -> list[str]:
    """One line per item, with the names looked up once for all of them."""
    items = list(items)
    names = names_for(items)
    return [describe(item, names) for item in items]
