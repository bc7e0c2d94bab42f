from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from sigap.children import crypto
from sigap.children.models import (
    AliasKind,
    Child,
    ChildAlias,
    ChildNameToken,
    FamilyMember,
    IncidentChild,
    NameToken,
    Person,
)
from sigap.children.services import (
    VersionConflict,
    child_alias_add,
    child_alias_remove,
    child_identity_numbers,
    child_record_view,
    child_register,
    child_update,
    family_member_add,
    family_member_remove,
    family_member_update,
    incident_add_child,
    incident_create,
    person_create,
    person_update,
)
from sigap.core.models import AuditEvent
from sigap.geo.models import Region

NIK = "6471010101150001"
KK = "6471010101150999"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _years_ago(years: int, days: int = 0) -> date:
    today = timezone.localdate()
    return today.replace(year=today.year - years) - timedelta(days=days)


# --- child_register ----------------------------------------------------------------------------


def test_register_writes_child_aliases_tokens_and_audit(intake_officer, home_agency):
    child = child_register(
        actor=intake_officer,
        full_name="  Siti   Nurhaliza ",
        sex="female",
        birth_date=_years_ago(10),
        kelurahan=Region.objects.get(code="64.71.01.1001"),
        origin_region=Region.objects.get(code="53.07"),
        rt="005",
        rw="02",
        nik=NIK,
        family_card_number="6471 0101 0115 0999",
        aliases=["Liza", ("Ica", AliasKind.STREET_NAME)],
    )
    assert child.full_name == "Siti Nurhaliza"
    assert child.regency_code == "64.71"
    assert child.registered_by_agency == home_agency
    assert child.created_by == intake_officer
    assert child.age == 10
    assert child.is_pendatang
    assert set(ChildAlias.objects.filter(child=child).values_list("alias", "kind")) == {
        ("Liza", AliasKind.NICKNAME),
        ("Ica", AliasKind.STREET_NAME),
    }
    tokens = set(ChildNameToken.objects.filter(child=child).values_list("token", flat=True))
    assert {"siti", "nurhaliza", "liza", "ica"} <= tokens
    assert NameToken.objects.get(token="nurhaliza").child_count == 1
    event = AuditEvent.objects.get(action="child.register")
    assert event.object_id == str(child.pk) and event.agency_id == home_agency.pk
    assert NIK not in event.canonical() and "nik" in event.summary["changed"]


def test_register_encrypts_nik_and_family_card(intake_officer):
    child = child_register(
        actor=intake_officer, full_name="Budi", sex="male", nik=NIK, family_card_number=KK
    )
    stored = Child.objects.get(pk=child.pk)
    assert NIK not in stored.nik_encrypted and stored.nik_encrypted.startswith("v1:")
    assert stored.nik_index == crypto.blind_index(NIK, field="nik")
    assert stored.family_card_index != crypto.blind_index(KK, field="nik")  # keys kept apart
    assert child_identity_numbers(stored) == {"nik": NIK, "family_card_number": KK}


def test_ciphertext_bound_to_its_field():
    token = crypto.encrypt(NIK, field="nik")
    assert crypto.decrypt(token, field="nik") == NIK
    with pytest.raises(Exception):  # noqa: B017 (InvalidTag)
        crypto.decrypt(token, field="family_card")


@pytest.mark.parametrize("bad", ["123", "64710101011500011", "6471O10101150001", "abcd"])
def test_register_rejects_malformed_nik(intake_officer, bad):
    with pytest.raises(ValidationError) as exc:
        child_register(actor=intake_officer, full_name="Budi", sex="male", nik=bad)
    assert "nik" in exc.value.message_dict
    assert not Child.objects.exists()


def test_register_rejects_malformed_family_card(intake_officer):
    with pytest.raises(ValidationError) as exc:
        child_register(actor=intake_officer, full_name="Budi", sex="male", family_card_number="1")
    assert "family_card_number" in exc.value.message_dict


