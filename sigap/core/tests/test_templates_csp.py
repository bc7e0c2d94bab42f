"""Templates hold nothing the Content-Security-Policy blocks: the policy allows scripts and styles
from 'self' only, so inline <script>/<style>, style="" and on*="" attributes would silently not
work in the browser (as the transfer summary's print button and styles did)."""

import re
from pathlib import Path

SIGAP = Path(__file__).resolve().parents[2]
INLINE = re.compile(
    r"<style\b|<script(?![^>]*\bsrc=)[^>]*>|\sstyle=\"|\son[a-z]+=\"",
    re.IGNORECASE,
)


def test_no_template_has_inline_scripts_styles_or_handlers():
    offenders = []
    for path in sorted(SIGAP.rglob("templates/**/*.html")):
        text = path.read_text(encoding="utf-8")
        for match in INLINE.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            offenders.append(f"{path.relative_to(SIGAP)}:{line}: {match.group(0).strip()}")
    assert offenders == []


def test_the_policy_is_self_only():
    from django.conf import settings

    directives = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]
    assert directives["style-src"] == ["'self'"]
    assert "'unsafe-inline'" not in directives.get("script-src", [])
