/* Started with the page (the shell preloads it), while the app is still loading: ask the web session whether
   someone signed in (the first device token needs it). On a slow network that saves a round trip. */
export const session = fetch('/field/session', { credentials: 'include', mode: 'cors' }) // the shell preloads it so
  .then(async (response) => ({
    status: response.status,
    data: (response.headers.get('Content-Type') || '').includes('json') ? await response.json() : null,
  }))
  .catch(() => ({ status: 0, data: null }));
