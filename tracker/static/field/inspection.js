/* One inspection, step by step: premises (and the visit), checklist, prices, photos, violations, submit. Every
   field is saved to the device as it is typed; nothing leaves the phone before the officer submits. */
import {
  baselineFor, inForce, localDay, missing, observationFacts, observationProblems, OUTCOMES, sha256, tidyNumber, TYPES,
  withOffset,
} from './checks.js';
import * as store from './store.js';
import * as sync from './sync.js';
import { button, field, h, select, t, uid, when } from './ui.js';

/* ------------------------------------------------------------------------------------------------ typing
   The officer's typing, kept: each change is applied to the screen's copy at once and written to the device a
   moment later (or at once when a field is left, a choice made or the screen changed), merged into the record as
   stored, so two screens or tabs never write over each other's changes. Correcting a record the server refused
   sends it again. */
const DELAY_MS = 300;
const waiting = new Map(); // client_id -> { fields, timer }

const isPlainObject = (value) => value !== null && typeof value === 'object' && !Array.isArray(value);

function merge(data, fields) {
  for (const [name, value] of Object.entries(fields)) {
    data[name] = isPlainObject(value) ? { ...(data[name] || {}), ...value } : value;
  }
}

/* Change `fields` of the record's data; `now`: write at once (a choice, not a keystroke). */
export function edit(record, fields, now = false) {
  merge(record.data, fields);
  let entry = waiting.get(record.client_id);
  if (!entry) {
    entry = { fields: {}, timer: null };
    waiting.set(record.client_id, entry);
  }
  merge(entry.fields, fields);
  clearTimeout(entry.timer);
  if (now) return flush(record.client_id);
  entry.timer = setTimeout(() => flush(record.client_id), DELAY_MS);
  return Promise.resolve();
}

async function flush(clientId) {
  const entry = waiting.get(clientId);
  if (!entry) return;
  waiting.delete(clientId);
  clearTimeout(entry.timer);
  let corrected = false;
  await store.updateRecord(clientId, (record) => {
    merge(record.data, entry.fields);
    if (record.sync.state === 'fix') {
      record.sync.state = 'pending';
      record.sync.error = null;
      corrected = true;
    }
  }, 'edit');
  if (corrected) {
    store.notify('app');
    sync.syncNow();
  }
}

/* Write everything still waiting (before the screen changes or the page goes away). */
export function flushAll() {
  return Promise.all([...waiting.keys()].map(flush));
}

/* ------------------------------------------------------------------------------------------------ price tests
   gouging.js (the same tests, numbers and sentences as the server) runs on what the officer types, with the rules
   and the words of the offline bundle's `gouging`. Loaded on its own, so that the rest of the app works even if it
   could not be. */
let gouging = null;
let loading = null;

/* Load gouging.js (once): after the first screen, so that on a slow network it does not delay it. */
export function loadGouging() {
  if (!loading) {
    loading = import('./gouging.js').then((module) => { gouging = module; return true; }).catch(() => false);
  }
  return loading;
}

/* The findings for the facts (checks.observationFacts), each flag with `shown`, its sentence in the reader's
   language; null when they cannot be computed (no valid price yet, no rules in the bundle, the module missing). */
function evaluateFlags(bundle, facts) {
  const kit = bundle && bundle.gouging;
  if (!gouging || !kit || !facts.price) return null;
  try {
    const result = gouging.evaluate(facts, kit.rules, kit.rulebook);
    result.flags = result.flags.map((flag) => ({ ...flag, shown: gouging.explain(flag, kit) }));
    return result;
  } catch (error) {
    return null;
  }
}

export const STEPS = ['premises', 'checklist', 'prices', 'evidence', 'violations', 'submit'];
const MONEY_INPUTS = ['price', 'marked_price', 'cost', 'baseline_price', 'baseline_cost', 'quantity_sold', 'fees',
  'baseline_fees'];

/* May the officer change this record now? Before the inspection is submitted on the device, yes; afterwards only
   a record the server refused (it needs a fix). */
function editable(inspection, record) {
  if (!inspection.data.queued_at) return true;
  return record.sync.state === 'fix';
}

function stateLine(record) {
  const s = record.sync.state;
  if (s === 'sent') return h('p', { class: 'state sent' }, t('record.sent'));
  if (s === 'pending') return h('p', { class: 'state waiting' }, t('record.waiting'));
  if (s === 'fix') {
    const error = record.sync.error || {};
    return h('div', { class: 'state fix', role: 'alert' },
      h('p', {}, error.key ? t(error.key) : t('record.fix', { detail: error.detail || '' })));
  }
  if (s === 'raised') return h('p', { class: 'state sent' }, t('record.raised', { id: record.sync.conflict.conflict_id }));
  if (s === 'conflict') return null; // shown by conflictBox
  return null;
}

