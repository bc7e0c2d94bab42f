"""Helpers shared by the forms of every domain."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError


def add_service_errors(form: Any, exc: ValidationError) -> None:
    """Show a service's ValidationError next to the field it names (or at the top of the form),
    so the person sees the message where they typed and keeps the rest of their input."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)
