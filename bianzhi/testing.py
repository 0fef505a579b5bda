"""Helpers for tests: users with roles, documents, and bodies made through the real services."""

import datetime
import itertools
import os
import shutil

import pytest
from django.contrib.auth.models import Group

from bianzhi.accounts.models import User
from bianzhi.core.documents import document_register
from bianzhi.core.models import Node
from bianzhi.orgs import services
from bianzhi.orgs.validation import OrgSpec

PASSWORD = "Test-password-2026"  # nosec B105  # test fixture password
_numbers = itertools.count(1)


def make_user(username: str, node: Node | None, role: str = "clerk") -> User:
    user = User.objects.create_user(username=username, password=PASSWORD, node=node)
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


def make_document(title: str = "关于机构设置的通知", issued_on=datetime.date(2020, 1, 1)):
    return document_register(
        actor=None,
        issuer="江苏省委编办",
        number=f"苏编办〔{issued_on.year}〕{next(_numbers)}号",
        issued_on=issued_on,
        title=title,
    )


def establish(
    name: str,
    *,
    region: str = "320506",
    category: str = "gov",
    on=datetime.date(2020, 1, 1),
    actor=None,
    **fields,
):
    spec = OrgSpec(name=name, category=category, region_code=region, **fields)
    return services.org_establish(
        actor=actor, spec=spec, document=make_document(issued_on=on), effective_date=on
    )


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# The marks of a test that drives the real pages in Debian's chromium (bianzhi/tests/conftest.py
# has the `browser_page` fixture).
needs_chromium = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian's chromium is not installed"),
]
