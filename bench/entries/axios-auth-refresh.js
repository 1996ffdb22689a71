// The plugin without axios (kept external when measured), for its own size.
export { createAuthRefresh } from 'axios-auth-refresh';
