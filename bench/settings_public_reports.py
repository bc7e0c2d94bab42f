"""Settings for bench/public_reports.py only: the real settings plus a URLconf that adds the
baseline endpoint, which exists nowhere else. Selected with
DJANGO_SETTINGS_MODULE=bench.settings_public_reports by the benchmark's server process."""

from sigap.settings import *  # noqa: F403
from sigap.settings import env_int

ROOT_URLCONF = "bench.urls_public_reports"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
# Each client sends hundreds of reports a minute from its loopback address: the limit is
# measured (the counter is written on every report) but set high enough never to refuse.
SIGAP_REPORT_RATE_LIMIT = env_int("BENCH_RATE_LIMIT", 1_000_000_000)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
