"""factory_boy factories for accounts. Personas (one per role) are fixtures in the root conftest."""

from __future__ import annotations

from functools import cache
from typing import Any, cast

import factory
from django.contrib.auth.hashers import make_password

from sigap.accounts.models import Agency, AgencyType, Membership, Role, User

TEST_PASSWORD = "correct-horse-battery-7"


@cache
def _password_hash() -> str:
    # Argon2 is slow on purpose; hash the shared test password once per run.
    return make_password(TEST_PASSWORD)


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency

    name = factory.Sequence(lambda n: f"Lembaga Uji {n}")
    short_name = factory.Sequence(lambda n: f"LU{n}")
    type = AgencyType.UPTD_PPA
    region_id = "64.71"
    regency_code = "64.71"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Faker("name", locale="id_ID")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.test")
    password = factory.LazyFunction(_password_hash)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    agency = factory.SubFactory(AgencyFactory)
    role = Role.CASE_WORKER


def user_with_role(role: str, agency: Agency, **kwargs: Any) -> User:
    user = cast(User, UserFactory(**kwargs))
    MembershipFactory(user=user, agency=agency, role=role)
    return user


def choose_language(client: Any, code: str) -> None:
    """What the language switch leaves behind: the language cookie (the browser's Accept-Language
    does not choose the language)."""
    from django.conf import settings

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = code
