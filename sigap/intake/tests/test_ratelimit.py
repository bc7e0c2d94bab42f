from datetime import UTC, datetime, timedelta

import pytest

from sigap.intake import ratelimit
from sigap.intake.models import RateCounter

pytestmark = pytest.mark.django_db

NOW = datetime(2024, 5, 1, 10, 15, tzinfo=UTC)


def test_allows_up_to_the_limit_then_refuses_with_retry_after(settings):
    settings.SIGAP_REPORT_RATE_LIMIT = 3
    key = ratelimit.address_key("203.0.113.9")
    verdicts = [ratelimit.hit(key=key, now=NOW) for _ in range(4)]
    assert [v.allowed for v in verdicts] == [True, True, True, False]
    assert verdicts[-1].retry_after == 45 * 60  # the hour window ends at 11:00


def test_addresses_are_counted_apart_and_never_stored_in_clear(settings):
    settings.SIGAP_REPORT_RATE_LIMIT = 1
    a, b = ratelimit.address_key("203.0.113.9"), ratelimit.address_key("198.51.100.7")
    assert ratelimit.hit(key=a, now=NOW).allowed
    assert ratelimit.hit(key=b, now=NOW).allowed
    assert not ratelimit.hit(key=a, now=NOW).allowed
    assert not RateCounter.objects.filter(key__contains="203.0").exists()


def test_a_new_window_starts_afresh(settings):
    settings.SIGAP_REPORT_RATE_LIMIT = 1
    key = ratelimit.address_key("203.0.113.9")
    assert ratelimit.hit(key=key, now=NOW).allowed
    assert not ratelimit.hit(key=key, now=NOW).allowed
    assert ratelimit.hit(key=key, now=NOW + timedelta(hours=1)).allowed


def test_window_length_is_a_setting(settings):
    settings.SIGAP_REPORT_RATE_LIMIT = 1
    settings.SIGAP_REPORT_RATE_WINDOW_SECONDS = 60
    key = ratelimit.address_key("203.0.113.9")
    ratelimit.hit(key=key, now=NOW)
    verdict = ratelimit.hit(key=key, now=NOW + timedelta(seconds=10))
    assert not verdict.allowed and verdict.retry_after == 50


def test_prune_removes_ended_windows():
    key = ratelimit.address_key("203.0.113.9")
    ratelimit.hit(key=key, now=NOW - timedelta(hours=3))
    ratelimit.hit(key=key, now=NOW)
    assert ratelimit.prune_counters(now=NOW) == 1
    assert RateCounter.objects.count() == 1
