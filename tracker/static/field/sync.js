/* Sending what waits on the device, exactly once, in order: for each inspection the officer submitted on the
   device, the inspection, then its prices, photos and violations (a violation names the server ids of the prices
   and photos it links, so they go first), then the submission.

   Every request carries the record's client_id (a UUID made on the device) and an Idempotency-Key made from it: a
   request whose answer was lost is simply sent again, and the server answers with the record it already holds
   (200 or the first answer replayed), never a second one. No answer, a 5xx or a 429: try again later, waiting
   twice as long each time (up to 5 minutes). A 409 naming the server's version (`current`, `conflict_id`): the
   record becomes a conflict, both versions kept and shown side by side. Another 4xx: the record needs a fix
   (the server's message is shown; the officer edits it and it is sent again). A premises' position recorded on
   the phone goes first, on its own (PATCH with If-Match). */
import { api, multipart, problemText } from './api.js';
import * as store from './store.js';

const CHILD_ORDER = ['observation', 'evidence', 'violation'];
const PATHS = { observation: 'observations', evidence: 'evidence', violation: 'violations' };
const MAX_DELAY_S = 300;
const PLAIN_409_RETRIES = 3;

export const status = { running: false, attempts: 0, nextTry: null, lastError: '', lastRun: null, authLost: false };
const watchers = new Set();
let current = null;
let timer = null;
let authOf = () => null;
let onAuthLost = () => {};

export function configure({ auth, authLost }) {
  authOf = auth;
  onAuthLost = authLost;
}

export function onStatus(fn) {
  watchers.add(fn);
  return () => watchers.delete(fn);
}

function changed() {
  for (const fn of watchers) fn(status);
}

/* Send everything waiting now (one pass at a time, across the tabs of this browser too). */
export function syncNow() {
  if (current) return current;
  clearTimeout(timer);
  timer = null;
  status.nextTry = null;
  current = (async () => {
    status.running = true;
    changed();
    try {
      const auth = authOf();
      if (!auth) return 'no-auth';
      const run = () => pass(auth);
      return navigator.locks ? await navigator.locks.request('tracker-field-sync', run) : await run();
    } finally {
      status.running = false;
      status.lastRun = new Date().toISOString();
      current = null;
      changed();
    }
  })();
  return current;
}

function later() {
  status.attempts += 1;
  const seconds = Math.min(MAX_DELAY_S, 2 ** (status.attempts - 1)) * (1 + Math.random() * 0.2);
  status.nextTry = new Date(Date.now() + seconds * 1000).toISOString();
  clearTimeout(timer);
  timer = setTimeout(() => { syncNow(); }, seconds * 1000);
}

/* The network came back, or the officer asked: start again from a short wait. */
export function resetBackoff() {
  status.attempts = 0;
}

async function pass(auth) {
  const records = await store.recordsOwnedBy(auth.username);
  for (const change of records.filter((r) => r.kind === 'premises' && r.sync.state === 'pending')) {
    const outcome = await sendPremises(auth, change);
    if (outcome === 'auth') {
      status.authLost = true;
      onAuthLost();
      return outcome;
    }
    if (outcome === 'retry') {
      later();
      return outcome;
    }
  }
  const queued = records.filter((r) => r.kind === 'inspection' && r.data.queued_at && !r.sync.submitted);
  for (const inspection of queued) {
    const children = records.filter((r) => r.inspection === inspection.client_id && r.kind !== 'inspection');
    const outcome = await sendInspection(auth, inspection, children);
    if (outcome === 'auth') {
      status.authLost = true;
      onAuthLost();
      return outcome;
    }
    if (outcome === 'retry') {
      later();
      return outcome;
    }
  }
  status.attempts = 0;
  status.lastError = '';
  return 'done';
}

/* ------------------------------------------------------------------------------------------------ judging */

/* Write what the sync learnt about a record (its sync part only: the officer may be editing its data). */
function saveSync(record) {
  return store.updateRecord(record.client_id, (stored) => { stored.sync = record.sync; }, 'sync');
}