function fieldErrors(record, name) {
  const errors = record.sync.state === 'fix' && record.sync.error && record.sync.error.errors;
  return errors && errors[name] ? errors[name] : [];
}

/* ------------------------------------------------------------------------------------------------ conflicts */

const SHOWN_FIELDS = {
  inspection: ['premises_id', 'started_at', 'lead_officer', 'second_officer', 'type', 'emergency_id', 'notes', 'outcome'],
  observation: ['commodity', 'price', 'marked_price', 'cost', 'baseline_price', 'baseline_cost', 'quantity_sold', 'fees',
    'baseline_fees', 'bundled'],
  violation: ['code', 'description'],
  evidence: ['sha256', 'taken_at', 'latitude', 'longitude', 'accuracy_m', 'description'],
  premises: ['latitude', 'longitude', 'version'],
};

const shown = (value) => (value === null || value === undefined || value === '' ? '—'
  : typeof value === 'object' ? JSON.stringify(value) : String(value));

/* Both versions side by side: the device's is never discarded, whichever the officer keeps. */
function conflictBox(ctx, inspection, record) {
  const c = record.sync.conflict;
  if (!c) return null;
  const names = SHOWN_FIELDS[record.kind] || Object.keys(c.device || {});
  const server = c.server || {};
  const rows = names.filter((name) => (c.device || {})[name] !== undefined || server[name] !== undefined)
    .map((name) => {
      const differs = shown((c.device || {})[name]) !== shown(server[name]) && c.server;
      return h('tr', { class: differs ? 'differs' : '' },
        h('th', { scope: 'row' }, t(`field.${name}`)), h('td', {}, shown((c.device || {})[name])),
        h('td', {}, c.server ? shown(server[name]) : '—'));
    });
  const table = h('table', { class: 'versions' },
    h('caption', {}, t('conflict.caption')),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('conflict.field')), h('th', { scope: 'col' }, t('conflict.device')),
      h('th', { scope: 'col' }, t('conflict.server')))),
    h('tbody', {}, rows));
  const actions = [];
  if (record.sync.state === 'conflict') {
    if (c.server && c.server.id) {
      actions.push(button(t('conflict.use_server'), async () => {
        record.sync.state = 'sent';
        record.sync.server_id = c.server.id;
        record.sync.server = c.server;
        c.settled = 'server';
        c.settled_at = new Date().toISOString();
        await store.saveRecord(record, 'app');
        sync.syncNow();
      }, { class: 'button' }));
    }
    if (record.kind !== 'premises') actions.push(button(t('conflict.send_mine'), async () => {
      // The device's version goes again as a new record (a new id); the old id and the server's version are kept.
      record.sync.history = [...(record.sync.history || []), { client_id: record.client_id, conflict: c }];
      await store.deleteRecord(record.client_id);
      const blob = record.kind === 'evidence' ? await store.photo(record.client_id) : null;
      const previous = record.client_id;
      record.client_id = crypto.randomUUID();
      if (record.kind === 'inspection') {
        record.inspection = record.client_id;
        const children = await store.recordsOf(previous);
        for (const child of children) {
          child.inspection = record.client_id;
          await store.saveRecord(child, 'app');
        }
      }
      record.sync = { state: 'pending', server_id: null, attempts: 0, history: record.sync.history };
      if (blob) await store.savePhoto(record, blob);
      else await store.saveRecord(record, 'app');
      sync.syncNow();
      if (record.kind === 'inspection') location.hash = `#/i/${record.client_id}/submit`;
    }, { class: 'button' }));
  }
  let note;
  if (c.conflict_id) note = t('conflict.supervisor', { id: c.conflict_id });
  else if (c.settled === 'server') note = t('conflict.settled_server');
  else note = t('conflict.explain');
  return h('div', { class: 'conflict', role: record.sync.state === 'conflict' ? 'alert' : null },
    h('p', {}, h('strong', {}, t('conflict.title')), ' ', c.detail || ''), h('p', {}, note), table,
    actions.length ? h('p', { class: 'actions' }, actions) : null);
}

/* ------------------------------------------------------------------------------------------------ steps */

function stepNav(inspection, step) {
  return h('nav', { class: 'steps', 'aria-label': t('steps.label') },
    h('ol', {}, STEPS.map((name, index) => h('li', {},
      h('a', { href: `#/i/${inspection.client_id}/${name}`, 'aria-current': name === step ? 'step' : null },
        `${index + 1}. ${t(`step.${name}`)}`)))));
}

function nextPrevious(inspection, step) {
  const index = STEPS.indexOf(step);
  return h('p', { class: 'next-previous' },
    index > 0 ? h('a', { class: 'button', href: `#/i/${inspection.client_id}/${STEPS[index - 1]}` }, t('action.previous')) : null,
    index < STEPS.length - 1
      ? h('a', { class: 'button primary', href: `#/i/${inspection.client_id}/${STEPS[index + 1]}` }, t('action.next'))
      : null);
}

