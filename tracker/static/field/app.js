/* The field app: sign-in on the device, the offline bundle, the screens and their routes (#/...), what waits to
   be sent. Works with no connection once an officer has signed in on this device and the bundle has arrived. */
import { api, web } from './api.js';
import { session as earlySession } from './early.js';
import { inForce, localDay, withOffset } from './checks.js';
import * as store from './store.js';
import * as sync from './sync.js';
import { button, h, t, when } from './ui.js';
import { flushAll, inspectionScreen, loadGouging, STEPS } from './inspection.js';

export const state = {
  auth: null, // { token, token_id, token_name, prefix, username, name, tokens_page }
  bundle: null, // { data, etag, fetched_at, owner }
  signIn: null, // why there is no device token: 'signed-out', 'offline', 'not-field', 'failed'
  version: document.body.dataset.version || '',
  update: false, // a new version of the app is installed: reload to use it
};

const main = document.getElementById('main');
const bar = document.getElementById('outbox');
const network = document.getElementById('network');

/* ------------------------------------------------------------------------------------------------ sign-in */

function deviceName() {
  const agent = navigator.userAgent;
  const platform = /Android/.test(agent) ? 'Android' : /iPhone|iPad/.test(agent) ? 'iOS'
    : (navigator.userAgentData && navigator.userAgentData.platform) || navigator.platform || '';
  const browser = /Edg\//.test(agent) ? 'Edge' : /Firefox\//.test(agent) ? 'Firefox'
    : /Chrome\//.test(agent) ? 'Chrome' : /Safari\//.test(agent) ? 'Safari' : '';
  return [browser, platform].filter(Boolean).join(' / ') || 'phone';
}

/* Ask the web session for a device token (once, after the officer signed in on the web in this browser). */
let firstAsk = true;
async function getDeviceToken() {
  const session = firstAsk ? await earlySession : await web('GET', '/field/session');
  firstAsk = false;
  if (session.status === 0) return 'offline';
  if (session.status !== 200 || !session.data) return 'failed';
  if (!session.data.signed_in) return 'signed-out';
  if (!session.data.may_record) return 'not-field';
  const issued = await web('POST', '/field/device-token', { body: { device: deviceName() }, csrf: session.data.csrf_token });
  if (issued.status !== 201 || !issued.data || !issued.data.token) return issued.status === 0 ? 'offline' : 'failed';
  const d = issued.data;
  state.auth = { token: d.token, token_id: d.id, token_name: d.name, prefix: d.prefix, username: d.username,
    name: session.data.name, tokens_page: d.tokens_page, since: new Date().toISOString() };
  await store.setMeta('auth', state.auth);
  return 'ok';
}

/* The token was refused (revoked, or the account deactivated): forget it; what waits stays on the device. */
async function authLost() {
  state.auth = null;
  state.signIn = 'revoked';
  await store.deleteMeta('auth');
  render();
}

/* Sign out on this device: forget the token (and revoke it when the web session allows), keep nothing personal
   but the records still waiting, which go when the same officer signs in again. */
export async function signOut() {
  const auth = state.auth;
  if (!auth) return;
  const session = await web('GET', '/field/session');
  if (session.status === 200 && session.data && session.data.signed_in && session.data.username === auth.username) {
    await web('POST', '/field/device-token/revoke', { body: { id: auth.token_id }, csrf: session.data.csrf_token });
  }
  state.auth = null;
  state.bundle = null;
  state.signIn = 'signed-out';
  await store.deleteMeta('auth');
  await store.deleteMeta('bundle');
  location.hash = '#/';
  render();
}

/* ------------------------------------------------------------------------------------------------ bundle */

/* Fetch the bundle when it changed (ETag): the unit's premises with their baselines, the rulebook's commodities,
   checklist and violation codes, the emergencies, the officers, the price tests. Kept in IndexedDB. */
export async function refreshBundle() {
  if (!state.auth) return 'no-auth';
  const mine = state.bundle && state.bundle.owner === state.auth.username ? state.bundle : null;
  const result = await api('GET', '/field/bundle', { token: state.auth.token, etag: mine ? mine.etag : undefined });
  if (result.status === 401) {
    await authLost();
    return 'auth';
  }
  if (result.status === 304 && mine) {
    mine.checked_at = new Date().toISOString();
    await store.setMeta('bundle', mine);
    return 'same';
  }
  if (result.status !== 200 || !result.data) return 'failed';
  state.bundle = { data: result.data, etag: result.etag, fetched_at: new Date().toISOString(),
    checked_at: new Date().toISOString(), owner: state.auth.username };
  await store.setMeta('bundle', state.bundle);
  return 'new';
}

export function bundle() {
  return state.bundle && state.auth && state.bundle.owner === state.auth.username ? state.bundle.data : null;
}

