"""Demo cases: one per demo child, spread over stages, categories, risk levels and workers, led by
the UPTD PPA so that the demo case worker (`pekerja`) and supervisor (`supervisor`) have a real
caseload. Deterministic for a seed; rows are bulk-created (fixtures, not audited actions).

Each case is consistent with its stage: past assessment it has a completed assessment, past
planning an approved plan with actions, a closed case an approved and used closure request; some
plans and closures wait in the supervisor's approval queue."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from random import Random
from typing import Any

from django.db import transaction
from django.utils import timezone

from sigap.accounts.models import Agency, User
from sigap.cases.models import (
    ASSESSMENT_DOMAINS,
    ActionStatus,
    Approval,
    ApprovalKind,
    ApprovalStatus,
    Assessment,
    AssessmentStatus,
    Case,
    CaseCategory,
    CaseCounter,
    CaseNote,
    CasePerson,
    CasePersonRole,
    CaseRole,
    CaseTeamMember,
    CategoryKind,
    ClosureReason,
    ExploitationActivity,
    NoteKind,
    Plan,
    PlanAction,
    PlanStatus,
    RiskChange,
    Stage,
    StageChange,
    case_number,
    default_review_interval,
)
from sigap.children.models import Child, Person, PersonRole

STAGE_WEIGHTS = [
    (Stage.INTAKE, 14),
    (Stage.ASSESSMENT, 16),
    (Stage.PLANNING, 16),
    (Stage.IMPLEMENTATION, 26),
    (Stage.REVIEW, 10),
    (Stage.CLOSURE, 18),
]
RISK_WEIGHTS = [("low", 20), ("medium", 40), ("high", 28), ("critical", 12)]
# (AMPK codes, violence types, PMKS category, exploitation activity) profiles, street work first.
PROFILES: list[tuple[list[str], list[str], str, str]] = [
    (["d"], ["exploitation"], "street", ExploitationActivity.SELLING),
    (["d"], ["exploitation", "neglect"], "street", ExploitationActivity.BEGGING),
    (["d", "m"], ["exploitation", "neglect"], "street", ExploitationActivity.BUSKING),
    (["d"], ["exploitation"], "street", ExploitationActivity.SCAVENGING),
    (["d", "h"], ["trafficking", "exploitation"], "special", ExploitationActivity.BEGGING),
    (["i"], ["physical", "psychological"], "violence", ""),
    (["j"], ["sexual"], "violence", ""),
    (["m"], ["neglect"], "neglected", ""),
    (["b"], [], "law", ""),
    (["l", "m"], ["neglect"], "disability", ""),
]
PLACES = [
    "Simpang Rapak",
    "Lampu merah Muara Rapak",
    "Pasar Pandansari",
    "Terminal Batu Ampar",
    "Pantai Kemala",
    "SPBU Jl. MT Haryono",
    "Pasar Klandasan",
    "Bundaran Balikpapan Baru",
]
HOURS = [(time(16), time(2)), (time(17), time(23)), (time(9), time(15)), (time(19), time(3))]
ROOT_CAUSE_SETS = [
    ["family_economy"],
    ["family_economy", "faulty_parenting"],
    ["family_disharmony"],
    ["family_disharmony", "faulty_parenting"],
    ["family_economy", "family_disharmony"],
]
NOTE_TEXTS = {
    NoteKind.STREET_OUTREACH: "Ditemukan di perempatan lewat pukul 22.00 bersama dua anak lain; dibawa ke shelter.",
    NoteKind.HOME_VISIT: "Kunjungan ke keluarga: orang tua ada di rumah, setuju ikut sesi pengasuhan minggu depan.",
    NoteKind.PHONE_CALL: "Menelepon ibu untuk memastikan berkas pendaftaran sekolah.",
    NoteKind.MEETING: "Rapat koordinasi kasus bersama Unit PPA Polresta dan psikolog.",
    NoteKind.CASE_REVIEW: "Evaluasi perkembangan sesuai rencana; kehadiran di sekolah membaik.",
}
ORGANISERS = ["Pak Jono (demo)", "Bu Ratna (demo)", "Bang Udin (demo)"]


def _pick(rng: Random, weighted: list[tuple[Any, int]]) -> Any:
    return rng.choices([v for v, _w in weighted], weights=[w for _v, w in weighted])[0]


def _uuid(rng: Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def _children_without_case(children: list[Child] | None, home_code: str, scale: int) -> list[Child]:
    if children is None:
        children = list(
            Child.objects.filter(regency_code=home_code).order_by("created_at", "pk")[
                : max(scale, 0)
            ]
        )
    have = set(Case.objects.filter(child__in=children).values_list("child_id", flat=True))
    return [c for c in children if c.pk not in have]


@transaction.atomic
def seed(
    *,
    rng: Random,
    scale: int,
    home_regency: Any,
    out: Any,
    children: list[Child] | None = None,
    agencies: dict[str, Agency] | None = None,
    users: dict[str, User] | None = None,
    persons: list[Person] | None = None,
    **_: Any,
) -> dict[str, Any]:
    if not agencies or not users or "uptd" not in agencies:
        out.write("Demo cases: skipped (no demo agencies/users).")
        return {}
    todo = _children_without_case(children, home_regency.code, scale)
    if not todo:
        out.write("Demo cases: nothing to add.")
        return {"cases": []}
    uptd = agencies["uptd"]
    pekerja, supervisor = users["pekerja"], users["supervisor"]
    intake, psikolog = users["intake"], users["psikolog"]
    partners = [
        a
        for key, a in agencies.items()
        if key in {"dinsos", "polresta", "sd", "psikolog", "panti1"}
    ] or [uptd]
    organisers = [p for p in persons or [] if p.role == PersonRole.ORGANISER] or _organisers(
        uptd, intake, home_regency.code
    )
    now = timezone.now()
    today = timezone.localdate()
    tz = timezone.get_current_timezone()

    rows: dict[str, list[Any]] = {
        k: []
        for k in ("team", "cats", "stages", "risks", "assessments", "notes", "approvals", "people")
    }
    plans: list[tuple[Plan, list[PlanAction], Approval | None]] = []
    cases: list[Case] = []
    planned = []
    for child in todo:
        opened = now - timedelta(days=rng.randint(3, 540), hours=rng.randint(0, 23))
        planned.append((opened, child))
    planned.sort(key=lambda p: (p[0], str(p[1].pk)))

    next_seq: dict[int, int] = {}
    for opened, child in planned:
        year = timezone.localtime(opened).year
        if year not in next_seq:
            counter = CaseCounter.objects.filter(regency_code=uptd.regency_code, year=year).first()
            next_seq[year] = counter.last_sequence if counter else 0
        next_seq[year] += 1
        stage = _pick(rng, STAGE_WEIGHTS)
        risk = _pick(rng, RISK_WEIGHTS)
        ampk, violence, pmks, activity = rng.choice(PROFILES)
        hours = rng.choice(HOURS) if activity else (None, None)
        case = Case(
            id=_uuid(rng),
            number=case_number(uptd.regency_code, year, next_seq[year]),
            year=year,
            sequence=next_seq[year],
            regency_code=uptd.regency_code,
            child=child,
            lead_agency=uptd,
            created_by=intake,
            summary="Laporan masyarakat melalui hotline; anak terlihat di jalan pada malam hari."
            if activity
            else "Dirujuk oleh sekolah setelah ada tanda kekerasan di rumah.",
            stage=stage,
            opened_at=opened,
            pmks_category=pmks,
            risk_level=risk,
            risk_reason="Berada di jalan sampai larut malam."
            if activity
            else "Kekerasan berulang di rumah.",
            exploitation_activity=activity,
            exploitation_hours_from=hours[0],
            exploitation_hours_until=hours[1],
            exploitation_places=", ".join(rng.sample(PLACES, 2)) if activity else "",
            review_interval_days=default_review_interval(),
        )
        cases.append(case)
        for code in ampk:
            rows["cats"].append(CaseCategory(case=case, kind=CategoryKind.AMPK, code=code))
        for code in violence:
            rows["cats"].append(CaseCategory(case=case, kind=CategoryKind.VIOLENCE, code=code))
        for code in rng.choice(ROOT_CAUSE_SETS):
            rows["cats"].append(CaseCategory(case=case, kind=CategoryKind.ROOT_CAUSE, code=code))
        rows["risks"].append(
            RiskChange(
                case=case,
                from_level="",
                to_level=risk,
                reason=case.risk_reason,
                changed_by=intake,
                changed_at=opened,
            )
        )
        # Most UPTD cases are the demo case worker's; some wait for the supervisor to assign.
        if rng.random() < 0.8 or stage != Stage.INTAKE:
            rows["team"].append(
                CaseTeamMember(
                    case=case,
                    user=pekerja,
                    role=CaseRole.LEAD_WORKER,
                    added_by=supervisor,
                    added_at=opened,
                )
            )
            if rng.random() < 0.35:
                rows["team"].append(
                    CaseTeamMember(
                        case=case,
                        user=psikolog,
                        role=CaseRole.PSYCHOLOGIST,
                        added_by=pekerja,
                        added_at=opened,
                    )
                )
        _history(rng, case, stage, opened, today, tz, rows, plans, pekerja, supervisor, partners)
        if activity and organisers and rng.random() < 0.3:
            rows["people"].append(
                CasePerson(
                    case=case,
                    person=rng.choice(organisers),
                    role=CasePersonRole.ORGANISER,
                    added_by=pekerja,
                    added_at=opened,
                )
            )

    Case.objects.bulk_create(cases)
    for year, last in next_seq.items():
        CaseCounter.objects.update_or_create(
            regency_code=uptd.regency_code, year=year, defaults={"last_sequence": last}
        )
    for key, model in (
        ("team", CaseTeamMember),
        ("cats", CaseCategory),
        ("stages", StageChange),
        ("risks", RiskChange),
        ("assessments", Assessment),
        ("notes", CaseNote),
        ("people", CasePerson),
    ):
        model.objects.bulk_create(rows[key], batch_size=1000)
    Plan.objects.bulk_create([p for p, _a, _ap in plans], batch_size=1000)
    PlanAction.objects.bulk_create([a for _p, acts, _ap in plans for a in acts], batch_size=1000)
    Approval.objects.bulk_create(
        rows["approvals"] + [ap for _p, _a, ap in plans if ap is not None], batch_size=1000
    )
    by_stage: dict[str, int] = {}
    for c in cases:
        by_stage[c.stage] = by_stage.get(c.stage, 0) + 1
    out.write(
        f"Demo: {len(cases)} cases ("
        + ", ".join(f"{by_stage.get(s, 0)} {s}" for s, _w in STAGE_WEIGHTS)
        + ")."
    )
    return {"cases": cases}


def _organisers(agency: Agency, user: User, regency_code: str) -> list[Person]:
    found = []
    for name in ORGANISERS:
        person, _created = Person.objects.get_or_create(
            regency_code=regency_code,
            full_name=name,
            defaults={
                "role": PersonRole.ORGANISER,
                "agency": agency,
                "created_by": user,
                "description": "Diduga membawa anak-anak ke persimpangan dan mengambil hasilnya.",
            },
        )
        found.append(person)
    return found


def _history(
    rng: Random,
    case: Case,
    stage: str,
    opened: datetime,
    today: date,
    tz: Any,
    rows: dict[str, list[Any]],
    plans: list[tuple[Plan, list[PlanAction], Approval | None]],
    worker: User,
    supervisor: User,
    partners: list[Agency],
) -> None:
    """Stage changes, assessment, plan, approvals and notes consistent with `stage`."""
    order: list[str] = [
        Stage.INTAKE,
        Stage.ASSESSMENT,
        Stage.PLANNING,
        Stage.IMPLEMENTATION,
        Stage.REVIEW,
    ]
    reached = order.index(stage) if stage in order else len(order) - rng.randint(1, 4)
    at = opened
    previous: str = Stage.INTAKE
    for s in order[1 : reached + 1]:
        at = at + timedelta(days=rng.randint(2, 20))
        rows["stages"].append(
            StageChange(
                case=case, from_stage=previous, to_stage=s, changed_by=worker, changed_at=at
            )
        )
        previous = s
    if reached >= 1:  # assessed (a draft while still in assessment, sometimes)
        done = reached >= 2 or rng.random() < 0.4
        scores: dict[str, int | None] = {
            f"{k}_score": rng.randint(0, 3) for k, _l in ASSESSMENT_DOMAINS
        }
        if not done:
            scores["legal_score"] = None
        rows["assessments"].append(
            Assessment(
                case=case,
                status=AssessmentStatus.COMPLETED if done else AssessmentStatus.DRAFT,
                created_by=worker,
                completed_by=worker if done else None,
                completed_at=opened + timedelta(days=5) if done else None,
                safety_notes="Beberapa malam tidur di pasar.",
                family_notes="Ayah bekerja serabutan; ibu berjualan jajanan.",
                **scores,
            )
        )
    if reached >= 2:
        status = (
            PlanStatus.APPROVED
            if reached >= 3
            else rng.choice([PlanStatus.DRAFT, PlanStatus.SUBMITTED])
        )
        plan = Plan(
            case=case,
            goals="Anak berhenti bekerja di jalan; kembali bersekolah; orang tua mengikuti sesi pengasuhan.",
            status=status,
            created_by=worker,
            approved_by=supervisor if status == PlanStatus.APPROVED else None,
            approved_at=at if status == PlanStatus.APPROVED else None,
        )
        actions = [
            PlanAction(
                plan=plan,
                description=desc,
                responsible_agency=rng.choice(partners),
                responsible_person=person,
                due_on=today + timedelta(days=rng.randint(-20, 60)),
                status=rng.choice(
                    [ActionStatus.PLANNED, ActionStatus.IN_PROGRESS, ActionStatus.DONE]
                )
                if status == PlanStatus.APPROVED
                else ActionStatus.PLANNED,
                created_by=worker,
            )
            for desc, person in rng.sample(
                [
                    ("Mendaftarkan anak ke SD terdekat", "Kepala sekolah"),
                    ("Sesi pengasuhan bersama psikolog", "Ayu Kartika"),
                    ("Kunjungan rumah setiap dua minggu", "Dewi Lestari"),
                    ("Melaporkan koordinator ke Unit PPA Polresta", "Bripka Agus Setiawan"),
                    ("Mengurus akta kelahiran", "Petugas Disdukcapil"),
                ],
                2,
            )
        ]
        approval = None
        if status != PlanStatus.DRAFT:
            approved = status == PlanStatus.APPROVED
            approval = Approval(
                case=case,
                kind=ApprovalKind.PLAN,
                plan=plan,
                requested_by=worker,
                requested_at=at,
                status=ApprovalStatus.APPROVED if approved else ApprovalStatus.REQUESTED,
                decided_by=supervisor if approved else None,
                decided_at=at + timedelta(days=1) if approved else None,
            )
        plans.append((plan, actions, approval))
    if reached >= 3 and stage != Stage.CLOSURE:
        case.next_review_on = today + timedelta(days=rng.randint(-15, 80))
    if stage == Stage.CLOSURE:
        reason = rng.choice(ClosureReason.values[:5])
        closed = max(at, opened) + timedelta(days=rng.randint(5, 30))
        closed = min(closed, timezone.now())
        rows["approvals"].append(
            Approval(
                case=case,
                kind=ApprovalKind.CLOSURE,
                closure_reason=reason,
                requested_by=worker,
                requested_at=closed - timedelta(days=1),
                status=ApprovalStatus.APPROVED,
                decided_by=supervisor,
                decided_at=closed,
                used_at=closed,
            )
        )
        rows["stages"].append(
            StageChange(
                case=case,
                from_stage=previous,
                to_stage=Stage.CLOSURE,
                changed_by=worker,
                changed_at=closed,
            )
        )
        case.closed_at, case.closure_reason = closed, reason
    elif stage in (Stage.IMPLEMENTATION, Stage.REVIEW) and rng.random() < 0.12:
        rows["approvals"].append(
            Approval(
                case=case,
                kind=ApprovalKind.CLOSURE,
                closure_reason=ClosureReason.REINTEGRATED,
                requested_by=worker,
                request_note="Sudah tiga bulan kembali bersama keluarga dan bersekolah.",
            )
        )
    for _i in range(rng.randint(0, 4) if reached >= 1 else rng.randint(0, 1)):
        kind = rng.choice(list(NOTE_TEXTS))
        day = min(today, timezone.localtime(opened).date() + timedelta(days=rng.randint(0, 60)))
        rows["notes"].append(
            CaseNote(case=case, kind=kind, occurred_on=day, text=NOTE_TEXTS[kind], author=worker)
        )