/* The premises' position, recorded here on the phone: sent on its own, against the version the phone holds. */
async function positionSection(ctx, inspection, premises) {
  const mine = (await store.recordsOwnedBy(ctx.state.auth.username))
    .filter((r) => r.kind === 'premises' && r.data.premises_id === premises.id);
  const out = h('p', { class: 'notice', role: 'status', 'aria-live': 'polite' });
  const rows = mine.map((record) => h('div', { class: `card premises-position state-${record.sync.state}` },
    h('p', {}, t('position.recorded', { lat: record.data.latitude, lon: record.data.longitude,
      accuracy: record.data.accuracy_m, when: when(record.created_at) })),
    stateLine(record),
    conflictBox(ctx, inspection, record)));
  const record = async () => {
    out.textContent = t('photo.position_asking');
    const where = await position();
    if (!where.latitude) {
      out.textContent = where.note === 'denied' ? t('photo.position_denied') : t('photo.position_unavailable');
      return;
    }
    const change = store.newRecord('premises', ctx.state.auth.username, null, {
      premises_id: premises.id, premises_name: premises.name, base_version: premises.version,
      base: { latitude: premises.latitude ?? null, longitude: premises.longitude ?? null },
      latitude: where.latitude, longitude: where.longitude, accuracy_m: where.accuracy_m,
    }, inspection.made_with);
    change.sync.state = 'pending';
    await store.saveRecord(change, 'app');
    sync.syncNow();
  };
  return h('section', { 'aria-labelledby': 'position-title' },
    h('h2', { id: 'position-title' }, t('position.title')),
    h('p', { class: 'hint' }, t('position.explain')),
    button(t('action.record_position'), record, { class: 'button' }),
    out,
    rows);
}

async function premisesStep(ctx, inspection) {
  const { bundle, state } = ctx;
  const d = inspection.data;
  const premises = bundle.premises.find((p) => p.id === d.premises_id) || {};
  const open = editable(inspection, inspection);
  const on = (name, read = (el) => el.value) => (event) => edit(inspection, { [name]: read(event.target) }, true);
  const started = h('input', { type: 'datetime-local', value: d.started_at ? d.started_at.slice(0, 16) : '', disabled: !open,
    onchange: (event) => {
      const value = event.target.value;
      edit(inspection, { started_at: value ? withOffset(new Date(value)) : '' }, true);
    } });
  const others = (bundle.officers || []).filter((o) => o.username !== state.auth.username);
  const second = select([['', t('choose')], ...others.map((o) => [o.username, o.name ? `${o.name} (${o.username})` : o.username])],
    d.second_officer, { disabled: !open, onchange: on('second_officer') });
  const type = select(TYPES.map((value) => [value, t(`type.${value}`)]), d.type, { disabled: !open, onchange: on('type') });
  const day = localDay(d.started_at);
  const emergencies = (bundle.emergencies || []).filter((e) => inForce(e, day) || String(e.id) === String(d.emergency_id));
  const emergency = select([['', t('emergency.none')], ...emergencies.map((e) => [e.id, e.name])], d.emergency_id ?? '',
    { disabled: !open, onchange: on('emergency_id', (el) => (el.value ? Number(el.value) : null)) });
  const facts = [
    [t('premises.address'), premises.address],
    [t('premises.kind'), premises.kind ? t(`kind.${premises.kind}`) : ''],
    [t('premises.operator'), premises.operator_name],
    [t('premises.position'), premises.latitude ? `${premises.latitude}, ${premises.longitude}` : t('premises.no_position')],
  ].filter(([, value]) => value);
  return h('section', {},
    h('dl', { class: 'facts' }, facts.map(([name, value]) => [h('dt', {}, name), h('dd', {}, value)])),
    h('h2', {}, t('visit.title')),
    inspection.sync.state === 'fix' ? stateLine(inspection) : null,
    conflictBox(ctx, inspection, inspection),
    h('p', {}, t('visit.lead', { name: state.auth.name || state.auth.username })),
    field(t('field.started_at'), started, { errors: fieldErrors(inspection, 'started_at') }),
    field(t('field.second_officer'), second, { errors: fieldErrors(inspection, 'second_officer') }),
    field(t('field.type'), type, { errors: fieldErrors(inspection, 'type') }),
    field(t('field.emergency_id'), emergency, { hint: t('visit.emergency_hint'), errors: fieldErrors(inspection, 'emergency_id') }),
    premises.id ? await positionSection(ctx, inspection, premises) : null);
}