/* ------------------------------------------------------------------------------------------------ status bar */

async function waitingCounts() {
  if (!state.auth) return { total: 0, attention: 0 };
  const records = await store.recordsOwnedBy(state.auth.username);
  let total = 0;
  let attention = 0;
  for (const change of records.filter((r) => r.kind === 'premises')) {
    if (change.sync.state === 'pending') total += 1;
    if (['fix', 'conflict'].includes(change.sync.state)) attention += 1;
  }
  for (const inspection of records.filter((r) => r.kind === 'inspection')) {
    const counts = sync.pending(inspection, records.filter((r) => r.inspection === inspection.client_id && r.kind !== 'inspection'));
    total += counts.total;
    attention += counts.attention.length;
  }
  return { total, attention };
}

async function renderStatus() {
  const online = navigator.onLine;
  network.textContent = online ? t('status.online') : t('status.offline');
  network.className = online ? 'badge online' : 'badge offline';
  if (!state.auth) {
    bar.replaceChildren();
    bar.hidden = true;
    return;
  }
  bar.hidden = false;
  const { total, attention } = await waitingCounts();
  const s = sync.status;
  const parts = [
    h('span', { class: 'waiting', dataset: { count: total } },
      total ? t('status.waiting', { n: total }) : t('status.all_sent')),
  ];
  if (attention) parts.push(h('a', { href: '#/', class: 'attention' }, t('status.attention', { n: attention })));
  if (s.running) parts.push(h('span', { class: 'muted' }, t('status.sending')));
  else if (total && s.nextTry) parts.push(h('span', { class: 'muted' }, t('status.next_try', { when: when(s.nextTry) })));
  const send = button(t('action.send_now'), () => { sync.resetBackoff(); sync.syncNow(); },
    { class: 'button small', disabled: s.running || !total });
  bar.replaceChildren(h('p', {}, parts), send);
  if (state.update) {
    bar.append(h('p', { class: 'update' }, t('status.update'), ' ',
      button(t('action.reload'), () => location.reload(), { class: 'button small' })));
  }
}

/* ------------------------------------------------------------------------------------------------ screens */

function signInScreen() {
  const reasons = {
    'signed-out': t('signin.needed'),
    revoked: t('signin.revoked'),
    offline: t('signin.offline'),
    'not-field': t('signin.not_field'),
    failed: t('signin.failed'),
  };
  const next = encodeURIComponent('/field/');
  return h('section', { class: 'card' },
    h('h1', {}, t('signin.title')),
    h('p', {}, reasons[state.signIn] || reasons['signed-out']),
    h('p', {}, t('signin.explain')),
    h('p', {}, h('a', { class: 'button primary', href: `/auth/login?next=${next}` }, t('action.sign_in'))),
    state.signIn === 'offline' ? null : h('p', {}, button(t('action.try_again'), () => boot(), { class: 'button' })));
}

function noBundleScreen() {
  return h('section', { class: 'card' },
    h('h1', {}, t('bundle.missing_title')),
    h('p', {}, navigator.onLine ? t('bundle.loading') : t('bundle.missing_offline')),
    button(t('action.try_again'), async () => { await refreshBundle(); render(); }, { class: 'button' }));
}

function inspectionSummary(inspection, children) {
  const counts = sync.pending(inspection, children);
  const d = inspection.data;
  let line;
  if (counts.attention.length) line = t('inspection.needs_attention', { n: counts.attention.length });
  else if (!d.queued_at) line = t('inspection.draft');
  else if (counts.total) {
    const w = counts.waiting;
    const pieces = [];
    if (w.inspection) pieces.push(t('count.inspection'));
    if (w.observation) pieces.push(t('count.prices', { n: w.observation }));
    if (w.evidence) pieces.push(t('count.photos', { n: w.evidence }));
    if (w.violation) pieces.push(t('count.violations', { n: w.violation }));
    if (w.submit) pieces.push(t('count.submission'));
    line = t('inspection.waiting', { what: pieces.join(', ') });
  } else line = inspection.sync.joined ? t('inspection.sent_joined') : t('inspection.sent');
  const step = d.queued_at ? 'submit' : 'premises';
  return h('li', { class: `item ${counts.attention.length ? 'attention' : counts.total ? 'waiting' : d.queued_at ? 'sent' : 'draft'}` },
    h('a', { href: `#/i/${inspection.client_id}/${step}`, class: 'item-link' },
      h('strong', {}, d.premises_name || t('inspection.untitled')),
      h('span', { class: 'muted' }, when(d.started_at)),
      h('span', { class: 'item-state' }, line)));
}

