// What a page using axios-auth-refresh loads: axios and the plugin.
export { default as axios } from 'axios';
export { createAuthRefresh } from 'axios-auth-refresh';
