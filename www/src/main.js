// Demo only, and first: the timeline's fetch wrapper must be in place before api.js makes the
// client (see demo/watch-fetch.js).
import './demo/watch-fetch.js';
import { createApp } from 'vue';

import { api, sessionError } from './api.js';
import App from './App.vue';
import { watchAxios } from './demo/observe.js';
import './style.css';

// Demo only: tag each axios call, so the timeline can tell a replay from a new call.
watchAxios(api, { sessionError });

createApp(App).mount('#app');