def test_register_rejects_duplicate_nik(intake_officer):
    child_register(actor=intake_officer, full_name="Budi", sex="male", nik=NIK)
    with pytest.raises(ValidationError) as exc:
        child_register(actor=intake_officer, full_name="Budi S", sex="male", nik=NIK)
    assert "nik" in exc.value.message_dict
    assert Child.objects.count() == 1


def test_register_rejects_birth_in_future(intake_officer):
    with pytest.raises(ValidationError) as exc:
        child_register(
            actor=intake_officer,
            full_name="Budi",
            sex="male",
            birth_date=timezone.localdate() + timedelta(days=1),
        )
    assert "birth_date" in exc.value.message_dict
    assert not Child.objects.exists() and not AuditEvent.objects.exists()


def test_register_rejects_adult(intake_officer):
    with pytest.raises(ValidationError) as exc:
        child_register(
            actor=intake_officer, full_name="Budi", sex="male", birth_date=_years_ago(18)
        )
    assert "birth_date" in exc.value.message_dict
    child = child_register(
        actor=intake_officer, full_name="Budi", sex="male", birth_date=_years_ago(18, days=-1)
    )
    assert child.age == 17


@pytest.mark.parametrize("age", [-1, 18, 40])
def test_register_rejects_estimated_age_out_of_range(intake_officer, age):
    with pytest.raises(ValidationError) as exc:
        child_register(actor=intake_officer, full_name="Budi", sex="male", estimated_age=age)
    assert "estimated_age" in exc.value.message_dict


def test_estimated_age_is_stored_as_a_date_and_advances(intake_officer):
    child = child_register(actor=intake_officer, full_name="Budi", sex="male", estimated_age=9)
    assert child.birth_date_is_estimated and child.age == 9
    # A year later the same record says 10.
    from sigap.children.models import age_on

    assert child.birth_date is not None
    assert age_on(child.birth_date, timezone.localdate() + timedelta(days=366)) == 10


def test_register_rejects_both_birth_date_and_estimate(intake_officer):
    with pytest.raises(ValidationError) as exc:
        child_register(
            actor=intake_officer,
            full_name="Budi",
            sex="male",
            birth_date=_years_ago(5),
            estimated_age=5,
        )
    assert "estimated_age" in exc.value.message_dict


def test_register_rejects_bad_places_and_rt(intake_officer):
    with pytest.raises(ValidationError) as exc:
        child_register(
            actor=intake_officer,
            full_name="Budi",
            sex="male",
            kelurahan=Region.objects.get(code="64.71.01"),
            origin_region=Region.objects.get(code="64"),
            rt="12a",
        )
    assert {"kelurahan", "origin_region", "rt"} <= set(exc.value.message_dict)


def test_register_requires_a_name_and_a_valid_sex(intake_officer):
    with pytest.raises(ValidationError) as exc:
        child_register(actor=intake_officer, full_name="  ", sex="x")
    assert {"full_name", "sex"} <= set(exc.value.message_dict)


def test_register_needs_an_editor_role(analyst, psychologist):
    for user in (analyst, psychologist):
        with pytest.raises(ValidationError) as exc:
            child_register(actor=user, full_name="Budi", sex="male")
        assert "agency" in exc.value.message_dict


def test_register_refuses_someone_elses_agency(intake_officer, police_agency):
    with pytest.raises(ValidationError):
        child_register(actor=intake_officer, agency=police_agency, full_name="Budi", sex="male")