function checklistStep(ctx, inspection) {
  const d = inspection.data;
  const open = editable(inspection, inspection);
  const items = (ctx.bundle.rulebook.checklist || []).map((item) => {
    const name = `check-${item.code}`;
    return h('fieldset', { class: 'choice' },
      h('legend', {}, item.text),
      h('div', { class: 'segmented' }, ['yes', 'no', 'n/a'].map((answer) => {
        const id = uid('check');
        return [h('input', { type: 'radio', name, id, value: answer, checked: d.checklist[item.code] === answer, disabled: !open,
          onchange: () => edit(inspection, { checklist: { [item.code]: answer } }, true) }),
        h('label', { for: id }, t(`answer.${answer}`))];
      })));
  });
  const notes = h('textarea', { rows: 4, maxlength: 20000, disabled: !open,
    oninput: (event) => edit(inspection, { notes: event.target.value }), onblur: () => flushAll() });
  notes.value = d.notes || '';
  return h('section', {},
    fieldErrors(inspection, 'checklist').map((message) => h('p', { class: 'error' }, message)),
    items,
    field(t('field.notes'), notes, { errors: fieldErrors(inspection, 'notes') }));
}

function commodityName(bundle, code) {
  const found = (bundle.rulebook.commodities || []).find((c) => c.code === code);
  return found ? found.name : code;
}

function flagList(flags, origin) {
  if (!flags.length) return h('p', { class: 'no-flags' }, t('flags.none'));
  return [
    h('p', { class: 'flags-origin' }, origin),
    h('ul', { class: 'flags' }, flags.map((flag) => h('li', { class: 'flag', dataset: { test: flag.test } },
      h('strong', {}, t(`test.${flag.test}`)), ' ', h('span', { class: 'explanation' }, flag.shown || flag.explanation)))),
  ];
}

function observationCard(ctx, inspection, record, index) {
  const { bundle } = ctx;
  const d = record.data;
  const open = editable(inspection, record);
  const premises = bundle.premises.find((p) => p.id === inspection.data.premises_id) || {};
  const emergency = (bundle.emergencies || []).find((e) => String(e.id) === String(inspection.data.emergency_id));
  const flagsBox = h('div', { class: 'flags-box', 'aria-live': 'polite' });
  const baselineNote = h('p', { class: 'hint' });
  const problemsBox = h('div', {});
  const inputs = {};
  const commodities = [...(bundle.rulebook.commodities || [])].sort((a, b) => a.name.localeCompare(b.name));
  const category = () => ((bundle.rulebook.commodities || []).find((c) => c.code === d.commodity) || {}).category;
  const refresh = () => {
    const problems = observationProblems(d);
    problemsBox.replaceChildren(...Object.entries(problems).filter(([name]) => d[name])
      .map(([name, keys]) => h('p', { class: 'error' }, `${t(`field.${name}`)}: ${keys.map((key) => t(key)).join(' ')}`)));
    if (record.sync.state === 'sent' && record.sync.server) {
      const server = record.sync.server.flags || [];
      flagsBox.replaceChildren(h('h4', {}, t('flags.title')), ...[].concat(flagList(server, t('flags.from_server'))));
      return;
    }
    const result = evaluateFlags(bundle, observationFacts(d, emergency, category()));
    if (!result) {
      flagsBox.replaceChildren(h('h4', {}, t('flags.title')), h('p', { class: 'muted' }, d.price ? t('flags.unavailable') : t('flags.need_price')));
      return;
    }
    const flags = result.flags.map(({ test, explanation, params }) => ({ test, explanation, params }));
    if (open && JSON.stringify(flags) !== JSON.stringify(d.flags || [])) edit(record, { flags });
    flagsBox.replaceChildren(h('h4', {}, t('flags.title')), ...[].concat(flagList(result.flags, t('flags.on_device'))));
  };
  const baselineText = () => {
    const baseline = baselineFor(premises, inspection.data.emergency_id, d.commodity);
    baselineNote.textContent = baseline
      ? t('baseline.offered', { on: baseline.on, price: baseline.price ?? '—', cost: baseline.cost ?? '—' })
      : (d.commodity ? t('baseline.none') : '');
    return baseline;
  };
  const commodity = select([['', t('choose')], ...commodities.map((c) => [c.code, c.unit ? `${c.name} (${c.unit})` : c.name])],
    d.commodity, { disabled: !open, onchange: (event) => {
      const change = { commodity: event.target.value };
      d.commodity = change.commodity;
      const baseline = baselineText();
      if (baseline && !d.baseline_price && !d.baseline_cost) {
        Object.assign(change, { baseline_price: baseline.price || '', baseline_cost: baseline.cost || '',
          baseline_offered: { on: baseline.on, price: baseline.price, cost: baseline.cost } });
        inputs.baseline_price.value = change.baseline_price;
        inputs.baseline_cost.value = change.baseline_cost;
      }
      edit(record, change, true);
      refresh();
    } });
  const numberField = (name) => {
    const input = h('input', { type: 'text', inputmode: 'decimal', autocomplete: 'off', value: d[name] || '', disabled: !open,
      oninput: (event) => {
        edit(record, { [name]: tidyNumber(event.target.value) });
        refresh();
      }, onblur: () => flushAll() });
    inputs[name] = input;
    return field(t(`field.${name}`), input, { errors: fieldErrors(record, name) });
  };
  const bundled = h('input', { type: 'checkbox', checked: Boolean(d.bundled), disabled: !open, onchange: (event) => {
    edit(record, { bundled: event.target.checked }, true);
    refresh();
  } });
  const bundledId = uid('bundled');
  bundled.id = bundledId;
  baselineText();
  refresh();
  return h('article', { class: `card observation state-${record.sync.state}`, dataset: { clientId: record.client_id } },
    h('h3', {}, t('prices.item', { n: index + 1 }), d.commodity ? ` · ${commodityName(bundle, d.commodity)}` : ''),
    stateLine(record),
    conflictBox(ctx, inspection, record),
    field(t('field.commodity'), commodity, { errors: fieldErrors(record, 'commodity') }),
    h('div', { class: 'pair' }, numberField('price'), numberField('marked_price')),
    h('div', { class: 'pair' }, numberField('cost'), numberField('quantity_sold')),
    h('div', { class: 'pair' }, numberField('baseline_price'), numberField('baseline_cost')),
    baselineNote,
    h('div', { class: 'pair' }, numberField('fees'), numberField('baseline_fees')),
    h('div', { class: 'check' }, bundled, h('label', { for: bundledId }, t('field.bundled'))),
    problemsBox,
    flagsBox,
    open && !inspection.data.queued_at ? button(t('action.delete_price'), async () => {
      await store.deleteRecord(record.client_id);
      ctx.render();
    }, { class: 'button danger small' }) : null);
}

