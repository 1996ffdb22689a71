// refresh-fetch with lodash's merge, which its README uses to add the token header.
export { configureRefreshFetch, fetchJSON } from 'refresh-fetch';
export { default as merge } from 'lodash/merge.js';
