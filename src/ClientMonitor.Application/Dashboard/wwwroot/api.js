// The session (bearer token in sessionStorage), the API helper and display-only JWT decoding.

export const DASHBOARD = '/api/dashboard/';
export const API = '/api/v1';

const TOKEN_KEY = 'clientmonitor.token';
const RETURN_KEY = 'clientmonitor.returnTo';

/** An error response, with the problem-details title, detail and field errors when the server sent them. */
export class ApiError extends Error {
  constructor(status, title, detail, fieldErrors) {
    super(describe(status, title, detail, fieldErrors));
    this.name = 'ApiError';
    this.status = status;
    this.title = title;
    this.detail = detail;
  }
}

function describe(status, title, detail, fieldErrors) {
  if (status === 403) {
    return 'Your role does not allow this.' + (detail ? ` ${detail}` : '');
  }
  const fields = Object.entries(fieldErrors ?? {}).map(([field, messages]) => `${field}: ${[].concat(messages).join(' ')}`);
  const main = detail || title || `The server answered ${status}.`;
  return fields.length ? `${main} (${fields.join('; ')})` : main;
}

export const isAbort = (error) => error?.name === 'AbortError';

let unauthorized = () => {};

/** Called on any 401 from an authenticated call: the app sends the user back to sign-in. */
export function onUnauthorized(handler) {
  unauthorized = handler;
}

/**
 * Calls the API with the bearer token. Returns parsed JSON (or text when `accept` is not JSON, null on 204).
 * `alsoOk` lists error statuses whose body is still wanted (the health check answers 503 with its report).
 */
export async function api(path, { method = 'GET', body, accept = 'application/json', signal, auth = true, alsoOk = [] } = {}) {
  const headers = { Accept: accept };
  const token = session.token();
  if (auth && token) {
    headers.Authorization = `Bearer ${token}`;
  }
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
  }

  const response = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    signal,
    cache: 'no-store',
  });

  if (!response.ok && !alsoOk.includes(response.status)) {
    const error = await errorFrom(response);
    if (response.status === 401 && auth) {
      unauthorized(error);
    }
    throw error;
  }

  const text = await response.text();
  if (!text) {
    return null;
  }
  return accept.includes('json') ? JSON.parse(text) : text;
}

async function errorFrom(response) {
  let problem = {};
  try {
    const text = await response.text();
    problem = text ? JSON.parse(text) : {};
  } catch {
    // Not JSON (a proxy's HTML page, say): the status says enough.
  }
  return new ApiError(response.status, problem.title, problem.detail, problem.errors);
}

/** The JWT's payload, decoded for display only: the server verifies the token on every call. */
export function decodeJwt(token) {
  try {
    const part = token.split('.')[1];
    const base64 = part.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(part.length / 4) * 4, '=');
    const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
    const payload = JSON.parse(new TextDecoder().decode(bytes));
    return payload && typeof payload === 'object' ? payload : null;
  } catch {
    return null;
  }
}

// Local tokens carry `role`; Entra ID tokens may carry app roles in `roles` instead.
function roleOf(claims) {
  if (typeof claims.role === 'string') {
    return claims.role;
  }
  const roles = Array.isArray(claims.roles) ? claims.roles : [];
  if (roles.includes('ClientMonitor.Operator')) {
    return 'operator';
  }
  return roles.find((r) => r === 'admin' || r === 'member') ?? 'member';
}

export const session = {
  token() {
    return sessionStorage.getItem(TOKEN_KEY);
  },

  signIn(token) {
    sessionStorage.setItem(TOKEN_KEY, token.trim());
  },

  signOut() {
    sessionStorage.removeItem(TOKEN_KEY);
  },

  /** The signed-in user, or null when there is no token or it has expired. */
  user() {
    const token = this.token();
    const claims = token ? decodeJwt(token) : null;
    if (!claims || (typeof claims.exp === 'number' && claims.exp * 1000 <= Date.now())) {
      return null;
    }
    return {
      id: claims.sub ?? claims.preferred_username ?? claims.oid ?? 'unknown',
      name: claims.name ?? claims.preferred_username ?? claims.sub ?? 'unknown',
      business: claims.business_id ?? null,
      role: roleOf(claims),
    };
  },

  rememberReturn(path) {
    sessionStorage.setItem(RETURN_KEY, path);
  },

  takeReturn() {
    const path = sessionStorage.getItem(RETURN_KEY);
    sessionStorage.removeItem(RETURN_KEY);
    return path;
  },
};

export const isAdmin = (user) => user?.role === 'admin';
export const isOperator = (user) => user?.role === 'operator';
export const enc = encodeURIComponent;
