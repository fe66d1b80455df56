"""The browser code's tests, run from pytest so that the suite's command covers them: Node's built-in test runner
over tests/js/ (the shared price-test vectors against tracker/static/field/gouging.js), Python against JavaScript
on random observations (one node process per batch), and the vendored npm libraries against their pins.

Without Node.js these tests are skipped, except under CI=true, where they fail: CI must run them."""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.domain.test_gouging_vectors import VECTORS, answer, facts_of, price_test_rules, rendered
from tracker.domain.gouging import evaluate
from tracker.domain.rulebook import GOUGING_TESTS

ROOT = Path(__file__).resolve().parent.parent
JS_TESTS = ROOT / "tests" / "js"
VENDOR = ROOT / "tracker" / "static" / "vendor"
NODE = shutil.which("node")
BATCH = 200


def need_node() -> str:
    if NODE:
        return NODE
    if os.environ.get("CI") == "true":
        pytest.fail("Node.js is missing: CI must run the browser code's tests (node --test tests/js/)")
    pytest.skip("Node.js is not installed: the browser code's tests (tests/js/) did not run")


@pytest.fixture(scope="module")
def node() -> str:
    """Node.js, checked once before any test runs it (a Hypothesis test must not fail on each example)."""
    return need_node()


def test_the_node_tests_pass(node):
    files = sorted(str(path.relative_to(ROOT)) for path in JS_TESTS.glob("*.test.mjs"))
    assert files, "no tests in tests/js/"
    run = subprocess.run([node, "--test", *files], cwd=ROOT, capture_output=True, text=True, timeout=120)
    summary = [line for line in run.stdout.splitlines() if line.startswith(("# pass", "# fail"))]
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    passed = int(summary[0].split()[-1])
    assert passed >= 2 * len(VECTORS["cases"]) and summary[1] == "# fail 0", summary  # every vector ran, twice


def evaluate_in_node(node: str, items: list[dict]) -> list[dict]:
    run = subprocess.run([node, str(JS_TESTS / "batch.mjs")], cwd=ROOT, input=json.dumps(items),
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads(run.stdout)


# Amounts as a form or the API may spell them: up to 4 decimals, with or without trailing zeros or an exponent
# ("0.0012", "1.20", "1.2E+2"), from 0.0001 to 100,000,000.
amounts = st.builds(lambda digits, exponent: str(Decimal(digits).scaleb(exponent)),
                    st.integers(1, 10**9), st.integers(-4, 1))
maybe = st.none() | amounts | st.just("0")
rules_json = st.sampled_from([VECTORS["rulebooks"][name]["rules"] for name in sorted(VECTORS["rulebooks"])]) | st.builds(
    lambda enabled, tolerance, cap, epsilon, rise, limit, new_goods: {
        "enabled": [test for test in GOUGING_TESTS if test in enabled], "margin_basis": "cost",
        "baseline_tolerance": tolerance, "margin_cap": cap, "cost_epsilon": epsilon, "price_rise": rise,
        "price_increase_limit": limit, "new_goods_cost_limit": new_goods, "window_days": None},
    st.frozensets(st.sampled_from(GOUGING_TESTS)),
    st.sampled_from(["0", "0.05", "0.2"]),
    st.none() | st.sampled_from(["0", "0.35", "1"]),
    st.sampled_from(["0", "0.05"]),
    st.sampled_from(["0.10", "0.5"]),
    st.none() | st.sampled_from(["0.10", "0.25"]),
    st.none() | st.just("0.50"),
)
observations = st.fixed_dictionaries({
    "price": amounts, "marked_price": maybe, "cost": maybe, "baseline_price": maybe, "baseline_cost": maybe,
    "quantity_sold": st.none() | st.integers(0, 100_000).map(str) | amounts,
    "fees": maybe, "baseline_fees": maybe, "bundled": st.booleans(), "emergency_applies": st.booleans(),
    "baseline_date": st.none() | st.sampled_from(["2020-01-19", "2021-12-01"]),
})
cases = st.tuples(observations, rules_json)


# No shrinking: each try would run node again on a batch; the failing observation is named in the message.
@settings(max_examples=4, deadline=None, derandomize=True, database=None, phases=[Phase.explicit, Phase.generate],
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example])
@given(st.lists(cases, min_size=BATCH, max_size=BATCH))
def test_javascript_answers_as_python_on_random_observations(node, batch):
    kits = VECTORS["locales"]
    items = [{"facts": facts, "rules": rules, "rulebook": "random@1", "kits": kits} for facts, rules in batch]
    results = evaluate_in_node(node, items)
    for item, result in zip(items, results):
        expected = answer(evaluate(facts_of(item["facts"]), price_test_rules(item["rules"]), "random@1"))
        explanations = {locale: rendered(expected["flags"], kit) for locale, kit in kits.items()}
        assert result == {"answer": expected, "explanations": explanations}, item


def test_javascript_refuses_what_python_refuses(node):
    bad = [{"price": "0"}, {"price": "1", "cost": "-0.01"}, {"price": "abc"}, {"price": "1", "fees": "-1"}]
    results = evaluate_in_node(node, [{"facts": facts, "rules": VECTORS["rulebooks"]["cn-samr"]["rules"],
                                 "rulebook": "x"} for facts in bad])
    for facts, result in zip(bad, results):
        with pytest.raises(ValueError):
            facts_of(facts)
        assert "error" in result, facts


# ------------------------------------------------------------------------------------------ npm packaging


def test_the_vendored_files_are_the_pinned_packages():
    """tracker/static/vendor/vendor.json (written by scripts/vendor) names each vendored file's package and
    version: the pins of package.json and package-lock.json, and the files' bytes are the ones it recorded."""
    package = json.loads((ROOT / "package.json").read_text(encoding="utf-8"))
    lock = json.loads((ROOT / "package-lock.json").read_text(encoding="utf-8"))
    manifest = json.loads((VENDOR / "vendor.json").read_text(encoding="utf-8"))["files"]
    pins = package["dependencies"]
    assert all(version[:1].isdigit() for version in pins.values()), pins  # exact pins, no ranges
    assert lock["packages"][""]["dependencies"] == pins
    for name, version in pins.items():
        assert lock["packages"][f"node_modules/{name}"]["version"] == version
    assert {entry["package"] for entry in manifest.values()} == set(pins)
    for target, entry in manifest.items():
        assert entry["version"] == pins[entry["package"]], target
        assert hashlib.sha256((VENDOR / target).read_bytes()).hexdigest() == entry["sha256"], target
    assert "resolved" not in json.dumps(lock)  # the lock names no registry: npm ci uses the configured one


def test_the_field_code_imports_only_vendored_files():
    source = (ROOT / "tracker" / "static" / "field" / "gouging.js").read_text(encoding="utf-8")
    imports = [line.split(" from ")[1].strip(' ";') for line in source.splitlines() if line.startswith("import ")]
    assert imports == ["../vendor/fraction/fraction.mjs"]
    assert (ROOT / "tracker" / "static" / "field" / imports[0]).resolve().is_file()
