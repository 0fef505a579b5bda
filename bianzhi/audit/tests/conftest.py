"""Fixtures for the audit tests: a temporary node key, events, and a way around the guard."""

import contextlib

import pytest
from django.db import connection

from bianzhi.audit import guard
from bianzhi.audit.chain import seal
from bianzhi.audit.services import audit_record


@pytest.fixture(autouse=True)
def node_key(settings, tmp_path):
    """Each test signs with a key of its own, in its temporary folder."""
    settings.BIANZHI_NODE_KEY_FILE = tmp_path / "node_key.pem"
    settings.AUDIT_ARCHIVE_DIR = tmp_path / "archive"
    return settings.BIANZHI_NODE_KEY_FILE


@pytest.fixture
def events(db):
    """Five sealed events, chain positions 1–5; returns their seq in chain order."""
    made = [
        audit_record(f"test.thing.{verb}", entity="test.thing", entity_id=n, data={"n": n})
        for n, verb in enumerate(("made", "viewed", "changed", "exported", "removed"), start=1)
    ]
    assert seal() == 5
    return [event.seq for event in made]


@contextlib.contextmanager
def unguarded():
    """Drop the triggers for the block, as an attacker with DDL rights would; the test's
    transaction rolls the drop back on both databases, and the block reinstalls them."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(guard.POSTGRESQL_REMOVE)
        else:
            for statement in guard.SQLITE_REMOVE[:-1]:
                cursor.execute(statement)
    yield connection.cursor()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(guard.POSTGRESQL_INSTALL)
        else:
            for statement in guard.SQLITE_INSTALL:
                cursor.execute(statement)
