/* The officer's typing, kept: each change is applied to the screen's copy at once and written to the device a
   moment later (or at once when a field is left, a choice made or the screen changed), merged into the record as
   stored, so two screens or tabs never write over each other's changes. Correcting a record the server refused
   sends it again. */
import * as store from './store.js';
import * as sync from './sync.js';

const DELAY_MS = 300;
const waiting = new Map(); // client_id -> { fields, timer }

const isPlainObject = (value) => value !== null && typeof value === 'object' && !Array.isArray(value);

/* Change `fields` of the record's data; `now`: write at once (a choice, not a keystroke). */
export function edit(record, fields, now = false) {
  for (const [name, value] of Object.entries(fields)) {
    record.data[name] = isPlainObject(value) ? { ...(record.data[name] || {}), ...value } : value;
  }
  let entry = waiting.get(record.client_id);
  if (!entry) {
    entry = { fields: {}, timer: null };
    waiting.set(record.client_id, entry);
  }
  for (const [name, value] of Object.entries(fields)) {
    entry.fields[name] = isPlainObject(value) ? { ...(entry.fields[name] || {}), ...value } : value;
  }
  clearTimeout(entry.timer);
  if (now) return flush(record.client_id);
  entry.timer = setTimeout(() => flush(record.client_id), DELAY_MS);
  return Promise.resolve();
}

export async function flush(clientId) {
  const entry = waiting.get(clientId);
  if (!entry) return;
  waiting.delete(clientId);
  clearTimeout(entry.timer);
  let corrected = false;
  await store.updateRecord(clientId, (record) => {
    for (const [name, value] of Object.entries(entry.fields)) {
      record.data[name] = isPlainObject(value) ? { ...(record.data[name] || {}), ...value } : value;
    }
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
