// The field app's own rules on the phone (tracker/static/field/checks.js): what blocks a submission, the figures'
// formats, the facts handed to the price tests, the baseline offered, the emergency in force, the time with its
// offset; and api.js's multipart body, byte for byte the same on a retry (its Idempotency-Key compares bodies).
// Run: node --test tests/js/   (tests/test_js.py runs it from pytest)
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  baselineFor, inForce, localDay, missing, observationFacts, observationProblems, sha256, tidyNumber, withOffset,
} from "../../tracker/static/field/checks.js";
import { multipart } from "../../tracker/static/field/api.js";

const OUTBREAK = { id: 3, starts_on: "2020-01-24", ends_on: null, baseline_date: "2020-01-19",
  categories: ["protective_supplies"] };
const CHECKLIST = [{ code: "prices_marked" }, { code: "tags_match_till" }];

function inspection(data = {}) {
  return { client_id: "i", kind: "inspection", data: { second_officer: "li.na", lead_officer: "zhang.wei",
    type: "routine", started_at: "2020-02-06T10:30:00+08:00", outcome: "referred", reinspect_on: "",
    checklist: { prices_marked: "yes", tags_match_till: "no" }, ...data } };
}

const price = (client_id, data) => ({ client_id, kind: "observation", data: { commodity: "mask_n95", price: "3.50", ...data } });

test("a complete inspection has nothing blocking", () => {
  const found = missing(inspection(), [price("p1", { flags: [{ test: "baseline_margin" }] }),
    { client_id: "v1", kind: "violation", data: { code: "price_gouging", observation_ids: ["p1"] } },
    { client_id: "e1", kind: "evidence", data: { sha256: "ab" } }], CHECKLIST);
  assert.deepEqual(found, { blocking: [], warnings: [] });
});

test("what is missing is listed, each with the step that takes it", () => {
  const found = missing(inspection({ second_officer: "", outcome: "corrected", checklist: {} }),
    [price("p1", { commodity: "" }), price("p2", { price: "3,5" }), { client_id: "v1", kind: "violation", data: { code: "" } },
      { client_id: "e1", kind: "evidence", data: { sha256: "" } }], CHECKLIST);
  assert.deepEqual(found.blocking.map(({ key, params, step }) => [key, params && params.n, step]), [
    ["missing.second_officer", undefined, "premises"],
    ["missing.reinspect_on", undefined, "submit"],
    ["missing.observation", 1, "prices"],
    ["missing.observation", 2, "prices"],
    ["missing.violation_code", 1, "violations"],
    ["missing.photo_hash", undefined, "evidence"],
  ]);
  assert.deepEqual(found.warnings.map((w) => w.key), ["warn.checklist"]);
  assert.equal(missing(inspection({ second_officer: "zhang.wei" }), [], CHECKLIST).blocking[0].key,
    "missing.second_officer_same");
  const future = new Date(Date.now() + 3600 * 1000).toISOString();
  assert.ok(missing(inspection({ started_at: future, outcome: "" }), [], CHECKLIST).blocking
    .some((b) => b.key === "invalid.started_future"));
});

test("a flagged price no violation names, no price and no photo are worth a look, not blocking", () => {
  const found = missing(inspection(), [price("p1", { flags: [{ test: "margin_cap" }] })], CHECKLIST);
  assert.deepEqual(found.blocking, []);
  assert.deepEqual(found.warnings.map((w) => w.key), ["warn.no_photos", "warn.flagged_unlinked"]);
  assert.deepEqual(missing(inspection(), [], CHECKLIST).warnings.map((w) => w.key), ["warn.no_prices", "warn.no_photos"]);
});

test("amounts are decimal strings with at most two places; a comma reads as a point", () => {
  assert.equal(tidyNumber(" 1 234,5 "), "1234.5");
  assert.deepEqual(observationProblems({ commodity: "mask_n95", price: "3.50", cost: "1.2", quantity_sold: "2.5" }), {});
  assert.deepEqual(observationProblems({ commodity: "", price: "" }),
    { commodity: ["missing.commodity"], price: ["missing.price"] });
  assert.deepEqual(observationProblems({ commodity: "x", price: "0", cost: "1.234", marked_price: "1e3", quantity_sold: "1.2345" }),
    { price: ["invalid.price_zero"], cost: ["invalid.money"], marked_price: ["invalid.money"], quantity_sold: ["invalid.quantity"] });
});