async function judge(record, result) {
  const sync = record.sync;
  if (result.status === 200 || result.status === 201 || result.status === 204) {
    Object.assign(sync, { attempts: 0, error: null, plain409: 0 });
    return 'ok';
  }
  if (result.status === 401) return 'auth';
  if (result.status === 0 || result.status >= 500 || result.status === 429 || result.status === 408) {
    status.lastError = result.status ? problemText(result) : 'offline';
    sync.attempts = (sync.attempts || 0) + 1;
    await saveSync(record);
    return 'retry';
  }
  const data = result.data || {};
  if (result.status === 409 && !(data.current || data.conflict_id)) {
    // A request with this key still in progress, or a state that moved: look again a little later, then ask.
    sync.plain409 = (sync.plain409 || 0) + 1;
    if (sync.plain409 < PLAIN_409_RETRIES) {
      await saveSync(record);
      return 'retry';
    }
  }
  if (result.status === 409) {
    // With a conflict_id the server kept the device's version for the supervisor: delivered, nothing waits.
    sync.state = data.conflict_id ? 'raised' : 'conflict';
    sync.conflict = { detail: problemText(result), server: data.current || null, conflict_id: data.conflict_id || null,
      device: structuredClone(record.data), at: new Date().toISOString() };
  } else {
    sync.state = 'fix';
    sync.error = { status: result.status, detail: problemText(result), errors: data.errors || {} };
  }
  await saveSync(record);
  return 'blocked';
}

/* ------------------------------------------------------------------------------------------------ bodies */

const blank = (value) => (value === '' || value === undefined ? null : value);

export function inspectionBody(record) {
  const d = record.data;
  return {
    client_id: record.client_id,
    premises_id: d.premises_id,
    started_at: d.started_at,
    lead_officer: d.lead_officer,
    second_officer: d.second_officer,
    type: d.type,
    emergency_id: d.emergency_id ? Number(d.emergency_id) : null,
    checklist: d.checklist || {},
    notes: d.notes || '',
    rulebook_version: record.made_with || null,
  };
}

export function observationBody(record) {
  const d = record.data;
  return {
    client_id: record.client_id,
    commodity: d.commodity,
    price: d.price,
    marked_price: blank(d.marked_price),
    cost: blank(d.cost),
    baseline_price: blank(d.baseline_price),
    baseline_cost: blank(d.baseline_cost),
    quantity_sold: blank(d.quantity_sold),
    fees: blank(d.fees),
    baseline_fees: blank(d.baseline_fees),
    bundled: Boolean(d.bundled),
  };
}

const RAISED = 'raised';

function serverIds(ids, byClient) {
  const mapped = (ids || []).map((clientId) => byClient.get(clientId)).filter(Boolean);
  if (mapped.some((linked) => linked.sync.state === 'raised')) return RAISED; // kept for the supervisor, no id
  if (mapped.some((linked) => !linked.sync.server_id)) return null; // a linked record is not on the server yet
  return mapped.map((linked) => linked.sync.server_id);
}

/* The violation's body with the server ids of what it links; null while one of them is not sent yet, RAISED when
   one was kept for the supervisor (the officer removes that link to send it). */
export function violationBody(record, byClient) {
  const d = record.data;
  const observationIds = serverIds(d.observation_ids, byClient);
  const evidenceIds = serverIds(d.evidence_ids, byClient);
  if (observationIds === RAISED || evidenceIds === RAISED) return RAISED;
  if (observationIds === null || evidenceIds === null) return null;
  return { client_id: record.client_id, code: d.code, observation_ids: observationIds, evidence_ids: evidenceIds,
    description: d.description || '' };
}

const EXTENSIONS = { 'image/jpeg': 'jpg', 'image/png': 'png', 'image/webp': 'webp', 'image/heic': 'heic',
  'application/pdf': 'pdf' };

export function evidenceBody(record, blob) {
  const d = record.data;
  const extension = EXTENSIONS[blob.type] || 'bin';
  const fields = [
    ['client_id', record.client_id],
    ['sha256', d.sha256],
    ['taken_at', d.taken_at],
    ['latitude', d.latitude],
    ['longitude', d.longitude],
    ['accuracy_m', d.accuracy_m],
    ['description', d.description],
  ];
  return multipart(record.client_id, fields, blob, `photo-${record.client_id}.${extension}`);
}

export function submitBody(record) {
  const d = record.data;
  return d.outcome === 'corrected' ? { outcome: d.outcome, reinspect_on: d.reinspect_on } : { outcome: d.outcome };
}

/* ------------------------------------------------------------------------------------------------ sending */