async function homeScreen() {
  const records = await store.recordsOwnedBy(state.auth.username);
  const groups = { attention: [], waiting: [], draft: [], sent: [] };
  for (const inspection of records.filter((r) => r.kind === 'inspection').reverse()) {
    const children = records.filter((r) => r.inspection === inspection.client_id && r.kind !== 'inspection');
    const counts = sync.pending(inspection, children);
    const node = inspectionSummary(inspection, children);
    if (counts.attention.length) groups.attention.push(node);
    else if (!inspection.data.queued_at) groups.draft.push(node);
    else if (counts.total) groups.waiting.push(node);
    else groups.sent.push(node);
  }
  const section = (key, nodes) => (nodes.length
    ? h('section', { class: 'group', 'aria-labelledby': `group-${key}` },
      h('h2', { id: `group-${key}` }, t(`home.${key}`, { n: nodes.length })), h('ul', { class: 'list' }, nodes))
    : null);
  const data = bundle();
  return h('div', {},
    h('h1', {}, t('home.title')),
    h('p', { class: 'muted' }, t('home.signed_in_as', { name: state.auth.name || state.auth.username }),
      data ? ` · ${t('home.bundle_from', { when: when(state.bundle.fetched_at) })}` : ''),
    h('p', {}, h('a', { class: 'button primary wide', href: '#/premises' }, t('action.new_inspection'))),
    section('attention', groups.attention),
    section('waiting', groups.waiting),
    section('draft', groups.draft),
    section('sent', groups.sent.slice(0, 20)),
    records.length ? null : h('p', { class: 'muted' }, t('home.nothing_yet')));
}

const normalise = (text) => String(text || '').toLowerCase().normalize('NFKD').replace(/[\u0300-\u036f]/g, '');
const SHOWN_PREMISES = 30;

function premisesScreen() {
  const data = bundle();
  const input = h('input', { type: 'search', id: 'premises-search', autocomplete: 'off', enterkeyhint: 'search' });
  const results = h('ul', { class: 'list', id: 'premises-results', 'aria-live': 'polite' });
  const kinds = (kind) => t(`kind.${kind}`);
  const show = () => {
    const words = normalise(input.value).split(/\s+/).filter(Boolean);
    const found = data.premises.filter((p) => {
      const text = normalise([p.name, p.address, p.operator_name, p.credit_code].join(' '));
      return words.every((word) => text.includes(word));
    });
    const items = found.slice(0, SHOWN_PREMISES).map((p) => h('li', { class: 'item' },
      button([h('strong', {}, p.name), h('span', { class: 'muted' }, [kinds(p.kind), p.address].filter(Boolean).join(' · '))],
        () => startInspection(p), { class: 'item-link', dataset: { premisesId: p.id } })));
    if (found.length > SHOWN_PREMISES) items.push(h('li', { class: 'muted' }, t('premises.more', { n: found.length - SHOWN_PREMISES })));
    if (!found.length) items.push(h('li', { class: 'muted' }, t('premises.none')));
    results.replaceChildren(...items);
  };
  input.addEventListener('input', show);
  show();
  return h('div', {},
    h('h1', {}, t('premises.title')),
    h('div', { class: 'field' }, h('label', { for: 'premises-search' }, t('premises.search')), input),
    results);
}

async function startInspection(premises) {
  const data = bundle();
  const now = new Date();
  const today = localDay(now.toISOString());
  const emergency = (data.emergencies || []).find((e) => inForce(e, today));
  const record = store.newRecord('inspection', state.auth.username, null, {
    premises_id: premises.id,
    premises_name: premises.name,
    premises_version: premises.version,
    started_at: withOffset(now),
    lead_officer: state.auth.username,
    second_officer: '',
    type: 'routine',
    emergency_id: emergency ? emergency.id : null,
    checklist: {},
    notes: '',
    outcome: '',
    reinspect_on: '',
    queued_at: null,
  }, data.rulebook && data.rulebook.version);
  await store.saveRecord(record, 'app');
  location.hash = `#/i/${record.client_id}/premises`;
}

