// #/schedules: each schedule's next and last run, outcome and failures; admins activate, deactivate and run them.
import { API, api, enc, isAbort, isAdmin, isOperator } from './api.js';
import { badge, cell, dataTable, errorSlot, h, humanize, notAllowed, rowHeader, setText, syncList, time } from './ui.js';

export function schedulesPage(ctx) {
  const { main, user, signal } = ctx;
  main.append(h('h1', { tabindex: '-1' }, 'Schedules'));
  if (isOperator(user)) {
    main.append(notAllowed('schedules belong to a business, and operators have none.'));
    return;
  }

  const admin = isAdmin(user);
  const error = errorSlot();
  const note = h('p', { class: 'muted' });
  const columns = ['Schedule', 'When', 'Active', 'Next run', 'Last run', 'Last outcome', 'Consecutive failures'];
  const table = dataTable({ caption: 'Automation schedules', columns: admin ? [...columns, 'Actions'] : columns, captionHidden: true });
  const busy = new Set(); // ids with an action in flight
  let schedules = [];
  main.append(error.element, note, table.element);

  const poller = ctx.every(15000, refresh);

  async function refresh() {
    try {
      const list = await api(`${API}/automation-schedules?limit=100`, { signal });
      error.clear();
      schedules = list?.schedules ?? [];
      const count = list?.total ?? schedules.length;
      setText(note, schedules.length ? `${count} ${count === 1 ? 'schedule' : 'schedules'}.` : 'No schedules yet.');
      render();
    } catch (e) {
      if (isAbort(e)) throw e;
      error.show(e);
    }
  }

  function render() {
    syncList(table.tbody, schedules, (s) => s.id, (s) => scheduleRow(s, admin ? actions(s) : null),
      (s) => JSON.stringify([s, busy.has(s.id)]));
  }

  function actions(schedule) {
    const id = schedule.id;
    const button = (action, label, testid) => h('button', {
      type: 'button',
      'data-testid': `${testid}-${id}`,
      'aria-disabled': busy.has(id) ? 'true' : null,
      onclick: () => act(schedule, action),
    }, label, h('span', { class: 'visually-hidden' }, ` ${schedule.name}`));
    return h('div', { class: 'row-actions' },
      schedule.is_active
        ? button('deactivate', 'Deactivate', 'schedule-deactivate')
        : button('activate', 'Activate', 'schedule-activate'),
      button('trigger', 'Run now', 'schedule-trigger'));
  }

  async function act(schedule, action) {
    if (busy.has(schedule.id)) return;
    busy.add(schedule.id);
    render();
    try {
      const result = await api(`${API}/automation-schedules/${enc(schedule.id)}/${action}`, { method: 'POST', signal });
      if (action === 'trigger') {
        ctx.announce(`Schedule “${schedule.name}” started a job run for ${result?.clients_total ?? 'its'} clients; follow it on the Now page.`);
      } else {
        schedules = schedules.map((s) => (s.id === schedule.id && result ? result : s));
        ctx.announce(`Schedule “${schedule.name}” ${action === 'activate' ? 'activated' : 'deactivated'}.`);
      }
    } catch (e) {
      if (isAbort(e)) return;
      ctx.announce(e.message, 'error');
    } finally {
      busy.delete(schedule.id);
    }
    render();
    // The button pressed may have been swapped for its opposite: keep the keyboard user in the row.
    if (action !== 'trigger') {
      const other = action === 'activate' ? 'schedule-deactivate' : 'schedule-activate';
      main.querySelector(`[data-testid="${CSS.escape(`${other}-${schedule.id}`)}"]`)?.focus();
    }
    poller.now();
  }
}

function whenText(s) {
  const parts = [humanize(s.schedule_type)];
  if (s.schedule_type === 'custom' && s.cron_expression) parts.push(`cron ${s.cron_expression}`);
  if (s.time_zone) parts.push(s.time_zone);
  return parts.join(' · ');
}

function outcome(s) {
  const status = s.last_run_status ?? s.last_status;
  if (!status) return h('span', { class: 'muted' }, 'Not run yet');
  return h('div', {},
    badge(status),
    s.last_error_message ? h('p', { class: 'error-text' }, s.last_error_message) : null,
    s.last_skip_reason ? h('p', { class: 'muted' }, `Skipped: ${s.last_skip_reason}`) : null);
}

function scheduleRow(s, actions) {
  const failures = Number(s.consecutive_failures) || 0;
  return h('tr', { 'data-testid': `schedule-row-${s.id}` },
    rowHeader('Schedule', h('span', { class: 'name' }, s.name || s.id),
      h('span', { class: 'muted block' }, humanize(s.job_type)),
      s.description ? h('span', { class: 'muted block' }, s.description) : null),
    cell('When', whenText(s)),
    cell('Active', badge(s.is_active ? 'active' : 'inactive', { label: s.is_active ? 'Active' : 'Inactive' })),
    cell('Next run', s.is_active ? time(s.next_run_at ?? s.next_run) : h('span', { class: 'muted' }, 'Not scheduled (inactive)')),
    cell('Last run', time(s.last_run_at ?? s.last_run)),
    cell('Last outcome', outcome(s)),
    cell('Consecutive failures', failures ? badge('failed', { label: String(failures) }) : '0'),
    actions ? cell('Actions', actions) : null);
}
