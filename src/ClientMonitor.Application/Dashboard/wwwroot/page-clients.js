// #/clients: the business's clients with their latest events, and the events themselves, filtered.
// #/clients/{id}: one client, its events over time (chart) and its events.
import { API, api, enc, isAbort, isOperator } from './api.js';
import { CATEGORIES, categoryLabel, eventView, eventsTable } from './events.js';
import {
  badge, cell, chart, dataTable, errorSlot, formatNumber, h, humanize, notAllowed, rowHeader, section, setText, syncList, uniqueId,
} from './ui.js';

const LATEST_PER_CLIENT = 3;

// Kept while the app is open, so that coming back to Clients keeps the filters.
const filters = { category: '', minRelevance: '', from: '', to: '' };

export function clientsPage(ctx) {
  const { main, user, signal } = ctx;
  main.append(h('h1', { tabindex: '-1' }, 'Clients'));
  if (isOperator(user)) {
    main.append(notAllowed('clients belong to a business, and operators have none.'));
    return;
  }

  const error = errorSlot();
  const clientsNote = h('p', { class: 'muted' });
  const clients = dataTable({
    caption: 'Clients, each with its latest events matching the filters',
    columns: ['Client', 'Domain', 'Industry', 'Status', 'Latest events'],
    captionHidden: true,
  });
  const eventsNote = h('p', { class: 'muted' });
  const events = eventsTable({ caption: 'Events matching the filters, newest first' });
  let announceCount = false;

  main.append(
    filterForm(() => {
      announceCount = true;
      poller.now();
    }),
    error.element,
    section('Clients', clientsNote, clients.element),
    section('Events', eventsNote, events.element),
  );

  const poller = ctx.every(15000, refresh);

  async function refresh() {
    try {
      const [clientList, eventList] = await Promise.all([
        api(`${API}/clients?limit=100`, { signal }),
        api(eventsPath(filters), { signal }),
      ]);
      error.clear();
      const all = clientList?.clients ?? [];
      const found = eventList?.events ?? [];
      const names = new Map(all.map((c) => [c.id, c.name]));
      const byClient = groupByClient(found);

      setText(clientsNote, countText(all.length, clientList, 'client'));
      syncList(clients.tbody, all, (c) => c.id, (c) => clientRow(c, byClient.get(c.id) ?? []),
        (c) => JSON.stringify([c, byClient.get(c.id) ?? []]));
      setText(eventsNote, countText(found.length, eventList, 'event'));
      events.update(found, (id) => names.get(id) ?? id);
      if (announceCount) {
        announceCount = false;
        ctx.announce(`${eventList?.total ?? found.length} events match the filters.`);
      }
    } catch (e) {
      if (isAbort(e)) throw e;
      error.show(e);
    }
  }
}

export function clientPage(ctx, clientId) {
  const { main, user, signal } = ctx;
  const heading = h('h1', { tabindex: '-1' }, 'Client');
  main.append(h('p', { class: 'breadcrumb' }, h('a', { href: '#/clients' }, 'All clients')), heading);
  if (isOperator(user)) {
    main.append(notAllowed('clients belong to a business, and operators have none.'));
    return;
  }

  const error = errorSlot();
  const facts = h('dl', { class: 'facts' });
  const history = chart('events-by-category', 'Events of this client by category, last 30 days',
    `${API}/dashboard/charts/events-by-category.svg?days=30&client_id=${enc(clientId)}`);
  const eventsNote = h('p', { class: 'muted' });
  const events = eventsTable({ caption: 'Events of this client, newest first', showClient: false });
  main.append(error.element, facts, section('Event history', history.element), section('Events', eventsNote, events.element));

  ctx.every(15000, async () => {
    try {
      const [client, eventList] = await Promise.all([
        api(`${API}/clients/${enc(clientId)}`, { signal }),
        api(`${API}/events?limit=100&client_id=${enc(clientId)}`, { signal }),
        history.refresh(signal),
      ]);
      error.clear();
      setText(heading, client.name);
      ctx.setTitle(client.name);
      facts.replaceChildren(...clientFacts(client));
      const found = eventList?.events ?? [];
      setText(eventsNote, countText(found.length, eventList, 'event'));
      events.update(found);
    } catch (e) {
      if (isAbort(e)) throw e;
      error.show(e);
    }
  });
}

