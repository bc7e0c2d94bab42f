"""Demo agencies of Kota Balikpapan and one user per role (synthetic people only)."""

from __future__ import annotations

from dataclasses import dataclass
from random import Random
from typing import Any

from django.db import transaction

from sigap.accounts.models import Agency, AgencyType, Membership, Role, User
from sigap.geo.models import Region

DEMO_PASSWORD = "Sigap-Demo-2026!"  # printed by `make run`; seed_demo refuses production


@dataclass(frozen=True)
class DemoAgency:
    key: str
    name: str
    short_name: str
    type: str


AGENCIES = [
    DemoAgency("dinsos", "Dinas Sosial Kota Balikpapan", "Dinsos", AgencyType.DINSOS),
    DemoAgency("dp3akb", "DP3AKB Kota Balikpapan", "DP3AKB", AgencyType.DP3AKB),
    DemoAgency("uptd", "UPTD PPA Kota Balikpapan", "UPTD PPA", AgencyType.UPTD_PPA),
    DemoAgency(
        "polresta", "Unit PPA Polresta Balikpapan", "Unit PPA Polresta", AgencyType.POLICE_PPA
    ),
    DemoAgency("satpol", "Satpol PP Kota Balikpapan", "Satpol PP", AgencyType.SATPOL_PP),
    DemoAgency("panti1", "Panti Asuhan Kasih Bunda", "Panti Kasih Bunda", AgencyType.LKSA),
    DemoAgency("panti2", "Panti Asuhan Harapan Bangsa", "Panti Harapan Bangsa", AgencyType.LKSA),
    DemoAgency(
        "pesantren", "Pondok Pesantren Darul Ilmi", "Ponpes Darul Ilmi", AgencyType.PESANTREN
    ),
    DemoAgency("sd", "SD Negeri 001 Balikpapan Utara", "SDN 001", AgencyType.SCHOOL),
    DemoAgency("smp", "SMP Negeri 5 Balikpapan", "SMPN 5", AgencyType.SCHOOL),
    DemoAgency("sma", "SMA Negeri 2 Balikpapan", "SMAN 2", AgencyType.SCHOOL),
    DemoAgency(
        "psikolog", "Biro Psikologi Cahaya Hati", "Psikolog Cahaya Hati", AgencyType.PSYCHOLOGIST
    ),
    DemoAgency("kpad", "KPAD Kota Balikpapan", "KPAD", AgencyType.KPAI_KPAD),
]


@dataclass(frozen=True)
class DemoUser:
    username: str
    full_name: str
    agency: str
    role: str


USERS = [
    DemoUser("intake", "Rina Wulandari", "uptd", Role.INTAKE_OFFICER),
    DemoUser("pekerja", "Dewi Lestari", "uptd", Role.CASE_WORKER),
    DemoUser("supervisor", "Hendra Saputra", "uptd", Role.SUPERVISOR),
    DemoUser("psikolog", "Ayu Kartika", "uptd", Role.PSYCHOLOGIST),
    DemoUser("polisi", "Bripka Agus Setiawan", "polresta", Role.PARTNER_OFFICER),
    DemoUser("panti", "Siti Rahmawati", "panti1", Role.PARTNER_OFFICER),
    DemoUser("analis", "Yusuf Pratama", "dp3akb", Role.ANALYST),
    DemoUser("adminlembaga", "Maya Anggraini", "uptd", Role.AGENCY_ADMIN),
    DemoUser("adminsistem", "Budi Santoso", "dinsos", Role.SYSTEM_ADMIN),
]


@transaction.atomic
def seed(*, rng: Random, scale: int, home_regency: Region, out: Any, **_: Any) -> dict[str, Any]:
    """Create (or leave alone) the demo agencies and users; return them by key for later seeders.

    Demo rows are created directly, not through the services: they are fixtures, and an audit
    trail of a fixture load would only be noise."""
    agencies: dict[str, Agency] = {}
    for spec in AGENCIES:
        agency, _created = Agency.objects.get_or_create(
            regency_code=home_regency.code,
            name=spec.name,
            defaults={"short_name": spec.short_name, "type": spec.type, "region": home_regency},
        )
        agencies[spec.key] = agency
    users: dict[str, User] = {}
    for person in USERS:
        user = User.objects.filter(username=person.username).first()
        if user is None:
            user = User(
                username=person.username,
                full_name=person.full_name,
                email=f"{person.username}@demo.sigap.invalid",
            )
            user.set_password(DEMO_PASSWORD)
            user.save()
        Membership.objects.get_or_create(
            user=user, agency=agencies[person.agency], role=person.role
        )
        users[person.username] = user
    out.write(f"Demo: {len(agencies)} agencies, {len(users)} users.")
    return {"agencies": agencies, "users": users}
