/* Talking to the tracker: the JSON API with the device token, and the field app's own routes with the web
   session. Every answer is an object { status, data, etag } ; a request that got no answer (no signal, the
   connection cut, the server unreachable) is { status: 0 }. */
export const API = '/api/v1';

async function answer(promise) {
  let response;
  try {
    response = await promise;
  } catch (error) {
    return { status: 0, data: null, error: String(error) };
  }
  let data = null;
  const type = response.headers.get('Content-Type') || '';
  if (type.includes('json')) {
    try {
      data = await response.json();
    } catch (error) {
      return { status: 0, data: null, error: String(error) }; // the answer was cut off on the way
    }
  }
  return { status: response.status, data, etag: response.headers.get('ETag'), redirected: response.redirected };
}

/* A JSON API call. `key`: the Idempotency-Key (a retry with the same key and body gets the first answer). */
export function api(method, path, { token, body, key, etag, ifMatch } = {}) {
  const headers = { Accept: 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (key) headers['Idempotency-Key'] = key;
  if (etag) headers['If-None-Match'] = etag;
  if (ifMatch !== undefined) headers['If-Match'] = String(ifMatch);
  const init = { method, headers, credentials: 'omit', cache: 'no-store' };
  if (body instanceof Blob) {
    init.body = body;
    headers['Content-Type'] = body.type;
  } else if (body !== undefined) {
    init.body = JSON.stringify(body);
    headers['Content-Type'] = 'application/json';
  }
  return answer(fetch(`${API}${path}`, init));
}

/* A multipart/form-data body built by hand with a boundary made from the record's id, so that a retry sends the
   very same bytes (the Idempotency-Key compares bodies). `fields` in order; the file last. */
export function multipart(boundarySeed, fields, file, filename) {
  const boundary = `----tracker-field-${boundarySeed.replace(/[^A-Za-z0-9]/g, '')}`;
  const parts = [];
  for (const [name, value] of fields) {
    if (value === null || value === undefined || value === '') continue;
    parts.push(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`);
  }
  parts.push(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\n`
    + `Content-Type: ${file.type || 'application/octet-stream'}\r\n\r\n`);
  parts.push(file);
  parts.push(`\r\n--${boundary}--\r\n`);
  return new Blob(parts, { type: `multipart/form-data; boundary=${boundary}` });
}

/* The field app's own web routes (the signed-in session, same origin). */
export function web(method, path, { body, csrf } = {}) {
  const headers = { Accept: 'application/json' };
  const init = { method, headers, credentials: 'same-origin', cache: 'no-store' };
  if (csrf) headers['X-CSRFToken'] = csrf;
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    headers['Content-Type'] = 'application/json';
  }
  return answer(fetch(path, init));
}

/* What a problem document says, as one line and per field. */
export function problemText(result) {
  const data = result.data || {};
  return data.detail || data.title || (result.status ? `HTTP ${result.status}` : '');
}
