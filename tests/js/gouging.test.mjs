// The shared price-test vectors (tests/vectors/gouging.json, the Python answers) against the browser's port,
// tracker/static/field/gouging.js: the same flags, params, rates, lawful prices, gains and sentences.
// Run: node --test tests/js/   (tests/test_js.py runs it from pytest)
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import {
  evaluate, explain, explanation, formatMoney, formatPercent, marginRate, MESSAGE_IDS,
} from "../../tracker/static/field/gouging.js";

const vectors = JSON.parse(readFileSync(new URL("../vectors/gouging.json", import.meta.url), "utf8"));

function rulesOf(vector) {
  if (typeof vector.rules === "string") {
    const { rules, label } = vectors.rulebooks[vector.rules];
    return [rules, label];
  }
  return [vector.rules, vector.rulebook];
}

test("the vectors are there", () => {
  assert.ok(vectors.cases.length >= 40);
});

for (const vector of vectors.cases) {
  test(`answers as Python: ${vector.name}`, () => {
    const [rules, label] = rulesOf(vector);
    assert.deepStrictEqual(evaluate(vector.facts, rules, label), vector.expected);
  });

  test(`explains as Python: ${vector.name}`, () => {
    for (const [locale, sentences] of Object.entries(vector.explanations)) {
      const kit = vectors.locales[locale];
      assert.deepStrictEqual(vector.expected.flags.map((flag) => explain(flag, kit)), sentences, locale);
    }
    // English without a kit, or with an English one: the stored sentence.
    const english = vector.expected.flags.map((flag) => flag.explanation);
    assert.deepStrictEqual(vector.expected.flags.map((flag) => explain(flag)), english);
    assert.deepStrictEqual(vector.expected.flags.map((flag) => explain(flag, { locale: "en", messages: {} })), english);
  });
}

test("every sentence of the translated catalog is one the code builds", () => {
  assert.deepStrictEqual(Object.keys(vectors.locales.zh_CN.messages).sort(), [...MESSAGE_IDS].sort());
});

test("rates and amounts are written as Python writes them", () => {
  assert.equal(formatPercent("1.91666"), "191.67");
  assert.equal(formatPercent("0.2"), "20");
  assert.equal(formatPercent("-0.00005"), "-0.01");
  assert.equal(formatPercent("0.00004"), "0");
  assert.equal(formatMoney("3.5"), "3.50");
  assert.equal(formatMoney("3.505"), "3.505");
  assert.equal(formatMoney("12.3450"), "12.3450");
  assert.equal(formatMoney("1E+2"), "100.00");
  assert.equal(formatMoney("0.001"), "0.001");
  assert.equal(marginRate("3.50", "1.20"), "1.9167");
  assert.equal(marginRate("1.00", "1.20"), "-0.1667");
  assert.equal(marginRate("1.00", "0"), null);
  assert.equal(marginRate("1.00", null), null);
});

test("bad facts are refused, never guessed", () => {
  const rules = vectors.rulebooks["cn-samr"].rules;
  for (const [facts, message] of [
    [{}, /price/],
    [{ price: "0" }, /price must be greater than zero/],
    [{ price: "1", cost: "-1" }, /cost must be zero or more/],
    [{ price: 1.5 }, /price: .* not an exact number/],
    [{ price: "1,5" }, /price: .* not an exact number/],
    [{ price: "NaN" }, /price: .* not an exact number/],
    [{ price: "Infinity" }, /price: .* not an exact number/],
    [{ price: "1", baseline_date: "2020-02-30" }, /date/],
  ]) {
    assert.throws(() => evaluate(facts, rules, "x"), message);
  }
});

test("a stored flag whose params make no sentence keeps its stored text", () => {
  assert.equal(explain({ test: "margin_cap", explanation: "stored", params: { margin_pct: "1" } }), "stored");
  assert.equal(explain({ test: "rulebook_own_test", explanation: "its own words", params: {} }), "its own words");
  assert.equal(explain({ test: "price_increase", explanation: "old", params: {
    price: "1", reference: "1", increase_pct: "1", limit_pct: "1", basis: "weight" } }), "old");
  assert.equal(explanation("unknown", {}), null);
});