function pricesStep(ctx, inspection, children) {
  const observations = children.filter((r) => r.kind === 'observation');
  const open = !inspection.data.queued_at;
  return h('section', {},
    observations.length ? null : h('p', { class: 'muted' }, t('prices.none')),
    observations.map((record, index) => observationCard(ctx, inspection, record, index)),
    open ? button(t('action.add_price'), async () => {
      const record = store.newRecord('observation', inspection.owner, inspection.client_id, {
        commodity: '', price: '', marked_price: '', cost: '', baseline_price: '', baseline_cost: '', quantity_sold: '',
        fees: '', baseline_fees: '', bundled: false, flags: [],
      }, inspection.made_with);
      await store.saveRecord(record, 'app');
      await ctx.render();
      const cards = document.querySelectorAll('article.observation select');
      if (cards.length) cards[cards.length - 1].focus();
    }, { class: 'button primary wide' }) : null);
}

/* ------------------------------------------------------------------------------------------------ photos */

const blobUrls = new Map();
async function thumbnail(record, alt) {
  if (!blobUrls.has(record.client_id)) {
    const blob = await store.photo(record.client_id);
    if (!blob) return h('span', { class: 'muted' }, t('photo.missing'));
    blobUrls.set(record.client_id, URL.createObjectURL(blob));
  }
  return h('img', { src: blobUrls.get(record.client_id), alt, class: 'thumb', loading: 'lazy' });
}

function position() {
  return new Promise((resolve) => {
    if (!navigator.geolocation) {
      resolve({ note: 'unavailable' });
      return;
    }
    navigator.geolocation.getCurrentPosition(
      (found) => resolve({ latitude: found.coords.latitude.toFixed(6), longitude: found.coords.longitude.toFixed(6),
        accuracy_m: found.coords.accuracy.toFixed(1) }),
      (error) => resolve({ note: error.code === 1 ? 'denied' : 'unavailable' }),
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 30000 });
  });
}

async function addPhoto(ctx, inspection, file, source, out) {
  if (!file) return;
  if (!file.type.startsWith('image/')) {
    out.textContent = t('photo.not_image');
    return;
  }
  const takenAt = source === 'camera' ? withOffset(new Date()) : '';
  const asked = source === 'camera' ? position() : null; // where the phone is now, asked at once
  const record = store.newRecord('evidence', inspection.owner, inspection.client_id, {
    source, name: file.name, type: file.type, size: file.size, taken_at: takenAt, latitude: '', longitude: '',
    accuracy_m: '', position_note: source === 'camera' ? 'asking' : 'gallery', description: '', sha256: '',
  }, inspection.made_with);
  const blob = new Blob([await file.arrayBuffer()], { type: file.type });
  await store.savePhoto(record, blob); // kept before anything else can fail
  const digest = await sha256(blob);
  await store.updateRecord(record.client_id, (r) => { r.data.sha256 = digest; }, 'app');
  out.textContent = t('photo.saved');
  if (source === 'camera') {
    const where = await asked;
    await store.updateRecord(record.client_id, (r) => Object.assign(r.data, { latitude: where.latitude || '',
      longitude: where.longitude || '', accuracy_m: where.accuracy_m || '', position_note: where.note || '' }), 'app');
  }
}

