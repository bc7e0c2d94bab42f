"""The real URLconf plus POST /api/v1/bench/baseline: parse the same JSON body and insert one row
into a one-column table, in a transaction. The floor of what any report endpoint can cost on this
stack (gunicorn, Django's middleware, a django-ninja operation, PostgreSQL commit).

The baseline is a django-ninja operation, as the report API is, and sits in the URL list just
before the API, so that both pay the same framework dispatch and about the same URL resolution:
an earlier baseline was a plain Django view resolved after every other pattern, which charged the
report for the API framework and the baseline for the resolution."""

import json

from django.db import connection, transaction
from django.http import HttpRequest
from django.urls import path
from ninja import NinjaAPI, Schema, Status
from ninja.errors import HttpError

from sigap.core.access import PUBLIC, api_rule
from sigap.urls import handler403, handler404, handler500  # noqa: F401
from sigap.urls import urlpatterns as sigap_urlpatterns

TABLE = "bench_baseline"

bench_api = NinjaAPI(urls_namespace="bench", docs_url=None, openapi_url=None)


class BaselineOut(Schema):
    id: int


@bench_api.post("/baseline", auth=None, response={201: BaselineOut})
@api_rule(PUBLIC)
def baseline(request: HttpRequest) -> Status[dict[str, int]]:
    try:
        payload = json.loads(request.body)
    except ValueError as exc:
        raise HttpError(400, "bad json") from exc
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {TABLE} (payload) VALUES (%s) RETURNING id",  # noqa: S608
            [payload.get("description", "")],
        )
        (row_id,) = cursor.fetchone()
    return Status(201, {"id": row_id})


_api_index = next(
    i for i, p in enumerate(sigap_urlpatterns) if str(getattr(p, "pattern", "")) == "api/v1/"
)
urlpatterns = [
    *sigap_urlpatterns[:_api_index],
    path("api/v1/bench/", bench_api.urls),
    *sigap_urlpatterns[_api_index:],
]
