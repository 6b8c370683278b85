// The one way the console talks to Petrel: POST (or PATCH) JSON to /v3 with the session's key in the
// X-Smtp2go-Api-Key header, unwrapping SMTP2GO's {request_id, data} envelope.
import { session } from './session.js';

// Resolved from the page, so a reverse proxy that serves Petrel under a path prefix keeps working.
const API_BASE = new URL('../v3', document.baseURI).pathname;
// The console's own endpoints (the template preview), which SMTP2GO's API does not have.
const CONSOLE_API_BASE = new URL('api', document.baseURI).pathname;

export class ApiError extends Error {
  constructor(status, data, path) {
    super(data?.error ?? `The server answered HTTP ${status} for ${path}`);
    this.status = status;
    this.code = data?.error_code ?? null;
    this.fieldname = data?.field_validation_errors?.fieldname ?? null;
    this.path = path;
  }
  /** The endpoint does not exist on this node (yet): pages show a notice instead of an error. */
  get notFound() {
    // A 404 naming another cause (an unknown message, say) is an ordinary error, not a missing endpoint.
    return (
      this.status === 404 && (this.code === null || this.code === 'E_ApiResponseCodes.ENDPOINT_NOT_FOUND')
    );
  }
}

/** Called when the key stops being accepted, so the app can return to the sign-in form. */
let onUnauthorized = () => {};
export function setUnauthorizedHandler(handler) {
  onUnauthorized = handler;
}

/**
 * Calls /v3<path>. `scoped` (default) adds the acting subaccount_id; the subaccount endpoints, which
 * belong to the master account, pass false. Resolves with `data`; rejects with ApiError.
 */
export function api(path, body = {}, options = {}) {
  return call(API_BASE, path, body, options);
}

/** Calls the console's own /console/api<path>, with the same key, envelope and errors as api(). */
export function consoleApi(path, body = {}, options = {}) {
  return call(CONSOLE_API_BASE, path, body, options);
}

async function call(base, path, body, { method = 'POST', scoped = true, key = session.apiKey() }) {
  const payload = { ...body };
  const subaccountId = session.subaccountId();
  if (scoped && subaccountId && payload.subaccount_id === undefined) payload.subaccount_id = subaccountId;
  let response;
  try {
    response = await fetch(`${base}${path}`, {
      method,
      headers: { 'content-type': 'application/json', 'x-smtp2go-api-key': key ?? '' },
      body: JSON.stringify(payload),
      credentials: 'omit',
      cache: 'no-store',
    });
  } catch {
    throw new ApiError(0, { error: 'Petrel could not be reached. Check that the node is running.' }, path);
  }
  let envelope = null;
  try {
    envelope = await response.json();
  } catch {
    // Not JSON (a proxy's error page): the ApiError below says which status came back.
  }
  if (!response.ok) {
    const error = new ApiError(response.status, envelope?.data, path);
    if (response.status === 401 && key === session.apiKey()) onUnauthorized(error);
    throw error;
  }
  return envelope?.data;
}