def test_register_photo_must_be_an_image(intake_officer, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    with pytest.raises(ValidationError) as exc:
        child_register(
            actor=intake_officer,
            full_name="Budi",
            sex="male",
            photo=SimpleUploadedFile("x.png", b"not an image"),
        )
    assert "photo" in exc.value.message_dict
    child = child_register(
        actor=intake_officer,
        full_name="Budi",
        sex="male",
        photo=SimpleUploadedFile("budi.png", PNG),
    )
    name = child.photo.name or ""
    assert name.startswith("children/photos/") and "budi" not in name


def test_pendatang_is_derived_from_origin(intake_officer):
    local = child_register(
        actor=intake_officer,
        full_name="A",
        sex="male",
        origin_region=Region.objects.get(code="64.71.03.1001"),
    )
    home = child_register(
        actor=intake_officer,
        full_name="B",
        sex="male",
        origin_region=Region.objects.get(code="64.71"),
    )
    unknown = child_register(actor=intake_officer, full_name="C", sex="male")
    newcomer = child_register(
        actor=intake_officer,
        full_name="D",
        sex="male",
        origin_region=Region.objects.get(code="64.72"),
    )
    assert (local.is_pendatang, home.is_pendatang, unknown.is_pendatang) == (False, False, False)
    assert newcomer.is_pendatang


# --- child_update --------------------------------------------------------------------------------


def test_update_bumps_version_and_audits(child, case_worker):
    updated = child_update(
        actor=case_worker,
        child=child,
        version=1,
        full_name="Muhammad Rizky",
        school_status="enrolled",
    )
    assert updated.version == 2
    assert updated.full_name == "Muhammad Rizky"
    event = AuditEvent.objects.filter(action="child.update").get()
    assert event.summary["changed"] == ["full_name", "school_status"]
    assert "pratama" not in set(
        ChildNameToken.objects.filter(child=child).values_list("token", flat=True)
    )
    assert NameToken.objects.get(token="pratama").child_count == 0


def test_update_with_stale_version_conflicts_and_writes_nothing(child, case_worker):
    child_update(actor=case_worker, child=child, version=1, languages="Bugis")
    with pytest.raises(VersionConflict) as exc:
        child_update(actor=case_worker, child=child, version=1, languages="Jawa")
    current = exc.value.current
    assert isinstance(current, Child)
    assert current.languages == "Bugis" and current.version == 2
    assert Child.objects.get(pk=child.pk).languages == "Bugis"
    assert AuditEvent.objects.filter(action="child.update").count() == 1


def test_update_without_changes_keeps_version(child, case_worker):
    same = child_update(actor=case_worker, child=child, version=1, full_name=child.full_name)
    assert same.version == 1
    assert not AuditEvent.objects.filter(action="child.update").exists()


def test_update_rejects_future_birth_and_bad_nik_and_writes_nothing(child, case_worker):
    with pytest.raises(ValidationError):
        child_update(
            actor=case_worker,
            child=child,
            version=1,
            birth_date=timezone.localdate() + timedelta(days=3),
        )
    with pytest.raises(ValidationError):
        child_update(actor=case_worker, child=child, version=1, nik="12")
    assert Child.objects.get(pk=child.pk).version == 1


def test_update_sets_and_clears_nik(child, case_worker):
    c = child_update(actor=case_worker, child=child, version=1, nik=NIK)
    assert c.has_nik and child_identity_numbers(c)["nik"] == NIK
    c = child_update(actor=case_worker, child=c, version=2, nik="")
    assert not c.has_nik and c.version == 3


def test_update_real_birth_date_clears_estimate_flag(child, case_worker):
    c = child_update(actor=case_worker, child=child, version=1, birth_date=_years_ago(8))
    assert not c.birth_date_is_estimated and c.age == 8


def test_update_rejects_unknown_field(child, case_worker):
    with pytest.raises(ValueError):
        child_update(actor=case_worker, child=child, version=1, regency_code="99.99")


def test_record_view_audits(child, case_worker):
    child_record_view(actor=case_worker, child=child, channel="api")
    event = AuditEvent.objects.get(action="child.view")
    assert event.summary == {"channel": "api"} and event.actor == case_worker


# --- aliases ---------------------------------------------------------------------------------------


def test_alias_add_and_remove_reindex(child, case_worker):
    alias = child_alias_add(
        actor=case_worker, child=child, alias="Ucok", kind=AliasKind.STREET_NAME
    )
    assert ChildNameToken.objects.filter(child=child, token="ucok").exists()
    with pytest.raises(ValidationError):
        child_alias_add(actor=case_worker, child=child, alias="Ucok", kind=AliasKind.NICKNAME)
    with pytest.raises(ValidationError):
        child_alias_add(actor=case_worker, child=child, alias=" ", kind=AliasKind.NICKNAME)
    with pytest.raises(ValidationError):
        child_alias_add(actor=case_worker, child=child, alias="Ucil", kind="bogus")
    child_alias_remove(actor=case_worker, alias=alias)
    assert not ChildNameToken.objects.filter(child=child, token="ucok").exists()
    assert [e.action for e in AuditEvent.objects.order_by("id")][-2:] == [
        "child.alias_add",
        "child.alias_remove",
    ]


# --- family --------------------------------------------------------------------------------------------


def test_family_member_add_update_remove(child, case_worker):
    member = family_member_add(
        actor=case_worker,
        child=child,
        full_name="Sri Wahyuni",
        relation="mother",
        is_guardian=True,
        is_alleged_perpetrator=True,
    )
    member = family_member_update(actor=case_worker, member=member, version=1, phone="0812000")
    assert member.version == 2 and member.phone == "0812000"
    with pytest.raises(VersionConflict):
        family_member_update(actor=case_worker, member=member, version=1, phone="0813")
    family_member_remove(actor=case_worker, member=member)
    assert not FamilyMember.objects.exists()
    assert AuditEvent.objects.filter(action__startswith="child.family_").count() == 3


def test_sibling_link_rules(child, intake_officer, case_worker):
    sister = child_register(actor=intake_officer, full_name="Nur Aini", sex="female")
    member = family_member_add(
        actor=case_worker,
        child=child,
        full_name="Nur Aini",
        relation="sibling",
        sibling_child=sister,
    )
    assert member.sibling_child == sister
    with pytest.raises(ValidationError) as exc:
        family_member_add(
            actor=case_worker, child=child, full_name="X", relation="sibling", sibling_child=child
        )
    assert "sibling_child" in exc.value.message_dict
    with pytest.raises(ValidationError):
        family_member_add(
            actor=case_worker, child=child, full_name="X", relation="father", sibling_child=sister
        )


def test_dead_guardian_refused(child, case_worker):
    with pytest.raises(ValidationError) as exc:
        family_member_add(
            actor=case_worker,
            child=child,
            full_name="X",
            relation="father",
            is_guardian=True,
            is_alive=False,
        )
    assert "is_guardian" in exc.value.message_dict


# --- persons and incidents -------------------------------------------------------------------------------


def test_person_create_and_update(case_worker, home_agency):
    person = person_create(
        actor=case_worker, full_name="Bang Jali", role="organiser", aliases="Jali, Bang J"
    )
    assert person.regency_code == "64.71" and person.agency == home_agency
    with pytest.raises(ValidationError):
        person_create(actor=case_worker, full_name=" ", role="organiser")
    with pytest.raises(ValidationError):
        person_create(actor=case_worker, full_name="X", role="boss")
    person = person_update(actor=case_worker, person=person, version=1, phone="0811")
    with pytest.raises(VersionConflict):
        person_update(actor=case_worker, person=person, version=1, phone="0822")
    assert Person.objects.get().phone == "0811"
    assert AuditEvent.objects.filter(action__startswith="person.").count() == 2


def test_incident_create_and_add_child(child, intake_officer, case_worker):
    other = child_register(actor=intake_officer, full_name="Andi", sex="male")
    incident = incident_create(
        actor=case_worker,
        occurred_at=timezone.now() - timedelta(hours=3),
        place="Lampu merah Gunung Malang",
        kelurahan=Region.objects.get(code="64.71.03.1001"),
        children=[child],
    )
    incident_add_child(actor=case_worker, incident=incident, child=other)
    with pytest.raises(ValidationError):
        incident_add_child(actor=case_worker, incident=incident, child=other)
    assert IncidentChild.objects.filter(incident=incident).count() == 2


def test_incident_rejects_future_and_bad_place(case_worker):
    with pytest.raises(ValidationError) as exc:
        incident_create(
            actor=case_worker,
            occurred_at=timezone.now() + timedelta(days=1),
            place=" ",
            kelurahan=Region.objects.get(code="64.71"),
        )
    assert {"occurred_at", "place", "kelurahan"} <= set(exc.value.message_dict)
