"""The operations a change item may carry, which matter types allow which, and how an item
names bodies: existing ones by id, or one set up by an earlier item of the same matter by that
item's ``seq`` (``org_ref``, ``target_ref``, ``supervisor_ref``, ``parent_ref``)."""

from bianzhi.matters.models import MatterType as T

ESTABLISH = "org.establish"
ABOLISH = "org.abolish"
MERGE = "org.merge"
SPLIT = "org.split"
RENAME = "org.rename"
CHANGE_RANK = "org.change_rank"
CHANGE_SUPERVISOR = "org.change_supervisor"
PROVISION = "org.provision"
QUOTA_SET = "quota.set"
QUOTA_RAISE = "quota.raise"
QUOTA_CUT = "quota.cut"
QUOTA_TRANSFER = "quota.transfer"
LEADER_POST_SET = "leader_post.set"
RESERVATION_CREATE = "reservation.create"

QUOTA_OPS = frozenset({QUOTA_SET, QUOTA_RAISE, QUOTA_CUT, QUOTA_TRANSFER})
# Setting up, merging, splitting or abolishing bodies moves posts and leader positions, and the
# new body's 三定 fixes its functions and internal bodies: the same matter may carry all of it.
STRUCTURAL_EXTRAS = QUOTA_OPS | {LEADER_POST_SET, PROVISION}

ALLOWED_OPS: dict[str, frozenset[str]] = {
    T.ESTABLISH: frozenset({ESTABLISH}) | STRUCTURAL_EXTRAS,
    T.ABOLISH: frozenset({ABOLISH}) | STRUCTURAL_EXTRAS,
    T.MERGE: frozenset({MERGE}) | STRUCTURAL_EXTRAS,
    T.SPLIT: frozenset({SPLIT}) | STRUCTURAL_EXTRAS,
    T.RENAME: frozenset({RENAME}),
    # Leader posts carry the body's rank band (a 正处级 body's director is 正处), so a change of
    # rank may reset them in the same matter.
    T.CHANGE_RANK: frozenset({CHANGE_RANK, LEADER_POST_SET}),
    T.CHANGE_SUPERVISOR: frozenset({CHANGE_SUPERVISOR}),
    # Functions are changed by adopting a revised 三定 provision.
    T.CHANGE_FUNCTIONS: frozenset({PROVISION}),
    # A 三定 provision fixes functions, internal bodies, posts and leader positions together.
    T.PROVISION: frozenset({PROVISION, LEADER_POST_SET}) | QUOTA_OPS,
    T.QUOTA_SET: frozenset({QUOTA_SET}),
    T.QUOTA_RAISE: frozenset({QUOTA_RAISE}),
    T.QUOTA_CUT: frozenset({QUOTA_CUT}),
    T.QUOTA_TRANSFER: frozenset({QUOTA_TRANSFER}),
    T.LEADER_POSTS: frozenset({LEADER_POST_SET}),
    T.RECRUIT: frozenset({RESERVATION_CREATE}),
    T.OTHER: frozenset(),  # a free-form decision: no structured change
}

OPS: frozenset[str] = frozenset().union(*ALLOWED_OPS.values())

# The fields of a body to set up (orgs.validation.OrgSpec), as stored in params.
SPEC_TEXT = (
    "name",
    "category",
    "region_code",
    "short_name",
    "subcategory",
    "rank",
    "pi_class",
    "funding_form",
)
SPEC_KEYS = frozenset(
    {*SPEC_TEXT, "credit_code", "parent_id", "parent_ref", "supervisor_id", "supervisor_ref"}
)

# The parameters each op takes besides the item's body (``org`` or ``org_ref``).
PARAM_KEYS: dict[str, frozenset[str]] = {
    ESTABLISH: SPEC_KEYS,
    ABOLISH: frozenset(),
    MERGE: frozenset({"source_ids", "new"}),
    SPLIT: frozenset({"into"}),
    RENAME: frozenset({"name", "short_name"}),
    CHANGE_RANK: frozenset({"rank"}),
    CHANGE_SUPERVISOR: frozenset({"supervisor_id", "supervisor_ref"}),
    PROVISION: frozenset({"functions", "internal_bodies", "summary"}),
    QUOTA_SET: frozenset({"est_type", "approved"}),
    QUOTA_RAISE: frozenset({"est_type", "count"}),
    QUOTA_CUT: frozenset({"est_type", "count"}),
    QUOTA_TRANSFER: frozenset({"est_type", "count", "target_id", "target_ref", "target_id_ref"}),
    LEADER_POST_SET: frozenset({"title", "level", "rank", "approved"}),
    RESERVATION_CREATE: frozenset({"est_type", "count", "purpose", "expires_on"}),
}

# Whether the item's own body is required, forbidden or either (a merge names the absorbing
# body, or sets up a new one in params.new).
ORG_REQUIRED, ORG_NONE, ORG_OPTIONAL = "required", "none", "optional"
ORG_RULE: dict[str, str] = {op: ORG_REQUIRED for op in PARAM_KEYS} | {
    ESTABLISH: ORG_NONE,
    MERGE: ORG_OPTIONAL,
}


def creates_body(op: str, params: dict) -> bool:
    """Whether an item sets up one body that later items may name by its seq."""
    return op == ESTABLISH or (op == MERGE and bool(params.get("new")))


def specs_of(op: str, params: dict) -> list[dict]:
    """The specifications of the bodies an item sets up."""
    if op == ESTABLISH:
        return [params]
    if op == MERGE and params.get("new"):
        return [params["new"]]
    if op == SPLIT:
        return list(params.get("into") or [])
    return []


def created_spec(op: str, params: dict) -> dict | None:
    """The specification of the one body a later item may refer to, if the item sets one up."""
    return specs_of(op, params)[0] if creates_body(op, params) else None


def named_ids(org_id: int | None, op: str, params: dict) -> set[int]:
    """Ids of the existing bodies an item names (its body, sources, target, supervisor,
    parents and supervisors of new bodies)."""
    ids = {org_id} if org_id else set()
    ids.update(i for i in params.get("source_ids") or () if isinstance(i, int))
    for key in ("target_id", "supervisor_id"):
        if isinstance(params.get(key), int):
            ids.add(params[key])
    for spec in specs_of(op, params):
        ids.update(spec[key] for key in ("parent_id", "supervisor_id") if spec.get(key))
    return ids


def ended_ids(org_id: int | None, op: str, params: dict) -> set[int]:
    """Ids of the existing bodies an item ends (abolished, merged into another, split)."""
    if op == MERGE:
        return set(params.get("source_ids") or ())
    if op in (ABOLISH, SPLIT) and org_id:
        return {org_id}
    return set()
