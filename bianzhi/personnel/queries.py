"""Who may see which person: one rule for the pages and the API (design principle 6)."""

from django.db.models import QuerySet
from django.http import Http404

from bianzhi.core.scope import audit_out_of_scope, user_region_prefix

from .models import Assignment, Person


def persons_in_scope(user) -> QuerySet:
    """Persons whose open assignment's body is in the user's region. A person without an open
    post (never placed, or exited) belongs to no region and is visible to a national user only."""
    prefix = user_region_prefix(user)
    if prefix is None:
        return Person.objects.none()
    if prefix == "":
        return Person.objects.all()
    in_region = Assignment.objects.filter(
        end_date__isnull=True, org__region_code__startswith=prefix
    )
    return Person.objects.filter(pk__in=in_region.values("person_id"))


def person_in_scope_or_404(user, person_id, qs: QuerySet | None = None) -> Person:
    """One person the user may see (from `qs`, a narrowing of `persons_in_scope`); outsiders get
    the same 404 as for a missing person, and the attempt on an existing one is audited."""
    try:
        return (qs if qs is not None else persons_in_scope(user)).get(pk=person_id)
    except (Person.DoesNotExist, ValueError, TypeError) as exc:
        audit_out_of_scope(user, Person.objects.all(), {"pk": person_id})
        raise Http404 from exc
