"""A form renderer that builds the commonest widgets in Python.

Django renders every widget through its template engine, and a <select> once more per <option>
(an include each). On the case list's filter form that was about 40% of the page's CPU
(bench/cases.py, profiled with cProfile). This renderer produces the same HTML, character for
character, for Django's own select, option and input templates, and hands every other template
(radio lists, checkboxes, textareas, multi-widgets, anything an app overrides) to the template
engine as before. `sigap/core/tests/test_renderers.py` compares both renderers on every kind of
widget the forms use.
"""

from __future__ import annotations

from typing import Any

from django.forms.renderers import DjangoTemplates
from django.utils.html import conditional_escape
from django.utils.safestring import SafeData

WIDGETS = "django/forms/widgets/"
SELECT = WIDGETS + "select.html"
OPTION = WIDGETS + "select_option.html"
# Templates that are nothing but {% include "django/forms/widgets/input.html" %}.
INPUTS = frozenset(
    WIDGETS + name
    for name in (
        "input.html",
        "text.html",
        "number.html",
        "email.html",
        "url.html",
        "tel.html",
        "search.html",
        "password.html",
        "hidden.html",
        "date.html",
        "datetime.html",
        "time.html",
        "color.html",
    )
)


def _text(value: Any) -> str:
    """{{ value|stringformat:'s' }} under autoescape."""
    return conditional_escape(value if isinstance(value, SafeData) else str(value))


def _attrs(attrs: dict[str, Any]) -> str:
    """django/forms/widgets/attrs.html."""
    out = []
    for name, value in attrs.items():
        if value is False:
            continue
        out.append(" " + conditional_escape(name))
        if value is not True:
            out.append(f'="{_text(value)}"')
    return "".join(out)


def _input(widget: dict[str, Any]) -> str:
    value = "" if widget["value"] is None else f' value="{_text(widget["value"])}"'
    return (
        f'<input type="{conditional_escape(widget["type"])}" '
        f'name="{conditional_escape(widget["name"])}"{value}{_attrs(widget["attrs"])}>'
    )


def _select(widget: dict[str, Any]) -> str | None:
    out = [f'<select name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            out.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
        for option in options:
            if option["template_name"] != OPTION:
                return None
            out.append(
                f'\n  <option value="{_text(option["value"])}"{_attrs(option["attrs"])}>'
                f"{conditional_escape(option['label'])}</option>\n"
            )
        if group_name:
            out.append("\n  </optgroup>")
    out.append("\n</select>")
    return "".join(out)


class FastFormRenderer(DjangoTemplates):
    def render(self, template_name: str, context: dict[str, Any], request: Any = None) -> str:
        html: str | None = None
        if template_name in INPUTS:
            html = _input(context["widget"])
        elif template_name == SELECT:
            html = _select(context["widget"])
        if html is None:
            return super().render(template_name, context, request)
        return html  # every part above is escaped; Widget._render marks the result safe
