"""Dotted action codes (`personnel.person.viewed`) as readable text for the auditor: the
subject from the model's own name, the verb from one table. Unknown codes show as they are."""

from django.apps import apps
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# Codes that are not "<app>.<model>.<verb>" of a model.
SUBJECTS = {
    "auth": gettext_lazy("Login"),
    "auth.login": gettext_lazy("Login"),
    "auth.otp": gettext_lazy("Second factor"),
    "auth.password": gettext_lazy("Password"),
    "auth.session": gettext_lazy("Session"),
    "auth.cert": gettext_lazy("Certificate login"),
    "access": gettext_lazy("Access"),
    "audit.alert": gettext_lazy("Security alert"),
    "audit.event": gettext_lazy("Audit event"),
    "accounts.role": gettext_lazy("Role"),
    "accounts.clearance": gettext_lazy("Clearance"),
    "accounts.scope": gettext_lazy("Scope"),
    "accounts.account": gettext_lazy("Account"),
    "orgs.template": gettext_lazy("Import template"),
    "personnel.template": gettext_lazy("Import template"),
    "personnel.import": gettext_lazy("Person import"),
    "orgs.import": gettext_lazy("Body import"),
    "accounts.certificate": gettext_lazy("Certificate binding"),
    "accounts.token": gettext_lazy("API token"),
    "core.classification": gettext_lazy("Classification"),
    "personnel.leader": gettext_lazy("Leader post"),
    "staffing.leader_post": gettext_lazy("Leader post"),
    "matters.attachment": gettext_lazy("Matter attachment"),
}

VERBS = {
    "abolished": gettext_lazy("abolished"),
    "above_clearance": gettext_lazy("refused above clearance"),
    "accepted": gettext_lazy("accepted"),
    "acknowledged": gettext_lazy("acknowledged"),
    "adopted": gettext_lazy("adopted"),
    "alias_added": gettext_lazy("alias added"),
    "alias_removed": gettext_lazy("alias removed"),
    "appointed": gettext_lazy("appointed"),
    "approved": gettext_lazy("approved"),
    "assigned": gettext_lazy("assigned"),
    "attached": gettext_lazy("file attached"),
    "block_added": gettext_lazy("code block added"),
    "bound": gettext_lazy("bound"),
    "cancelled": gettext_lazy("cancelled"),
    "certified": gettext_lazy("certificate issued"),
    "changed": gettext_lazy("changed"),
    "commented": gettext_lazy("commented"),
    "corrected": gettext_lazy("corrected"),
    "created": gettext_lazy("created"),
    "cut": gettext_lazy("cut"),
    "deactivated": gettext_lazy("deactivated"),
    "denied": gettext_lazy("refused without permission"),
    "downloaded": gettext_lazy("downloaded"),
    "drawn": gettext_lazy("drawn"),
    "edited": gettext_lazy("edited"),
    "ended_all": gettext_lazy("all ended"),
    "enrolled": gettext_lazy("enrolled"),
    "established": gettext_lazy("established"),
    "examined": gettext_lazy("examined"),
    "executed": gettext_lazy("executed"),
    "execution_failed": gettext_lazy("execution refused"),
    "exited": gettext_lazy("exited"),
    "expired": gettext_lazy("expired"),
    "exported": gettext_lazy("exported"),
    "extranet_refused": gettext_lazy("refused on the extranet"),
    "failed": gettext_lazy("failed"),
    "filed": gettext_lazy("filed with the higher level"),
    "granted": gettext_lazy("granted"),
    "imposed": gettext_lazy("imposed"),
    "issued": gettext_lazy("issued"),
    "item_added": gettext_lazy("change added"),
    "item_removed": gettext_lazy("change removed"),
    "lifted": gettext_lazy("lifted"),
    "loaded": gettext_lazy("loaded"),
    "locked": gettext_lazy("locked"),
    "logout": gettext_lazy("logged out"),
    "merged": gettext_lazy("merged"),
    "missed": gettext_lazy("missed the deadline"),
    "onboarded": gettext_lazy("onboarded"),
    "out_of_scope": gettext_lazy("refused outside scope"),
    "parent_changed": gettext_lazy("parent changed"),
    "parent_sum_warning": gettext_lazy("internal bodies exceed the parent (warned)"),
    "passed": gettext_lazy("passed on"),
    "password_reset": gettext_lazy("password reset"),
    "published": gettext_lazy("published"),
    "rank_changed": gettext_lazy("rank changed"),
    "reactivated": gettext_lazy("reactivated"),
    "recorded": gettext_lazy("recorded"),
    "recovery_regenerated": gettext_lazy("recovery codes renewed"),
    "refused": gettext_lazy("refused"),
    "registered": gettext_lazy("registered"),
    "rejected": gettext_lazy("not approved"),
    "relieved": gettext_lazy("relieved"),
    "reminded": gettext_lazy("reminded"),
    "removed": gettext_lazy("removed"),
    "renamed": gettext_lazy("renamed"),
    "replaced": gettext_lazy("replaced"),
    "reset": gettext_lazy("reset"),
    "restored": gettext_lazy("restored"),
    "resubmitted": gettext_lazy("resubmitted"),
    "returned": gettext_lazy("returned for more information"),
    "revoked": gettext_lazy("revoked"),
    "set": gettext_lazy("set"),
    "split": gettext_lazy("split"),
    "submitted": gettext_lazy("submitted"),
    "succeeded": gettext_lazy("succeeded"),
    "supervisor_changed": gettext_lazy("supervising body changed"),
    "suspended": gettext_lazy("suspended"),
    "transferred": gettext_lazy("transferred"),
    "unbound": gettext_lazy("unbound"),
    "unlocked": gettext_lazy("unlocked"),
    "viewed": gettext_lazy("viewed in full"),
    "withdrawn": gettext_lazy("withdrawn"),
}


def _subject(prefix: str) -> str | None:
    if prefix in SUBJECTS:
        return str(SUBJECTS[prefix])
    app_label, _dot, model = prefix.partition(".")
    try:
        return str(apps.get_model(app_label, model)._meta.verbose_name)
    except (LookupError, ValueError):
        return str(SUBJECTS[app_label]) if app_label in SUBJECTS else None


def action_label(code: str) -> str:
    """`personnel.person.viewed` → "person · viewed in full" (人员 · 查看完整档案)."""
    prefix, _dot, verb = code.rpartition(".")
    subject = _subject(prefix) if prefix else None
    if subject is None or verb not in VERBS:
        return code
    return _("%(subject)s · %(verb)s") % {"subject": subject, "verb": VERBS[verb]}
