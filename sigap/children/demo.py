"""Synthetic children for the demo and the benchmarks: generated Indonesian-like names (never a
real child's), street nicknames, families and siblings, newcomers (pendatang) from other regencies,
a few organisers (oknum) and night-outreach incidents. Deterministic for a given rng.

Rows are written with bulk_create (no services, no audit: a fixture load is not an event), so
scale 300 takes about a second and scale 100,000 is practical for a benchmark.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from random import Random
from typing import Any

from django.db import transaction
from django.utils import timezone

from sigap.accounts.models import Agency, User
from sigap.children import crypto
from sigap.children.models import (
    AliasKind,
    BirthCertificateStatus,
    Child,
    ChildAlias,
    FamilyMember,
    Incident,
    IncidentChild,
    Person,
    PersonRole,
    Relation,
    Religion,
    SchoolStatus,
    Sex,
)
from sigap.children.search import bulk_index
from sigap.geo.models import Region

BATCH = 2000


def _words(text: str) -> list[str]:
    return text.split()


MALE = _words(
    "Muhammad Ahmad Rizki Budi Andi Agus Dimas Fajar Rahmat Hendra Yusuf Arif Bayu Dedi Eko "
    "Fauzi Gilang Hadi Ilham Joko Kurniawan Lukman Irfan Naufal Putra Rafi Reza Sandi Taufik "
    "Wahyu Yoga Zainal Aditya Bagas Daffa Farhan Galih Haikal Iqbal Kevin Rizal Akbar Alif "
    "Dani Ferdi Rendi Samsul Ucok Yudi Adi Hidayat Saputra Pratama Firmansyah Nugroho Setiawan"
)
FEMALE = _words(
    "Siti Nur Dewi Putri Ayu Rina Sri Wulan Indah Fitri Nabila Aisyah Zahra Citra Dinda Eka "
    "Fatimah Intan Kartika Lestari Maya Nadia Rahma Salsabila Tiara Vina Yuni Aulia Bunga "
    "Cahya Dian Fadila Hana Jihan Kirana Lala Melati Nova Rara Sari Tasya Wati Amelia Anisa "
    "Febri Mawar Nurhaliza Rahmawati Safitri Wulandari Anggraini Permata Handayani"
)
FAMILY = _words(
    "Saputra Pratama Hidayat Nugroho Setiawan Wijaya Santoso Kurniawan Siregar Nasution "
    "Lubis Harahap Pasaribu Daeng Rahman Hasibuan Simanjuntak Sinaga Tanjung Gultom Sitompul "
    "Mahendra Purnomo Susanto Wibowo Hakim Syahputra Ramadhan Maulana Permana"
)
NICKNAMES = _words(
    "Ucok Botak Kribo Item Bule Gendut Kecil Jangkung Kancil Cungkring Tole Gembul Bolang "
    "Keling Dodo Kiki Nunu Ipul Iwan Cecep Ujang Entong Acil Odong"
)
# Regencies many newcomers to Balikpapan come from (those missing from the loaded data are
# skipped; any other regency fills in when none is loaded).
ORIGINS = [
    "64.72", "64.02", "64.03", "64.74", "73.71", "73.13", "73.15", "73.08", "74.71", "35.78",
    "35.09", "33.74", "32.73", "53.07", "53.71", "52.01", "62.71", "63.71", "76.04",
]  # fmt: skip
OUTREACH_PLACES = [
    "Simpang Muara Rapak",
    "Lampu merah Gunung Malang",
    "Pasar Pandansari",
    "Pantai Kemala",
    "Terminal Batu Ampar",
    "Taman Bekapai",
    "Lapangan Merdeka",
    "Pelabuhan Semayang",
]


def _name(rng: Random, sex: str) -> str:
    given = MALE if sex == Sex.MALE else FEMALE
    parts = [rng.choice(given)]
    if rng.random() < 0.7:
        parts.append(rng.choice(given))
    if rng.random() < 0.6:
        parts.append(rng.choice(FAMILY))
    return " ".join(dict.fromkeys(parts))


def _origins(home: Region, rng: Random) -> list[str]:
    found = list(
        Region.objects.filter(code__in=ORIGINS, level=Region.Level.REGENCY)
        .exclude(code=home.code)
        .order_by("code")
        .values_list("code", flat=True)
    )
    if not found:
        found = list(
            Region.objects.filter(level=Region.Level.REGENCY)
            .exclude(code=home.code)
            .order_by("code")
            .values_list("code", flat=True)[:30]
        )
    return found


def _nik(region_code: str, birth: date, sex: str, serial: int) -> str:
    digits = region_code.replace(".", "")[:6].ljust(6, "1")
    day = birth.day + (40 if sex == Sex.FEMALE else 0)
    return f"{digits}{day:02d}{birth:%m%y}{serial % 10000:04d}"


@transaction.atomic
def seed(
    *,
    rng: Random,
    scale: int,
    home_regency: Region,
    out: Any,
    agencies: dict[str, Agency] | None = None,
    users: dict[str, User] | None = None,
    **_: Any,
) -> dict[str, Any]:
    if scale <= 0:
        return {"children": []}
    if Child.objects.exists():
        existing = list(Child.objects.order_by("created_at", "pk")[:scale])
        out.write(f"Demo: {len(existing)} children already loaded, none added.")
        return {"children": existing}
    agency = (agencies or {}).get("uptd") or Agency.objects.order_by("pk").first()
    author = (users or {}).get("intake") or User.objects.order_by("pk").first()
    if agency is None or author is None:
        out.write("Demo: no agency or user to register children with; skipped.")
        return {"children": []}

    villages = list(
        Region.objects.filter(level=Region.Level.VILLAGE, code__startswith=home_regency.code + ".")
        .order_by("code")
        .values_list("code", flat=True)
    )
    origins = _origins(home_regency, rng)
    today = timezone.localdate()
    children: list[Child] = []
    aliases: list[ChildAlias] = []
    family: list[FamilyMember] = []
    alias_names: dict[Any, list[str]] = {}
    prev: Child | None = None
    prev_mother = ""
    for i in range(scale):
        sex = rng.choice((Sex.MALE, Sex.FEMALE))
        sibling_of = prev if prev is not None and rng.random() < 0.12 else None
        full_name = _name(rng, sex)
        if sibling_of is not None and " " in sibling_of.full_name:
            full_name = f"{full_name.split()[0]} {sibling_of.full_name.split()[-1]}"
        age_days = rng.randint(4 * 365, 17 * 365 + 300)
        birth = today - timedelta(days=age_days)
        estimated = rng.random() < 0.3
        pendatang = bool(origins) and rng.random() < 0.35
        origin = rng.choice(origins) if pendatang else home_regency.code
        kelurahan = rng.choice(villages) if villages else None
        street_child = rng.random() < 0.45
        child = Child(
            full_name=full_name,
            sex=sex,
            birth_date=birth,
            birth_date_is_estimated=estimated,
            place_of_birth="" if estimated else rng.choice(("Balikpapan", "Samarinda", "Makassar")),
            origin_region_id=origin,
            kelurahan_id=kelurahan,
            address=f"Jl. {rng.choice(FAMILY)} No. {rng.randint(1, 120)}",
            rt=f"{rng.randint(1, 40):03d}",
            rw=f"{rng.randint(1, 12):02d}",
            religion=rng.choices(
                (Religion.ISLAM, Religion.PROTESTANT, Religion.CATHOLIC, Religion.HINDU),
                weights=(85, 8, 5, 2),
            )[0],
            languages=rng.choice(("Indonesia", "Indonesia, Bugis", "Indonesia, Jawa", "Banjar")),
            birth_certificate_status=rng.choice(BirthCertificateStatus.values),
            school_status=rng.choices(
                SchoolStatus.values, weights=(50, 30, 10, 10) if street_child else (80, 10, 5, 5)
            )[0],
            has_disability=rng.random() < 0.05,
            regency_code=home_regency.code,
            registered_by_agency=agency,
            created_by=author,
        )
        if child.has_disability:
            child.disability = rng.choice(("Tunarungu", "Tunawicara", "Disabilitas intelektual"))
        if not estimated and rng.random() < 0.4:
            number = _nik(kelurahan or origin, birth, sex, i)
            child.nik_encrypted = crypto.encrypt(number, field="nik")
            child.nik_index = crypto.blind_index(number, field="nik")
        children.append(child)
        names: list[str] = []
        if street_child:
            for nick in rng.sample(NICKNAMES, k=rng.choice((1, 1, 2))):
                names.append(nick)
                aliases.append(ChildAlias(child=child, alias=nick, kind=AliasKind.STREET_NAME))
        if rng.random() < 0.15:
            short = full_name.split()[0][:4]
            if short not in names and short != full_name:
                names.append(short)
                aliases.append(ChildAlias(child=child, alias=short, kind=AliasKind.NICKNAME))
        alias_names[child.pk] = names
        # Family: mother and usually father; siblings share the mother and link both records.
        mother = (
            prev_mother if sibling_of is not None else f"{rng.choice(FEMALE)} {rng.choice(FAMILY)}"
        )
        exploiting = street_child and rng.random() < 0.2
        family.append(
            FamilyMember(
                child=child,
                full_name=mother,
                relation=Relation.MOTHER,
                is_guardian=True,
                phone=f"08{rng.randint(11, 59)}{rng.randint(10_000_000, 99_999_999)}",
                is_alleged_perpetrator=exploiting,
            )
        )
        if rng.random() < 0.7:
            family.append(
                FamilyMember(
                    child=child,
                    full_name=f"{rng.choice(MALE)} {rng.choice(FAMILY)}",
                    relation=Relation.FATHER,
                    is_alive=rng.random() > 0.15,
                    is_alleged_perpetrator=exploiting and rng.random() < 0.5,
                )
            )
        if sibling_of is not None:
            family.append(
                FamilyMember(
                    child=child,
                    full_name=sibling_of.full_name,
                    relation=Relation.SIBLING,
                    sibling_child=sibling_of,
                )
            )
            family.append(
                FamilyMember(
                    child=sibling_of,
                    full_name=full_name,
                    relation=Relation.SIBLING,
                    sibling_child=child,
                )
            )
        prev, prev_mother = child, mother

    Child.objects.bulk_create(children, batch_size=BATCH)
    ChildAlias.objects.bulk_create(aliases, batch_size=BATCH)
    FamilyMember.objects.bulk_create(family, batch_size=BATCH)
    postings = bulk_index(((c.pk, c.full_name, alias_names[c.pk]) for c in children), batch=BATCH)

    persons = [
        Person(
            full_name=f"{rng.choice(MALE)} {rng.choice(FAMILY)}",
            aliases=f"Bang {rng.choice(NICKNAMES)}",
            sex=Sex.MALE,
            role=PersonRole.ORGANISER,
            description="Diduga membawa anak-anak ke persimpangan dan mengambil hasilnya.",
            regency_code=home_regency.code,
            agency=agency,
            created_by=author,
        )
        for _n in range(max(2, scale // 50))
    ]
    Person.objects.bulk_create(persons, batch_size=BATCH)

    incidents = []
    links = []
    for _n in range(max(1, scale // 25)):
        night = today - timedelta(days=rng.randint(1, 365))
        incident = Incident(
            occurred_at=timezone.make_aware(datetime.combine(night, time(rng.randint(20, 23)))),
            place=rng.choice(OUTREACH_PLACES),
            kelurahan_id=rng.choice(villages) if villages else None,
            description="Penjangkauan malam bersama Satpol PP.",
            regency_code=home_regency.code,
            agency=agency,
            created_by=author,
        )
        incidents.append(incident)
        for found in rng.sample(children, k=min(len(children), rng.randint(2, 5))):
            links.append(IncidentChild(incident=incident, child=found, added_by=author))
    Incident.objects.bulk_create(incidents, batch_size=BATCH)
    IncidentChild.objects.bulk_create(links, batch_size=BATCH)

    newcomers = sum(1 for c in children if c.is_pendatang)
    out.write(
        f"Demo: {len(children)} children ({newcomers} pendatang), {len(aliases)} aliases, "
        f"{len(family)} family members, {postings} name postings, {len(persons)} persons, "
        f"{len(incidents)} incidents."
    )
    return {"children": children, "persons": persons, "incidents": incidents}
