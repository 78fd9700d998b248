// #/sign-in: development sign-in (user and business, or a pasted token) or Entra ID (authorization code + PKCE).
import { DASHBOARD, api, decodeJwt, isAbort, session } from './api.js';
import { errorSlot, h, section, uniqueId } from './ui.js';

const PKCE_KEY = 'clientmonitor.pkce';

export async function signInPage(ctx) {
  const { main, signal } = ctx;
  const error = errorSlot();
  const body = h('div', {}, h('p', { class: 'muted' }, 'Loading the sign-in options…'));
  main.append(h('h1', { tabindex: '-1' }, 'Sign in to ClientMonitor'), error.element, body);

  let config;
  try {
    config = await api(`${DASHBOARD}config.json`, { auth: false, signal });
  } catch (e) {
    if (isAbort(e)) return;
    error.show(new Error(`The sign-in options could not be loaded: ${e.message}`));
    body.replaceChildren(pasteTokenForm(ctx));
    return;
  }

  body.replaceChildren(...(config?.sign_in === 'entra'
    ? [entraForm(config, error)]
    : [developmentForm(ctx, error), pasteTokenForm(ctx)]));
}

function field(label, input) {
  input.id = uniqueId('field');
  return h('div', { class: 'field' }, h('label', { for: input.id }, label), input);
}

function developmentForm(ctx, error) {
  const user = h('input', { name: 'user_id', required: true, autocomplete: 'username', 'data-testid': 'dev-user' });
  const business = h('input', { name: 'business_id', required: true, 'data-testid': 'dev-business' });
  user.value = 'ana';
  business.value = 'demo-business';
  const submit = h('button', { type: 'submit', class: 'primary', 'data-testid': 'sign-in-submit' }, 'Sign in');
  const form = h('form', { class: 'card', 'data-testid': 'sign-in-form' },
    h('p', { class: 'muted' }, 'Development sign-in: the local app issues a token for a user of a business.'),
    field('User id', user), field('Business id', business), h('div', { class: 'actions' }, submit));

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.clear();
    submit.setAttribute('aria-disabled', 'true');
    try {
      const result = await api(`${DASHBOARD}dev-sign-in`, {
        method: 'POST', auth: false, signal: ctx.signal, body: { user_id: user.value.trim(), business_id: business.value.trim() },
      });
      finish(ctx, result?.token);
    } catch (e) {
      if (!isAbort(e)) error.show(e);
    } finally {
      submit.removeAttribute('aria-disabled');
    }
  });
  return form;
}

function pasteTokenForm(ctx) {
  const token = h('textarea', { name: 'token', rows: '4', spellcheck: 'false', autocomplete: 'off', 'data-testid': 'paste-token' });
  const problem = errorSlot();
  const form = h('form', { class: 'card', 'data-testid': 'paste-token-form' },
    field('Or paste a token from ./scripts/token.sh', token),
    problem.element,
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Sign in with this token')));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (!decodeJwt(token.value.trim())) {
      problem.show(new Error('This does not look like a token (three base64url parts separated by dots).'));
      token.focus();
      return;
    }
    try {
      finish(ctx, token.value);
    } catch (e) {
      problem.show(e);
    }
  });
  return form;
}

function finish(ctx, token) {
  if (!token) throw new Error('The server answered without a token.');
  session.signIn(token);
  if (!session.user()) {
    session.signOut();
    throw new Error('That token has expired or cannot be read.');
  }
  ctx.announce('Signed in.');
  ctx.go(session.takeReturn() ?? '/now');
}

// ---- Entra ID: OAuth 2.0 authorization code flow with PKCE ----

function entraForm(config, error) {
  const submit = h('button', { type: 'submit', class: 'primary', 'data-testid': 'sign-in-submit' }, 'Sign in with Microsoft');
  const form = h('form', { class: 'card', 'data-testid': 'sign-in-form' },
    h('p', {}, 'You will be sent to Microsoft to sign in, then brought back here.'),
    h('div', { class: 'actions' }, submit));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      await startEntraSignIn(config);
    } catch (e) {
      error.show(e);
    }
  });
  return section('Microsoft Entra ID', form);
}

function base64Url(bytes) {
  return btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

const randomString = (length) => base64Url(crypto.getRandomValues(new Uint8Array(length)));

/** `https://login.microsoftonline.com/{tenant}` from the authority, with or without its `/v2.0` issuer suffix. */
// The server sends the authority without its "/v2.0" suffix.
const authorityBase = (authority) => String(authority ?? '').replace(/\/+$/, '');

// The dashboard's own URL, without query or hash: Entra ID sends the code back here.
const redirectUri = () => location.origin + location.pathname;

async function startEntraSignIn(config) {
  if (!config.authority || !config.client_id || !config.scope || !crypto.subtle) {
    throw new Error('Entra ID sign-in is not configured (authority, client id, scope), or this page is not served over HTTPS.');
  }
  const verifier = randomString(32);
  const state = randomString(16);
  const challenge = base64Url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
  const flow = { verifier, state, endpoint: authorityBase(config.authority), clientId: config.client_id, scope: config.scope ?? '', redirectUri: redirectUri() };
  sessionStorage.setItem(PKCE_KEY, JSON.stringify(flow));

  const query = new URLSearchParams({
    client_id: flow.clientId,
    response_type: 'code',
    response_mode: 'query',
    redirect_uri: flow.redirectUri,
    scope: flow.scope,
    state,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  });
  location.assign(`${flow.endpoint}/oauth2/v2.0/authorize?${query}`);
}

/**
 * On the way back from Entra ID (`?code=...&state=...`): checks the state, redeems the code with the verifier and
 * keeps the access token. Returns true when it signed the user in, false when this was no sign-in response.
 */
export async function completeEntraSignIn() {
  const query = new URLSearchParams(location.search);
  if (!query.has('code') && !query.has('error')) return false;

  const flow = JSON.parse(sessionStorage.getItem(PKCE_KEY) ?? 'null');
  sessionStorage.removeItem(PKCE_KEY);
  history.replaceState(null, '', location.pathname + location.hash); // the code must not stay in the address bar

  // The state first: a crafted link must not get its own text shown on this page.
  if (!flow || flow.state !== query.get('state')) {
    throw new Error('The sign-in response does not match a sign-in started here; please sign in again.');
  }
  if (query.has('error')) {
    throw new Error(`Sign-in failed: ${query.get('error_description') ?? query.get('error')}`);
  }

  const response = await fetch(`${flow.endpoint}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      client_id: flow.clientId,
      code: query.get('code'),
      redirect_uri: flow.redirectUri,
      code_verifier: flow.verifier,
      scope: flow.scope,
    }),
  });
  const result = await response.json().catch(() => ({}));
  if (!response.ok || !result.access_token) {
    throw new Error(`Sign-in failed: ${result.error_description ?? result.error ?? `the token endpoint answered ${response.status}`}`);
  }
  session.signIn(result.access_token);
  return true;
}
