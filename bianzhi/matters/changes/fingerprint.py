"""What each item of an approved change set relies on, recorded at approval, and the
differences from today's registry and ledger found before execution (someone cut the quota or
renamed the body in the meantime)."""

from django.utils import timezone

from bianzhi.core import reference
from bianzhi.matters.models import ChangeItem, Matter
from bianzhi.orgs.models import Org, OrgStatus

from . import ops
from .simulation import SimBody, Simulation

ORG_FIELDS = ("status", "name", "rank", "supervisor_id")
FIELD_LABELS = {
    "status": ("状态", "status"),
    "name": ("名称", "name"),
    "rank": ("规格", "rank"),
    "supervisor_id": ("主管部门", "supervising body"),
}
STATUS_ZH = {"active": "存续", "abolished": "已撤销", "merged": "已合并", "split": "已分设"}


def _org_value(body: SimBody | None, name: str):
    if body is None:
        return None
    if name == "supervisor_id":
        key = body.before["supervisor"]
        return int(key) if key else None
    return body.before[name]


def _quota_fact(sim: Simulation, org_id: int, est_type: str) -> dict:
    quota = sim.quotas.get((str(org_id), est_type))
    value = quota.approved_before if quota else 0
    return {"org": org_id, "field": "approved", "est_type": est_type, "value": value}


def _names_wanted(item: ChangeItem) -> list[dict]:
    """New standard names an item gives, where an active body could take them meanwhile."""
    params = item.params
    if item.op == ops.RENAME and item.org_id:
        return [{"name": params["name"], "org": item.org_id}]
    return [
        {
            "name": spec["name"],
            "region_code": spec["region_code"],
            "parent_id": spec.get("parent_id"),
        }
        for spec in ops.specs_of(item.op, params)
        if not spec.get("parent_ref")
    ]


def _taken(items: list[ChangeItem]) -> set[tuple]:
    """(name, region, parent id, id) of the active bodies bearing a name the items give."""
    names = {wanted["name"] for item in items for wanted in _names_wanted(item)}
    if not names:
        return set()
    rows = Org.objects.filter(name__in=names, status=OrgStatus.ACTIVE).values_list(
        "name", "region_code", "parent_id", "pk"
    )
    return set(rows)


def _where(sim: Simulation, wanted: dict) -> tuple[str, int | None]:
    if wanted.get("org"):  # a rename keeps the body's region and parent
        body = sim.bodies.get(str(wanted["org"]))
        parent = int(body.parent) if body and body.parent else None
        return (body.region_code if body else ""), parent
    return wanted["region_code"], wanted["parent_id"]


def _clash(sim: Simulation, taken: set[tuple], wanted: dict) -> bool:
    region, parent = _where(sim, wanted)
    return any(
        (name, row_region, row_parent) == (wanted["name"], region, parent)
        and pk != wanted.get("org")
        for name, row_region, row_parent, pk in taken
    )


def _facts(sim: Simulation, item: ChangeItem, taken: set[tuple]) -> list[dict]:
    facts = []
    for org_id in sorted(ops.named_ids(item.org_id, item.op, item.params)):
        body = sim.bodies.get(str(org_id))
        facts += [
            {"org": org_id, "field": name, "value": _org_value(body, name)} for name in ORG_FIELDS
        ]
    params = item.params
    if item.op in ops.QUOTA_OPS and item.org_id:
        facts.append(_quota_fact(sim, item.org_id, params["est_type"]))
    if item.op == ops.QUOTA_TRANSFER and params.get("target_id"):
        facts.append(_quota_fact(sim, params["target_id"], params["est_type"]))
    if item.op == ops.LEADER_POST_SET and item.org_id:
        post = sim.posts.get((str(item.org_id), params["title"]))
        value = post.approved_before if post else None
        fact = {"org": item.org_id, "field": "leader_post", "title": params["title"]}
        facts.append(fact | {"value": value})
    if item.op == ops.RESERVATION_CREATE and item.org_id and item.seq in sim.vacancy_before:
        facts.append(_vacancy_fact(sim, item))
    facts += [
        {"field": "name_free", "value": True, **wanted}
        for wanted in _names_wanted(item)
        if not _clash(sim, taken, wanted)  # already taken at approval: execution will tell
    ]
    return facts


def _vacancy_fact(sim: Simulation, item: ChangeItem) -> dict:
    """The vacancy a reservation needs today: its count, less what earlier items of the matter
    free (a raise), plus what they take (another reservation)."""
    params = item.params
    quota = sim.quotas[(str(item.org_id), params["est_type"])]
    needs = params["count"] + quota.vacancy_before - sim.vacancy_before[item.seq]
    return {
        "org": item.org_id,
        "field": "vacancy",
        "est_type": params["est_type"],
        "value": quota.vacancy_before,
        "needs": needs,
    }


def fingerprint(matter: Matter) -> None:
    """At approval, record in each item's ``expected`` what it relies on: the bodies' status,
    name, rank and supervisor, the approved posts of the quotas it changes, the leader post's
    approved number, the vacancy a reservation needs and that new names are still free."""
    items = list(matter.items.order_by("seq"))
    sim = Simulation(items).run()
    taken = _taken(items)
    today = timezone.localdate().isoformat()
    for item in items:
        item.expected = {"recorded_on": today, "facts": _facts(sim, item, taken)}
    ChangeItem.objects.bulk_update(items, ["expected"])


# --- conflicts --------------------------------------------------------------------------------


