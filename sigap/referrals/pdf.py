"""The transfer summary as a PDF (fpdf2): the same shared content as the printable HTML summary,
in Indonesian, with the signature of the transfer package printed on it and the signed JSON
package itself attached to the PDF (an embedded file), so the receiving regency can match the
paper to the package: the signature on the page is the signature of the attachment.

fpdf2 is pure Python (WeasyPrint needs Pango, which is not on the servers; reportlab is larger and
partly commercial). Text is set in DejaVu Sans, vendored in sigap/referrals/fonts with its
licence, so names with characters outside Latin-1 (’, é, ğ) print as written; a character the
font does not have prints as "?" rather than vanishing. fpdf2 embeds only the glyphs used.

The caller checks referral.export and audits the export (services.referral_record_export).
"""

from __future__ import annotations

import json
import logging
import unicodedata
from datetime import datetime
from pathlib import Path
from typing import Any

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from sigap.referrals.models import Referral
from sigap.referrals.selectors import SharedSections

# fontTools logs every step of subsetting the font at INFO: noise in the server's log.
logging.getLogger("fontTools").setLevel(logging.WARNING)

FONT_DIR = Path(__file__).resolve().parent / "fonts"
FONT = "DejaVu"
PDF_LANGUAGE = "id"  # an official document for another regency: always in Bahasa Indonesia
LABEL_WIDTH = 48  # mm
LINE = 5.2  # mm


class _SummaryPDF(FPDF):
    footer_text = ""

    def footer(self) -> None:
        self.set_y(-14)
        self.set_font(FONT, "", 7.5)
        self.set_text_color(90, 90, 90)
        self.multi_cell(
            0,
            3.6,
            f"{self.footer_text}  ·  {self.page_no()}/{{nb}}",
            align="C",
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )


def _dt(value: datetime | None) -> str:
    return timezone.localtime(value).strftime("%d-%m-%Y %H:%M") if value else "—"


