// DOM building, in-place list updates, formatting, status badges, server-rendered charts and polling.
import { api, isAbort } from './api.js';

/**
 * Creates an element. Attributes: `class`, `on<event>` functions (listeners), booleans (true sets, false/null
 * omits), everything else via setAttribute. Children: nodes, strings, numbers, arrays; null/false are skipped.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') {
      el.addEventListener(key.slice(2).toLowerCase(), value);
    } else if (key === 'class') {
      el.className = value;
    } else {
      el.setAttribute(key, value === true ? '' : String(value));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
}

/** Sets text only when it changed, so that screen readers and selections are not disturbed by polling. */
export function setText(el, text) {
  if (el.textContent !== text) {
    el.textContent = text;
  }
}

const signatures = new WeakMap();

/**
 * Makes `parent`'s children match `items`, keyed by `keyOf`: an element is re-rendered only when its item changed,
 * new ones are inserted, gone ones removed. Focus inside a re-rendered element moves to the element with the same
 * data-testid in its replacement.
 */
export function syncList(parent, items, keyOf, render, signatureOf = (item) => JSON.stringify(item)) {
  const existing = new Map([...parent.children].map((el) => [el.dataset.key, el]));
  const wanted = items.map((item) => {
    const key = String(keyOf(item));
    const signature = signatureOf(item);
    const current = existing.get(key);
    existing.delete(key);
    if (current && signatures.get(current) === signature) {
      return current;
    }
    const fresh = render(item);
    fresh.dataset.key = key;
    signatures.set(fresh, signature);
    if (current) {
      replaceKeepingFocus(current, fresh);
    }
    return fresh;
  });
  existing.forEach((el) => el.remove());
  wanted.forEach((el, i) => {
    if (parent.children[i] !== el) {
      parent.insertBefore(el, parent.children[i] ?? null);
    }
  });
}

function replaceKeepingFocus(old, fresh) {
  const active = document.activeElement;
  const testid = old.contains(active) ? active.getAttribute('data-testid') : null;
  old.replaceWith(fresh);
  if (testid) {
    fresh.querySelector(`[data-testid="${CSS.escape(testid)}"]`)?.focus();
  }
}

// ---- formatting ----

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
const dateOnly = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });

export function formatDateTime(iso) {
  const date = iso ? new Date(iso) : null;
  return date && !Number.isNaN(date.getTime()) ? dateTime.format(date) : '—';
}

/** A <time> element, or a dash when there is no time. */
export function time(iso, { dateOnly: onlyDate = false } = {}) {
  if (!iso) return h('span', { class: 'muted' }, '—');
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return h('span', {}, String(iso));
  return h('time', { datetime: iso }, onlyDate ? dateOnly.format(date) : dateTime.format(date));
}

