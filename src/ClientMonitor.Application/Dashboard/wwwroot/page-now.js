// #/now: job runs in progress with their clients, recent runs, and (for admins) "Run monitoring now".
import { API, api, enc, isAbort, isAdmin, isOperator } from './api.js';
import {
  badge, cell, chart, dataTable, errorSlot, formatDuration, h, humanize, notAllowed, rowHeader, section, syncList, time,
} from './ui.js';

const ACTIVE = new Set(['running', 'pending']);
const isActive = (run) => ACTIVE.has(run.status);

export function nowPage(ctx) {
  const { main, user, signal } = ctx;
  main.append(h('h1', { tabindex: '-1' }, 'Now'));
  if (isOperator(user)) {
    main.append(notAllowed('job runs belong to a business, and operators have none.'));
    return;
  }

  const error = errorSlot();
  const cards = h('div', { class: 'run-cards' });
  const idle = h('p', { class: 'muted' }, 'No job run is in progress.');
  const recent = dataTable({
    caption: 'The 20 most recent job runs, newest first',
    columns: ['Started', 'Job', 'Trigger', 'Status', 'Clients', 'Duration', 'Results'],
    captionHidden: true,
  });
  const durations = chart('job-durations', 'Duration of the last 20 job runs', `${API}/dashboard/charts/job-durations.svg?limit=20`);
  const started = new Map(); // runs started here, shown until the recent list has them
  let wasActive = new Set();
  let finishedKey = null;
  let ticks = 0;

  const runNow = isAdmin(user) ? runNowButton() : null;
  main.append(
    runNow ? h('div', { class: 'toolbar' }, runNow, h('span', { class: 'muted' }, 'Runs every active client on the mock providers.')) : null,
    error.element,
    section('In progress', idle, cards),
    section('Recent runs', recent.element),
    section('Run durations', durations.element),
  );

  const poller = ctx.every(3000, refresh);

  async function refresh() {
    try {
      const runs = await currentRuns();
      error.clear();
      announceFinished(runs);
      syncList(recent.tbody, runs, (r) => r.id, runRow, runSignature);
      const active = runs.filter(isActive);
      syncList(cards, active, (r) => r.id, runCard);
      idle.hidden = active.length > 0;
      await refreshChart(runs);
    } catch (e) {
      if (isAbort(e)) throw e;
      error.show(e);
    }
  }

  /** The recent runs, with each active one replaced by its single-run view (live progress and client runs). */
  async function currentRuns() {
    const { jobs = [] } = await api(`${API}/scheduler/jobs/recent?limit=20`, { signal }) ?? {};
    for (const run of jobs) started.delete(run.id);
    const runs = [...started.values(), ...jobs];
    return Promise.all(runs.map((run) => (isActive(run) ? details(run) : run)));
  }

  async function details(run) {
    try {
      return await api(`${API}/job-runs/${enc(run.id)}`, { signal });
    } catch (e) {
      if (isAbort(e)) throw e;
      return run; // the list's view is still worth showing
    }
  }

  function announceFinished(runs) {
    for (const run of runs) {
      if (wasActive.has(run.id) && !isActive(run)) {
        ctx.announce(`Job run started ${new Date(run.started_at).toLocaleTimeString()} finished: ${statusLabel(run.status)}, ${run.clients_finished} of ${run.clients_total} clients.`);
      }
    }
    wasActive = new Set(runs.filter(isActive).map((r) => r.id));
  }

  // The chart changes when a run finishes; otherwise every fifth tick (15 s) is often enough.
  async function refreshChart(runs) {
    const key = runs.filter((r) => !isActive(r)).map((r) => r.id).join();
    if (key !== finishedKey || ticks++ % 5 === 0) {
      finishedKey = key;
      await durations.refresh(signal);
    }
  }

  function runNowButton() {
    let busy = false;
    const button = h('button', { type: 'button', class: 'primary', 'data-testid': 'run-now' }, 'Run monitoring now');
    button.addEventListener('click', async () => {
      if (busy) return;
      busy = true;
      button.setAttribute('aria-disabled', 'true');
      try {
        const run = await api(`${API}/monitoring-jobs/execute`, { method: 'POST', body: { force_mock: true }, signal });
        if (run?.id) started.set(run.id, run);
        ctx.announce(`Monitoring run started for ${run?.clients_total ?? 'all'} clients.`);
        poller.now();
      } catch (e) {
        if (!isAbort(e)) ctx.announce(e.message, 'error');
      } finally {
        busy = false;
        button.removeAttribute('aria-disabled');
      }
    });
    return button;
  }
}

