"""Readable text for the journal's dotted action codes."""

from django.utils.translation import gettext_lazy as _

ACTION_LABELS = {
    "orgs.org.established": _("Established"),
    "orgs.org.imported": _("Imported"),
    "orgs.org.renamed": _("Renamed"),
    "orgs.org.rank_changed": _("Rank changed"),
    "orgs.org.supervisor_changed": _("Supervising body changed"),
    "orgs.org.parent_changed": _("Parent body changed"),
    "orgs.org.merged": _("Merged into another body"),
    "orgs.org.split": _("Split into new bodies"),
    "orgs.org.abolished": _("Abolished"),
    "orgs.org.alias_added": _("Additional name added"),
    "orgs.org.alias_removed": _("Additional name removed"),
    "orgs.provision.adopted": _("Three-fix provision adopted"),
}


def action_label(code: str) -> str:
    return str(ACTION_LABELS.get(code, code))
