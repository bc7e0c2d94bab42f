from __future__ import annotations

from typing import Any

from django import forms, template
from django.http import QueryDict
from django.utils.safestring import SafeString

register = template.Library()


def _css_class(widget: forms.Widget) -> str:
    if isinstance(widget, forms.CheckboxInput | forms.RadioSelect | forms.CheckboxSelectMultiple):
        return "form-check-input"
    if isinstance(widget, forms.Select):
        return "form-select"
    return "form-control"


@register.simple_tag
def widget(bound: forms.BoundField, **extra: Any) -> SafeString:
    """Render a field's widget with Bootstrap classes, tied to its help text and errors
    (aria-describedby, aria-invalid) so screen readers announce them with the field."""
    attrs: dict[str, Any] = {"class": _css_class(bound.field.widget)}
    described = []
    if bound.help_text:
        described.append(f"{bound.auto_id}_help")
    if bound.errors:
        described.append(f"{bound.auto_id}_error")
        attrs["class"] += " is-invalid"
        attrs["aria-invalid"] = "true"
    if described:
        attrs["aria-describedby"] = " ".join(described)
    if bound.field.required:
        attrs["required"] = True
    attrs.update(extra)
    return bound.as_widget(attrs=attrs)


@register.simple_tag(takes_context=True)
def query_with(context: dict[str, Any], **changes: Any) -> str:
    """The current query string with some parameters replaced (filters stay in the URL)."""
    request = context["request"]
    params: QueryDict = request.GET.copy()
    for key, value in changes.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = value
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.filter
def is_checkbox(bound: forms.BoundField) -> bool:
    return isinstance(bound.field.widget, forms.CheckboxInput)


@register.simple_tag(takes_context=True)
def can_do(context: dict[str, Any], action: str, obj: Any = None) -> bool:
    """{% can_do "agency.manage" agency as allowed %}: the same policy the view enforces."""
    from sigap.core.access import can

    return can(context["request"].user, action, obj)
