"""GET /healthz: 200 when the database answers, 503 without details when it does not."""

from __future__ import annotations

import pytest
from django.db.utils import OperationalError

from sigap.core import views

pytestmark = pytest.mark.django_db


def test_healthz_ok_without_login(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


class _BrokenConnection:
    def cursor(self):
        raise OperationalError('connection to server at "10.0.0.5", port 5432 failed: secret')


def test_healthz_503_when_database_fails(client, monkeypatch):
    monkeypatch.setattr(views, "connection", _BrokenConnection())
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "unavailable"}
    body = response.content.decode()
    for leaked in ("10.0.0.5", "5432", "secret", "OperationalError", "Traceback"):
        assert leaked not in body


def test_healthz_only_answers_get(client):
    assert client.post("/healthz").status_code == 405
