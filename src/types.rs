//! TypeScript declarations for what crosses the boundary as plain objects.

use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &'static str = r#"
/** Options of `new TokenClient(options)`: the common ones, and one credential source.
 *  Unknown keys are rejected. */
export type TokenClientOptions = TokenClientCommonOptions & (
  | {
      /** The openId sent as `?openId=`, or a function giving it, called at each refresh. */
      openId: CredentialSource;
      credential?: never;
    }
  | {
      /** The credential and the query parameter it travels in, such as a fresh `wx.login`
       *  code: `{ param: 'code', value: () => wxLoginCode() }`. */
      credential: { param: string; value: CredentialSource };
      openId?: never;
    }
);

/** A credential: a string, or a function returning one (or a Promise of one), called at
 *  each refresh; an empty or missing value fails the refresh with `no-credential`. */
export type CredentialSource =
  | string
  | (() => string | null | undefined | Promise<string | null | undefined>);

/** The options every client takes, whatever its credential. */
export interface TokenClientCommonOptions {
  /** `'fetch'` (default): `client.fetch` over fetch and sessionStorage. `'wx'`:
   *  `client.request` over wx.request and wx storage, in a WeChat mini-program. */
  transport?: 'fetch' | 'wx';
  /** The token endpoint: an absolute http(s) URL, or (with `'fetch'`) a path on this page's
   *  origin. Called as `GET tokenUrl?openId=…` (or `?<credential.param>=…`), answering
   *  `{"code":0,"token":"…","expiresIn":3600}`. */
  tokenUrl: string;
  /** Origins the token may be sent to. Default: the origin of `tokenUrl`. */
  apiOrigins?: string[];
  /** Refresh this many seconds before expiry (at most half a token's life). Default 300. */
  refreshLeewaySeconds?: number;
  /** Storage keys (sessionStorage, or wx storage). Default
   *  `{ token: 'token', expiresAt: 'tokenExpiresAt' }`. */
  storageKeys?: { token?: string; expiresAt?: string };
  /** Statuses that mean "token rejected": refresh and replay once. Default `[401]`. */
  refreshOn?: number[];
  /** Answers that also mean "token rejected", judged by a body field: for example
   *  `{ status: 200, field: 'code', values: [401, 40001] }`. */
  isAuthError?: AuthErrorRule | AuthErrorRule[];
  /** Timeout of a whole call, any wait for a refresh and the replay included. Default 30000. */
  timeoutMs?: number;
  /** Timeout of one token request. Default 10000. */
  refreshTimeoutMs?: number;
  /** Called once if storage is missing or fails and the token is kept in memory. */
  onWarning?: (warning: Error) => void;
}

/** A rule of `isAuthError`: under `status` (any status if left out), the JSON body's `field`
 *  (a key, or a dotted path such as `'error.code'`) holding one of `values` means the token
 *  was rejected. A number matches the same number sent as a string too. */
export interface AuthErrorRule {
  status?: number;
  field: string;
  values: Array<number | string>;
}

/** The options of `client.request`: those of `wx.request`, without its callbacks. */
export interface WxRequestOptions {
  url: string;
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'HEAD' | 'OPTIONS' | 'TRACE' | 'CONNECT';
  data?: string | ArrayBuffer | Record<string, unknown>;
  header?: Record<string, string>;
  timeout?: number;
  dataType?: string;
  responseType?: 'text' | 'arraybuffer';
  [option: string]: unknown;
}

/** What `client.request` resolves with: what `wx.request`'s `success` receives. */
export interface WxResponse {
  statusCode: number;
  data: unknown;
  header: Record<string, string>;
  cookies?: string[];
  errMsg?: string;
}

/** The Promise of `client.request`; `abort()` rejects it with an `AbortError` and aborts
 *  the request in flight, like `RequestTask.abort()`. */
export interface WxRequestPromise extends Promise<WxResponse> {
  abort(): void;
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
