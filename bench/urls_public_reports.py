"""The real URLconf plus POST /bench/baseline: parse the same JSON body and insert one row into a
one-column table, in a transaction. The floor of what any report endpoint can cost on this stack
(gunicorn, Django's middleware, PostgreSQL commit)."""

import json

from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from sigap.core.access import PUBLIC, rule
from sigap.urls import handler403, handler404, handler500  # noqa: F401
from sigap.urls import urlpatterns as sigap_urlpatterns

TABLE = "bench_baseline"


@rule(PUBLIC)
@csrf_exempt
@require_POST
def baseline(request: HttpRequest) -> HttpResponse:
    try:
        payload = json.loads(request.body)
    except ValueError:
        return JsonResponse({"error": "bad json"}, status=400)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {TABLE} (payload) VALUES (%s) RETURNING id",  # noqa: S608
            [payload.get("description", "")],
        )
        (row_id,) = cursor.fetchone()
    return JsonResponse({"id": row_id}, status=201)


urlpatterns = [*sigap_urlpatterns, path("bench/baseline", baseline)]
