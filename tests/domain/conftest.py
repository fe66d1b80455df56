"""Shared fixtures for the pure domain tests: the bundled rulebooks and a writer of broken variants."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from tracker.domain.rulebook import BUNDLED_DIR, Rulebook, load_rulebook, rulebook_path

# Hypothesis profiles: "ci" (the default) is deterministic (derandomized, no example database) and bounded, so a run
# is repeatable and quick; "dev" explores more, randomly, and remembers failures in .hypothesis/. Choose with
# HYPOTHESIS_PROFILE=dev. Tests that set their own max_examples keep it under either profile.
settings.register_profile(
    "ci", derandomize=True, database=None, deadline=None, max_examples=100, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", deadline=None, max_examples=300, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(scope="session")
def cn() -> Rulebook:
    """The default (cn-samr) rulebook."""
    return load_rulebook(rulebook_path("cn-samr"))


@pytest.fixture(scope="session")
def us() -> Rulebook:
    """The California (us-ca) rulebook."""
    return load_rulebook(rulebook_path("us-ca"))


@pytest.fixture(scope="session")
def cal(cn: Rulebook):
    """The national China working-day calendar."""
    return cn.calendar


@pytest.fixture
def variant(tmp_path: Path):
    """Write a copy of a bundled rulebook (and its calendars) with text replaced; returns the new file's path."""
    shutil.copytree(BUNDLED_DIR / "calendars", tmp_path / "calendars")

    def write(old: str, new: str, name: str = "cn-samr") -> Path:
        text = (BUNDLED_DIR / f"{name}.toml").read_text(encoding="utf-8")
        assert old in text, f"test setup: {old!r} not found in {name}.toml"
        path = tmp_path / f"{name}.toml"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
        return path

    return write
