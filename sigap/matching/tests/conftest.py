import pytest

from sigap.matching.synth import SyntheticSet, generate


@pytest.fixture(scope="session")
def synthetic() -> SyntheticSet:
    return generate(6000, seed=7)
