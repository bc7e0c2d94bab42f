import re
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1]


def test_importing_matching_does_not_import_django() -> None:
    code = "import sys, sigap.matching, sigap.matching.cli; sys.exit('django' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=PACKAGE.parents[1], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr or "sigap.matching imported django"


def test_no_module_mentions_a_django_import() -> None:
    pattern = re.compile(r"^\s*(import|from)\s+django\b", re.MULTILINE)
    for path in PACKAGE.rglob("*.py"):
        assert not pattern.search(path.read_text()), path
