import { createApp } from 'vue';

import { api } from './api.js';
import App from './App.vue';
import { watchAxios, watchFetch } from './demo/observe.js';
import './style.css';

// Demo only: record every request for the timeline, before the first one goes out.
watchFetch({ tokenPath: '/token', apiPath: '/api' });
watchAxios(api);

createApp(App).mount('#app');