function settingsScreen() {
  const auth = state.auth;
  const data = bundle();
  const rows = [
    [t('settings.account'), `${auth.name || ''} (${auth.username})`],
    [t('settings.device_token'), `${auth.token_name} · ${auth.prefix}…`],
    [t('settings.bundle'), state.bundle ? when(state.bundle.fetched_at) : '—'],
    [t('settings.rulebook'), data && data.rulebook ? data.rulebook.version : '—'],
    [t('settings.version'), state.version],
  ];
  const out = h('p', { class: 'notice', role: 'status', 'aria-live': 'polite' });
  return h('div', {},
    h('h1', {}, t('settings.title')),
    h('dl', { class: 'facts' }, rows.map(([name, value]) => [h('dt', {}, name), h('dd', {}, value)])),
    h('p', {}, button(t('action.refresh_bundle'), async () => {
      out.textContent = t('settings.refreshing');
      const result = await refreshBundle();
      out.textContent = result === 'failed' ? t('settings.refresh_failed') : t('settings.refreshed');
    }, { class: 'button' })),
    out,
    h('p', {}, h('a', { href: auth.tokens_page || '/auth/tokens', class: 'button' }, t('settings.tokens_page'))),
    h('p', { class: 'muted' }, t('settings.tokens_explain')),
    h('h2', {}, t('settings.sign_out_title')),
    h('p', {}, t('settings.sign_out_explain')),
    button(t('action.sign_out_device'), async (event) => {
      const { total } = await waitingCounts();
      if (total && !event.currentTarget.dataset.confirmed) {
        event.currentTarget.dataset.confirmed = '1';
        event.currentTarget.textContent = t('action.sign_out_anyway', { n: total });
        return;
      }
      await signOut();
    }, { class: 'button danger' }));
}

/* ------------------------------------------------------------------------------------------------ routing */

function route() {
  const parts = location.hash.replace(/^#\/?/, '').split('/').filter(Boolean);
  if (parts[0] === 'i' && parts[1]) return { name: 'inspection', id: parts[1], step: STEPS.includes(parts[2]) ? parts[2] : 'premises' };
  if (parts[0] === 'premises') return { name: 'premises' };
  if (parts[0] === 'settings') return { name: 'settings' };
  return { name: 'home' };
}

let rendering = 0;

export async function render() {
  const ticket = ++rendering;
  renderStatus();
  let node;
  const where = route();
  if (!state.auth) node = signInScreen();
  else if (!bundle()) node = noBundleScreen();
  else if (where.name === 'premises') node = premisesScreen();
  else if (where.name === 'settings') node = settingsScreen();
  else if (where.name === 'inspection') {
    node = await inspectionScreen(where.id, where.step, { state, bundle: bundle(), render });
  } else node = await homeScreen();
  if (ticket !== rendering) return;
  const scroll = window.scrollY;
  const same = main.dataset.route === location.hash;
  main.replaceChildren(node);
  main.dataset.route = location.hash;
  if (same) window.scrollTo(0, scroll);
  else {
    window.scrollTo(0, 0);
    const heading = main.querySelector('h1');
    if (heading) {
      heading.tabIndex = -1;
      heading.focus({ preventScroll: true });
    }
  }
  main.dataset.ready = '1';
}

/* A change from the sync (or another tab) shows at once, unless the officer is typing on this screen. */
function changed(source) {
  renderStatus();
  if (source === 'edit') return;
  const active = document.activeElement;
  const typing = active && main.contains(active) && /^(INPUT|TEXTAREA|SELECT)$/.test(active.tagName);
  if (!typing) render();
}

/* ------------------------------------------------------------------------------------------------ start */

async function registerServiceWorker() {
  if (!('serviceWorker' in navigator)) return;
  try {
    const registration = await navigator.serviceWorker.register('/field/sw.js', { scope: '/field/' });
    const hadController = Boolean(navigator.serviceWorker.controller);
    navigator.serviceWorker.addEventListener('controllerchange', () => {
      if (hadController) {
        state.update = true;
        renderStatus();
      }
    });
    await navigator.serviceWorker.ready;
    document.body.dataset.offlineReady = '1';
    return registration;
  } catch (error) {
    document.body.dataset.offlineReady = 'no';
  }
}

export async function boot() {
  await store.open();
  store.persist();
  state.auth = (await store.getMeta('auth')) || null;
  state.bundle = (await store.getMeta('bundle')) || null;
  if (!state.auth && navigator.onLine) state.signIn = await getDeviceToken();
  else if (!state.auth) state.signIn = 'offline';
  await render();
  if (state.auth && navigator.onLine) {
    const result = await refreshBundle();
    if (result === 'new') await render();
    sync.syncNow();
  }
  document.body.dataset.bundleReady = bundle() ? '1' : '';
  loadGouging();
}

sync.configure({ auth: () => state.auth, authLost });
sync.onStatus(() => renderStatus());
store.onChange(changed);
window.addEventListener('hashchange', async () => {
  await flushAll();
  render();
});
window.addEventListener('pagehide', () => { flushAll(); });
window.addEventListener('online', () => {
  sync.resetBackoff();
  renderStatus();
  refreshBundle().then(() => renderStatus());
  sync.syncNow();
});
window.addEventListener('offline', () => renderStatus());
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'hidden') flushAll();
  if (document.visibilityState === 'visible' && navigator.onLine && state.auth) sync.syncNow();
});

boot().then(() => {
  if (document.readyState === 'complete') registerServiceWorker();
  else window.addEventListener('load', () => registerServiceWorker());
});
