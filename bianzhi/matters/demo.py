"""Demo matters for the county of the demo, so that each demo login finds work in its inbox:
one submitted by the body's own account (for the clerk), one at the division head, one waiting
for the leader, and one executed and filed (for the city to acknowledge)."""

from django.db import transaction

from bianzhi.accounts.models import User
from bianzhi.staffing.models import Quota

from . import services
from .models import Matter


def _quota_item(body) -> tuple[str, dict]:
    quota = Quota.objects.filter(org=body).order_by("est_type").first()
    if quota is None:
        return "quota.set", {"est_type": "admin", "approved": 12}
    return "quota.raise", {"est_type": quota.est_type, "count": 2}


def _matter(unit, title: str):
    op, params = _quota_item(unit.org)
    matter = services.matter_create(
        actor=unit,
        applicant=unit.org,
        matter_type="quota_raise" if op == "quota.raise" else "quota_set",
        title=title,
        reason="承担新增职能，现有编制不足。",
    )
    services.item_add(actor=unit, matter=matter, op=op, org=unit.org, params=params)
    services.matter_act(actor=unit, matter=matter, action="submit")
    return matter


@transaction.atomic
def load_demo_matters() -> int:
    """Make the demo matters once (nothing when the demo accounts are missing or matters
    exist); returns how many were made."""
    users = {u.username: u for u in User.objects.filter(username__in=DEMO_PATH)}
    if len(users) < len(DEMO_PATH) or Matter.objects.exists():
        return 0
    unit, clerk, head, leader = (users[name] for name in DEMO_PATH)

    def act(matter, user, action, **data):
        services.matter_act(actor=user, matter=matter, action=action, data=data)

    first = _matter(unit, "关于调增编制的请示")
    second = _matter(unit, "关于核定编制的请示（二）")
    act(second, clerk, "accept")
    act(second, clerk, "pass")
    third = _matter(unit, "关于核定编制的请示（三）")
    for matter, user, action in ((third, clerk, "accept"), (third, clerk, "pass")):
        act(matter, user, action)
    act(third, head, "pass")
    done = _matter(unit, "关于核定编制的请示（已执行）")
    for user, action in ((clerk, "accept"), (clerk, "pass"), (head, "pass")):
        act(done, user, action)
    act(done, leader, "approve")
    act(done, clerk, "issue")
    act(done, clerk, "execute")
    act(done, clerk, "file")
    return len([first, second, third, done])


DEMO_PATH = ("unit", "county", "head", "leader")