function statusLabel(status) {
  return humanize(status);
}

// A running run's row shows its elapsed time, so its signature changes every second.
function runSignature(run) {
  return JSON.stringify(run) + (isActive(run) ? Math.floor(elapsedSeconds(run)) : '');
}

function elapsedSeconds(run) {
  return Math.max(0, (Date.now() - new Date(run.started_at).getTime()) / 1000);
}

function runRow(run) {
  return h('tr', { 'data-testid': `run-${run.id}` },
    rowHeader('Started', time(run.started_at)),
    cell('Job', humanize(run.job_type)),
    cell('Trigger', humanize(run.trigger)),
    cell('Status', badge(run.status, { testid: `run-status-${run.id}`, label: statusLabel(run.status) })),
    cell('Clients', progress(run)),
    cell('Duration', isActive(run) ? `${formatDuration(elapsedSeconds(run))} so far` : formatDuration(run.duration_seconds)),
    cell('Results', countsText(run.counts), run.error ? h('p', { class: 'error-text' }, run.error) : null));
}


function progress(run) {
  const total = Number(run.clients_total) || 0;
  const finished = Number(run.clients_finished) || 0;
  const failed = Number(run.clients_failed) || 0;
  const text = `${finished} of ${total} finished${failed ? `, ${failed} failed` : ''}`;
  return h('div', { class: 'progress' },
    h('progress', { max: Math.max(total, 1), value: Math.min(finished, Math.max(total, 1)), 'aria-label': text, 'data-testid': `run-progress-${run.id}` }),
    h('span', {}, text));
}

const COUNT_ORDER = ['events_created', 'items_found', 'new_items', 'insights_generated', 'notifications_created', 'emails_queued'];

/** The run's non-zero counts, best known first; the counts are a map of numbers, new ones included as they come. */
function countsText(counts) {
  const entries = Object.entries(counts ?? {}).filter(([, n]) => typeof n === 'number' && n !== 0);
  if (entries.length === 0) return h('span', { class: 'muted' }, 'Nothing yet');
  const rank = (key) => (COUNT_ORDER.includes(key) ? COUNT_ORDER.indexOf(key) : COUNT_ORDER.length);
  entries.sort(([a], [b]) => rank(a) - rank(b));
  return h('ul', { class: 'counts' }, entries.map(([key, n]) => h('li', {}, `${humanize(key).toLowerCase()}: ${n}`)));
}

function runCard(run) {
  const headingId = `run-card-${run.id}`;
  const clientRuns = [...(run.client_runs ?? [])].sort((a, b) => String(a.client_name).localeCompare(String(b.client_name)));
  return h('article', { class: 'run-card', 'aria-labelledby': headingId },
    h('h3', { id: headingId }, `${humanize(run.job_type)} run, started `, time(run.started_at)),
    h('p', {}, `${run.clients_finished ?? 0} of ${run.clients_total ?? 0} clients finished`,
      run.clients_failed ? `, ${run.clients_failed} failed` : '',
      run.orchestration_status ? `. Orchestration: ${run.orchestration_status}.` : '.'),
    clientRuns.length
      ? h('ul', { class: 'client-runs', 'aria-label': 'Clients of this run' }, clientRuns.map((c) => clientRunItem(run, c)))
      : h('p', { class: 'muted' }, 'Waiting for the per-client progress…'));
}

function clientRunItem(run, c) {
  // A client run is `pending` until it finishes; once its activity started it is running.
  const status = c.status === 'pending' && c.started_at ? 'running' : c.status;
  return h('li', { 'data-testid': `client-run-${run.id}-${c.client_id}` },
    h('span', { class: 'client-name' }, c.client_name || c.client_id),
    ' ',
    badge(status, { label: status === 'pending' ? 'Waiting' : humanize(status) }),
    c.counts?.events_created ? h('span', { class: 'muted' }, ` ${c.counts.events_created} events`) : null,
    c.error ? h('span', { class: 'error-text' }, ` ${c.error}`) : null);
}
