from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from sigap.core.access import rule
from sigap.geo.selectors import region_search

OPTION_LIMIT = 15


@rule("region.search")
@require_GET
def region_options(request: HttpRequest) -> HttpResponse:
    """`<option>`s for a region picker's datalist (htmx): `?field=<input name>` says which query
    parameter holds the typed text; `parent` and `level` narrow the search."""
    field = request.GET.get("field", "q")
    text = request.GET.get(field, "") or request.GET.get("q", "")
    regions, _total = region_search(
        q=text[:100],
        parent=request.GET.get("parent") or None,
        level=request.GET.get("level") or None,
        limit=OPTION_LIMIT,
    )
    return render(request, "geo/region_options.html", {"regions": regions})
