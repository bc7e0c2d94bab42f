"""Background work of the dedupe app (django-tasks)."""

from __future__ import annotations

from django_tasks import task

from sigap.dedupe.services import find_duplicates


@task()
def find_duplicates_nightly() -> int:
    """The same as `manage.py find_duplicates`, for a scheduler that enqueues tasks nightly.
    Returns the number of new proposals."""
    return find_duplicates().proposed
