// Evaluates a batch of observations with tracker/static/field/gouging.js for tests/test_js.py (Python against
// JavaScript on random observations): reads [{facts, rules, rulebook, kit}] as JSON on stdin, writes
// [{answer, explanations} | {error}] as JSON on stdout. Not a test itself.
import { readFileSync } from "node:fs";

import { evaluate, explain } from "../../tracker/static/field/gouging.js";

const items = JSON.parse(readFileSync(0, "utf8"));
const results = items.map(({ facts, rules, rulebook, kits }) => {
  try {
    const answer = evaluate(facts, rules, rulebook);
    const explanations = Object.fromEntries(
      Object.entries(kits || {}).map(([locale, kit]) => [locale, answer.flags.map((flag) => explain(flag, kit))]));
    return { answer, explanations };
  } catch (error) {
    return { error: String(error.message) };
  }
});
process.stdout.write(JSON.stringify(results));
