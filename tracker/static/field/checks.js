/* The rules the device checks before it lets an inspection go: the same limits the API applies, so that what
   leaves the phone is accepted, and the list of what is missing, shown before submit. Plain functions. */
const MONEY = /^\d{1,10}(\.\d{1,2})?$/;
const QUANTITY = /^\d{1,8}(\.\d{1,3})?$/;
export const OUTCOMES = ['no_action', 'corrected', 'referred'];
export const TYPES = ['routine', 'complaint', 'follow_up', 'campaign'];
export const MONEY_FIELDS = ['price', 'marked_price', 'cost', 'baseline_price', 'baseline_cost', 'fees', 'baseline_fees'];

/* A decimal string as typed, tidied: spaces dropped, a decimal comma read as a point. */
export function tidyNumber(text) {
  return String(text ?? '').trim().replace(/\s+/g, '').replace(',', '.');
}

/* Messages (keys of the app's words) for an observation's figures: {field: [key]}. */
export function observationProblems(data) {
  const problems = {};
  const add = (name, key) => { (problems[name] = problems[name] || []).push(key); };
  if (!data.commodity) add('commodity', 'missing.commodity');
  if (!data.price) add('price', 'missing.price');
  for (const name of MONEY_FIELDS) {
    const value = data[name];
    if (value && !MONEY.test(value)) add(name, 'invalid.money');
  }
  if (data.price && MONEY.test(data.price) && Number(data.price) === 0) add('price', 'invalid.price_zero');
  if (data.quantity_sold && !QUANTITY.test(data.quantity_sold)) add('quantity_sold', 'invalid.quantity');
  return problems;
}

/* The facts gouging.js tests: decimal strings or null, and whether the inspection's emergency covers it. */
export function observationFacts(data, emergency, category) {
  const valid = (name) => (data[name] && MONEY.test(data[name]) ? data[name] : null);
  const covers = Boolean(emergency && category && (emergency.categories || []).includes(category));
  return {
    price: valid('price'),
    marked_price: valid('marked_price'),
    cost: valid('cost'),
    baseline_price: valid('baseline_price'),
    baseline_cost: valid('baseline_cost'),
    quantity_sold: data.quantity_sold && QUANTITY.test(data.quantity_sold) ? data.quantity_sold : null,
    fees: valid('fees'),
    baseline_fees: valid('baseline_fees'),
    bundled: Boolean(data.bundled),
    emergency_applies: covers,
    baseline_date: covers ? emergency.baseline_date || null : null,
  };
}

/* An emergency in force on `day` (YYYY-MM-DD): started, not ended. */
export function inForce(emergency, day) {
  return emergency.starts_on <= day && (!emergency.ends_on || day <= emergency.ends_on);
}

/* The premises' baseline for a commodity under an emergency: its last observation on or before the baseline
   date, as the bundle gives it ({price, cost, on}), or null. */
export function baselineFor(premises, emergencyId, commodity) {
  const found = (premises && premises.baselines || []).filter((b) => b.commodity === commodity
    && (emergencyId ? String(b.emergency_id) === String(emergencyId) : true));
  found.sort((a, b) => String(b.on).localeCompare(String(a.on)));
  return found[0] || null;
}

/* What stops the inspection from being submitted (blocking) and what the officer should look at (warnings):
   lists of { key, params, step }. */
export function missing(inspection, children, checklist) {
  const d = inspection.data;
  const blocking = [];
  const warnings = [];
  if (!d.second_officer) blocking.push({ key: 'missing.second_officer', step: 'premises' });
  else if (d.second_officer === d.lead_officer) blocking.push({ key: 'missing.second_officer_same', step: 'premises' });
  if (!TYPES.includes(d.type)) blocking.push({ key: 'missing.type', step: 'premises' });
  if (!d.started_at) blocking.push({ key: 'missing.started_at', step: 'premises' });
  else if (new Date(d.started_at).getTime() > Date.now() + 5 * 60 * 1000) {
    blocking.push({ key: 'invalid.started_future', step: 'premises' });
  }
  if (!OUTCOMES.includes(d.outcome)) blocking.push({ key: 'missing.outcome', step: 'submit' });
  if (d.outcome === 'corrected' && !d.reinspect_on) blocking.push({ key: 'missing.reinspect_on', step: 'submit' });
  const observations = children.filter((r) => r.kind === 'observation');
  observations.forEach((record, index) => {
    const problems = observationProblems(record.data);
    if (Object.keys(problems).length) blocking.push({ key: 'missing.observation', params: { n: index + 1 }, step: 'prices' });
  });
  children.filter((r) => r.kind === 'violation').forEach((record, index) => {
    if (!record.data.code) blocking.push({ key: 'missing.violation_code', params: { n: index + 1 }, step: 'violations' });
  });
  const photos = children.filter((r) => r.kind === 'evidence');
  if (photos.some((r) => !r.data.sha256)) blocking.push({ key: 'missing.photo_hash', step: 'evidence' });
  const answered = Object.keys(d.checklist || {}).length;
  const items = (checklist || []).length;
  if (answered < items) warnings.push({ key: 'warn.checklist', params: { n: items - answered }, step: 'checklist' });
  if (!observations.length) warnings.push({ key: 'warn.no_prices', step: 'prices' });
  if (!photos.length) warnings.push({ key: 'warn.no_photos', step: 'evidence' });
  const flagged = observations.filter((r) => (r.data.flags || []).length);
  const linked = new Set(children.filter((r) => r.kind === 'violation').flatMap((r) => r.data.observation_ids || []));
  if (flagged.some((r) => !linked.has(r.client_id))) warnings.push({ key: 'warn.flagged_unlinked', step: 'violations' });
  return { blocking, warnings };
}

/* A local date-time with its offset, as the API takes it: 2020-02-05T10:30:00+08:00. */
export function withOffset(moment = new Date()) {
  const pad = (n, size = 2) => String(Math.abs(n)).padStart(size, '0');
  const offset = -moment.getTimezoneOffset();
  const sign = offset >= 0 ? '+' : '-';
  return `${moment.getFullYear()}-${pad(moment.getMonth() + 1)}-${pad(moment.getDate())}T${pad(moment.getHours())}:`
    + `${pad(moment.getMinutes())}:${pad(moment.getSeconds())}${sign}${pad(Math.floor(Math.abs(offset) / 60))}:`
    + `${pad(Math.abs(offset) % 60)}`;
}

/* The local calendar day of an ISO time (YYYY-MM-DD). */
export function localDay(iso) {
  return withOffset(iso ? new Date(iso) : new Date()).slice(0, 10);
}

/* SHA-256 of a Blob as lowercase hex, computed on the device before upload. */
export async function sha256(blob) {
  const digest = await crypto.subtle.digest('SHA-256', await blob.arrayBuffer());
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}
