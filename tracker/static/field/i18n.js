/* The app's words, in the reader's language: the shell page carries them (rendered by the server through the
   message catalogs, tracker/web/field/messages.py) in its data-messages attribute. */
const messages = JSON.parse(document.body.dataset.messages || '{}');
export const locale = document.documentElement.lang || 'en';

/* The message `key`, with %(name)s placeholders filled from params. */
export function t(key, params = {}) {
  const text = Object.prototype.hasOwnProperty.call(messages, key) ? messages[key] : key;
  return text.replace(/%\((\w+)\)s/g, (whole, name) => (name in params ? String(params[name]) : whole));
}

/* A date-time as the reader writes it (the phone's time zone). */
export function when(iso) {
  if (!iso) return '';
  const moment = new Date(iso);
  if (Number.isNaN(moment.getTime())) return iso;
  return moment.toLocaleString(locale, { dateStyle: 'medium', timeStyle: 'short' });
}
