/* What the device keeps, in IndexedDB: the sign-in (device token), the offline bundle, every record made on the
   device with its sync state, and the photos as Blobs. Every change is written at once, so a reload, a closed tab
   or a restarted phone keeps it. */
const DB_NAME = 'tracker-field';
const DB_VERSION = 1;
let opened = null;

export function open() {
  if (!opened) {
    opened = new Promise((resolve, reject) => {
      const request = indexedDB.open(DB_NAME, DB_VERSION);
      request.onupgradeneeded = () => {
        const db = request.result;
        db.createObjectStore('meta', { keyPath: 'key' });
        const records = db.createObjectStore('records', { keyPath: 'client_id' });
        records.createIndex('inspection', 'inspection');
        records.createIndex('owner', 'owner');
        db.createObjectStore('photos', { keyPath: 'client_id' });
      };
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }
  return opened;
}

function done(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

/* Run fn(stores) in one transaction over storeNames; resolves with fn's result once the transaction commits. */
export async function transaction(storeNames, mode, fn) {
  const db = await open();
  const names = [].concat(storeNames);
  const tx = db.transaction(names, mode);
  const stores = Object.fromEntries(names.map((name) => [name, tx.objectStore(name)]));
  const committed = new Promise((resolve, reject) => {
    tx.oncomplete = resolve;
    tx.onabort = () => reject(tx.error || new Error('transaction aborted'));
    tx.onerror = () => reject(tx.error);
  });
  const result = await fn(stores);
  await committed;
  return result;
}

export const get = (store, key) => transaction(store, 'readonly', (s) => done(s[store].get(key)));
export const put = (store, value) => transaction(store, 'readwrite', (s) => done(s[store].put(value)));
export const remove = (store, key) => transaction(store, 'readwrite', (s) => done(s[store].delete(key)));
export const all = (store) => transaction(store, 'readonly', (s) => done(s[store].getAll()));

export async function getMeta(key) {
  const row = await get('meta', key);
  return row ? row.value : undefined;
}

export const setMeta = (key, value) => put('meta', { key, value });
export const deleteMeta = (key) => remove('meta', key);

/* ---------------------------------------------------------------------------------------------- records */

let sequence = 0;

/* A new record of `kind` made on this device: its id is a UUID made here, kept for ever (the server's client_id). */
export function newRecord(kind, owner, inspection, data, madeWith) {
  const clientId = crypto.randomUUID();
  const now = new Date().toISOString();
  sequence += 1;
  return {
    client_id: clientId,
    kind,
    owner,
    inspection: inspection || clientId,
    seq: Date.now() * 1000 + (sequence % 1000),
    created_at: now,
    updated_at: now,
    made_with: madeWith || '',
    data,
    sync: { state: 'draft', server_id: null, attempts: 0 },
  };
}

export const getRecord = (clientId) => get('records', clientId);

/* Change a record as stored now (read and written in one transaction): screens and the sync each change only
   what they own, so an older copy held by another screen never writes over a newer change. */
export async function updateRecord(clientId, mutate, source = 'edit') {
  const updated = await transaction('records', 'readwrite', (s) => new Promise((resolve, reject) => {
    const request = s.records.get(clientId);
    request.onsuccess = () => {
      const record = request.result;
      if (!record) {
        resolve(null);
        return;
      }
      mutate(record);
      record.updated_at = new Date().toISOString();
      s.records.put(record);
      resolve(record);
    };
    request.onerror = () => reject(request.error);
  }));
  notify(source);
  return updated;
}

/* Write a record; `source` tells the screens who changed it: 'edit' (the officer typing), 'sync' or 'app'. */
export async function saveRecord(record, source = 'edit') {
  record.updated_at = new Date().toISOString();
  await put('records', record);
  notify(source);
  return record;
}

export async function recordsOf(inspectionId) {
  const rows = await transaction('records', 'readonly', (s) => done(s.records.index('inspection').getAll(inspectionId)));
  return rows.sort((a, b) => a.seq - b.seq);
}

export async function recordsOwnedBy(owner) {
  const rows = await transaction('records', 'readonly', (s) => done(s.records.index('owner').getAll(owner)));
  return rows.sort((a, b) => a.seq - b.seq);
}

/* Delete a record that never left the device (and its photo). */
export async function deleteRecord(clientId) {
  await transaction(['records', 'photos'], 'readwrite', (s) => {
    s.records.delete(clientId);
    s.photos.delete(clientId);
  });
  notify('app');
}

export async function savePhoto(record, blob) {
  record.updated_at = new Date().toISOString();
  await transaction(['records', 'photos'], 'readwrite', (s) => {
    s.photos.put({ client_id: record.client_id, blob });
    s.records.put(record);
  });
  notify('app');
}

export async function photo(clientId) {
  const row = await get('photos', clientId);
  return row ? row.blob : null;
}

/* Ask the browser to keep this origin's data even when the phone runs short of space. */
export async function persist() {
  try {
    if (navigator.storage && navigator.storage.persist) return await navigator.storage.persist();
  } catch (error) { /* not offered: the data stay, as "best effort" storage */ }
  return false;
}

/* ---------------------------------------------------------------------------------------------- changes */

const listeners = new Set();
const channel = 'BroadcastChannel' in self ? new BroadcastChannel('tracker-field') : null;

export function onChange(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function notify(source = 'app', fromOtherTab = false) {
  for (const listener of listeners) listener(source);
  if (channel && !fromOtherTab) channel.postMessage(source);
}

if (channel) channel.onmessage = (event) => notify(event.data === 'edit' ? 'other-tab' : event.data, true);
