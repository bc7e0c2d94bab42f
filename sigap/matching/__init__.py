"""Record matching of children: find the same child across records.

Plain Python (numpy, rapidfuzz, jellyfish); nothing here imports Django, so the engine can be
tested and benchmarked alone and called from the app's services and tasks.
"""

from .compare import FIELDS, compare
from .dedupe import DedupeResult, dedupe
from .index import Candidate, MatchIndex
from .model import Explanation, FieldContribution, FSModel
from .normalize import ParsedName, parse_name, phonetic_token
from .records import Prepared, Record, RecordError, prepare

__all__ = [
    "FIELDS", "Candidate", "DedupeResult", "Explanation", "FSModel", "FieldContribution",
    "MatchIndex", "ParsedName", "Prepared", "Record", "RecordError", "compare", "dedupe",
    "parse_name", "phonetic_token", "prepare",
]  # fmt: skip