export function formatDuration(seconds) {
  if (typeof seconds !== 'number' || !Number.isFinite(seconds)) return '—';
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
  const minutes = Math.floor(seconds / 60);
  const rest = Math.round(seconds % 60);
  return minutes < 60 ? `${minutes} min ${rest} s` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

export function formatNumber(value, digits = 2) {
  return typeof value === 'number' && Number.isFinite(value) ? value.toFixed(digits) : '—';
}

/** `partially_failed` → `Partially failed`. */
export function humanize(value) {
  if (value === null || value === undefined || value === '') return '—';
  const text = String(value).replace(/[_-]+/g, ' ').trim();
  return text.charAt(0).toUpperCase() + text.slice(1);
}

// ---- status badges: the colour repeats what the text says ----

const TONES = {
  ok: ['completed', 'success', 'sent', 'closed', 'healthy', 'resolved', 'active'],
  info: ['running', 'info'],
  warn: ['partially_failed', 'half_open', 'degraded', 'warning', 'medium'],
  error: ['failed', 'timed_out', 'open', 'unhealthy', 'error', 'critical', 'bounced', 'high'],
};

export function toneOf(value) {
  const key = String(value ?? '').toLowerCase();
  return Object.keys(TONES).find((tone) => TONES[tone].includes(key)) ?? 'neutral';
}

export function badge(value, { label, testid, tone } = {}) {
  return h('span', {
    class: `badge tone-${tone ?? toneOf(value)}`,
    'data-status': value ?? '',
    'data-testid': testid,
  }, label ?? humanize(value));
}

// ---- tables: a th for the row's name, data-label on every cell for the stacked phone layout ----

export function dataTable({ caption, columns, testid, captionHidden = false }) {
  const tbody = h('tbody');
  const table = h('table', { class: 'data', 'data-testid': testid },
    h('caption', { class: captionHidden ? 'visually-hidden' : null }, caption),
    h('thead', {}, h('tr', {}, columns.map((label) => h('th', { scope: 'col' }, label)))),
    tbody);
  return { element: h('div', { class: 'table-wrap' }, table), table, tbody };
}

// The content sits in one wrapper so that the stacked layout's label and value form exactly two grid items.
export const rowHeader = (label, ...children) => h('th', { scope: 'row', 'data-label': label }, h('div', { class: 'cell' }, ...children));
export const cell = (label, ...children) => h('td', { 'data-label': label }, h('div', { class: 'cell' }, ...children));

export function section(title, ...children) {
  const id = uniqueId('section');
  return h('section', { 'aria-labelledby': id }, h('h2', { id }, title), ...children);
}

let counter = 0;
export const uniqueId = (prefix) => `${prefix}-${++counter}`;

/** A paragraph for a section's own error; hidden while there is none. */
export function errorSlot() {
  const el = h('p', { class: 'error-text', hidden: true });
  return {
    element: el,
    show(error) {
      setText(el, error?.message ?? String(error));
      el.hidden = false;
    },
    clear() {
      el.hidden = true;
    },
  };
}

export function notAllowed(what) {
  return h('p', { class: 'notice' }, `Your role does not allow this: ${what}`);
}

/** An http(s) link to an outside page, opened in a new tab without handing it our window. */
export function externalLink(url, text) {
  const safe = /^https?:\/\//i.test(url ?? '');
  return safe
    ? h('a', { href: url, target: '_blank', rel: 'noopener noreferrer' }, text, h('span', { class: 'visually-hidden' }, ' (opens in a new tab)'))
    : h('span', {}, url || '—');
}

// ---- charts: SVG rendered by our own server, fetched with the bearer token ----

/** A <figure> whose `refresh()` (re)loads the chart; the SVG is replaced only when it changed. */
export function chart(name, caption, url) {
  const captionId = uniqueId('chart');
  const body = h('div', { class: 'chart-body' }, h('p', { class: 'muted' }, 'Loading chart…'));
  const element = h('figure', { class: 'chart', 'data-testid': `chart-${name}` },
    body, h('figcaption', { id: captionId }, caption));
  let last = null;

  async function refresh(signal) {
    try {
      const svg = await api(url, { accept: 'image/svg+xml', signal });
      if (svg === last) return;
      body.replaceChildren(importSvg(svg, captionId));
      last = svg;
    } catch (error) {
      if (isAbort(error)) return;
      last = null;
      body.replaceChildren(h('p', { class: 'muted' }, `Chart unavailable: ${error.message}`));
    }
  }

  return { element, refresh };
}

function importSvg(text, labelledBy) {
  const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
  const root = doc.documentElement;
  if (root.localName !== 'svg' || doc.getElementsByTagName('parsererror').length > 0) {
    throw new Error('the server did not send an SVG image.');
  }
  // Our server drew it, but scripts and handlers have no business in a chart: drop them all the same.
  root.querySelectorAll('script, foreignObject').forEach((node) => node.remove());
  for (const el of [root, ...root.querySelectorAll('*')]) {
    for (const attr of [...el.attributes]) {
      if (/^on/i.test(attr.name) || (/href$/i.test(attr.name) && /^\s*javascript:/i.test(attr.value))) {
        el.removeAttribute(attr.name);
      }
    }
  }
  const width = parseFloat(root.getAttribute('width'));
  const height = parseFloat(root.getAttribute('height'));
  if (!root.hasAttribute('viewBox') && width > 0 && height > 0) {
    root.setAttribute('viewBox', `0 0 ${width} ${height}`); // lets CSS scale it down on a phone
  }
  root.setAttribute('role', 'img');
  if (!root.querySelector(':scope > title')) {
    root.setAttribute('aria-labelledby', labelledBy);
  }
  return document.importNode(root, true);
}

// ---- polling ----

/**
 * Runs `refresh` now and then every `ms` while the tab is visible, until `signal` aborts. A refresh never
 * overlaps another; `now()` asks for one at once (after the running one, if any).
 */
export function poll(refresh, ms, signal) {
  let timer = null;
  let running = false;
  let again = false;

  async function tick() {
    clearTimeout(timer);
    if (signal.aborted || document.visibilityState !== 'visible') return;
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      await refresh();
    } catch (error) {
      if (!isAbort(error)) console.warn('Refresh failed', error);
    } finally {
      running = false;
    }
    if (signal.aborted) return;
    if (again) {
      again = false;
      tick();
    } else {
      timer = setTimeout(tick, ms);
    }
  }

  const onVisibility = () => tick();
  document.addEventListener('visibilitychange', onVisibility);
  signal.addEventListener('abort', () => {
    clearTimeout(timer);
    document.removeEventListener('visibilitychange', onVisibility);
  });
  tick();
  return { now: tick };
}
