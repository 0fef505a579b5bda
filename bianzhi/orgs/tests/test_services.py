import datetime

import pytest

from bianzhi.core.errors import InvalidInput
from bianzhi.core.models import JournalEntry
from bianzhi.orgs import queries, services
from bianzhi.orgs.models import Org, OrgLink, OrgName, OrgStatus, OrgVersion
from bianzhi.orgs.validation import OrgSpec
from bianzhi.testing import establish, make_document

D = datetime.date
pytestmark = pytest.mark.django_db


def test_establish_records_version_names_and_journal():
    org = establish(
        "吴中区教育局",
        rank="section",
        subcategory="gov.component",
        credit_code="121000004000123696",
    )
    version = org.versions.get()
    assert (version.valid_from, version.valid_to, version.name) == (
        D(2020, 1, 1),
        None,
        "吴中区教育局",
    )
    name = org.names.get()
    assert (name.pinyin, name.initials) == ("wuzhongqujiaoyuju", "wzqjyj")
    entry = JournalEntry.objects.get(entity="orgs.org", entity_id=org.pk)
    assert entry.action == "orgs.org.established"
    assert entry.after["name"] == "吴中区教育局"
    assert entry.document == version.document


@pytest.mark.parametrize(
    ("fields", "field", "code"),
    [
        ({"category": "nonsense"}, "category", "invalid"),
        ({"category": "gov", "subcategory": "party"}, "subcategory", "invalid"),
        ({"category": "gov", "pi_class": "public1"}, "pi_class", "invalid"),
        ({"category": "gov", "region_code": "999999"}, "region_code", "invalid"),
        ({"category": "internal"}, "parent", "invalid"),
        ({"category": "gov", "credit_code": "12100000400005852X"}, "credit_code", "uscc.checksum"),
        ({"category": "gov", "name": "  "}, "name", "invalid"),
    ],
)
def test_establish_refuses_bad_fields_naming_the_field(fields, field, code):
    spec = {"name": "某局", "region_code": "320506", **fields}
    with pytest.raises(InvalidInput) as err:
        services.org_establish(
            actor=None, spec=OrgSpec(**spec), document=make_document(), effective_date=D(2020, 1, 1)
        )
    assert err.value.field == field
    assert err.value.code == code
    assert err.value.message_zh and err.value.message_en
    assert not Org.objects.exists()


def test_establish_refuses_region_abolished_before_the_date():
    # 320503 平江区 was merged into 姑苏区 in 2012; it resolves for history only.
    assert OrgVersion.objects.count() == 0
    with pytest.raises(InvalidInput) as err:
        establish("平江区教育局", region="320503", on=D(2020, 1, 1))
    assert err.value.field == "region_code"
    old = establish("平江区教育局", region="320503", on=D(2005, 1, 1))
    assert old.region_code == "320503"


def test_establish_refuses_duplicate_credit_code():
    establish("甲局", credit_code="121000004000123696")
    with pytest.raises(InvalidInput) as err:
        establish("乙局", credit_code="121000004000123696")
    assert err.value.code == "duplicate"


def test_actor_outside_scope_is_refused(users):
    with pytest.raises(InvalidInput) as err:
        establish("东城区教育局", region="110101", actor=users["province"])
    assert err.value.code == "out_of_scope"


def test_rename_keeps_old_name_as_of_earlier_dates():
    org = establish("吴中区卫生和计划生育委员会")
    services.org_rename(
        actor=None,
        org=org,
        name="吴中区卫生健康委员会",
        document=make_document(issued_on=D(2019, 3, 1)),
        effective_date=D(2021, 3, 1),
    )
    assert queries.org_version_on(org, D(2021, 2, 28)).name == "吴中区卫生和计划生育委员会"
    assert queries.org_version_on(org, D(2021, 3, 1)).name == "吴中区卫生健康委员会"
    assert queries.org_version_on(org, D(2019, 12, 31)) is None
    names = {(n.name, n.valid_to) for n in org.names.all()}
    assert names == {("吴中区卫生和计划生育委员会", D(2021, 3, 1)), ("吴中区卫生健康委员会", None)}


