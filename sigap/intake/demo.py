"""Demo reports for the triage queue: public reports from the web form and the API, reports taken
by the intake officer from every staff channel, and one night outreach operation with several
children, in every triage state (new, screened at each priority, overdue, assigned, referred,
merged, closed with a reason, turned into a case).

Written through the services, as people would (each with its audit event, the assignee's
notification...), by the demo intake officer (`intake`), supervisor and case worker. Then the
demo's clock is set: each report is moved back to when it arrived (created_at and the times that
follow from it, by a plain update), so that the queue has reports of the last days and some past
their deadline. Arrival times are chosen so that priorities and overdue marks are the same
whatever the hour the demo is loaded; ids, tracking codes and audit times are not deterministic.
Synthetic people only; places in Kota Balikpapan. Loaded once: a second run adds nothing."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from random import Random
from typing import Any

from django.db import transaction
from django.utils import timezone

from sigap.accounts.models import Agency, User
from sigap.geo.models import Region
from sigap.intake import ratelimit, services
from sigap.intake.models import (
    AgeGroup,
    Category,
    Channel,
    CloseReason,
    Report,
    ReporterRelation,
    Sex,
)
from sigap.intake.services import ReportDetails

PLACES = [
    "Lampu merah Simpang Rapak",
    "Pasar Pandansari",
    "Terminal Batu Ampar",
    "Pantai Kemala",
    "Bundaran Balikpapan Baru",
    "Pelabuhan Semayang",
    "Pasar Klandasan",
    "Lapangan Merdeka",
    "SPBU Jl. MT Haryono",
    "Jl. Jenderal Sudirman depan Plaza Balikpapan",
]


@dataclass
class Scenario:
    """One report: how it arrived, what it says, when, and what triage did with it."""

    channel: str
    category: str
    description: str
    # Arrival: `hours_ago` (relative to now), or `days_ago` at the local clock time `at`.
    hours_ago: float | None = None
    days_ago: int = 0
    at: time = time(10, 0)
    children: int = 1
    age_group: str = AgeGroup.UNKNOWN
    immediate_danger: bool = False
    contact: tuple[str, str, str] | None = None  # name, phone, relation
    child: tuple[str, str, int] | None = None  # name, sex, age (staff channels)
    screen: dict[str, bool] | None = None  # the screening answers, when screened
    assign: str = ""  # demo username of the assignee
    outcome: str = ""  # close:<reason> | refer:<agency key> | merge:<index> | case[:existing]
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


NO_FLAGS = {
    "immediate_danger": False,
    "injury": False,
    "very_young": False,
    "out_at_night": False,
    "trafficking_signs": False,
}


def _flags(**on: bool) -> dict[str, bool]:
    return {**NO_FLAGS, **on}


SCENARIOS: list[Scenario] = [
    # --- public web form and API --------------------------------------------------------------
    Scenario(
        Channel.WEB,
        Category.STREET,
        "Dua anak kecil menjual tisu di lampu merah sampai lewat tengah malam, tanpa sandal. "
        "Ada seorang pria yang mengawasi dari warung seberang.",
        hours_ago=1.5,
        children=2,
        age_group=AgeGroup.AGE_5_12,
        screen=_flags(out_at_night=True),
    ),
    Scenario(
        Channel.WEB,
        Category.STREET,
        "Anak-anak menjual tisu di lampu merah Simpang Rapak malam hari, ada pria dewasa bersama "
        "mereka.",
        hours_ago=1,
        children=3,
        age_group=AgeGroup.AGE_5_12,
        outcome="merge:0",
    ),
    Scenario(
        Channel.WEB,
        Category.VIOLENCE,
        "Hampir setiap malam terdengar anak menangis dan dipukuli di rumah sebelah. Tadi pagi "
        "anaknya terlihat memar di lengan.",
        hours_ago=0.5,
        age_group=AgeGroup.AGE_5_12,
        contact=("Ibu Sulastri (demo)", "0812 5500 1001", ReporterRelation.NEIGHBOUR),
        screen=_flags(injury=True),
        assign="intake",
    ),
    Scenario(
        Channel.WEB,
        Category.NEGLECT,
        "Seorang anak sekitar 8 tahun terkunci di dalam rumah, tidak ada orang dewasa, sudah "
        "berteriak minta tolong sejak siang.",
        hours_ago=3,
        age_group=AgeGroup.AGE_5_12,
        immediate_danger=True,
    ),
    Scenario(
        Channel.API,
        Category.NEGLECT,
        "Balita ditinggal sendirian di rumah kontrakan sejak pagi, pintu terkunci dari luar.",
        hours_ago=30,
        age_group=AgeGroup.UNDER_5,
    ),
    Scenario(
        Channel.WEB,
        Category.SEXUAL_ABUSE,
        "Anak perempuan tetangga bercerita sering dipegang-pegang oleh pamannya. Ibunya belum "
        "tahu.",
        hours_ago=5,
        age_group=AgeGroup.AGE_13_17,
        contact=("", "0813 4400 2002", ReporterRelation.NEIGHBOUR),
    ),
    Scenario(
        Channel.WEB,
        Category.TRAFFICKING,
        "Setiap sore sebuah mobil menurunkan beberapa anak di perempatan dan menjemput mereka "
        "tengah malam. Uang hasil mengemis diminta oleh sopirnya.",
        hours_ago=20,
        children=4,
        age_group=AgeGroup.MIXED,
        screen=_flags(out_at_night=True, trafficking_signs=True),
        outcome="refer:polresta",
        note="Dugaan eksploitasi terorganisir: diteruskan ke Unit PPA untuk penyelidikan.",
    ),
    Scenario(
        Channel.WEB,
        Category.ONLINE,
        "Ada akun media sosial yang menyiarkan langsung anak-anak mengemis dan meminta donasi.",
        days_ago=1,
        at=time(13, 15),
        age_group=AgeGroup.AGE_5_12,
    ),
    Scenario(
        Channel.WEB,
        Category.STREET,
        "Anak laki-laki mengamen di depan pasar setiap siang pada jam sekolah.",
        days_ago=3,
        at=time(11, 0),
        age_group=AgeGroup.AGE_5_12,
        screen=_flags(),
        outcome="close:" + CloseReason.NOT_FOUND,
        note="Didatangi dua kali (siang dan sore): anak tidak ditemukan, pedagang tidak mengenal.",
    ),
    Scenario(
        Channel.API,
        Category.OTHER,
        "Anak tetangga saya di Samarinda sering tidak pulang ke rumah.",
        days_ago=2,
        at=time(9, 30),
        outcome="close:" + CloseReason.OUTSIDE_AREA,
        note="Di luar Kota Balikpapan: pelapor diarahkan ke UPTD PPA Kota Samarinda.",
    ),
    Scenario(
        Channel.WEB,
        Category.NEGLECT,
        "Tiga bersaudara sering terlihat belum makan dan bermain di jalan sampai sore, ibunya "
        "bekerja di luar kota.",
        days_ago=4,
        at=time(10, 0),
        children=3,
        age_group=AgeGroup.AGE_5_12,
        screen=_flags(),
    ),
    Scenario(
        Channel.WEB,
        Category.VIOLENCE,
        "Di video grup sekolah terlihat anak diejek teman-temannya.",
        days_ago=2,
        at=time(15, 20),
        age_group=AgeGroup.AGE_13_17,
        screen=_flags(),
        outcome="close:" + CloseReason.NO_CHILD_AT_RISK,
        note="Sudah ditangani guru BK dan orang tua; tidak ada anak dalam bahaya.",
    ),
    # --- taken by the intake officer, by channel ---------------------------------------------------
    Scenario(
        Channel.HOTLINE,
        Category.VIOLENCE,
        "Penelepon (tetangga) mendengar anak dipukul dengan sapu oleh ayah tirinya; anak sempat "
        "lari ke rumah penelepon dengan luka di kepala.",
        hours_ago=2,
        contact=("Ibu Sri Hartini (demo)", "0811 5400 3003", ReporterRelation.NEIGHBOUR),
        child=("Putri", Sex.FEMALE, 7),
        screen=_flags(injury=True),
        outcome="case",
    ),
    Scenario(
        Channel.SAPA129,
        Category.SEXUAL_ABUSE,
        "Diteruskan dari SAPA 129: remaja perempuan melapor dilecehkan oleh tetangga, takut "
        "pulang ke rumah.",
        hours_ago=6,
        contact=("Bibi pelapor (demo)", "0812 5400 4004", ReporterRelation.RELATIVE),
        child=("Melati", Sex.FEMALE, 14),
        screen=_flags(),
        assign="supervisor",
    ),
    Scenario(
        Channel.WALK_IN,
        Category.NEGLECT,
        "Seorang nenek datang ke kantor: cucunya tidak sekolah sejak orang tuanya bercerai dan "
        "pergi; nenek tidak sanggup mengurus.",
        days_ago=1,
        at=time(9, 45),
        contact=("Nenek Wati (demo)", "0852 5400 5005", ReporterRelation.PARENT),
        child=("Andi", Sex.MALE, 11),
    ),
    Scenario(
        Channel.SCHOOL,
        Category.STREET,
        "Wali kelas melaporkan murid sering bolos dan terlihat berjualan koran di terminal pada "
        "jam sekolah.",
        days_ago=1,
        at=time(8, 30),
        contact=("Pak Hasan, wali kelas (demo)", "0812 5400 6006", ReporterRelation.TEACHER),
        child=("Rizky", Sex.MALE, 12),
        screen=_flags(),
        assign="intake",
    ),
    Scenario(
        Channel.POLICE,
        Category.TRAFFICKING,
        "Unit PPA menemukan anak yang dipekerjakan di warung remang-remang; anak pernah ditangani "
        "sebelumnya.",
        hours_ago=4,
        contact=("Bripka Agus (demo)", "0811 5400 7007", ReporterRelation.OFFICIAL),
        child=("Dedi", Sex.MALE, 15),
        screen=_flags(trafficking_signs=True, out_at_night=True),
        outcome="case:existing",
    ),
    Scenario(
        Channel.RT_KELURAHAN,
        Category.NEGLECT,
        "Ketua RT melaporkan tiga anak, yang bungsu masih balita, tinggal sendiri sejak ibunya "
        "dirawat di rumah sakit.",
        hours_ago=28,
        children=3,
        age_group=AgeGroup.UNDER_5,
        contact=("Ketua RT 12 (demo)", "0813 5400 8008", ReporterRelation.COMMUNITY_LEADER),
        screen=_flags(very_young=True),
    ),
    Scenario(
        Channel.LETTER,
        Category.OTHER,
        "Surat dari pengurus masjid: ada anak yang tidur di teras masjid beberapa malam terakhir.",
        days_ago=2,
        at=time(10, 30),
        contact=("Pengurus Masjid Al-Ikhlas (demo)", "", ReporterRelation.COMMUNITY_LEADER),
    ),
    Scenario(
        Channel.SOCIAL_MEDIA,
        Category.ONLINE,
        "Pesan ke Instagram dinas: video anak mengemis di Pantai Kemala viral, diduga disuruh "
        "orang dewasa.",
        days_ago=1,
        at=time(16, 0),
        contact=("@warga_bpp (demo)", "", ReporterRelation.PASSER_BY),
    ),
]


@dataclass(frozen=True)
class FoundChild:
    name: str
    sex: str
    age: int
    activity: str
    found: time
    place: str
    adult: str = ""
    origin: str = ""
    screen: dict[str, bool] | None = None
    assign: str = ""
    case: bool = False


OUTREACH_CHILDREN = [
    FoundChild(
        "Bayu",
        Sex.MALE,
        9,
        "selling",
        time(22, 40),
        "Lampu merah Simpang Rapak",
        adult="Perempuan dewasa yang mengaku bibinya",
        origin="Samarinda",
        screen=_flags(out_at_night=True, trafficking_signs=True),
        case=True,
    ),
    FoundChild(
        "Nanda", Sex.FEMALE, 7, "begging", time(23, 15), "Lampu merah Muara Rapak", origin="Penajam"
    ),
    FoundChild(
        "Dimas",
        Sex.MALE,
        13,
        "busking",
        time(0, 10),
        "Bundaran Balikpapan Baru",
        screen=_flags(out_at_night=True),
        assign="intake",
    ),
    FoundChild(
        "Sari",
        Sex.FEMALE,
        4,
        "wandering",
        time(0, 50),
        "Pantai Kemala",
        adult="Ibu yang tertidur di dekatnya",
        screen=_flags(out_at_night=True, very_young=True),
        assign="intake",
    ),
    FoundChild("Joko", Sex.MALE, 15, "working", time(1, 40), "Parkiran Pasar Klandasan"),
]


def _at(days_ago: int, clock: time) -> datetime:
    day = timezone.localdate() - timedelta(days=days_ago)
    return timezone.make_aware(datetime.combine(day, clock))


def _arrival(s: Scenario, now: datetime) -> tuple[datetime, datetime]:
    """(seen, received): a relative arrival is seen 40 minutes before; a dated one is received
    40 minutes after it was seen at the given clock time."""
    if s.hours_ago is not None:
        received = now - timedelta(hours=s.hours_ago)
        return received - timedelta(minutes=40), received
    seen = _at(s.days_ago, s.at)
    return seen, seen + timedelta(minutes=40)


def _set_arrival(report: Report, received: datetime) -> Report:
    """Move a report back to the time it arrived: the deadline and the stage date with it."""
    shift = report.created_at - received
    Report.objects.filter(pk=report.pk).update(
        created_at=received,
        updated_at=received,
        due_at=report.due_at - shift,
        stage_changed_at=received,
    )
    report.refresh_from_db()
    return report


@transaction.atomic
def seed(
    *,
    rng: Random,
    scale: int,
    home_regency: Region,
    out: Any,
    agencies: dict[str, Agency] | None = None,
    users: dict[str, User] | None = None,
    children: list[Any] | None = None,
    cases: list[Any] | None = None,
    **_: Any,
) -> dict[str, Any]:
    if scale <= 0:
        return {}
    if not agencies or not users or "intake" not in users:
        out.write("Demo reports: skipped (no demo agencies/users).")
        return {}
    if Report.objects.filter(regency_code=home_regency.code).exists():
        out.write("Demo reports: loaded already, none added.")
        return {}
    now = timezone.now()
    villages = list(
        Region.objects.filter(
            level=Region.Level.VILLAGE, code__startswith=home_regency.code + "."
        ).order_by("code")
    )
    intake = users["intake"]
    new_children: list[Any] = []
    reports: list[Report] = []

    for index, s in enumerate(SCENARIOS):
        seen, received = _arrival(s, now)
        name, phone, relation = s.contact or ("", "", "")
        details = ReportDetails(
            category=s.category,
            description=s.description,
            landmark=rng.choice(PLACES),
            seen_at=seen,
            children_count=s.children,
            age_group=s.age_group,
            kelurahan=rng.choice(villages) if villages and rng.random() < 0.85 else None,
            immediate_danger=s.immediate_danger,
            is_anonymous=s.contact is None,
            reporter_name=name,
            reporter_phone=phone,
            reporter_relation=relation,
        )
        if s.channel in {Channel.WEB, Channel.API}:
            report = services.public_report_submit(
                details=details,
                channel=s.channel,
                submitter_hash=ratelimit.address_key(f"demo-{index}"),
            )
        else:
            child_name, child_sex, child_age = s.child or ("", "", None)
            returning = _returning_child(cases) if s.outcome == "case:existing" else None
            if returning is not None:  # the report names the child the team knew
                child_name, child_sex = returning.full_name.split()[0], returning.sex
                child_age = returning.age if returning.age is not None else child_age
            report = services.staff_report_record(
                actor=intake,
                details=details,
                channel=s.channel,
                child_name=child_name,
                child_sex=child_sex,
                child_age=child_age,
            )
        reports.append(_set_arrival(report, received))
        _triage(
            report,
            screen=s.screen,
            assign=s.assign,
            outcome=s.outcome,
            note=s.note,
            users=users,
            agencies=agencies,
            reports=reports,
            cases=cases,
            new_children=new_children,
        )

    operation = _outreach(
        rng=rng,
        home_regency=home_regency,
        villages=villages,
        users=users,
        agencies=agencies,
        reports=reports,
        cases=cases,
        new_children=new_children,
    )
    services.public_reports_audit()  # the public reports' events now, not when the worker runs
    open_count = sum(1 for r in reports if Report.objects.get(pk=r.pk).is_open)
    out.write(
        f"Demo: {len(reports)} reports ({open_count} open in the triage queue), one outreach "
        f"operation with {operation.reports.count()} children."
    )
    result: dict[str, Any] = {"reports": reports, "outreach": [operation]}
    if children is not None and new_children:
        # Later seeders compare the children they were given with the table (dedupe's demo).
        result["children"] = [*children, *new_children]
    return result


def _triage(
    report: Report,
    *,
    screen: dict[str, bool] | None,
    assign: str,
    outcome: str,
    note: str,
    users: dict[str, User],
    agencies: dict[str, Agency],
    reports: list[Report],
    cases: list[Any] | None,
    new_children: list[Any],
) -> None:
    intake, supervisor = users["intake"], users.get("supervisor") or users["intake"]
    if screen is not None:
        report = services.report_screen(actor=intake, report=report, **screen)
    if assign:
        report = services.report_assign(
            actor=supervisor, report=report, assignee=users.get(assign) or intake
        )
    kind, _sep, arg = outcome.partition(":")
    if kind == "close":
        services.report_close(actor=intake, report=report, reason=arg, note=note)
    elif kind == "refer":
        services.report_refer(actor=intake, report=report, agency=agencies[arg], note=note)
    elif kind == "merge":
        services.report_merge(actor=intake, report=report, into=reports[int(arg)])
    elif kind == "case":
        child = _returning_child(cases) if arg == "existing" else None
        if child is None:
            report = services.report_open_case(
                actor=intake,
                report=report,
                full_name=f"{report.child_name or 'Anak'} (demo)",
                sex=report.child_sex,
                estimated_age=report.child_age,
            )
            new_children.append(report.child)
        else:
            services.report_open_case(actor=intake, report=report, child=child)


def _returning_child(cases: list[Any] | None) -> Any:
    """A demo child whose case was closed: back on the street, a new case is opened."""
    from sigap.cases.models import Stage

    for case in cases or []:
        if case.stage == Stage.CLOSURE:
            return case.child
    return None


def _regency_named(name: str) -> Region | None:
    if not name:
        return None
    return Region.objects.filter(level=Region.Level.REGENCY, name__icontains=name).first()


def _outreach(
    *,
    rng: Random,
    home_regency: Region,
    villages: list[Region],
    users: dict[str, User],
    agencies: dict[str, Agency],
    reports: list[Report],
    cases: list[Any] | None,
    new_children: list[Any],
) -> Any:
    """Last weekend's night outreach: Satpol PP and Dinas Sosial with the UPTD's case worker."""
    worker = users.get("pekerja") or users["intake"]
    day: date = timezone.localdate() - timedelta(days=3)
    district = (
        Region.objects.filter(level=Region.Level.DISTRICT, parent=home_regency)
        .order_by("code")
        .first()
    )
    operation = services.outreach_create(
        actor=worker,
        date=day,
        start_time=time(22, 0),
        end_time=time(2, 0),
        area="Simpang Rapak – Jl. Jenderal Sudirman – Pantai Kemala",
        team="Satpol PP (4 personel), Dinas Sosial (2), pendamping UPTD PPA (demo)",
        district=district,
        agencies=[agencies[k] for k in ("satpol", "dinsos") if k in agencies],
        notes="Penjangkauan malam rutin (demo).",
    )
    recorded = timezone.make_aware(datetime.combine(day + timedelta(days=1), time(3, 0)))
    for found in OUTREACH_CHILDREN:
        report = services.outreach_child_add(
            actor=worker,
            operation=operation,
            child_name=found.name,
            child_age=found.age,
            child_sex=found.sex,
            activity=found.activity,
            found_time=found.found,
            location=found.place,
            kelurahan=rng.choice(villages) if villages else None,
            origin_region=_regency_named(found.origin),
            origin_text=found.origin,
            accompanying_adult=found.adult,
        )
        reports.append(_set_arrival(report, recorded))
        _triage(
            report,
            screen=found.screen,
            assign=found.assign,
            outcome="case" if found.case else "",
            note="",
            users=users,
            agencies=agencies,
            reports=reports,
            cases=cases,
            new_children=new_children,
        )
    return operation
