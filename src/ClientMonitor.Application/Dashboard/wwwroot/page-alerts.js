// #/alerts: operational alerts and their channels, email delivery rates, provider health and circuits, and the
// business's events by category.
import { API, api, isAbort, isAdmin, isOperator } from './api.js';
import {
  badge, cell, chart, dataTable, errorSlot, formatDateTime, formatNumber, h, humanize, notAllowed, rowHeader, section, setText,
  syncList, time,
} from './ui.js';

export function alertsPage(ctx) {
  const { main, user, signal } = ctx;
  main.append(h('h1', { tabindex: '-1' }, 'Alerts & delivery'));

  const parts = [
    alertsPart(user, signal),
    emailPart(user, signal),
    providersPart(signal),
    eventsChartPart(user, signal),
  ];
  main.append(...parts.map((p) => p.element));
  ctx.every(15000, () => Promise.all(parts.map((p) => p.refresh?.())));
}

/** Each part catches its own errors, so that one failing call leaves the others on screen. */
function guarded(error, work) {
  return async () => {
    try {
      await work();
      error.clear();
    } catch (e) {
      if (isAbort(e)) throw e;
      error.show(e);
    }
  };
}

// ---- alerts ----

function alertsPart(user, signal) {
  if (!isAdmin(user) && !isOperator(user)) {
    return { element: section('Operational alerts', notAllowed('alerts are for business admins and operators.')) };
  }
  const error = errorSlot();
  const summary = h('p', {});
  const channels = h('p', { class: 'muted' });
  const table = dataTable({
    caption: 'Operational alerts, open ones first',
    columns: ['Alert', 'Severity', 'Status', 'Occurrences', 'Delivered', 'First raised', 'Last raised'],
    testid: 'alerts-table',
    captionHidden: true,
  });
  const element = section('Operational alerts', error.element, summary, channels, table.element);

  const refresh = guarded(error, async () => {
    const list = await api(`${API}/alerts`, { signal });
    const alerts = sortAlerts(list?.alerts ?? []);
    const open = alerts.filter((a) => a.status === 'open').length;
    setText(summary, `${open} open alert${open === 1 ? '' : 's'} (${alerts.length} in all).`);
    const names = list?.channels ?? [];
    setText(channels, names.length ? `Delivered to: ${names.join(', ')}.` : 'No alert channels are configured.');
    if (alerts.length === 0) {
      table.tbody.replaceChildren(h('tr', {}, h('td', { colspan: '7' }, 'No alerts.')));
    } else {
      syncList(table.tbody, alerts, (a) => a.key, alertRow);
    }
  });
  return { element, refresh };
}

function sortAlerts(alerts) {
  const openFirst = (a) => (a.status === 'open' ? 0 : 1);
  return [...alerts].sort((a, b) => openFirst(a) - openFirst(b) || String(b.last_raised_at).localeCompare(String(a.last_raised_at)));
}

function alertRow(a) {
  const title = a.title || humanize(a.alert_type);
  const kind = [humanize(a.alert_type), a.subject].filter((part) => part && part !== title).join(' · ');
  return h('tr', { 'data-testid': `alert-row-${a.key}` },
    rowHeader('Alert', h('span', { class: 'name' }, title),
      kind ? h('span', { class: 'muted block' }, kind) : null,
      a.message ? h('span', { class: 'block' }, a.message) : null),
    cell('Severity', badge(a.severity)),
    cell('Status', badge(a.status), a.resolved_at ? h('span', { class: 'muted block' }, `resolved ${formatDateTime(a.resolved_at)}`) : null),
    cell('Occurrences', String(a.count ?? 0)),
    cell('Delivered', String(a.delivered_count ?? 0),
      a.next_delivery_at ? h('span', { class: 'muted block' }, `next delivery ${formatDateTime(a.next_delivery_at)}`) : null),
    cell('First raised', time(a.first_raised_at)),
    cell('Last raised', time(a.last_raised_at)));
}

// ---- email delivery ----

function emailPart(user, signal) {
  if (isOperator(user)) {
    return { element: section('Email delivery', notAllowed('emails belong to a business, and operators have none.')) };
  }
  const error = errorSlot();
  const scope = h('p', { class: 'muted' }, isAdmin(user) ? 'All emails of your business.' : 'Your own emails.');
  const stats = h('dl', { class: 'stats', 'data-testid': 'email-stats' });
  const byType = h('p', { class: 'muted' });
  const funnel = chart('email-funnel', 'Emails sent, opened and clicked, last 7 days', `${API}/dashboard/charts/email-funnel.svg?days=7`);
  const element = section('Email delivery', error.element, scope, stats, byType, funnel.element);

  const refresh = guarded(error, async () => {
    const [summary] = await Promise.all([api(`${API}/email-logs/stats/summary`, { signal }), funnel.refresh(signal)]);
    stats.replaceChildren(...emailStats(summary ?? {}));
    const types = Object.entries(summary?.by_type ?? {});
    setText(byType, types.length ? `By type: ${types.map(([t, n]) => `${humanize(t).toLowerCase()} ${n}`).join(', ')}.` : '');
  });
  return { element, refresh };
}

