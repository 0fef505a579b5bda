"""Shared fixtures: nodes at three levels and users with roles."""

import pytest

from bianzhi.core.models import Node
from bianzhi.testing import make_document, make_user


@pytest.fixture
def nodes(db):
    return {
        "national": Node.objects.create(code="000000", name="中央编办", region_code="000000"),
        "province": Node.objects.create(code="320000", name="江苏省委编办", region_code="320000"),
        "city": Node.objects.create(code="320500", name="苏州市委编办", region_code="320500"),
        "county": Node.objects.create(code="320506", name="吴中区委编办", region_code="320506"),
        "other": Node.objects.create(code="110000", name="北京市委编办", region_code="110000"),
    }


@pytest.fixture
def users(nodes):
    return {
        "national": make_user("national", nodes["national"]),
        "province": make_user("province", nodes["province"]),
        "city": make_user("city", nodes["city"]),
        "county": make_user("county", nodes["county"]),
        "viewer": make_user("viewer", nodes["province"], role="viewer"),
        "outsider": make_user("outsider", nodes["other"]),
        "nobody": make_user("nobody", None),
    }


@pytest.fixture
def clerk(users):
    return users["province"]


@pytest.fixture
def document(db):
    return make_document()


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Uploaded files of a test go to its own temporary folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
