//! TypeScript declarations for what crosses the boundary as plain objects.

use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &'static str = r#"
/** Options of `new TokenClient(options)`. Unknown keys are rejected. */
export interface TokenClientOptions {
  /** The token endpoint: an absolute http(s) URL, or a path on this page's origin. Called as
   *  `GET tokenUrl?openId=…`, answering `{"code":0,"token":"…","expiresIn":3600}`. */
  tokenUrl: string;
  /** The openId, or a function returning it (or a Promise of it), called at each refresh. */
  openId: string | (() => string | null | undefined | Promise<string | null | undefined>);
  /** Origins the token may be sent to. Default: the origin of `tokenUrl`. */
  apiOrigins?: string[];
  /** Refresh this many seconds before expiry (at most half a token's life). Default 300. */
  refreshLeewaySeconds?: number;
  /** sessionStorage keys. Default `{ token: 'token', expiresAt: 'tokenExpiresAt' }`. */
  storageKeys?: { token?: string; expiresAt?: string };
  /** Statuses that mean "token rejected": refresh and replay once. Default `[401]`. */
  refreshOn?: number[];
  /** Timeout of a whole call, any wait for a refresh and the replay included. Default 30000. */
  timeoutMs?: number;
  /** Timeout of one token request. Default 10000. */
  refreshTimeoutMs?: number;
  /** Called once if sessionStorage is missing or fails and the token is kept in memory. */
  onWarning?: (warning: Error) => void;
}

/** What `onTokenRefreshed` listeners receive. */
export interface TokenInfo {
  /** When the new token expires, in epoch milliseconds. */
  expiresAt: number;
}

/** Why a refresh failed, as in `TokenRefreshError.reason`. */
export type RefreshFailureReason =
  | 'network' | 'timeout' | 'status' | 'not-json' | 'code'
  | 'missing-token' | 'bad-expires-in' | 'no-credential';

/** The error every call that needed a failed refresh rejects with. */
export interface TokenRefreshError extends Error {
  name: 'TokenRefreshError';
  reason: RefreshFailureReason;
  /** The token endpoint's HTTP status, when `reason` is `'status'`. */
  status?: number;
  /** The token endpoint's `code`, when `reason` is `'code'`. */
  code?: number | string | boolean | null;
}

/** Thrown by `new TokenClient` for a wrong option; `field` names it. */
export interface TokenClientOptionsError extends Error {
  name: 'TokenClientOptionsError';
  field: string;
}
"#;
