"""Demo care pathway: the UPTD PPA shelter with its capacity, children in it now with the
psychologist's daily notes (so the demo psychologist `psikolog` sees a chart that moves), children
back at school after an approved recommendation, one recommendation waiting for the supervisor,
parenting sessions, written commitments (one broken, with the supervisor's task) and legal action.
Deterministic for a seed; rows are bulk-created (fixtures, not audited actions)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from random import Random
from typing import Any

from django.db import transaction
from django.utils import timezone

from sigap.accounts.models import Agency, User
from sigap.care.models import (
    AgeGroup,
    ArrangementStatus,
    Attendance,
    AttendanceFollowUp,
    CareArrangement,
    CareTask,
    Commitment,
    CommitmentStatus,
    EducationRecord,
    FamilyIntervention,
    InterventionKind,
    LegalAction,
    LegalStatus,
    LegalTarget,
    ProgressNote,
    RecommendationStatus,
    RepeatExploitation,
    SchoolRecommendation,
    ShelterCapacity,
    TaskKind,
    age_group_for,
)
from sigap.cases.models import Case, CaseRole, CaseTeamMember, Stage

CAPACITY = {AgeGroup.UNDER_6: 2, AgeGroup.FROM_6: 8, AgeGroup.FROM_13: 6}
BROUGHT_BY = [
    "Satpol PP, penjangkauan malam",
    "Unit PPA Polresta",
    "Ibu kandung",
    "Ketua RT setempat",
    "Tim penjangkauan UPTD PPA",
]
REASONS = [
    "Ditemukan berjualan tisu di perempatan lewat tengah malam.",
    "Mengemis bersama koordinator di dekat pasar; tidak ada wali yang mendampingi.",
    "Mengamen pada malam hari; keluarga tidak dapat dihubungi.",
    "Disuruh orang tua turun ke jalan; ada tanda penelantaran.",
]
NARRATIVES = [
    "Awalnya pendiam; ikut kegiatan menggambar setelah makan siang.",
    "Pertama kali tidur nyenyak semalaman. Menanyakan ibunya.",
    "Sempat meledak emosinya saat makan malam, tenang kembali bersama pengasuh.",
    "Bermain sepak bola dengan anak lain; makan teratur.",
    "Pertama kali bercerita tentang kehidupan di jalan, tanpa panik.",
]
SCHOOLS = ["sd", "smp"]


def _at(day: Any, hour: int, tz: Any) -> datetime:
    return datetime.combine(day, time(hour, 0), tzinfo=tz)


def _clamp(v: int) -> int:
    return max(1, min(5, v))


@transaction.atomic
def seed(
    *,
    rng: Random,
    scale: int,
    home_regency: Any,
    out: Any,
    cases: list[Case] | None = None,
    users: dict[str, User] | None = None,
    agencies: dict[str, Agency] | None = None,
    **_: Any,
) -> dict[str, Any]:
    if not cases or not users or not agencies or "uptd" not in agencies:
        return {}
    uptd = agencies["uptd"]
    if CareArrangement.objects.filter(agency=uptd).exists():
        return {}  # loaded already
    pekerja, supervisor, psikolog = users["pekerja"], users["supervisor"], users["psikolog"]
    tz = timezone.get_current_timezone()
    now = timezone.now()
    today = timezone.localdate()

    ShelterCapacity.objects.bulk_create(
        [
            ShelterCapacity(agency=uptd, sex=sex, age_group=group, places=n, updated_by=supervisor)
            for sex in ("male", "female")
            for group, n in CAPACITY.items()
        ]
    )

    open_cases = [
        c
        for c in cases
        if c.lead_agency_id == uptd.pk and c.stage in (Stage.IMPLEMENTATION, Stage.REVIEW)
    ]
    rng.shuffle(open_cases)
    team = set(
        CaseTeamMember.objects.filter(
            case__in=[c.pk for c in open_cases], ended_at__isnull=True
        ).values_list("case_id", "user_id")
    )
    in_shelter = open_cases[: max(3, min(10, scale // 30))]
    back_home = open_cases[len(in_shelter) : len(in_shelter) + max(2, min(6, scale // 50))]

    new_team: list[CaseTeamMember] = []
    stays: list[CareArrangement] = []
    notes: list[ProgressNote] = []
    used: dict[tuple[str, str], int] = {}
    for case in in_shelter + back_home:
        if (case.pk, psikolog.pk) not in team:
            new_team.append(
                CaseTeamMember(
                    case=case,
                    user=psikolog,
                    role=CaseRole.PSYCHOLOGIST,
                    added_by=pekerja,
                    added_at=case.opened_at,
                )
            )
    for index, case in enumerate(in_shelter):
        child = case.child
        group = age_group_for(child.age) or AgeGroup.FROM_6
        if used.get((child.sex, group), 0) >= CAPACITY[AgeGroup(group)]:
            continue
        used[(child.sex, group)] = used.get((child.sex, group), 0) + 1
        days = 5 + (index * 3) % 18
        start_day = today - timedelta(days=days)
        started = max(_at(start_day, rng.choice([1, 2, 22, 23]), tz), case.opened_at)
        stays.append(
            CareArrangement(
                case=case,
                child=child,
                agency=uptd,
                regency_code=uptd.regency_code,
                started_at=started,
                reason=rng.choice(REASONS),
                brought_by=rng.choice(BROUGHT_BY),
                belongings=rng.choice(["Satu tas pakaian", "Ponsel dan jaket", ""]),
                sex=child.sex,
                age_group=group,
                started_by=pekerja,
            )
        )
        # Daily notes that improve over time, with a gap now and then (shown on the page).
        base = {
            k: rng.randint(1, 2)
            for k in ("mood", "behaviour", "sleep", "appetite", "social", "trauma")
        }
        first = timezone.localtime(started).date()
        for d in range((today - first).days + 1):
            day = first + timedelta(days=d)
            if day == today and index % 2 or rng.random() < 0.12:
                continue
            step = d / 4
            values = {
                k: _clamp(round(v + step + rng.choice([-1, 0, 0, 1]) * 0.6))
                for k, v in base.items()
            }
            notes.append(
                ProgressNote(
                    case=case,
                    noted_on=day,
                    narrative=rng.choice(NARRATIVES),
                    author=psikolog,
                    **values,
                )
            )

    recommendations: list[SchoolRecommendation] = []
    education: list[EducationRecord] = []
    for index, case in enumerate(back_home):
        child = case.child
        left = today - timedelta(days=30 + index * 7)
        started = max(_at(left - timedelta(days=14), 23, tz), case.opened_at)
        ended = max(_at(left, 10, tz), started + timedelta(hours=1))
        stays.append(
            CareArrangement(
                case=case,
                child=child,
                agency=uptd,
                regency_code=uptd.regency_code,
                status=ArrangementStatus.ENDED,
                started_at=started,
                ended_at=ended,
                reason=rng.choice(REASONS),
                brought_by=rng.choice(BROUGHT_BY),
                sex=child.sex,
                age_group=age_group_for(child.age) or AgeGroup.FROM_6,
                started_by=pekerja,
                ended_by=pekerja,
                end_reason="Keluarga dinilai aman setelah mengikuti sesi pengasuhan.",
                destination="Pulang ke keluarga",
            )
        )
        for d in range(0, 14, 2):
            day = timezone.localtime(started).date() + timedelta(days=d)
            notes.append(
                ProgressNote(
                    case=case,
                    noted_on=day,
                    narrative=rng.choice(NARRATIVES),
                    author=psikolog,
                    mood=_clamp(2 + d // 4),
                    behaviour=_clamp(2 + d // 4),
                    sleep=_clamp(2 + d // 5),
                    appetite=_clamp(3 + d // 5),
                    social=_clamp(2 + d // 4),
                    trauma=_clamp(2 + d // 5),
                )
            )
        waiting = index == len(back_home) - 1
        rec = SchoolRecommendation(
            case=case,
            grounds="Suasana hati dan tidur stabil selama dua minggu; keluarga mengikuti sesi pengasuhan.",
            status=RecommendationStatus.REQUESTED if waiting else RecommendationStatus.APPROVED,
            requested_by=psikolog,
            requested_at=ended + timedelta(days=2),
            decided_by=None if waiting else supervisor,
            decided_at=None if waiting else ended + timedelta(days=3),
        )
        recommendations.append(rec)
    SchoolRecommendation.objects.bulk_create(recommendations)
    for rec in recommendations:
        if rec.status != RecommendationStatus.APPROVED:
            continue
        start = timezone.localtime(rec.decided_at).date() + timedelta(days=4)
        school = agencies.get(rng.choice(SCHOOLS))
        education.append(
            EducationRecord(
                case=rec.case,
                child=rec.case.child,
                recommendation=rec,
                school=school,
                school_name="" if school else "SD Negeri 012 Balikpapan Tengah",
                grade=rng.choice(["3", "4", "5", "7"]),
                started_on=start,
                follow_up_interval_days=14,
                next_follow_up_on=start + timedelta(days=14 * ((today - start).days // 14 + 1))
                if rng.random() < 0.7
                else today - timedelta(days=2),
                created_by=pekerja,
            )
        )
    CaseTeamMember.objects.bulk_create(new_team)
    CareArrangement.objects.bulk_create(stays)
    ProgressNote.objects.bulk_create(notes, batch_size=1000)
    EducationRecord.objects.bulk_create(education)
    AttendanceFollowUp.objects.bulk_create(
        [
            AttendanceFollowUp(
                record=e,
                checked_on=e.started_on + timedelta(days=14),
                attendance=Attendance.REGULAR,
                notes="Wali kelas melaporkan anak hadir teratur.",
                checked_by=pekerja,
            )
            for e in education
            if e.started_on + timedelta(days=14) <= today
        ]
    )

    # Parents and family.
    family_cases = back_home + in_shelter[:3]
    interventions: list[FamilyIntervention] = []
    commitments: list[Commitment] = []
    for index, case in enumerate(family_cases):
        for k in range(1 + index % 3):
            interventions.append(
                FamilyIntervention(
                    case=case,
                    kind=[
                        InterventionKind.PARENTING_SESSION,
                        InterventionKind.COUNSELLING,
                        InterventionKind.HOME_VISIT,
                    ][k],
                    occurred_on=today - timedelta(days=3 + 6 * k + index),
                    participants=rng.choice(["Ibu", "Ibu dan ayah", "Nenek"]),
                    attended=rng.random() < 0.85,
                    topic=rng.choice(
                        [
                            "Disiplin positif",
                            "Hak anak dan pendidikan",
                            "Penghasilan keluarga tanpa mempekerjakan anak",
                        ]
                    ),
                    outcome="Orang tua sepakat membuat jadwal harian dan memantau sekolah anak.",
                    facilitator=psikolog.display_name if k < 2 else pekerja.display_name,
                    recorded_by=psikolog if k < 2 else pekerja,
                )
            )
        commitments.append(
            Commitment(
                case=case,
                signed_by=rng.choice(["Ibu", "Bapak"]),
                signed_on=today - timedelta(days=20 + index),
                terms="Tidak akan menyuruh anak mencari uang di jalan; akan menyekolahkan anak.",
                review_on=today + timedelta(days=30),
                recorded_by=pekerja,
            )
        )
    FamilyIntervention.objects.bulk_create(interventions)
    Commitment.objects.bulk_create(commitments)
    if commitments:
        broken = commitments[-1]
        broken.status = CommitmentStatus.BROKEN
        broken.status_note = "Eksploitasi berulang."
        broken.status_changed_at = now - timedelta(days=2)
        broken.save()
        RepeatExploitation.objects.create(
            case=broken.case,
            occurred_on=today - timedelta(days=2),
            description="Terlihat berjualan tisu di Simpang Rapak pukul 23.00.",
            commitment=broken,
            risk_from=broken.case.risk_level,
            risk_to=broken.case.risk_level,
            recorded_by=pekerja,
        )
        CareTask.objects.create(
            case=broken.case,
            kind=TaskKind.REPEAT_EXPLOITATION,
            title=f"{broken.case.child.full_name} kembali dieksploitasi setelah keluarga menandatangani surat pernyataan: tinjau kasus dan langkah hukumnya",
            agency=uptd,
            due_on=today - timedelta(days=1),
        )
        LegalAction.objects.create(
            case=broken.case,
            target=LegalTarget.PARENT,
            target_name="Bapak",
            allegation="Menyuruh anak berjualan di jalan pada malam hari (UU 35/2014 Pasal 76I).",
            status=LegalStatus.REPORTED,
            police_agency=agencies.get("polresta"),
            reported_on=today - timedelta(days=1),
            police_case_number=f"LP/B/{100 + rng.randint(0, 800)}/{today:%m}/{today:%Y}/Polresta Balikpapan",
            recorded_by=pekerja,
        )
    out.write(
        f"Demo: {sum(1 for s in stays if s.ended_at is None)} children in the shelter, "
        f"{len(notes)} psychologist notes, {len(education)} back at school."
    )
    return {"care_stays": stays}
