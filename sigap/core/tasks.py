"""Background tasks shared by every domain (django-tasks; run by `manage.py db_worker`)."""

from __future__ import annotations

from django.core.mail import send_mail
from django_tasks import task


@task()
def send_email(*, subject: str, body: str, to: list[str]) -> int:
    """Send one plain-text email. Runs in the worker, so a slow mail server never slows a page."""
    return send_mail(subject, body, None, to, fail_silently=False)