function photoFacts(record) {
  const d = record.data;
  const facts = [];
  facts.push([t('photo.taken_at'), d.taken_at ? when(d.taken_at) : t('photo.time_from_file')]);
  let where;
  if (d.latitude) where = t('photo.position', { lat: d.latitude, lon: d.longitude, accuracy: d.accuracy_m });
  else if (d.position_note === 'asking') where = t('photo.position_asking');
  else if (d.position_note === 'denied') where = t('photo.position_denied');
  else if (d.position_note === 'gallery') where = t('photo.position_from_file');
  else where = t('photo.position_unavailable');
  facts.push([t('photo.where'), where]);
  facts.push([t('field.sha256'), d.sha256 ? h('code', { class: 'hash' }, d.sha256) : t('photo.hashing')]);
  const server = record.sync.server;
  if (server && server.flags && server.flags.length) {
    facts.push([t('photo.flags'), server.flags.map((f) => f.explanation).join(' · ')]);
  }
  return h('dl', { class: 'facts' }, facts.map(([name, value]) => [h('dt', {}, name), h('dd', {}, value)]));
}

async function photoCard(ctx, inspection, record, index) {
  const open = editable(inspection, record);
  const description = h('input', { type: 'text', maxlength: 300, value: record.data.description || '', disabled: !open,
    oninput: (event) => edit(record, { description: event.target.value }), onblur: () => flushAll() });
  const removable = !inspection.data.queued_at || record.sync.state === 'fix';
  return h('article', { class: `card photo state-${record.sync.state}`, dataset: { clientId: record.client_id } },
    h('h3', {}, t('photo.item', { n: index + 1 })),
    stateLine(record),
    conflictBox(ctx, inspection, record),
    await thumbnail(record, t('photo.item', { n: index + 1 })),
    photoFacts(record),
    field(t('field.description'), description, { errors: fieldErrors(record, 'description') }),
    fieldErrors(record, 'file').concat(fieldErrors(record, 'sha256')).map((message) => h('p', { class: 'error' }, message)),
    removable ? button(t('action.delete_photo'), async () => {
      await store.deleteRecord(record.client_id);
      ctx.render();
    }, { class: 'button danger small' }) : null);
}

async function evidenceStep(ctx, inspection, children) {
  const photos = children.filter((r) => r.kind === 'evidence');
  const open = !inspection.data.queued_at;
  const out = h('p', { class: 'notice', role: 'status', 'aria-live': 'polite' });
  const picker = (labelText, attrs, source) => {
    const id = uid('photo-input');
    const input = h('input', { type: 'file', accept: 'image/*', id, class: 'file-input', ...attrs,
      onchange: async (event) => {
        const files = [...event.target.files];
        for (const file of files) await addPhoto(ctx, inspection, file, source, out);
        event.target.value = '';
        ctx.render();
      } });
    return h('div', { class: 'file-pick' }, input, h('label', { for: id, class: 'button primary' }, labelText));
  };
  const cards = [];
  for (const [index, record] of photos.entries()) cards.push(await photoCard(ctx, inspection, record, index));
  return h('section', {},
    open ? h('div', { class: 'pickers' },
      picker(t('action.take_photo'), { capture: 'environment' }, 'camera'),
      picker(t('action.choose_photo'), { multiple: true }, 'gallery')) : null,
    open ? h('p', { class: 'hint' }, t('photo.explain')) : null,
    out,
    photos.length ? null : h('p', { class: 'muted' }, t('photo.none')),
    cards);
}

/* ------------------------------------------------------------------------------------------------ violations */

