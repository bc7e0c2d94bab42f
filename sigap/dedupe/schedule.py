"""Periodic jobs of the dedupe app (sigap.core.schedule)."""

from __future__ import annotations

from sigap.core.schedule import Job, register_job
from sigap.dedupe.tasks import find_duplicates_nightly

# The nightly search for possible duplicate children, while nobody registers any.
register_job(Job("dedupe.find_duplicates", find_duplicates_nightly, at="SIGAP_DUPLICATES_AT"))
