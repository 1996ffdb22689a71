// The five ways of making an authorised GET, each set up the way its own README shows.
//
// Every system gets its own openId (so the server's counters are its own) and its own storage
// key. The peers keep the token in localStorage, as their READMEs do; token-fetch keeps it in
// sessionStorage, as it always does.

const tokenUrl = (openId) => `/token?openId=${encodeURIComponent(openId)}`;

/** Raw fetch with a fixed, valid token: the floor. */
export async function rawFetch(openId) {
  const reply = await (await fetch(tokenUrl(openId))).json();
  const headers = { Authorization: `Bearer ${reply.token}` };
  return {
    get: async (url) => {
      const response = await fetch(url, { headers });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      return response.json();
    },
  };
}

/** token-fetch: `client.fetch` in place of `fetch`. */
export function tokenFetch(module, openId) {
  const client = new module.TokenClient({
    tokenUrl: '/token',
    openId,
    storageKeys: { token: `tf-token-${openId}`, expiresAt: `tf-expires-${openId}` },
  });
  return {
    client,
    get: async (url) => {
      const response = await client.fetch(url);
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      return response.json();
    },
  };
}

/** axios with axios-auth-refresh: a request interceptor adds the stored token, the plugin
 *  refreshes on 401 and retries. */
export function axiosAuthRefresh(module, openId) {
  const { axios, createAuthRefresh } = module;
  const key = `aar-token-${openId}`;
  const api = axios.create();
  api.interceptors.request.use((request) => {
    request.headers['Authorization'] = `Bearer ${localStorage.getItem(key)}`;
    return request;
  });
  const refreshAuthLogic = (failedRequest) =>
    axios.get(tokenUrl(openId)).then((tokenRefreshResponse) => {
      localStorage.setItem(key, tokenRefreshResponse.data.token);
      failedRequest.response.config.headers['Authorization'] =
        'Bearer ' + tokenRefreshResponse.data.token;
      return Promise.resolve();
    });
  createAuthRefresh(api, refreshAuthLogic);
  return { get: async (url) => (await api.get(url)).data };
}

/** ky with a beforeRequest hook adding the stored token and an afterResponse hook that
 *  refreshes on the first 401 and retries. */
export function kyRefresh(module, openId) {
  const ky = module.default;
  const key = `ky-token-${openId}`;
  const api = ky.extend({
    hooks: {
      beforeRequest: [
        (request, _options, { retryCount }) => {
          if (retryCount === 0) {
            request.headers.set('Authorization', `Bearer ${localStorage.getItem(key)}`);
          }
        },
      ],
      afterResponse: [
        async (request, _options, response, state) => {
          if (response.status === 401 && state.retryCount === 0) {
            const { token } = await ky.get(tokenUrl(openId)).json();
            localStorage.setItem(key, token);
            const headers = new Headers(request.headers);
            headers.set('Authorization', `Bearer ${token}`);
            return ky.retry({ request: new Request(request, { headers }), code: 'TOKEN_REFRESHED' });
          }
        },
      ],
    },
  });
  return { get: (url) => api.get(url).json() };
}

/** refresh-fetch around its fetchJSON with the stored token merged into the options. */
export function refreshFetch(module, openId) {
  const { configureRefreshFetch, fetchJSON, merge } = module;
  const key = `rf-token-${openId}`;
  const retrieveToken = () => localStorage.getItem(key);
  const fetchJSONWithToken = (url, options = {}) => {
    const token = retrieveToken();
    let optionsWithToken = options;
    if (token != null) {
      optionsWithToken = merge({}, options, { headers: { Authorization: `Bearer ${token}` } });
    }
    return fetchJSON(url, optionsWithToken);
  };
  const fetchWithRefresh = configureRefreshFetch({
    fetch: fetchJSONWithToken,
    shouldRefreshToken: (error) => error.response?.status === 401,
    refreshToken: () =>
      fetchJSON(tokenUrl(openId))
        .then((response) => {
          localStorage.setItem(key, response.body.token);
          return response;
        })
        .catch((error) => {
          localStorage.removeItem(key);
          throw error;
        }),
  });
  return { get: async (url) => (await fetchWithRefresh(url)).body };
}