function emailStats(s) {
  const rate = (value) => (typeof value === 'number' ? `${formatNumber(value, value % 1 ? 2 : 0)} %` : '—');
  const count = (value) => (typeof value === 'number' ? String(value) : '—');
  return [
    ['Emails', count(s.total_emails)],
    ['Sent', count(s.sent)],
    ['Pending', count(s.pending)],
    ['Failed', count(s.failed)],
    ['Bounced', count(s.bounced)],
    ['Opened', count(s.opened)],
    ['Clicked', count(s.clicked)],
    ['Delivery rate', rate(s.delivery_rate)],
    ['Open rate', rate(s.open_rate)],
    ['Click rate', rate(s.click_rate)],
  ].map(([term, value]) => h('div', { class: 'stat' }, h('dt', {}, term), h('dd', {}, value)));
}

// ---- provider health (anonymous health check) ----

function providersPart(signal) {
  const error = errorSlot();
  const overall = h('p', {});
  const table = dataTable({
    caption: 'Search, CRM and AI providers: circuit and daily quota',
    columns: ['Provider', 'Circuit', 'Quota used today', 'Last failure'],
    testid: 'providers-table',
    captionHidden: true,
  });
  const none = h('p', { class: 'muted', hidden: true }, 'No provider has been called since the app started.');
  const checks = h('ul', { class: 'checks', 'aria-label': 'Other health checks' });
  const element = section('Provider health', error.element, overall, table.element, none, h('h3', {}, 'Other checks'), checks);

  const refresh = guarded(error, async () => {
    // 503 means unhealthy, and its body says why.
    const report = await api('/api/health', { signal, auth: false, alsoOk: [503] });
    const entries = report?.checks ?? report?.entries ?? {};
    overall.replaceChildren('Overall: ', badge(String(report?.status ?? 'unknown').toLowerCase(), { label: report?.status ?? 'Unknown' }),
      report?.mode ? h('span', { class: 'muted' }, ` (hosting mode: ${report.mode})`) : null);

    const providers = Object.entries(entries.providers?.data ?? {}).map(([name, p]) => ({ name, ...(p ?? {}) }));
    syncList(table.tbody, providers, (p) => p.name, providerRow);
    table.element.hidden = providers.length === 0;
    none.hidden = providers.length > 0;

    const others = Object.entries(entries).filter(([name]) => name !== 'providers');
    syncList(checks, others, ([name]) => name, ([name, check]) => h('li', {},
      h('span', { class: 'name' }, humanize(name)), ' ',
      badge(String(check?.status ?? 'unknown').toLowerCase(), { label: check?.status ?? 'Unknown' }),
      check?.description ? h('span', { class: 'muted' }, ` ${check.description}`) : null));
  });
  return { element, refresh };
}

function providerRow(p) {
  const quota = typeof p.dailyQuota === 'number' ? `${p.quotaUsed ?? 0} of ${p.dailyQuota}` : `${p.quotaUsed ?? 0} (no daily limit)`;
  return h('tr', { 'data-testid': `provider-row-${p.name}` },
    rowHeader('Provider', p.name),
    cell('Circuit', badge(p.circuit ?? 'unknown', { label: circuitLabel(p.circuit) })),
    cell('Quota used today', quota),
    cell('Last failure', p.lastFailureAt || p.lastFailure
      ? h('div', {}, time(p.lastFailureAt), p.lastFailure ? h('span', { class: 'block' }, p.lastFailure) : null)
      : h('span', { class: 'muted' }, 'None')));
}

function circuitLabel(circuit) {
  return { closed: 'Closed (calls go through)', open: 'Open (calls refused)', half_open: 'Half open (testing)' }[circuit] ?? humanize(circuit ?? 'unknown');
}

// ---- events by category ----

function eventsChartPart(user, signal) {
  if (isOperator(user)) {
    return { element: section('Events by category', notAllowed('events belong to a business, and operators have none.')) };
  }
  const categories = chart('events-by-category', 'Events of the business by category, last 14 days', `${API}/dashboard/charts/events-by-category.svg?days=14`);
  return { element: section('Events by category', categories.element), refresh: () => categories.refresh(signal) };
}
