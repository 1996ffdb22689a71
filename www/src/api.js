// The app's one way to its API: axios, sending through token-fetch.
import axios from 'axios';
import init, { TokenClient } from 'token-fetch';

// The wasm module has to be compiled before the first TokenClient; every module that imports
// this one waits for it (top-level await).
await init();

/** How long before expiry token-fetch renews the token, in seconds. */
export const REFRESH_LEEWAY_SECONDS = 20;

export const client = new TokenClient({
  tokenUrl: '/token',
  openId: () => sessionStorage.getItem('openId'),
  refreshLeewaySeconds: REFRESH_LEEWAY_SECONDS,
});

export const api = axios.create({
  baseURL: '/api',
  adapter: 'fetch',
  env: { fetch: client.fetch },
});

/** Starts a session for `openId`; token-fetch asks for a token when the first call needs one. */
export function logIn(openId) {
  sessionStorage.setItem('openId', openId);
  client.clear();
}

/** Ends the session: no openId, no token. */
export function logOut() {
  client.clear();
  sessionStorage.removeItem('openId');
}

/** The openId of the current session, or `null` before login. */
export function currentOpenId() {
  return sessionStorage.getItem('openId');
}

export async function getProfile() {
  const { data } = await api.get('/profile');
  return data;
}

export async function sendFeedback(form) {
  const { data } = await api.post('/echo', form);
  return data;
}

/**
 * The TokenRefreshError behind a failed call, if that is why it failed.
 *
 * axios's fetch adapter wraps whatever `client.fetch` rejects with in an AxiosError and keeps
 * the original as `error.cause`.
 */
export function sessionError(error) {
  const cause = error?.cause ?? error;
  return cause?.name === 'TokenRefreshError' ? cause : null;
}
