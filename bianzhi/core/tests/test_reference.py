import datetime
import itertools

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Q

from bianzhi.core import reference
from bianzhi.core.documents import document_register
from bianzhi.core.errors import Conflict, InvalidInput
from bianzhi.core.models import DatasetVersion, JournalEntry, Region
from bianzhi.core.scope import region_prefix

pytestmark = pytest.mark.django_db


def current(level):
    return Region.objects.filter(level=level, valid_to__isnull=True)


def test_divisions_are_loaded_with_source_and_history():
    assert current(1).count() == 34
    assert current(2).count() > 330
    assert current(3).count() > 2800
    assert DatasetVersion.objects.get(dataset="regions").source.startswith("GB/T 2260")
    pingjiang = Region.objects.get(code="320503")  # 平江区, merged into 姑苏区 in 2012
    assert pingjiang.name == "平江区" and pingjiang.valid_to is not None
    assert reference.region_name("320503") == "平江区"
    assert reference.region_full_name("320506") == "江苏省苏州市吴中区"


def test_no_code_has_two_names_at_once():
    for code in ("320500", "320506", "110101"):
        rows = list(Region.objects.filter(code=code).order_by("valid_from"))
        for earlier, later in itertools.pairwise(rows):
            assert earlier.valid_to is not None and earlier.valid_to <= later.valid_from
    day = datetime.date(2015, 6, 1)
    on_day = Region.objects.filter(
        Q(valid_to__isnull=True) | Q(valid_to__gt=day), valid_from__lte=day
    )
    assert on_day.values("code").distinct().count() == on_day.count()


def test_code_sets_have_the_national_categories():
    categories = reference.codes("org_category")
    assert {
        "party",
        "gov",
        "npc",
        "cppcc",
        "democratic",
        "mass",
        "court",
        "procuratorate",
        "institution",
        "internal",
        "dispatched",
        "coordination",
    } <= set(categories)
    assert {code for code, entry in categories.items() if entry[2] == "gov"} == {
        "gov.component",
        "gov.direct",
        "gov.office",
        "gov.special",
        "gov.managed",
    }
    assert set(reference.codes("pi_class")) == {"administrative", "public1", "public2", "business"}
    assert reference.code_label("funding_form", "partial") == "差额拨款"
    assert reference.code_label("rank", "bureau", "en") == "Full bureau (department)"


@pytest.mark.parametrize(
    ("code", "prefix"), [("000000", ""), ("320000", "32"), ("320500", "3205"), ("320506", "320506")]
)
def test_region_prefix(code, prefix):
    assert region_prefix(code) == prefix


def test_document_register_hashes_the_file_and_journals():
    upload = SimpleUploadedFile("批复.pdf", b"%PDF-1.7 test", content_type="application/pdf")
    doc = document_register(
        actor=None,
        issuer="江苏省委编办",
        number="苏编办〔2026〕1号",
        issued_on=datetime.date(2026, 1, 2),
        title="批复",
        file=upload,
    )
    assert doc.sha256 == "eddc31937fbdaf708e866af0d20b9fb8c79dd001881c8a11e4c617f2882e779f"
    assert doc.size == 13
    assert JournalEntry.objects.filter(action="core.document.registered").count() == 1
    again = document_register(
        actor=None,
        issuer="江苏省委编办",
        number="苏编办〔2026〕1号",
        issued_on=datetime.date(2026, 1, 2),
        title="批复",
    )
    assert again == doc


def test_document_number_is_unique_per_issuer():
    document_register(
        actor=None, issuer="甲", number="1号", issued_on=datetime.date(2026, 1, 1), title="A"
    )
    document_register(
        actor=None, issuer="乙", number="1号", issued_on=datetime.date(2026, 1, 1), title="B"
    )
    with pytest.raises(Conflict) as err:
        document_register(
            actor=None, issuer="甲", number="1号", issued_on=datetime.date(2026, 1, 1), title="C"
        )
    assert err.value.field == "document_number"
    with pytest.raises(InvalidInput):
        document_register(
            actor=None, issuer=" ", number="", issued_on=datetime.date(2026, 1, 1), title="C"
        )
