"""Every action code the code writes reads as text in the auditor's pages (found by scanning
the sources, so a new code without a label fails here)."""

import re
from pathlib import Path

import pytest
from django.utils import translation

from bianzhi.audit.labels import action_label

ROOT = Path(__file__).resolve().parents[2]
CODE = re.compile(
    r'(?:action=|audit_record\(\s*|record_access\(\s*request,\s*)"([a-z_]+(?:\.[a-z_]+){1,2})"'
)


def written_codes() -> set[str]:
    codes = set()
    for path in ROOT.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        codes.update(CODE.findall(path.read_text(encoding="utf-8")))
    return codes


def test_the_scan_finds_the_codes():
    codes = written_codes()
    assert {"personnel.person.viewed", "auth.locked", "orgs.org.exported"} <= codes
    assert len(codes) > 40


@pytest.mark.parametrize("code", sorted(written_codes()))
def test_every_written_code_has_a_label(code):
    assert action_label(code) != code


def test_labels_in_both_languages():
    with translation.override("en"):
        assert action_label("personnel.person.viewed") == "person · viewed in full"
    with translation.override("zh-hans"):
        assert action_label("personnel.person.viewed") == "人员 · 查看完整档案"
    assert action_label("something.unknown.done") == "something.unknown.done"