function violationCard(ctx, inspection, record, index, children) {
  const { bundle } = ctx;
  const d = record.data;
  const open = editable(inspection, record);
  const codes = bundle.rulebook.violation_codes || [];
  const basis = h('p', { class: 'hint' });
  const showBasis = () => {
    const found = codes.find((c) => c.code === d.code);
    basis.textContent = found && found.legal_basis ? t('violation.basis', { basis: found.legal_basis }) : '';
  };
  const code = select([['', t('choose')], ...codes.map((c) => [c.code, c.title])], d.code, { disabled: !open,
    onchange: (event) => {
      edit(record, { code: event.target.value }, true);
      showBasis();
    } });
  showBasis();
  const links = (kind, key, labelOf) => {
    const candidates = children.filter((r) => r.kind === kind);
    if (!candidates.length) return null;
    return h('fieldset', { class: 'links' }, h('legend', {}, t(`violation.${key}`)),
      candidates.map((candidate, position) => {
        const id = uid('link');
        const box = h('input', { type: 'checkbox', id, checked: (d[key] || []).includes(candidate.client_id), disabled: !open,
          onchange: (event) => {
            const chosen = new Set(d[key] || []);
            if (event.target.checked) chosen.add(candidate.client_id);
            else chosen.delete(candidate.client_id);
            edit(record, { [key]: [...chosen] }, true);
          } });
        return h('div', { class: 'check' }, box, h('label', { for: id }, labelOf(candidate, position)));
      }));
  };
  const description = h('textarea', { rows: 3, maxlength: 5000, disabled: !open,
    oninput: (event) => edit(record, { description: event.target.value }), onblur: () => flushAll() });
  description.value = d.description || '';
  return h('article', { class: `card violation state-${record.sync.state}`, dataset: { clientId: record.client_id } },
    h('h3', {}, t('violation.item', { n: index + 1 })),
    stateLine(record),
    conflictBox(ctx, inspection, record),
    field(t('field.code'), code, { errors: fieldErrors(record, 'code') }),
    basis,
    links('observation', 'observation_ids', (r, i) => {
      const flagged = (r.data.flags || []).length ? ` · ${t('violation.flagged')}` : '';
      return `${t('prices.item', { n: i + 1 })}: ${commodityName(bundle, r.data.commodity) || '—'} ${r.data.price || ''}${flagged}`;
    }),
    links('evidence', 'evidence_ids', (r, i) => t('photo.item', { n: i + 1 }) + (r.data.description ? ` · ${r.data.description}` : '')),
    field(t('field.description'), description, { errors: fieldErrors(record, 'description') }),
    open && !inspection.data.queued_at ? button(t('action.delete_violation'), async () => {
      await store.deleteRecord(record.client_id);
      ctx.render();
    }, { class: 'button danger small' }) : null);
}

function violationsStep(ctx, inspection, children) {
  const violations = children.filter((r) => r.kind === 'violation');
  const open = !inspection.data.queued_at;
  return h('section', {},
    violations.length ? null : h('p', { class: 'muted' }, t('violation.none')),
    violations.map((record, index) => violationCard(ctx, inspection, record, index, children)),
    open ? button(t('action.add_violation'), async () => {
      const flagged = children.filter((r) => r.kind === 'observation' && (r.data.flags || []).length).map((r) => r.client_id);
      const record = store.newRecord('violation', inspection.owner, inspection.client_id, {
        code: flagged.length ? 'price_gouging' : '', observation_ids: flagged, evidence_ids: [], description: '',
      }, inspection.made_with);
      if (!(ctx.bundle.rulebook.violation_codes || []).some((c) => c.code === record.data.code)) record.data.code = '';
      await store.saveRecord(record, 'app');
      await ctx.render();
      const selects = document.querySelectorAll('article.violation select');
      if (selects.length) selects[selects.length - 1].focus();
    }, { class: 'button primary wide' }) : null);
}

/* ------------------------------------------------------------------------------------------------ submit */

function waitingList(ctx, inspection, children) {
  const rows = [];
  const label = (record, index) => {
    if (record.kind === 'observation') return `${t('prices.item', { n: index + 1 })}: ${commodityName(ctx.bundle, record.data.commodity)} ${record.data.price}`;
    if (record.kind === 'evidence') return t('photo.item', { n: index + 1 });
    return `${t('violation.item', { n: index + 1 })}: ${record.data.code}`;
  };
  const state = (record) => t(`sync.${record.sync.state}`);
  rows.push(h('li', { class: `sync-${inspection.sync.server_id ? 'sent' : inspection.sync.state}` }, t('count.inspection'), ': ',
    inspection.sync.server_id ? t('sync.sent') : state(inspection)));
  for (const kind of ['observation', 'evidence', 'violation']) {
    children.filter((r) => r.kind === kind).forEach((record, index) => {
      rows.push(h('li', { class: `sync-${record.sync.state}` }, label(record, index), ': ', state(record)));
    });
  }
  rows.push(h('li', { class: `sync-${inspection.sync.submitted ? 'sent' : 'pending'}` }, t('count.submission'), ': ',
    inspection.sync.submitted ? t('sync.sent') : t('sync.pending')));
  return h('ul', { class: 'waiting-list', id: 'waiting-list' }, rows);
}

