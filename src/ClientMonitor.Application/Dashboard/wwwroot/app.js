// ClientMonitor live operations dashboard: the hash router, the page chrome and the status messages.
import { onUnauthorized, session } from './api.js';
import { alertsPage } from './page-alerts.js';
import { clientPage, clientsPage } from './page-clients.js';
import { eventPage } from './page-event.js';
import { nowPage } from './page-now.js';
import { schedulesPage } from './page-schedules.js';
import { completeEntraSignIn, signInPage } from './signin.js';
import { h, poll, setText } from './ui.js';

const routes = [
  { pattern: /^\/sign-in$/, page: signInPage, isPublic: true },
  { pattern: /^\/now$/, page: nowPage, nav: 'now' },
  { pattern: /^\/clients$/, page: clientsPage, nav: 'clients' },
  { pattern: /^\/clients\/([^/]+)$/, page: clientPage, nav: 'clients' },
  { pattern: /^\/schedules$/, page: schedulesPage, nav: 'schedules' },
  { pattern: /^\/alerts$/, page: alertsPage, nav: 'alerts' },
  { pattern: /^\/events\/([^/]+)$/, page: eventPage },
];

const el = {
  main: document.getElementById('main'),
  nav: document.getElementById('site-nav'),
  account: document.getElementById('account'),
  signedInAs: document.querySelector('[data-testid="signed-in-as"]'),
  signOut: document.querySelector('[data-testid="sign-out"]'),
  status: document.getElementById('status'),
  skip: document.querySelector('.skip-link'),
};

let page = null; // the AbortController of the page on screen: aborting it stops its timers and requests
let firstRender = true;
let statusTimer = null;

/** Says something in the polite live region (and shows it). Errors stay until the next message. */
function announce(message, kind = 'info') {
  clearTimeout(statusTimer);
  el.status.className = `status ${kind === 'error' ? 'status-error' : 'status-info'}`;
  // Emptied first so that the same message twice is read out twice.
  el.status.replaceChildren();
  requestAnimationFrame(() => setText(el.status, message));
  if (kind !== 'error') {
    statusTimer = setTimeout(() => el.status.replaceChildren(), 12000);
  }
}

function setTitle(text) {
  document.title = text ? `${text} · ClientMonitor` : 'ClientMonitor';
}

function go(path) {
  if (location.hash === `#${path}`) {
    render();
  } else {
    location.hash = `#${path}`;
  }
}

function safeDecode(value) {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

function updateChrome(user, nav) {
  el.nav.hidden = !user;
  el.account.hidden = !user;
  const where = user?.business ? ` of ${user.business}` : '';
  setText(el.signedInAs, user ? `${user.name} (${user.role}${where})` : '');
  for (const link of el.nav.querySelectorAll('a[data-nav]')) {
    if (link.dataset.nav === nav) {
      link.setAttribute('aria-current', 'page');
    } else {
      link.removeAttribute('aria-current');
    }
  }
}

function render() {
  if (location.hash && !location.hash.startsWith('#/')) return; // an in-page anchor, not a route
  if (!location.hash) {
    history.replaceState(null, '', '#/now');
  }
  const path = location.hash.slice(1);
  const route = routes.find((r) => r.pattern.test(path));
  if (!route) {
    location.replace('#/now');
    return;
  }

  const user = session.user();
  if (!route.isPublic && !user) {
    session.signOut();
    session.rememberReturn(path);
    location.replace('#/sign-in');
    return;
  }

  page?.abort();
  page = new AbortController();
  const { signal } = page;
  updateChrome(user, route.nav);
  el.main.replaceChildren();
  const ctx = {
    main: el.main,
    user,
    signal,
    announce,
    go,
    setTitle,
    every: (ms, refresh) => poll(refresh, ms, signal),
  };

  try {
    const params = path.match(route.pattern).slice(1).map(safeDecode);
    Promise.resolve(route.page(ctx, ...params)).catch((error) => showFailure(error, signal));
  } catch (error) {
    showFailure(error, signal);
  }

  const heading = el.main.querySelector('h1');
  setTitle(heading?.textContent);
  if (!firstRender) {
    window.scrollTo(0, 0);
    heading?.focus(); // tells screen reader users that the page changed
  }
  firstRender = false;
}

function showFailure(error, signal) {
  if (signal.aborted || error?.name === 'AbortError') return;
  el.main.append(h('p', { class: 'error-text' }, `This page failed: ${error?.message ?? error}`));
}

function signOut() {
  session.signOut();
  announce('Signed out.');
  go('/sign-in');
}

// A 401 from any call: the token expired or was refused. Back to sign-in, then back here.
onUnauthorized(() => {
  const path = location.hash.slice(1);
  session.signOut();
  page?.abort();
  if (path && path !== '/sign-in') {
    session.rememberReturn(path);
  }
  announce('Your session has ended. Please sign in again.', 'error');
  location.replace('#/sign-in');
});

async function boot() {
  el.signOut.addEventListener('click', signOut);
  // The skip link's #main would be taken for a route: move focus ourselves.
  el.skip.addEventListener('click', (event) => {
    event.preventDefault();
    el.main.focus();
  });
  window.addEventListener('hashchange', render);

  try {
    if (await completeEntraSignIn()) {
      history.replaceState(null, '', `#${session.takeReturn() ?? '/now'}`);
    }
  } catch (error) {
    history.replaceState(null, '', '#/sign-in');
    announce(error.message, 'error');
  }
  render();
}

boot();