async function sendInspection(auth, inspection, children) {
  const { token } = auth;
  if (['conflict', 'fix'].includes(inspection.sync.state)) return 'blocked';
  if (!inspection.sync.server_id) {
    const result = await api('POST', '/inspections', { token, key: `inspection:${inspection.client_id}`,
      body: inspectionBody(inspection) });
    const verdict = await judge(inspection, result);
    if (verdict !== 'ok') return verdict;
    inspection.sync.server_id = result.data.id;
    inspection.sync.state = 'sent';
    inspection.sync.joined = result.status === 200;
    inspection.sync.sent_at = new Date().toISOString();
    await saveSync(inspection);
  }
  const base = `/inspections/${inspection.sync.server_id}`;
  const byClient = new Map(children.map((r) => [r.client_id, r]));
  let blocked = false;
  for (const kind of CHILD_ORDER) {
    for (const record of children.filter((r) => r.kind === kind)) {
      if (record.sync.state !== 'pending') {
        if (!['sent', 'raised'].includes(record.sync.state)) blocked = true;
        continue;
      }
      let body;
      if (kind === 'observation') body = observationBody(record);
      else if (kind === 'violation') body = violationBody(record, byClient);
      else {
        const blob = await store.photo(record.client_id);
        body = blob ? evidenceBody(record, blob) : null;
      }
      if (body === RAISED) {
        record.sync.state = 'fix';
        record.sync.error = { status: 0, detail: '', key: 'fix.linked_raised', errors: {} };
        await saveSync(record);
      }
      if (body === null || body === RAISED) {
        blocked = true;
        continue;
      }
      const result = await api('POST', `${base}/${PATHS[kind]}`, { token, key: `${kind}:${record.client_id}`, body });
      const verdict = await judge(record, result);
      if (verdict === 'blocked') {
        blocked = true;
        continue;
      }
      if (verdict !== 'ok') return verdict;
      record.sync.server_id = result.data.id;
      record.sync.state = 'sent';
      record.sync.server = result.data;
      record.sync.sent_at = new Date().toISOString();
      await saveSync(record);
    }
  }
  if (blocked) return 'blocked';
  return submit(auth, inspection, base);
}

async function submit(auth, inspection, base) {
  const result = await api('POST', `${base}/submit`, { token: auth.token, key: `submit:${inspection.client_id}`,
    body: submitBody(inspection) });
  if (result.status === 409 && !(result.data && (result.data.current || result.data.conflict_id))) {
    // Submitted already: by our own earlier request whose answer was lost, or by the other officer's device.
    const now = await api('GET', base, { token: auth.token });
    if (now.status === 200 && now.data.status === 'submitted') {
      return submitted(inspection, now.data);
    }
  }
  const verdict = await judge(inspection, result);
  if (verdict !== 'ok') return verdict;
  return submitted(inspection, result.data);
}

async function submitted(inspection, server) {
  inspection.sync.submitted = true;
  inspection.sync.state = 'sent';
  inspection.sync.server = { id: server.id, status: server.status, outcome: server.outcome };
  if (server.outcome && server.outcome !== inspection.data.outcome) {
    // The other officer submitted it with another outcome: both are kept, the officer sees the difference.
    inspection.sync.conflict = { detail: '', server: { outcome: server.outcome }, device: { outcome: inspection.data.outcome },
      at: new Date().toISOString(), settled: 'server' };
  }
  inspection.sync.sent_at = new Date().toISOString();
  await saveSync(inspection);
  return 'ok';
}

/* A premises' position recorded on the phone: PATCH with the version it was recorded against (If-Match) and the
   values it last saw (base), so the server merges it or keeps both versions (409 with conflict_id). */
export function premisesBody(record) {
  const d = record.data;
  return { latitude: d.latitude, longitude: d.longitude, base: { latitude: d.base.latitude ?? null,
    longitude: d.base.longitude ?? null } };
}

async function sendPremises(auth, record) {
  const result = await api('PATCH', `/premises/${record.data.premises_id}`, { token: auth.token,
    ifMatch: `"${record.data.base_version}"`, body: premisesBody(record) });
  const verdict = await judge(record, result);
  if (verdict !== 'ok') return verdict;
  record.sync.state = 'sent';
  record.sync.server_id = result.data.id;
  record.sync.server = { version: result.data.version, latitude: result.data.latitude, longitude: result.data.longitude };
  record.sync.sent_at = new Date().toISOString();
  await saveSync(record);
  return 'ok';
}

/* ------------------------------------------------------------------------------------------------ counts */

/* What of an inspection still waits to be sent, per kind, and what needs the officer. */
export function pending(inspection, children) {
  const waiting = { inspection: 0, observation: 0, evidence: 0, violation: 0, submit: 0 };
  const attention = [];
  if (inspection.data.queued_at) {
    if (!inspection.sync.server_id && inspection.sync.state === 'pending') waiting.inspection = 1;
    for (const record of children) if (record.sync.state === 'pending') waiting[record.kind] += 1;
    if (!inspection.sync.submitted) waiting.submit = 1;
  }
  for (const record of [inspection, ...children]) {
    if (record.sync.state === 'fix' || record.sync.state === 'conflict') attention.push(record);
  }
  const total = Object.values(waiting).reduce((a, b) => a + b, 0);
  return { waiting, total, attention };
}