function submitStep(ctx, inspection, children) {
  const d = inspection.data;
  const open = editable(inspection, inspection);
  const found = missing(inspection, children, ctx.bundle.rulebook.checklist);
  const reinspect = h('input', { type: 'date', value: d.reinspect_on || '', disabled: !open, onchange: async (event) => {
    await edit(inspection, { reinspect_on: event.target.value }, true);
    ctx.render();
  } });
  const outcome = h('fieldset', { class: 'choice' }, h('legend', {}, t('field.outcome')),
    h('div', { class: 'stack' }, OUTCOMES.map((value) => {
      const id = uid('outcome');
      return h('div', { class: 'check' }, h('input', { type: 'radio', name: 'outcome', id, value, checked: d.outcome === value,
        disabled: !open, onchange: async () => {
          await edit(inspection, { outcome: value }, true);
          ctx.render();
        } }), h('label', { for: id }, t(`outcome.${value}`)));
    })));
  const item = (entry) => h('li', {}, h('a', { href: `#/i/${inspection.client_id}/${entry.step}` }, t(entry.key, entry.params || {})));
  const parts = [];
  if (d.queued_at) {
    parts.push(h('p', { class: 'notice' }, t('submit.queued', { when: when(d.queued_at) })));
    parts.push(h('h2', {}, t('submit.waiting_title')), waitingList(ctx, inspection, children));
  }
  parts.push(conflictBox(ctx, inspection, inspection));
  if (inspection.sync.state === 'fix') parts.push(stateLine(inspection));
  parts.push(outcome, fieldErrors(inspection, 'outcome').map((message) => h('p', { class: 'error' }, message)));
  if (d.outcome === 'corrected') parts.push(field(t('field.reinspect_on'), reinspect, { errors: fieldErrors(inspection, 'reinspect_on') }));
  if (!d.queued_at) {
    parts.push(h('section', { class: found.blocking.length ? 'missing' : 'ready', 'aria-labelledby': 'missing-title' },
      h('h2', { id: 'missing-title' }, found.blocking.length ? t('submit.missing_title') : t('submit.ready_title')),
      found.blocking.length ? h('ul', { id: 'missing-list' }, found.blocking.map(item)) : null,
      found.warnings.length ? [h('h3', {}, t('submit.warnings_title')), h('ul', { id: 'warning-list' }, found.warnings.map(item))] : null));
    parts.push(button(t('action.submit'), async () => {
      await flushAll();
      const records = await store.recordsOf(inspection.client_id);
      const stored = records.find((r) => r.client_id === inspection.client_id);
      const others = records.filter((r) => r.kind !== 'inspection');
      if (stored.data.queued_at || missing(stored, others, ctx.bundle.rulebook.checklist).blocking.length) {
        ctx.render();
        return;
      }
      // Everything of the inspection waits to be sent from now on, read-only on the device.
      for (const record of others) await store.updateRecord(record.client_id, (r) => { r.sync.state = 'pending'; }, 'app');
      await store.updateRecord(inspection.client_id, (r) => {
        r.data.queued_at = withOffset(new Date());
        r.sync.state = 'pending';
      }, 'app');
      sync.resetBackoff();
      sync.syncNow();
    }, { class: 'button primary wide', disabled: found.blocking.length > 0, id: 'submit-inspection' }));
    parts.push(h('p', { class: 'hint' }, t('submit.explain')));
  }
  return h('section', {}, parts);
}

/* ------------------------------------------------------------------------------------------------ screen */

export async function inspectionScreen(clientId, step, ctx) {
  if (step === 'prices') await loadGouging();
  const inspection = await store.getRecord(clientId);
  if (!inspection || inspection.kind !== 'inspection' || inspection.owner !== ctx.state.auth.username) {
    return h('section', {}, h('h1', {}, t('inspection.not_found')), h('p', {}, h('a', { href: '#/' }, t('action.home'))));
  }
  const children = (await store.recordsOf(clientId)).filter((r) => r.kind !== 'inspection');
  const counts = sync.pending(inspection, children);
  let status;
  if (counts.attention.length) status = t('inspection.needs_attention', { n: counts.attention.length });
  else if (!inspection.data.queued_at) status = t('inspection.draft');
  else if (counts.total) status = t('inspection.waiting_n', { n: counts.total });
  else status = t('inspection.sent');
  const builders = { premises: premisesStep, checklist: checklistStep, prices: pricesStep, evidence: evidenceStep,
    violations: violationsStep, submit: submitStep };
  const body = await builders[step](ctx, inspection, children);
  return h('div', { class: 'inspection', dataset: { clientId, step } },
    h('h1', {}, inspection.data.premises_name),
    h('p', { class: 'muted', id: 'inspection-status' }, `${when(inspection.data.started_at)} · ${status}`),
    stepNav(inspection, step),
    h('h2', { class: 'step-title' }, t(`step.${step}`)),
    inspection.made_with && ctx.bundle.rulebook && inspection.made_with !== ctx.bundle.rulebook.version
      ? h('p', { class: 'notice' }, t('inspection.other_rulebook', { version: inspection.made_with })) : null,
    body,
    nextPrevious(inspection, step));
}
