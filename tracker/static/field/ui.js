/* Building the screen: the app's words in the reader's language, and elements made with h(), never from HTML strings
   (no record's text can become markup). */

/* The app's words: the shell page carries them (rendered by the server through the
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

export function h(tag, attrs = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === false || value === null || value === undefined) continue;
    if (name === 'class') element.className = value;
    else if (name === 'dataset') Object.assign(element.dataset, value);
    else if (name.startsWith('on') && typeof value === 'function') element.addEventListener(name.slice(2), value);
    else if (name === 'value') element.value = value;
    else if (name === 'checked' || name === 'disabled' || name === 'selected' || name === 'hidden') element[name] = Boolean(value);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(element, child);
    else element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

let counter = 0;
export function uid(prefix = 'f') {
  counter += 1;
  return `${prefix}-${counter}`;
}

/* A labelled field: the label, the control, and the messages under it (the control is described by them). */
export function field(labelText, control, { hint, errors = [], id } = {}) {
  const controlId = id || control.id || uid('field');
  control.id = controlId;
  const described = [];
  let hintNode = null;
  if (hint) {
    hintNode = h('p', { class: 'hint', id: `${controlId}-hint` }, hint);
    described.push(hintNode.id);
  }
  const errorNodes = errors.map((message, index) => h('p', { class: 'error', id: `${controlId}-error-${index}` }, message));
  described.push(...errorNodes.map((node) => node.id));
  if (described.length) control.setAttribute('aria-describedby', described.join(' '));
  if (errors.length) control.setAttribute('aria-invalid', 'true');
  return h('div', { class: 'field' }, h('label', { for: controlId }, labelText), control, hintNode, errorNodes);
}

export function button(text, onclick, attrs = {}) {
  return h('button', { type: 'button', class: 'button', onclick, ...attrs }, text);
}

export function select(options, current, attrs = {}) {
  return h('select', attrs, options.map(([value, text]) => h('option', { value, selected: String(value) === String(current ?? '') }, text)));
}

/* Run fn after `ms` of quiet: typing saves once the officer pauses (and at once when the field is left). */
export function debounce(fn, ms = 250) {
  let timer = null;
  const run = (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
  run.flush = (...args) => {
    clearTimeout(timer);
    return fn(...args);
  };
  return run;
}