def _conflict(item: ChangeItem, fact: dict, found, message: str, message_en: str) -> dict:
    return {
        "seq": item.seq,
        "op": item.op,
        "org": fact.get("org"),
        "field": _field_name(fact),
        "expected": fact.get("needs", fact["value"]),
        "found": found,
        "message": f"第 {item.seq} 项：{message}",
        "message_en": f"item {item.seq}: {message_en}",
    }


def _field_name(fact: dict) -> str:
    if fact["field"] == "approved":
        return f"quota.{fact['est_type']}.approved"
    if fact["field"] == "vacancy":
        return f"quota.{fact['est_type']}.vacancy"
    if fact["field"] == "leader_post":
        return f"leader_post.{fact['title']}.approved"
    return fact["field"]


def _shown(value, field: str) -> str:
    if value is None or value == "":
        return "无"
    if field == "status":
        return STATUS_ZH.get(value, value)
    if field == "rank":
        return reference.code_label("rank", value)
    return str(value)


def _org_conflict(sim: Simulation, item: ChangeItem, fact: dict) -> dict | None:
    body = sim.bodies.get(str(fact["org"]))
    found = _org_value(body, fact["field"])
    if found == fact["value"]:
        return None
    field = fact["field"]
    label, label_en = FIELD_LABELS[field]
    name = body.before["name"] if body else str(fact["org"])
    expected_zh, found_zh = _shown(fact["value"], field), _shown(found, field)
    if field == "supervisor_id":
        expected_zh, found_zh = (
            sim.names.get(str(v), _shown(v, field)) for v in (fact["value"], found)
        )
    return _conflict(
        item,
        fact,
        found,
        f"“{name}”的{label}批准时为“{expected_zh}”，现为“{found_zh}”",
        f"the {label_en} of {name!r} was {fact['value']!r} at approval, now {found!r}",
    )


def _name(sim: Simulation, org_id) -> str:
    body = sim.bodies.get(str(org_id))
    return body.before["name"] if body else str(org_id)


def _quota_conflict(sim: Simulation, item: ChangeItem, fact: dict) -> dict | None:
    quota = sim.quotas.get((str(fact["org"]), fact["est_type"]))
    name = _name(sim, fact["org"])
    label = reference.code_label("establishment_type", fact["est_type"])
    if fact["field"] == "vacancy":
        found = quota.vacancy_before if quota else 0
        if found >= fact["needs"]:
            return None
        return _conflict(
            item,
            fact,
            found,
            f"“{name}”{label}空编现为 {found} 名，本项需要 {fact['needs']} 名",
            f"{name!r} has {found} vacant {fact['est_type']} posts, the item needs {fact['needs']}",
        )
    found = quota.approved_before if quota else 0
    if found == fact["value"]:
        return None
    return _conflict(
        item,
        fact,
        found,
        f"“{name}”{label}核定数批准时为 {fact['value']} 名，现为 {found} 名",
        f"approved {fact['est_type']} posts of {name!r} were {fact['value']} at approval, "
        f"now {found}",
    )


def _post_conflict(sim: Simulation, item: ChangeItem, fact: dict) -> dict | None:
    post = sim.posts.get((str(fact["org"]), fact["title"]))
    found = post.approved_before if post else None
    if found == fact["value"]:
        return None
    name = _name(sim, fact["org"])
    return _conflict(
        item,
        fact,
        found,
        f"“{name}”{fact['title']}职数批准时为 {_shown(fact['value'], '')}，"
        f"现为 {_shown(found, '')}",
        f"approved {fact['title']} posts of {name!r} were {fact['value']} at approval, now {found}",
    )


def _name_conflict(sim: Simulation, taken: set[tuple], item: ChangeItem, fact: dict) -> dict | None:
    if not _clash(sim, taken, fact):
        return None
    return _conflict(
        item,
        fact,
        False,
        f"已有同名的现行机构“{fact['name']}”",
        f"an active body named {fact['name']!r} now exists",
    )


def _expiry_conflict(item: ChangeItem, today: str) -> dict | None:
    expires_on = item.params.get("expires_on", "")
    if item.op != ops.RESERVATION_CREATE or expires_on >= today:
        return None
    fact = {"org": item.org_id, "field": "params.expires_on", "value": expires_on}
    return _conflict(
        item,
        fact,
        today,
        f"用编计划有效期 {expires_on} 已过",
        f"the reservation's expiry date {expires_on} has passed",
    )


def _check(sim: Simulation, taken: set[tuple], item: ChangeItem, fact: dict) -> dict | None:
    if fact["field"] in ORG_FIELDS:
        return _org_conflict(sim, item, fact)
    if fact["field"] in ("approved", "vacancy"):
        return _quota_conflict(sim, item, fact)
    if fact["field"] == "leader_post":
        return _post_conflict(sim, item, fact)
    if fact["field"] == "name_free":
        return _name_conflict(sim, taken, item, fact)
    return None


def conflicts(matter: Matter) -> list[dict]:
    """Compare today's registry and ledger with what each item relied on at approval; each
    difference as {seq, op, org, field, expected, found, message, message_en}. Empty when the
    change set still applies. Items never fingerprinted are not compared."""
    items = [item for item in matter.items.order_by("seq") if item.expected]
    sim = Simulation(items)  # today's state, not played
    taken = _taken(items)
    today = timezone.localdate().isoformat()
    found = []
    for item in items:
        for fact in item.expected.get("facts", ()):
            conflict = _check(sim, taken, item, fact)
            if conflict:
                found.append(conflict)
        expiry = _expiry_conflict(item, today)
        if expiry:
            found.append(expiry)
    return found


__all__ = ["conflicts", "fingerprint"]
