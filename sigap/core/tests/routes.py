"""Helpers for the route walk and the role matrix (sigap/core/tests/test_routes.py).

Each app describes the expected outcome of its routes for every persona in its own
`sigap/<app>/tests/access_matrix.py`:

    from sigap.core.tests.routes import row

    MATRIX = {
        # URL name -> {persona: expected status}; row(default, **exceptions) fills every persona.
        "children:child_list": row(200, anonymous=302, analyst=403),
        # A second sample of the same route: "<URL name>#<variant>".
        "children:child_detail#other_agency": row(404, anonymous=302, system_admin=200),
    }
    # Sample URL kwargs; `get` is pytest's request.getfixturevalue, so personas and agencies
    # are the same objects the persona under test belongs to.
    KWARGS = {"children:child_detail#other_agency": lambda get: {"pk": make_child(get).pk}}
    METHODS = {"children:child_archive": "post"}     # default "get"
    DATA = {"children:child_archive": {"reason": "x"}}  # POST body, optional

API operations take part with their ninja URL name ("api:me"); their anonymous outcome is 401.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver

from conftest import PERSONAS

ALL_PERSONAS = [*PERSONAS, "anonymous"]

# Includes the walk does not enter: Django's admin enforces its own staff + OTP check, and the
# ninja API is walked operation by operation (api_operations()).
SKIPPED_NAMESPACES = {"admin", "api"}
ROOT_URLCONF_APP = "sigap.core"  # routes declared in sigap/urls.py itself belong to core


def row(default: int, **exceptions: int) -> dict[str, int]:
    """Expected status for every persona (+ anonymous): `default`, except those named."""
    unknown = set(exceptions) - set(ALL_PERSONAS)
    if unknown:
        raise ValueError(f"Unknown personas in an access matrix row: {sorted(unknown)}")
    return {persona: exceptions.get(persona, default) for persona in ALL_PERSONAS}


@dataclass(frozen=True)
class Route:
    name: str | None  # "namespace:name", None for an unnamed pattern
    pattern: str
    callback: Callable[..., Any]
    app: str  # "sigap.accounts": the app whose urls module declares it


def _app_of_urlconf(module_name: str) -> str:
    if module_name == "sigap.urls":
        return ROOT_URLCONF_APP
    parts = module_name.split(".")
    return ".".join(parts[:2]) if parts[0] == "sigap" else module_name


def walk_urlpatterns() -> Iterator[Route]:
    """Every URL pattern, through includes, except the admin and the API."""

    def walk(patterns: Any, prefix: str, namespace: str, urlconf: str) -> Iterator[Route]:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                if entry.namespace in SKIPPED_NAMESPACES:
                    continue
                module = entry.urlconf_name
                module_name = (
                    module if isinstance(module, str) else getattr(module, "__name__", urlconf)
                )
                ns = namespace
                if entry.namespace:
                    ns = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
                yield from walk(entry.url_patterns, prefix + str(entry.pattern), ns, module_name)
            elif isinstance(entry, URLPattern):
                name = entry.name
                if name and namespace:
                    name = f"{namespace}:{name}"
                yield Route(
                    name, prefix + str(entry.pattern), entry.callback, _app_of_urlconf(urlconf)
                )

    resolver = get_resolver()
    yield from walk(resolver.url_patterns, "/", "", str(resolver.urlconf_name))


@dataclass(frozen=True)
class ApiOperation:
    name: str  # "api:<url name>"
    path: str
    methods: tuple[str, ...]
    view_func: Callable[..., Any]
    app: str


def api_operations() -> Iterator[ApiOperation]:
    from sigap.api.api import api

    for prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            url_name = getattr(path_view, "url_name", None)
            for op in path_view.operations:
                module = getattr(op.view_func, "__module__", "")
                name = url_name or op.view_func.__name__
                yield ApiOperation(
                    name=f"{api.urls_namespace}:{name}",
                    path=f"/api/v1{prefix}{path}",
                    methods=tuple(op.methods),
                    view_func=op.view_func,
                    app=".".join(module.split(".")[:2]),
                )


@dataclass
class MatrixEntry:
    key: str  # URL name, optionally "#variant"
    expected: dict[str, int]
    kwargs: Callable[[Callable[[str], Any]], dict[str, Any]] | None = None
    method: str = "get"
    data: dict[str, Any] = field(default_factory=dict)
    source: str = ""

    @property
    def url_name(self) -> str:
        return self.key.split("#", 1)[0]


def sigap_apps() -> list[str]:
    from django.apps import apps

    return [c.name for c in apps.get_app_configs() if c.name.startswith("sigap.")]


def matrix_module_name(app: str) -> str:
    return f"{app}.tests.access_matrix"


def apps_with_matrix() -> set[str]:
    found = set()
    for app in sigap_apps():
        try:
            spec = importlib.util.find_spec(matrix_module_name(app))
        except ModuleNotFoundError:
            spec = None
        if spec is not None:
            found.add(app)
    return found


def load_matrix() -> dict[str, MatrixEntry]:
    entries: dict[str, MatrixEntry] = {}
    for app in sorted(apps_with_matrix()):
        module = importlib.import_module(matrix_module_name(app))
        kwargs = getattr(module, "KWARGS", {})
        methods = getattr(module, "METHODS", {})
        data = getattr(module, "DATA", {})
        for key, expected in module.MATRIX.items():
            if key in entries:
                raise ValueError(f"{key} is in two access matrices: {entries[key].source}, {app}")
            entries[key] = MatrixEntry(
                key=key,
                expected=expected,
                kwargs=kwargs.get(key),
                method=methods.get(key, "get"),
                data=data.get(key, {}),
                source=app,
            )
    return entries