def test_change_before_last_change_is_refused():
    org = establish("吴中区民政局")
    services.org_change_rank(
        actor=None, org=org, rank="section", document=make_document(), effective_date=D(2022, 1, 1)
    )
    with pytest.raises(InvalidInput) as err:
        services.org_rename(
            actor=None, org=org, name="新名", document=make_document(), effective_date=D(2021, 1, 1)
        )
    assert err.value.code == "before_last_change"
    assert Org.objects.get(pk=org.pk).name == "吴中区民政局"


def test_same_day_changes_update_the_version_in_place():
    org = establish("吴中区统计局")
    services.org_change_rank(
        actor=None, org=org, rank="section", document=make_document(), effective_date=D(2020, 1, 1)
    )
    assert org.versions.count() == 1
    assert org.versions.get().rank == "section"


def test_merge_into_new_body_links_predecessors_and_hands_over_subordinates():
    a = establish("吴中区文化广电和旅游局")
    b = establish("吴中区体育局")
    school = establish(
        "吴中区体育运动学校",
        category="institution",
        supervisor=b,
        pi_class="public1",
        funding_form="full",
    )
    office = establish("办公室", category="internal", parent=b)
    c = services.org_merge(
        actor=None,
        sources=[a, b],
        document=make_document(),
        effective_date=D(2022, 1, 1),
        new=OrgSpec(name="吴中区文体旅局", category="gov", region_code="320506"),
    )
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.status, b.status, a.abolished_on) == (
        OrgStatus.MERGED,
        OrgStatus.MERGED,
        D(2022, 1, 1),
    )
    assert set(OrgLink.objects.values_list("predecessor_id", "successor_id")) == {
        (a.pk, c.pk),
        (b.pk, c.pk),
    }
    school.refresh_from_db()
    office.refresh_from_db()
    assert school.supervisor == c
    assert office.status == OrgStatus.ABOLISHED
    assert queries.org_version_on(school, D(2021, 12, 31)).supervisor_id == b.pk


def test_absorb_keeps_the_absorbing_body():
    a = establish("吴中区科学技术局")
    b = establish("吴中区科学技术协会", category="mass")
    result = services.org_merge(
        actor=None, sources=[b], into=a, document=make_document(), effective_date=D(2022, 6, 1)
    )
    assert result == a
    assert Org.objects.get(pk=a.pk).status == OrgStatus.ACTIVE
    assert OrgLink.objects.get().kind == OrgLink.Kind.ABSORBED


def test_merge_needs_two_bodies():
    a = establish("吴中区审计局")
    with pytest.raises(InvalidInput):
        services.org_merge(
            actor=None, sources=[a], into=a, document=make_document(), effective_date=D(2022, 1, 1)
        )


def test_split_creates_successors_and_ends_the_original():
    org = establish("吴中区国土资源局", rank="section")
    new = services.org_split(
        actor=None,
        org=org,
        document=make_document(),
        effective_date=D(2021, 1, 1),
        into=[
            OrgSpec(name="吴中区自然资源局", category="gov", region_code="320506"),
            OrgSpec(
                name="吴中区不动产登记中心",
                category="institution",
                region_code="320506",
                pi_class="public1",
                funding_form="full",
            ),
        ],
    )
    assert [o.name for o in new] == ["吴中区自然资源局", "吴中区不动产登记中心"]
    assert Org.objects.get(pk=org.pk).status == OrgStatus.SPLIT
    assert OrgLink.objects.filter(predecessor=org).count() == 2


def test_abolish_refuses_while_subordinates_remain_then_cascades_internal_bodies():
    dept = establish("吴中区水务局")
    sub = establish(
        "吴中区水利工程管理处",
        category="institution",
        parent=dept,
        pi_class="public2",
        funding_form="partial",
    )
    internal = establish("办公室", category="internal", parent=dept)
    with pytest.raises(InvalidInput) as err:
        services.org_abolish(
            actor=None, org=dept, document=make_document(), effective_date=D(2023, 1, 1)
        )
    assert err.value.code == "has_children"
    services.org_abolish(
        actor=None, org=sub, document=make_document(), effective_date=D(2023, 1, 1)
    )
    services.org_abolish(
        actor=None, org=dept, document=make_document(), effective_date=D(2023, 1, 1)
    )
    assert Org.objects.get(pk=internal.pk).status == OrgStatus.ABOLISHED
    with pytest.raises(InvalidInput) as err:
        services.org_rename(
            actor=None,
            org=Org.objects.get(pk=dept.pk),
            name="x",
            document=make_document(),
            effective_date=D(2024, 1, 1),
        )
    assert err.value.code == "inactive"


