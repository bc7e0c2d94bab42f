"""The transfer summary as a PDF: it opens, carries the shared content and the signature of the
signed package attached to it, outsiders get 404, and every export is audited."""

from __future__ import annotations

import contextlib
import json
import re
import zlib
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from sigap.core.models import AuditEvent
from sigap.referrals import pdf, selectors, services

pytestmark = pytest.mark.django_db


def _unescape(raw: bytes) -> bytes:
    """A PDF literal string's bytes (fpdf2 escapes \\, (, ) and control bytes)."""
    out = bytearray()
    i = 0
    simple = {b"n": 10, b"r": 13, b"t": 9, b"b": 8, b"f": 12}
    while i < len(raw):
        c = raw[i : i + 1]
        if c != b"\\":
            out += c
            i += 1
            continue
        nxt = raw[i + 1 : i + 2]
        if nxt in simple:
            out.append(simple[nxt])
            i += 2
        elif nxt.isdigit():
            digits = re.match(rb"[0-7]{1,3}", raw[i + 1 : i + 4])
            assert digits is not None
            out.append(int(digits.group(), 8))
            i += 1 + len(digits.group())
        else:
            out += nxt
            i += 2
    return bytes(out)


def pdf_text(content: bytes) -> str:
    """The text of an uncompressed fpdf2 PDF: each Tj string decoded with each font's ToUnicode
    map (glyph ids are per font, so the wrong font's decoding is noise that cannot match)."""
    maps = []
    for cmap in re.findall(rb"beginbfchar\n(.*?)endbfchar", content, re.S):
        pairs = re.findall(rb"<([0-9A-F]{4})> <([0-9A-F]+)>", cmap)
        maps.append({int(g, 16): bytes.fromhex(u.decode()).decode("utf-16-be") for g, u in pairs})
    strings = [_unescape(s) for s in re.findall(rb"\((.*?)(?<!\\)\) Tj", content, re.S)]
    lines = []
    for glyphs in strings:
        ids = [int.from_bytes(glyphs[i : i + 2], "big") for i in range(0, len(glyphs), 2)]
        for mapping in maps:
            lines.append("".join(mapping.get(g, "\ufffd") for g in ids))
    return "\n".join(lines)


def attachment(content: bytes) -> dict[str, Any]:
    """The embedded file of the PDF (the signed JSON package)."""
    match = re.search(rb"/Type /EmbeddedFile.*?stream\n(.*?)\nendstream", content, re.S)
    assert match is not None, "no embedded file"
    data = match.group(1)
    with contextlib.suppress(zlib.error):  # compressed unless compress=False
        data = zlib.decompress(data)
    return json.loads(data)


@pytest.fixture
def transfer(case: Any, case_worker: Any, guardian: Any) -> Any:
    from sigap.geo.models import Region

    draft = services.referral_create(
        actor=case_worker,
        case=case,
        kind="transfer",
        to_region=Region.objects.get(code="64.72"),
        external_recipient="Dinas Sosial daerah asal",
        reason="Pulang ke keluarga di Samarinda",
        consent_basis="consent",
        child_view="agreed",
        guardian=guardian,
    )
    return services.referral_send(actor=case_worker, referral=draft)


def _render(transfer: Any, **kwargs: Any) -> tuple[bytes, dict[str, Any]]:
    shared = selectors.shared_sections_for(referral=transfer, as_of=transfer.closed_at)
    package = services.package_sign(selectors.transfer_payload(referral=transfer, shared=shared))
    return pdf.transfer_summary_pdf(referral=transfer, shared=shared, package=package, **kwargs), (
        package
    )


def test_pdf_holds_the_shared_content_in_indonesian_and_the_package_signature(
    transfer: Any,
) -> None:
    content, package = _render(transfer, compress=False)
    assert content.startswith(b"%PDF-")
    text = pdf_text(content)
    assert transfer.case.number in text
    assert "Budi Santoso Uji" in text  # the child (a transfer shares every section)
    assert "Sells tissues at the Rapak crossroads" in text  # the case summary
    assert "Ringkasan" in text  # Indonesian labels, whatever the reader's language
    assert package["signature"]["key_id"] in text
    assert package["signature"]["value"] in text
    # The attached package is the one whose signature is printed, and it verifies.
    attached = attachment(content)
    assert attached["signature"] == package["signature"]
    assert services.package_verify(attached) == (True, "valid")


def test_names_outside_latin_1_print_as_written(transfer: Any) -> None:
    child = transfer.case.child
    child.full_name = "Nur’aini Çelik Ma‘ruf 李"  # curly quotes, Ç; a CJK glyph DejaVu lacks
    child.save(update_fields=["full_name"])
    transfer.case.child = child
    content, _package = _render(transfer, compress=False)
    text = pdf_text(content)
    assert "Nur’aini Çelik Ma‘ruf ?" in text


def test_pdf_page_and_api_are_audited_exports(
    transfer: Any, case_worker: Any, client: Client
) -> None:
    client.force_login(case_worker)
    page = client.get(reverse("referrals:referral-detail", args=[transfer.pk]))
    pdf_url = reverse("referrals:transfer-pdf", args=[transfer.pk])
    assert pdf_url in page.content.decode()  # the button on the referral page
    response = client.get(pdf_url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert "attachment" in response["Content-Disposition"]
    api = client.get(f"/api/v1/referrals/{transfer.pk}/package.pdf")
    assert api.status_code == 200 and api["Content-Type"] == "application/pdf"
    assert api.content.startswith(b"%PDF-")
    events = AuditEvent.objects.filter(action="referral.exported", summary__format="pdf")
    assert events.count() == 2
    assert {e.object_id for e in events} == {str(transfer.case_id)}


def test_outsiders_get_404_and_nothing_is_exported(
    transfer: Any, outsider: Any, police_officer: Any, client: Client
) -> None:
    for user in (outsider, police_officer):
        client.force_login(user)
        assert client.get(reverse("referrals:transfer-pdf", args=[transfer.pk])).status_code == 404
        api = client.get(f"/api/v1/referrals/{transfer.pk}/package.pdf")
        assert api.status_code == 404
        assert api["Content-Type"].startswith("application/problem+json")
    assert not AuditEvent.objects.filter(action="referral.exported").exists()


def test_a_referral_is_not_exported(accepted: Any, case_worker: Any, client: Client) -> None:
    client.force_login(case_worker)
    response = client.get(reverse("referrals:transfer-pdf", args=[accepted.pk]))
    assert response.status_code == 403  # visible to the sender, but only transfers export
