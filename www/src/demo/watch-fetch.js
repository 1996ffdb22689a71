// Demo only: wraps the global fetch for the timeline. It is imported first in main.js, ahead
// of api.js, because a TokenClient sends through the fetch the page had when it was made.
import { watchFetch } from './observe.js';

watchFetch({ tokenPath: '/token', apiPath: '/api' });
