// Monitoring events: reading the API's event shape, and the events table shared by the Clients and client pages.
import { enc } from './api.js';
import { badge, cell, dataTable, formatNumber, h, humanize, rowHeader, syncList, time } from './ui.js';

/** The EventCategory enum of ClientMonitor.Core, as the API spells it. */
export const CATEGORIES = [
  'expansion', 'acquisition', 'funding', 'leadership_change', 'layoffs', 'legal',
  'financial_results', 'product_launch', 'partnership', 'risk', 'other',
];

/**
 * One event in the names this page uses. The API sends `relevance`, `sentiment`, `risk`, `insight` (an object) and
 * `created_at`; the older names (`relevance_score`, `insights` as a list, `detected_at`...) are read as well.
 */
export function eventView(event) {
  return {
    id: event.id,
    clientId: event.client_id,
    title: event.title || '(untitled event)',
    summary: event.summary,
    url: event.url,
    source: event.source,
    category: event.category,
    relevance: event.relevance ?? event.relevance_score,
    sentiment: event.sentiment ?? event.sentiment_score,
    risk: event.risk ?? event.risk_level,
    detectedAt: event.created_at ?? event.detected_at,
    publishedAt: event.published_at,
    classifier: event.classifier,
    classificationNote: event.classification_note,
    crm: event.crm,
    jobRunId: event.job_run_id,
    insight: insightOf(event),
  };
}

function insightOf(event) {
  if (event.insight && typeof event.insight === 'object') {
    return {
      texts: [event.insight.text].filter(Boolean),
      actions: Array.isArray(event.insight.recommended_actions) ? event.insight.recommended_actions : [],
      urgency: event.insight.urgency ?? null,
      generator: event.insight.generator ?? null,
    };
  }
  if (Array.isArray(event.insights) && event.insights.length > 0) {
    return { texts: event.insights.map(String), actions: [], urgency: null, generator: null };
  }
  return null;
}

/** Sentiment as the emails word it: ±0.25 and beyond is positive or negative. */
export function sentimentText(value) {
  if (typeof value !== 'number') return '—';
  const word = value >= 0.25 ? 'positive' : value <= -0.25 ? 'negative' : 'neutral';
  return `${value > 0 ? '+' : ''}${value.toFixed(2)} (${word})`;
}

export function categoryLabel(category) {
  return h('span', { class: 'tag' }, humanize(category));
}

function insightCell(insight) {
  if (!insight) return h('span', { class: 'muted' }, 'None');
  return h('div', { class: 'insight' },
    insight.texts.map((text) => h('p', {}, text)),
    insight.urgency ? h('p', { class: 'muted' }, `Urgency: ${insight.urgency}`) : null);
}

/** A table of events; `update(events, clientName)` brings it up to date in place. */
export function eventsTable({ caption, showClient = true }) {
  const columns = ['Event', ...(showClient ? ['Client'] : []), 'Category', 'Relevance', 'Sentiment', 'Risk', 'Insight', 'Detected'];
  const table = dataTable({ caption, columns, captionHidden: true });
  const empty = h('p', { class: 'muted', hidden: true }, 'No events match.');
  const element = h('div', {}, table.element, empty);

  function update(events, clientName = (id) => id) {
    const views = events.map(eventView);
    syncList(table.tbody, views, (e) => e.id, (e) => row(e, showClient, clientName),
      (e) => JSON.stringify([e, showClient ? clientName(e.clientId) : null]));
    empty.hidden = views.length > 0;
    table.element.hidden = views.length === 0;
  }

  return { element, update };
}

function row(e, showClient, clientName) {
  return h('tr', { 'data-testid': `event-row-${e.id}` },
    rowHeader('Event', h('a', { href: `#/events/${enc(e.id)}` }, e.title)),
    showClient ? cell('Client', h('a', { href: `#/clients/${enc(e.clientId)}` }, clientName(e.clientId))) : null,
    cell('Category', categoryLabel(e.category)),
    cell('Relevance', formatNumber(e.relevance)),
    cell('Sentiment', sentimentText(e.sentiment)),
    cell('Risk', badge(e.risk)),
    cell('Insight', insightCell(e.insight)),
    cell('Detected', time(e.detectedAt)));
}
