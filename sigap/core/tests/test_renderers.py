"""The fast renderer writes exactly what Django's widget templates write."""

from pathlib import Path

import django
import pytest
from django import forms
from django.forms.renderers import DjangoTemplates, get_default_renderer
from django.utils.safestring import mark_safe

from sigap.core import renderers

CHOICES = [("", "---------"), ("a", "Anak & <remaja>"), ("b", 'Kutip "ganda"'), (3, "Tiga")]
GROUPED = [
    ("", "Semua"),
    ("Balikpapan Kota", [("64.71.03.1001", "Klandasan Ilir"), ("64.71.03.1002", "Prapatan")]),
    ("Balikpapan Utara", [("64.71.05.1001", "Muara Rapak")]),
]


class EveryWidget(forms.Form):
    text = forms.CharField(help_text="bantuan", widget=forms.TextInput(attrs={"placeholder": "x"}))
    number = forms.IntegerField(required=False, min_value=0, max_value=17)
    email = forms.EmailField(required=False)
    url = forms.URLField(required=False)
    tel = forms.CharField(required=False, widget=forms.TextInput(attrs={"type": "tel"}))
    search = forms.CharField(required=False, widget=forms.TextInput(attrs={"type": "search"}))
    password = forms.CharField(required=False, widget=forms.PasswordInput)
    hidden = forms.CharField(required=False, widget=forms.HiddenInput)
    day = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    moment = forms.DateTimeField(required=False, widget=forms.DateTimeInput)
    at = forms.TimeField(required=False, widget=forms.TimeInput)
    single = forms.ChoiceField(choices=CHOICES, required=False)
    grouped = forms.ChoiceField(choices=GROUPED, required=False)
    several = forms.MultipleChoiceField(choices=CHOICES[1:], required=False)
    nullable = forms.NullBooleanField(required=False)
    disabled = forms.ChoiceField(choices=CHOICES, required=False, disabled=True)


class NoteForm(forms.Form):
    note = forms.CharField(widget=forms.Textarea)


DATA = {
    "text": 'a "quoted" <b>value</b> & more',
    "number": "5",
    "email": "orang@example.org",
    "day": "2026-11-23",
    "at": "01:30",
    "single": "b",
    "grouped": "64.71.05.1001",
    "several": ["a", "3"],
    "nullable": "true",
    "hidden": mark_safe("<safe>"),
}


@pytest.mark.parametrize("data", [None, DATA, {"text": "", "number": "abc"}])
def test_every_widget_renders_as_django_renders_it(data):
    fast = EveryWidget(data, renderer=renderers.FastFormRenderer())
    plain = EveryWidget(data, renderer=DjangoTemplates())
    if data is not None:
        fast.is_valid()
        plain.is_valid()
    for name in EveryWidget.base_fields:
        extra: dict[str, str | bool] = {
            "class": "form-select is-invalid",
            "aria-invalid": "true",
            "required": True,
        }
        assert fast[name].as_widget(attrs=extra) == plain[name].as_widget(attrs=extra), name
        assert str(fast[name]) == str(plain[name]), name


def test_the_fast_paths_are_taken_and_others_fall_back(monkeypatch):
    calls = []
    original = DjangoTemplates.render

    def spy(self, template_name, context, request=None):
        calls.append(template_name)
        return original(self, template_name, context, request)

    monkeypatch.setattr(DjangoTemplates, "render", spy)
    form = EveryWidget(renderer=renderers.FastFormRenderer())
    str(form["single"]), str(form["text"]), str(form["grouped"])
    assert calls == []
    str(form["nullable"])  # a select too
    assert calls == []
    str(NoteForm(renderer=renderers.FastFormRenderer())["note"])
    assert calls == ["django/forms/widgets/textarea.html"]


def test_the_settings_use_it_and_no_app_overrides_the_templates_it_replaces():
    renderer = get_default_renderer()
    assert isinstance(renderer, renderers.FastFormRenderer)
    django_widgets = Path(django.__file__).parent / "forms" / "templates"
    for name in sorted(renderers.INPUTS | {renderers.SELECT, renderers.OPTION}):
        origin = Path(renderer.get_template(name).origin.name)
        # An app template with the same name would be bypassed by the fast path.
        assert origin.is_relative_to(django_widgets), (name, origin)
