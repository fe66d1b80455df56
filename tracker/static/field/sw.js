/* The field app's service worker (served at /field/sw.js, which writes VERSION, PRECACHE and SHELL above this
   line). It keeps the app's own files, never an API answer: the offline bundle and everything recorded live in
   IndexedDB, where the app puts them.

   - install: store every file of this version in the cache "field-<VERSION>" (fetched afresh, not from the
     browser's HTTP cache);
   - activate: delete the caches of other versions, take over the open pages;
   - fetch: a navigation to /field/ gets the cached shell (the app routes by the URL's #fragment); a file of
     the app comes from the cache; anything else (the API, sign-in, the session) goes to the network untouched. */
const CACHE = `field-${VERSION}`;

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    await cache.addAll(PRECACHE.map((url) => new Request(url, { cache: 'reload', credentials: 'same-origin' })));
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    const names = await caches.keys();
    await Promise.all(names.filter((name) => name.startsWith('field-') && name !== CACHE)
      .map((name) => caches.delete(name)));
    await self.clients.claim();
  })());
});

const PRECACHED = new Set(PRECACHE.map((url) => new URL(url, self.location.origin).pathname));

async function fromCache(path, request) {
  const cache = await caches.open(CACHE);
  const hit = await cache.match(path);
  if (hit) return hit;
  return fetch(request);
}

self.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === 'navigate' && url.pathname === SHELL) {
    event.respondWith(fromCache(SHELL, request));
  } else if (PRECACHED.has(url.pathname) && url.pathname !== SHELL) {
    event.respondWith(fromCache(url.pathname, request));
  }
});

self.addEventListener('message', (event) => {
  if (event.data === 'version') event.source.postMessage({ version: VERSION });
});