def test_parent_cycle_is_refused():
    a = establish("甲机构", category="gov")
    b = establish("乙机构", category="dispatched", parent=a)
    with pytest.raises(InvalidInput) as err:
        services.org_change_parent(
            actor=None, org=a, parent=b, document=make_document(), effective_date=D(2021, 1, 1)
        )
    assert err.value.code == "cycle"


def test_alias_is_searchable_while_it_hangs():
    org = establish("吴中区人民政府外事办公室")
    alias = services.alias_add(
        actor=None,
        org=org,
        name="吴中区人民政府港澳事务办公室",
        document=make_document(),
        effective_date=D(2020, 6, 1),
    )
    assert OrgName.objects.filter(kind="alias", valid_to__isnull=True).count() == 1
    services.alias_remove(
        actor=None, alias=alias, document=make_document(), effective_date=D(2022, 1, 1)
    )
    state = queries.org_state(org, D(2021, 1, 1))
    assert [a.name for a in state.aliases] == ["吴中区人民政府港澳事务办公室"]
    assert queries.org_state(org, D(2022, 1, 1)).aliases == []


def test_provision_replaces_internal_bodies():
    dept = establish("吴中区财政局")
    services.provision_set(
        actor=None,
        org=dept,
        functions=["拟订财政政策", "管理预算"],
        internal_bodies=["办公室", "预算科"],
        document=make_document(),
        effective_date=D(2020, 2, 1),
    )
    services.provision_set(
        actor=None,
        org=dept,
        functions=["拟订财政政策"],
        internal_bodies=["办公室", "国库科"],
        document=make_document(),
        effective_date=D(2022, 2, 1),
    )
    early = queries.org_state(dept, D(2021, 1, 1))
    late = queries.org_state(dept, D(2022, 2, 1))
    assert [v.name for v in early.internal_bodies] == ["办公室", "预算科"]
    assert sorted(v.name for v in late.internal_bodies) == ["办公室", "国库科"]
    assert [f.text for f in early.provision.functions.all()] == ["拟订财政政策", "管理预算"]
    assert late.provision.functions.count() == 1


def test_provision_needs_functions():
    dept = establish("吴中区商务局")
    with pytest.raises(InvalidInput) as err:
        services.provision_set(
            actor=None,
            org=dept,
            functions=[" "],
            internal_bodies=[],
            document=make_document(),
            effective_date=D(2021, 1, 1),
        )
    assert err.value.field == "functions"


def test_every_change_needs_a_document():
    org = establish("吴中区司法局")
    with pytest.raises(InvalidInput) as err:
        services.org_rename(
            actor=None, org=org, name="新", document=None, effective_date=D(2021, 1, 1)
        )
    assert err.value.field == "document"


def test_active_names_are_unique_per_region_and_parent():
    dept = establish("吴中区林业局")
    establish("办公室", category="internal", parent=dept)
    establish("办公室", category="internal", parent=establish("吴中区水务局"))
    establish("吴中区林业局", region="320505")  # another county may have its own
    with pytest.raises(InvalidInput) as err:
        establish("吴中区林业局")
    assert (err.value.field, err.value.code) == ("name", "duplicate")
    other = establish("吴中区园林局")
    with pytest.raises(InvalidInput) as err:
        services.org_rename(
            actor=None,
            org=other,
            name="吴中区林业局",
            document=make_document(),
            effective_date=D(2021, 1, 1),
        )
    assert err.value.code == "duplicate"
    services.org_abolish(
        actor=None, org=other, document=make_document(), effective_date=D(2021, 1, 1)
    )
    services.org_rename(
        actor=None,
        org=dept,
        name="吴中区园林局",
        document=make_document(),
        effective_date=D(2021, 1, 1),
    )  # the abolished body's name is free


def test_the_database_refuses_a_second_active_body_of_the_same_name():
    from django.db import IntegrityError, transaction

    org = establish("吴中区粮食局")
    with pytest.raises(IntegrityError), transaction.atomic():
        Org.objects.create(
            name=org.name, region_code=org.region_code, category="gov", established_on=D(2020, 1, 1)
        )