test("the price tests get valid figures only, and the emergency when it covers the commodity's category", () => {
  const facts = observationFacts({ price: "3.50", cost: "1.20", marked_price: "abc", baseline_price: "1.20", bundled: true },
    OUTBREAK, "protective_supplies");
  assert.deepEqual(facts, { price: "3.50", marked_price: null, cost: "1.20", baseline_price: "1.20", baseline_cost: null,
    quantity_sold: null, fees: null, baseline_fees: null, bundled: true, emergency_applies: true,
    baseline_date: "2020-01-19" });
  const meat = observationFacts({ price: "30.00" }, OUTBREAK, "meat");
  assert.equal(meat.emergency_applies, false);
  assert.equal(meat.baseline_date, null);
  assert.equal(observationFacts({ price: "1" }, null, "meat").emergency_applies, false);
});

test("the baseline offered is the premises' latest one for the emergency and commodity", () => {
  const premises = { baselines: [
    { emergency_id: 3, commodity: "mask_n95", price: "1.10", cost: "0.90", on: "2020-01-10" },
    { emergency_id: 3, commodity: "mask_n95", price: "1.20", cost: "1.00", on: "2020-01-18" },
    { emergency_id: 4, commodity: "mask_n95", price: "9.99", cost: "9.00", on: "2020-01-19" },
    { emergency_id: 3, commodity: "gloves_disposable", price: "5.00", cost: null, on: "2020-01-19" }] };
  assert.deepEqual(baselineFor(premises, 3, "mask_n95"), premises.baselines[1]);
  assert.equal(baselineFor(premises, 3, "mask_surgical"), null);
  assert.equal(baselineFor({}, 3, "mask_n95"), null);
});

test("an emergency is in force from its first day to its last", () => {
  assert.ok(inForce(OUTBREAK, "2020-01-24") && inForce(OUTBREAK, "2030-01-01"));
  assert.ok(!inForce(OUTBREAK, "2020-01-23"));
  assert.ok(!inForce({ ...OUTBREAK, ends_on: "2020-03-01" }, "2020-03-02"));
});

test("times carry the phone's offset, as the API takes them", () => {
  const text = withOffset(new Date(Date.UTC(2020, 1, 6, 2, 30, 0)));
  assert.match(text, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$/);
  assert.equal(new Date(text).getTime(), Date.UTC(2020, 1, 6, 2, 30, 0));
  assert.equal(localDay(text), text.slice(0, 10));
});

test("the SHA-256 of a photo is computed on the phone as lowercase hex", async () => {
  assert.equal(await sha256(new Blob(["abc"])), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
});

test("a photo's multipart body is the same bytes every time it is sent", async () => {
  const id = "3f1c2a9e-8b4d-4c6a-9e2f-5a7b8c9d0e1f";
  const file = new Blob([new Uint8Array([0xff, 0xd8, 0xff, 0xd9])], { type: "image/jpeg" });
  const fields = [["client_id", id], ["sha256", "ab"], ["taken_at", "2020-02-06T10:30:00+08:00"], ["latitude", ""],
    ["description", "价签"]];
  const first = multipart(id, fields, file, `photo-${id}.jpg`);
  const again = multipart(id, fields, file, `photo-${id}.jpg`);
  assert.equal(first.type, "multipart/form-data; boundary=----tracker-field-3f1c2a9e8b4d4c6a9e2f5a7b8c9d0e1f");
  assert.equal(first.type, again.type);
  const bytes = new Uint8Array(await first.arrayBuffer());
  assert.deepEqual(bytes, new Uint8Array(await again.arrayBuffer()));
  const text = new TextDecoder().decode(bytes);
  assert.ok(text.includes('name="description"\r\n\r\n价签\r\n'));
  assert.ok(!text.includes('name="latitude"'), "an empty field is left out");
  assert.ok(text.endsWith("\r\n------tracker-field-3f1c2a9e8b4d4c6a9e2f5a7b8c9d0e1f--\r\n"));
});