class _Writer:
    def __init__(self, pdf: FPDF) -> None:
        self.pdf = pdf
        self._cmap: Any = None

    def clean(self, value: Any) -> str:
        """Printable text: NFC, no control characters, '?' for glyphs the font lacks."""
        text = unicodedata.normalize("NFC", "" if value is None else str(value))
        if self._cmap is None:
            self._cmap = self.pdf.current_font.cmap  # type: ignore[union-attr]
        out = []
        for ch in text:
            if ch in "\n\t":
                out.append(" " if ch == "\t" else ch)
            elif unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn"):
                continue
            else:
                out.append(ch if ord(ch) in self._cmap or ch == " " else "?")
        return "".join(out).strip()

    def title(self, text: str) -> None:
        self.pdf.set_font(FONT, "B", 15)
        self.pdf.multi_cell(0, 8, self.clean(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.pdf.ln(1)

    def heading(self, text: str) -> None:
        pdf = self.pdf
        if pdf.get_y() > pdf.h - 40:
            pdf.add_page()
        pdf.ln(3)
        pdf.set_font(FONT, "B", 11.5)
        pdf.multi_cell(0, 6.5, self.clean(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_draw_color(150, 150, 150)
        pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
        pdf.ln(1.5)

    def row(self, label: str, value: Any) -> None:
        pdf = self.pdf
        text = self.clean(value) or "—"
        pdf.set_font(FONT, "", 9.5)
        wrapped = pdf.multi_cell(pdf.epw - LABEL_WIDTH, LINE, text, dry_run=True, output="LINES")
        lines = len(wrapped) if isinstance(wrapped, list) else 1
        # Keep a short row together with its label rather than split it over two pages.
        if pdf.get_y() + min(lines, 6) * LINE > pdf.page_break_trigger:
            pdf.add_page()
        y, page = pdf.get_y(), pdf.page
        pdf.set_font(FONT, "B", 9.5)
        pdf.multi_cell(LABEL_WIDTH, LINE, self.clean(label), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        label_end = pdf.get_y()
        pdf.set_xy(pdf.l_margin + LABEL_WIDTH, y)
        pdf.set_font(FONT, "", 9.5)
        pdf.multi_cell(pdf.epw - LABEL_WIDTH, LINE, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        if pdf.page == page and pdf.get_y() < label_end:
            pdf.set_y(label_end)  # the label took more lines than the value
        pdf.ln(0.8)

    def para(self, text: Any, *, size: float = 9.5, bold: bool = False) -> None:
        self.pdf.set_font(FONT, "B" if bold else "", size)
        self.pdf.multi_cell(0, LINE, self.clean(text) or "—", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def item(self, text: Any) -> None:
        self.pdf.set_font(FONT, "", 9.5)
        self.pdf.multi_cell(0, LINE, "• " + self.clean(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.pdf.ln(0.6)


def _receiver(referral: Referral) -> str:
    if referral.to_agency_id:
        return str(referral.to_agency)
    text = referral.external_recipient
    if referral.to_region_id:
        text += f" ({referral.to_region.name})"  # type: ignore[union-attr]
    return text


def _sections(w: _Writer, shared: SharedSections) -> None:
    if shared.as_of:
        w.para(_("As handed over on %(date)s: read-only.") % {"date": _dt(shared.as_of)}, size=8.5)
    child = shared.child
    if child is not None:
        w.heading(_("Child"))
        w.row(_("Name"), child.full_name)
        w.row(_("Sex"), child.get_sex_display())
        age = "—" if child.age is None else str(child.age)
        if child.age is not None and child.birth_date_is_estimated:
            age += f" ({_('estimated')})"
        w.row(_("Age"), age)
        w.row(_("Kelurahan"), child.kelurahan.name if child.kelurahan_id else "—")
        w.row(_("Address"), child.address)
    case = shared.case
    if shared.has("summary"):
        w.heading(_("Case summary and risk"))
        w.row(_("Case"), f"{case.number} · {case.get_stage_display()}")
        risk = case.get_risk_level_display()
        reason = "" if shared.details_hidden else case.risk_reason
        w.row(_("Risk"), f"{risk}: {reason}" if reason else risk)
        w.row(_("Summary"), _("hidden") if shared.details_hidden else case.summary)
        w.row(_("AMPK categories"), "; ".join(shared.ampk_labels))
        w.row(_("Types of violence"), ", ".join(shared.violence_labels))
        if case.exploitation_activity:
            parts = [case.get_exploitation_activity_display()]
            if case.exploitation_places:
                parts.append(case.exploitation_places)
            w.row(_("Exploitation"), " · ".join(parts))
    if shared.has("assessment"):
        w.heading(_("Assessment"))
        if shared.assessment is None:
            w.para(_("No completed assessment yet."))
        else:
            for d in shared.assessment.domains:
                score = "—" if d["score"] is None else d["score"]
                notes = "" if shared.details_hidden else d["notes"]
                w.item(f"{d['label']}: {score}" + (f" — {notes}" if notes else ""))
            if shared.assessment.summary and not shared.details_hidden:
                w.para(shared.assessment.summary)
    if shared.has("plan"):
        w.heading(_("Case plan"))
        if shared.plan is None:
            w.para(_("No case plan yet."))
        else:
            w.para(f"{shared.plan.goals} ({shared.plan.get_status_display()})")
            for a in shared.plan_actions:
                due = a.due_on.strftime("%d-%m-%Y") if a.due_on else "—"
                w.item(
                    f"{a.description} — {a.responsible_agency}, {due} ({a.get_status_display()})"
                )
    if shared.has("notes"):
        w.heading(_("Case notes"))
        for n in shared.notes:
            who = n.author.display_name if n.author_id else ""
            w.para(f"{n.occurred_on:%d-%m-%Y} · {n.get_kind_display()} · {who}", size=8.5)
            w.para(_("hidden") if shared.details_hidden else n.text)
            w.pdf.ln(1)
        if not shared.notes:
            w.para(_("No notes."))
    if shared.has("family"):
        w.heading(_("Family and guardians"))
        for m in shared.family:
            bits = [m.full_name, m.get_relation_display()]
            if m.is_guardian:
                bits.append(_("guardian"))
            if not m.is_alive:
                bits.append(_("deceased"))
            if m.is_alleged_perpetrator:
                bits.append(_("alleged perpetrator"))
            bits += [x for x in (m.phone, m.address) if x]
            w.item(" · ".join(str(b) for b in bits))
        if not shared.family:
            w.para(_("No family recorded."))
    if shared.has("perpetrators"):
        w.heading(_("Alleged perpetrators and organisers"))
        for link in shared.people:
            name = link.person.full_name
            if link.person.aliases:
                name += f" ({link.person.aliases})"
            w.item(" · ".join(x for x in (name, str(link.get_role_display()), link.notes) if x))
        for m in shared.perpetrator_relatives:
            w.item(f"{m.full_name} · {m.get_relation_display()} · {_('alleged perpetrator')}")
        if not shared.people and not shared.perpetrator_relatives:
            w.para(_("Nobody recorded."))


def transfer_summary_pdf(
    *,
    referral: Referral,
    shared: SharedSections,
    package: dict[str, Any],
    compress: bool = True,
) -> bytes:
    """The PDF of a transfer summary; `package` is the signed package of the same export
    (services.package_sign), printed at the end and attached as `<reference>.json`."""
    with translation.override(PDF_LANGUAGE):
        return _render(referral, shared, package, compress)


def _render(
    referral: Referral, shared: SharedSections, package: dict[str, Any], compress: bool
) -> bytes:
    signature = package["signature"]
    exported_at = package["payload"].get("exported_at", "")
    pdf = _SummaryPDF(format="A4")
    pdf.set_compression(compress)
    pdf.set_margins(18, 16, 18)
    pdf.set_auto_page_break(True, margin=20)
    pdf.add_font(FONT, "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font(FONT, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    pdf.set_font(FONT, "", 9.5)
    title = f"{_('Transfer summary')} · {referral.reference}"
    pdf.set_title(title)
    pdf.set_subject(f"{referral.case.number} · {signature['key_id']}")
    pdf.set_creator("Sigap")
    pdf.set_lang("id-ID")
    pdf.footer_text = _(
        "Confidential: children's data (UU 27/2022). NIK and family-card numbers are not included."
    )
    pdf.add_page()
    w = _Writer(pdf)
    w.title(title)
    w.row(_("Case"), referral.case.number)
    w.row(_("From"), str(referral.from_agency))
    w.row(_("Recipient"), _receiver(referral))
    w.row(_("Status"), referral.get_status_display())
    w.row(_("Sent"), _dt(referral.sent_at))
    w.row(_("Reason"), referral.reason)
    basis = str(referral.get_consent_basis_display() or "—")
    if referral.exception_ground:
        basis += f" — {referral.get_exception_ground_display()}"
    w.row(_("Basis for sharing"), basis)
    if referral.consent_withdrawn_at:
        w.row(_("Consent withdrawn"), _dt(referral.consent_withdrawn_at))
    _sections(w, shared)

    w.heading(_("Signed package"))
    w.row(_("Format"), package["format"])
    w.row(_("Algorithm"), signature["algorithm"])
    w.row(_("Key id"), signature["key_id"])
    # The signature on one full-width line, so it can be read and compared in one piece.
    w.para(_("Signature"), bold=True)
    w.para(signature["value"], size=9)
    pdf.ln(1)
    w.row(_("Exported"), exported_at)
    w.para(
        _(
            "The signed JSON package of this export is attached to this PDF as %(name)s. The "
            "signature above is the signature of that package: the receiving office matches the "
            "key id and signature to the attachment and checks it with the sending agency."
        )
        % {"name": f"{referral.reference}.json"},
        size=8.5,
    )
    pdf.embed_file(
        bytes=json.dumps(package, ensure_ascii=False, indent=2, sort_keys=True).encode(),
        basename=f"{referral.reference}.json",
        desc=_("Signed transfer package"),
    )
    return bytes(pdf.output())