function clientFacts(client) {
  const list = (items) => (items?.length ? items.join(', ') : '—');
  return [
    ['Domain', client.domain || '—'],
    ['Industry', client.industry || '—'],
    ['Keywords', list(client.keywords)],
    ['Assigned users', list(client.assigned_user_ids)],
    ['Status', client.is_active ? 'Active' : 'Inactive'],
  ].flatMap(([term, value]) => [h('dt', {}, term), h('dd', {}, value)]);
}

// A list page's count: its total when the page reached the end, else "the first N" when a next page exists.
function countText(shown, page, noun) {
  if (typeof page?.total !== 'number' && page?.next) return `Showing the first ${shown} ${noun}s.`;
  const all = typeof page?.total === 'number' ? page.total : shown;
  const plural = all === 1 ? noun : `${noun}s`;
  return shown < all ? `Showing ${shown} of ${all} ${plural}.` : `${all} ${plural}.`;
}

function groupByClient(events) {
  const groups = new Map();
  for (const event of events) {
    const list = groups.get(event.client_id) ?? [];
    if (list.length < LATEST_PER_CLIENT) list.push(event);
    groups.set(event.client_id, list);
  }
  return groups;
}

function clientRow(client, latest) {
  return h('tr', { 'data-testid': `client-row-${client.id}` },
    rowHeader('Client', h('a', { href: `#/clients/${enc(client.id)}` }, client.name || client.id)),
    cell('Domain', client.domain || '—'),
    cell('Industry', client.industry || '—'),
    cell('Status', badge(client.is_active ? 'active' : 'inactive')),
    cell('Latest events', latest.length
      ? h('ul', { class: 'latest' }, latest.map(eventView).map((e) => h('li', {},
        h('a', { href: `#/events/${enc(e.id)}` }, e.title), ' ', categoryLabel(e.category),
        h('span', { class: 'muted' }, ` relevance ${formatNumber(e.relevance)}`))))
      : h('span', { class: 'muted' }, 'No matching events')));
}

/** The query of `GET /events` for the filters; dates are whole local days, `to` inclusive. */
function eventsPath(f) {
  const query = new URLSearchParams({ limit: '100' });
  if (f.category) query.set('category', f.category);
  if (f.minRelevance !== '') query.set('min_relevance', f.minRelevance);
  if (f.from) query.set('from', localDay(f.from).toISOString());
  if (f.to) query.set('to', localDay(f.to, 1).toISOString());
  return `${API}/events?${query}`;
}

function localDay(isoDate, addDays = 0) {
  const [year, month, day] = isoDate.split('-').map(Number);
  return new Date(year, month - 1, day + addDays);
}

function field(label, control) {
  const id = uniqueId('filter');
  control.id = id;
  return h('div', { class: 'field' }, h('label', { for: id }, label), control);
}

function filterForm(onApply) {
  const category = h('select', { name: 'category' },
    h('option', { value: '' }, 'All categories'),
    CATEGORIES.map((c) => h('option', { value: c }, humanize(c))));
  const minRelevance = h('input', { type: 'number', name: 'min_relevance', min: '0', max: '1', step: 'any', inputmode: 'decimal', placeholder: '0 to 1' });
  const from = h('input', { type: 'date', name: 'from' });
  const to = h('input', { type: 'date', name: 'to' });
  category.value = filters.category;
  minRelevance.value = filters.minRelevance;
  from.value = filters.from;
  to.value = filters.to;

  const headingId = uniqueId('filters');
  const form = h('form', { class: 'filters', 'aria-labelledby': headingId, 'data-testid': 'event-filters' },
    h('h2', { id: headingId }, 'Filter events'),
    h('div', { class: 'fields' },
      field('Category', category),
      field('Minimum relevance', minRelevance),
      field('From (date)', from),
      field('To (date, inclusive)', to)),
    h('div', { class: 'actions' },
      h('button', { type: 'submit', class: 'primary' }, 'Apply filters'),
      h('button', { type: 'reset' }, 'Clear filters')));

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    Object.assign(filters, { category: category.value, minRelevance: minRelevance.value, from: from.value, to: to.value });
    onApply();
  });
  form.addEventListener('reset', () => {
    // After the browser has cleared the controls.
    setTimeout(() => form.requestSubmit(), 0);
  });
  return form;
}
