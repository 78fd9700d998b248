// #/events/{id}: everything about one event; the target of the "View event" links in emails.
import { API, api, enc, isAbort } from './api.js';
import { categoryLabel, eventView, sentimentText } from './events.js';
import { badge, errorSlot, externalLink, formatNumber, h, humanize, section, setText, time } from './ui.js';

export async function eventPage(ctx, eventId) {
  const { main, signal } = ctx;
  const heading = h('h1', { tabindex: '-1', 'data-testid': 'event-title' }, 'Event');
  const error = errorSlot();
  const body = h('div', { class: 'event' }, h('p', { class: 'muted' }, 'Loading the event…'));
  main.append(h('p', { class: 'breadcrumb' }, h('a', { href: '#/clients' }, 'All clients')), heading, error.element, body);

  try {
    const e = eventView(await api(`${API}/events/${enc(eventId)}`, { signal }));
    setText(heading, e.title);
    ctx.setTitle(e.title);
    body.replaceChildren(...eventDetails(e, e.clientId));
    const client = await api(`${API}/clients/${enc(e.clientId)}`, { signal }).catch((err) => (isAbort(err) ? Promise.reject(err) : null));
    if (client?.name) {
      body.querySelector('[data-client-link]')?.replaceChildren(client.name);
    }
  } catch (e) {
    if (isAbort(e)) return;
    body.replaceChildren();
    error.show(e);
  }
}

function eventDetails(e, clientId) {
  const facts = [
    ['Client', h('a', { href: `#/clients/${enc(clientId)}`, 'data-client-link': '' }, clientId)],
    ['Category', categoryLabel(e.category)],
    ['Relevance', formatNumber(e.relevance)],
    ['Sentiment', sentimentText(e.sentiment)],
    ['Risk', badge(e.risk)],
    ['Detected', time(e.detectedAt)],
    ['Published', time(e.publishedAt)],
    ['Source', humanize(e.source)],
    ['Classified by', e.classifier ? `${e.classifier}${e.classificationNote ? ` (${e.classificationNote})` : ''}` : '—'],
  ];
  return [
    h('dl', { class: 'facts' }, facts.flatMap(([term, value]) => [h('dt', {}, term), h('dd', {}, value)])),
    section('Summary', h('p', {}, e.summary || 'No summary.')),
    section('Insight', insightBlock(e.insight)),
    e.crm ? section('CRM context', crmBlock(e.crm)) : null,
    h('p', { class: 'source-link' }, externalLink(e.url, `Read the original article${hostOf(e.url)}`)),
  ].filter(Boolean);
}

function hostOf(url) {
  try {
    return ` on ${new URL(url).hostname}`;
  } catch {
    return '';
  }
}

function insightBlock(insight) {
  if (!insight) return h('p', { class: 'muted' }, 'No insight for this event (insights are written for events of relevance 0.7 and above).');
  return h('div', { class: 'insight' },
    insight.texts.map((text) => h('p', {}, text)),
    insight.actions.length ? [h('h3', {}, 'Recommended actions'), h('ul', {}, insight.actions.map((a) => h('li', {}, a)))] : null,
    insight.urgency || insight.generator
      ? h('p', { class: 'muted' }, [insight.urgency && `Urgency: ${insight.urgency}`, insight.generator && `written by ${insight.generator}`].filter(Boolean).join(' · '))
      : null);
}

function crmBlock(crm) {
  const facts = [
    ['Provider', crm.provider],
    ['Account', crm.account_name || '—'],
    ['Contacts', crm.contacts],
    ['Open opportunities', crm.open_opportunities],
    ['Open pipeline', crm.open_pipeline_amount],
    ['Open cases', `${crm.open_cases ?? 0} (${crm.high_priority_cases ?? 0} high priority)`],
    ['Last activity', time(crm.last_activity_at)],
    ['Engagement', formatNumber(crm.engagement_score)],
    ['At-risk signals', crm.at_risk_signals?.length ? crm.at_risk_signals.map(humanize).join(', ') : 'None'],
  ];
  return h('dl', { class: 'facts' }, facts.flatMap(([term, value]) => [h('dt', {}, term), h('dd', {}, value ?? '—')]));
}
