"""Factories for the child registry (synthetic names only). They write rows directly: tests of
the services call the services."""

from __future__ import annotations

from typing import Any

import factory
from django.conf import settings

from sigap.children.models import Child, FamilyMember, Person, Relation, Sex
from sigap.children.search import reindex_child


class ChildFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Child
        skip_postgeneration_save = True

    full_name = factory.Sequence(lambda n: f"Anak Uji {n}")
    sex = Sex.MALE
    regency_code = factory.LazyFunction(lambda: settings.SIGAP_HOME_REGENCY)

    @factory.post_generation
    def index(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create:
            reindex_child(self)  # type: ignore[arg-type]


class FamilyMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FamilyMember

    full_name = factory.Sequence(lambda n: f"Orang Tua Uji {n}")
    relation = Relation.MOTHER


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    full_name = factory.Sequence(lambda n: f"Oknum Uji {n}")
    regency_code = factory.LazyFunction(lambda: settings.SIGAP_HOME_REGENCY)
