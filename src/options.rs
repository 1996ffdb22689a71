//! The options object given to `new TokenClient(…)`, checked field by field.

use js_sys::{Array, Function, Object, Promise, Reflect};
use token_fetch_core::{AuthErrorRule, Field, RefreshFailure, Rejection};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::error::{Error, field_from_js};
use crate::platform;

/// The platform API a client sends its requests with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Transport {
    /// The global `fetch` and `sessionStorage`: a web page or a worker.
    Fetch,
    /// `wx.request` and wx storage: a WeChat mini-program.
    #[cfg(feature = "wx")]
    Wx,
}

/// Where the credential sent to the token endpoint comes from.
#[derive(Debug)]
pub(crate) enum Credential {
    /// A fixed value.
    Fixed(String),
    /// A function returning a string, or a Promise of one, called for every refresh.
    Function(Function),
}

impl Credential {
    /// The credential for one token request: the fixed value, or what the function gives.
    ///
    /// # Errors
    /// [`RefreshFailure::NoCredential`] when the function throws or rejects, or the value is
    /// not a non-empty string.
    pub(crate) async fn get(&self) -> Result<String, RefreshFailure> {
        let value = match self {
            Self::Fixed(text) => JsValue::from_str(text),
            Self::Function(function) => {
                let value = function
                    .call0(&JsValue::UNDEFINED)
                    .map_err(|_| RefreshFailure::NoCredential)?;
                match value.dyn_into::<Promise>() {
                    Ok(promise) => JsFuture::from(promise)
                        .await
                        .map_err(|_| RefreshFailure::NoCredential)?,
                    Err(value) => value,
                }
            }
        };
        value
            .as_string()
            .filter(|text| !text.is_empty())
            .ok_or(RefreshFailure::NoCredential)
    }
}

/// The storage keys of the token and of its expiry.
#[derive(Debug)]
pub(crate) struct StorageKeys {
    pub token: String,
    pub expires_at: String,
}

/// Checked options, with defaults filled in.
#[derive(Debug)]
pub(crate) struct Options {
    pub transport: Transport,
    /// Absolute URL of the token endpoint.
    pub token_url: String,
    /// The query parameter the credential travels in.
    pub credential_param: String,
    pub credential: Credential,
    /// Origins (`scheme://host[:port]`) the token may be sent to.
    pub api_origins: Vec<String>,
    pub leeway_ms: u64,
    pub storage_keys: StorageKeys,
    /// The `refreshOn` statuses and the `isAuthError` rules.
    pub rejection: Rejection,
    pub timeout_ms: u32,
    pub refresh_timeout_ms: u32,
    pub on_warning: Option<Function>,
}

const KNOWN: [&str; 12] = [
    "transport",
    "tokenUrl",
    "openId",
    "credential",
    "apiOrigins",
    "refreshLeewaySeconds",
    "storageKeys",
    "refreshOn",
    "isAuthError",
    "timeoutMs",
    "refreshTimeoutMs",
    "onWarning",
];

/// The defaults documented in the README's options table.
const DEFAULT_LEEWAY_SECONDS: f64 = 300.0;
const DEFAULT_TIMEOUT_MS: u32 = 30_000;
const DEFAULT_REFRESH_TIMEOUT_MS: u32 = 10_000;
const DEFAULT_TOKEN_KEY: &str = "token";
const DEFAULT_EXPIRES_AT_KEY: &str = "tokenExpiresAt";

impl Options {
    /// Checks `value` and fills in defaults.
    ///
    /// # Errors
    /// A `TokenClientOptionsError` naming the first field that is wrong: a missing or
    /// malformed `tokenUrl`, a missing `openId`, an empty `apiOrigins`, a negative leeway,
    /// an unknown key, and so on.
    pub(crate) fn from_js(value: &JsValue) -> Result<Self, Error> {
        let object: &Object = value
            .dyn_ref()
            .filter(|_| !value.is_function() && !Array::is_array(value))
            .ok_or_else(|| Error::invalid_option("options", "must be an object"))?;
        reject_unknown_keys(object, &KNOWN, "")?;
        let transport = transport(&get(object, "transport"))?;

        let token_url = match get(object, "tokenUrl").as_string() {
            Some(text) => token_url(&text, transport)?,
            None => return Err(Error::invalid_option("tokenUrl", "is required (a string)")),
        };
        let (credential_param, credential) = credential(object)?;

        let api_origins = match get(object, "apiOrigins") {
            value if value.is_undefined() => {
                vec![origin_in(transport, &token_url).unwrap_or_default()]
            }
            value => origins(&value, transport)?,
        };

        let leeway_seconds = non_negative(object, "refreshLeewaySeconds", DEFAULT_LEEWAY_SECONDS)?;
        let timeout_ms = milliseconds(object, "timeoutMs", DEFAULT_TIMEOUT_MS)?;
        let refresh_timeout_ms =
            milliseconds(object, "refreshTimeoutMs", DEFAULT_REFRESH_TIMEOUT_MS)?;

        let refresh_on = statuses(&get(object, "refreshOn"))?;
        let rules = auth_error_rules(&get(object, "isAuthError"))?;

        Ok(Self {
            transport,
            token_url,
            credential_param,
            credential,
            api_origins,
            leeway_ms: (leeway_seconds * 1000.0) as u64,
            storage_keys: storage_keys(&get(object, "storageKeys"))?,
            rejection: Rejection::new(refresh_on, rules),
            timeout_ms,
            refresh_timeout_ms,
            on_warning: function(object, "onWarning")?,
        })
    }

    /// Whether `origin` is one the token may go to.
    pub(crate) fn is_api_origin(&self, origin: &str) -> bool {
        self.api_origins.iter().any(|allowed| allowed == origin)
    }

    /// The token request's URL: `tokenUrl` with the credential added to its query.
    pub(crate) fn token_request_url(&self, credential: &str) -> String {
        let mut url = self.token_url.clone();
        url.push(if url.contains('?') { '&' } else { '?' });
        url.push_str(&String::from(js_sys::encode_uri_component(
            &self.credential_param,
        )));
        url.push('=');
        url.push_str(&String::from(js_sys::encode_uri_component(credential)));
        url
    }
}

fn transport(value: &JsValue) -> Result<Transport, Error> {
    if value.is_undefined() {
        return Ok(Transport::Fetch);
    }
    match value.as_string().as_deref() {
        Some("fetch") => Ok(Transport::Fetch),
        #[cfg(feature = "wx")]
        Some("wx") => Ok(Transport::Wx),
        #[cfg(not(feature = "wx"))]
        Some("wx") => Err(Error::invalid_option(
            "transport",
            "is 'wx', but this is the web build of token-fetch, which leaves the mini-program \
             transport out: use pkg-wx, made by cargo xtask build-wx",
        )),
        _ => Err(Error::invalid_option(
            "transport",
            "must be 'fetch' (the default: fetch and sessionStorage) or 'wx' (wx.request and wx \
             storage, in a WeChat mini-program)",
        )),
    }
}

/// `tokenUrl` made absolute; a mini-program has no page, so there it must be absolute already.
fn token_url(text: &str, transport: Transport) -> Result<String, Error> {
    let (url, problem) = match transport {
        Transport::Fetch => (
            absolute_url(text),
            "must be an absolute http(s) URL, or a path starting with / on this page's origin",
        ),
        #[cfg(feature = "wx")]
        Transport::Wx => (
            token_fetch_core::origin_of(text).map(|_| text.to_owned()),
            "must be an absolute http(s) URL: a mini-program has no page origin to resolve a \
             path against",
        ),
    };
    url.ok_or_else(|| Error::invalid_option("tokenUrl", problem))
}

/// The origin of an absolute URL, read the way the transport's own platform reads it.
fn origin_in(transport: Transport, url: &str) -> Option<String> {
    match transport {
        Transport::Fetch => origin_of(url),
        #[cfg(feature = "wx")]
        Transport::Wx => token_fetch_core::origin_of(url),
    }
}

/// The query parameter and the source of the credential: `openId`, or `credential`.
fn credential(object: &Object) -> Result<(String, Credential), Error> {
    const OPEN_ID_PROBLEM: &str = "is required: a non-empty string, or a function returning a \
                                   string or a Promise of one (or give credential: { param, \
                                   value } instead)";
    let open_id = get(object, "openId");
    let given = get(object, "credential");
    match (open_id.is_undefined(), given.is_undefined()) {
        (true, true) => Err(Error::invalid_option("openId", OPEN_ID_PROBLEM)),
        (false, false) => Err(Error::invalid_option(
            "credential",
            "cannot be given together with openId; give one of them",
        )),
        (false, true) => {
            let source =
                source(&open_id).ok_or_else(|| Error::invalid_option("openId", OPEN_ID_PROBLEM))?;
            Ok(("openId".to_owned(), source))
        }
        (true, false) => {
            let object: &Object = given
                .dyn_ref()
                .filter(|_| !given.is_function())
                .ok_or_else(|| {
                    Error::invalid_option(
                        "credential",
                        "must be an object { param, value }, such as { param: 'code', value: \
                         () => wxLoginCode() }",
                    )
                })?;
            reject_unknown_keys(object, &["param", "value"], "credential.")?;
            let param = get(object, "param")
                .as_string()
                .filter(|param| !param.is_empty())
                .ok_or_else(|| {
                    Error::invalid_option(
                        "credential.param",
                        "must be a non-empty string: the query parameter, such as 'code'",
                    )
                })?;
            let source = source(&get(object, "value")).ok_or_else(|| {
                Error::invalid_option(
                    "credential.value",
                    "must be a string, or a function returning a string or a Promise of one",
                )
            })?;
            Ok((param, source))
        }
    }
}

fn source(value: &JsValue) -> Option<Credential> {
    if value.is_function() {
        return Some(Credential::Function(value.clone().unchecked_into()));
    }
    // An empty fixed credential could never get a token; a function may return one later.
    value
        .as_string()
        .filter(|text| !text.is_empty())
        .map(Credential::Fixed)
}

fn get(object: &Object, key: &str) -> JsValue {
    Reflect::get(object, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

fn reject_unknown_keys(object: &Object, known: &[&str], prefix: &str) -> Result<(), Error> {
    for key in Object::keys(object).iter() {
        let key = key.as_string().unwrap_or_default();
        if !known.contains(&key.as_str()) {
            let mut field = String::from(prefix);
            field.push_str(&key);
            let mut problem = String::from("is not a known option; the known ones are ");
            for (at, name) in known.iter().enumerate() {
                if at > 0 {
                    problem.push_str(", ");
                }
                problem.push_str(name);
            }
            return Err(Error::invalid_option(field, problem));
        }
    }
    Ok(())
}

/// Resolves `text` to an absolute http(s) URL: as given, or as a path on the page's origin.
fn absolute_url(text: &str) -> Option<String> {
    let is_path = text.starts_with('/') && !text.starts_with("//");
    let url = if is_path {
        web_sys::Url::new_with_base(text, &platform::page_origin()?).ok()?
    } else {
        web_sys::Url::new(text).ok()?
    };
    matches!(url.protocol().as_str(), "http:" | "https:").then(|| url.href())
}

/// The origin of an absolute URL, `scheme://host[:port]`.
pub(crate) fn origin_of(url: &str) -> Option<String> {
    web_sys::Url::new(url).ok().map(|url| url.origin())
}

fn origins(value: &JsValue, transport: Transport) -> Result<Vec<String>, Error> {
    let list: &Array = value
        .dyn_ref()
        .ok_or_else(|| Error::invalid_option("apiOrigins", "must be an array of origins"))?;
    if list.length() == 0 {
        return Err(Error::invalid_option(
            "apiOrigins",
            "is empty: the token could go nowhere; leave it out to use tokenUrl's origin",
        ));
    }
    let mut origins = Vec::new();
    for (index, entry) in list.iter().enumerate() {
        let field = || {
            let mut field = String::from("apiOrigins[");
            // JS writes the number, which keeps Rust's formatting code out of the module; radix
            // 10 cannot fail.
            let index = js_sys::Number::from(index as f64).to_string_with_radix(10);
            field.push_str(&index.map(String::from).unwrap_or_default());
            field.push(']');
            field
        };
        let text = entry
            .as_string()
            .ok_or_else(|| Error::invalid_option(field(), "is not a string"))?;
        // An origin is compared as a whole, so a pattern or credentials could never match.
        if text.contains('*') {
            return Err(Error::invalid_option(
                field(),
                "holds a wildcard; list each origin in full",
            ));
        }
        if text.contains('@') {
            return Err(Error::invalid_option(
                field(),
                "must not hold user:password@; give the bare origin",
            ));
        }
        let origin = match transport {
            Transport::Fetch => web_origin(&text),
            #[cfg(feature = "wx")]
            Transport::Wx => wx_origin(&text),
        };
        origins.push(origin.map_err(|problem| Error::invalid_option(field(), problem))?);
    }
    Ok(origins)
}

const NOT_AN_ORIGIN: &str = "is not an http(s) origin such as https://api.example.com";
const NOT_BARE: &str =
    "must be an origin (scheme, host and port), without a path, query or fragment";

/// An `apiOrigins` entry read with the web's `URL`.
fn web_origin(text: &str) -> Result<String, &'static str> {
    let url = web_sys::Url::new(text)
        .ok()
        .filter(|url| matches!(url.protocol().as_str(), "http:" | "https:"))
        .ok_or(NOT_AN_ORIGIN)?;
    let bare = url.pathname() == "/" && url.search().is_empty() && url.hash().is_empty();
    if !bare {
        return Err(NOT_BARE);
    }
    Ok(url.origin())
}

/// An `apiOrigins` entry read without `URL`, which a mini-program lacks.
#[cfg(feature = "wx")]
fn wx_origin(text: &str) -> Result<String, &'static str> {
    let origin = token_fetch_core::origin_of(text).ok_or(NOT_AN_ORIGIN)?;
    if !token_fetch_core::is_bare_origin(text) {
        return Err(NOT_BARE);
    }
    Ok(origin)
}

fn non_negative(object: &Object, key: &'static str, default: f64) -> Result<f64, Error> {
    let value = get(object, key);
    if value.is_undefined() {
        return Ok(default);
    }
    match value.as_f64() {
        Some(number) if number.is_finite() && number >= 0.0 => Ok(number),
        _ => Err(Error::invalid_option(
            key,
            "must be a finite number of seconds, 0 or more",
        )),
    }
}

fn milliseconds(object: &Object, key: &'static str, default: u32) -> Result<u32, Error> {
    let value = get(object, key);
    if value.is_undefined() {
        return Ok(default);
    }
    match value.as_f64() {
        Some(number) if number.fract() == 0.0 && (1.0..=f64::from(i32::MAX)).contains(&number) => {
            Ok(number as u32)
        }
        _ => Err(Error::invalid_option(
            key,
            "must be a whole number of milliseconds from 1 to 2147483647",
        )),
    }
}

fn storage_keys(value: &JsValue) -> Result<StorageKeys, Error> {
    let mut keys = StorageKeys {
        token: DEFAULT_TOKEN_KEY.to_owned(),
        expires_at: DEFAULT_EXPIRES_AT_KEY.to_owned(),
    };
    if value.is_undefined() {
        return Ok(keys);
    }
    let object: &Object = value.dyn_ref().ok_or_else(|| {
        Error::invalid_option("storageKeys", "must be an object { token, expiresAt }")
    })?;
    reject_unknown_keys(object, &["token", "expiresAt"], "storageKeys.")?;
    for (key, slot) in [
        ("token", &mut keys.token),
        ("expiresAt", &mut keys.expires_at),
    ] {
        let value = get(object, key);
        if value.is_undefined() {
            continue;
        }
        match value.as_string() {
            Some(text) if !text.is_empty() => *slot = text,
            _ => {
                let mut field = String::from("storageKeys.");
                field.push_str(key);
                return Err(Error::invalid_option(field, "must be a non-empty string"));
            }
        }
    }
    if keys.token == keys.expires_at {
        return Err(Error::invalid_option(
            "storageKeys",
            "token and expiresAt must be different keys",
        ));
    }
    Ok(keys)
}

fn statuses(value: &JsValue) -> Result<Vec<u16>, Error> {
    if value.is_undefined() {
        return Ok(vec![401]);
    }
    let list: &Array = value
        .dyn_ref()
        .ok_or_else(|| Error::invalid_option("refreshOn", "must be an array of HTTP statuses"))?;
    list.iter()
        .map(|status| match status.as_f64() {
            // A success or redirect status never means "token rejected"; a 2xx answer with a
            // business code in its body is what `isAuthError` is for.
            Some(n) if n.fract() == 0.0 && (400.0..=599.0).contains(&n) => Ok(n as u16),
            _ => Err(Error::invalid_option(
                "refreshOn",
                "must hold whole numbers from 400 to 599 (error statuses; use isAuthError for \
                 codes in a 2xx body)",
            )),
        })
        .collect()
}

/// The `isAuthError` rules: none, one rule, or an array of them.
fn auth_error_rules(value: &JsValue) -> Result<Vec<AuthErrorRule>, Error> {
    if value.is_undefined() {
        return Ok(Vec::new());
    }
    let Some(list) = value.dyn_ref::<Array>() else {
        return Ok(vec![auth_error_rule(value, "isAuthError".to_owned())?]);
    };
    list.iter()
        .enumerate()
        .map(|(index, entry)| {
            let mut field = String::from("isAuthError[");
            // As for apiOrigins: JS writes the number, keeping Rust's formatting out.
            let index = js_sys::Number::from(index as f64).to_string_with_radix(10);
            field.push_str(&index.map(String::from).unwrap_or_default());
            field.push(']');
            auth_error_rule(&entry, field)
        })
        .collect()
}

/// One rule `{ status?, field, values }`; `name` is how errors name it.
fn auth_error_rule(value: &JsValue, name: String) -> Result<AuthErrorRule, Error> {
    let named = |key: &str| {
        let mut field = name.clone();
        field.push('.');
        field.push_str(key);
        field
    };
    let object: &Object = value
        .dyn_ref()
        .filter(|_| !value.is_function() && !Array::is_array(value))
        .ok_or_else(|| {
            Error::invalid_option(
                name.clone(),
                "must be an object { status?, field, values }, such as { status: 200, field: \
                 'code', values: [40001] }",
            )
        })?;
    let mut prefix = name.clone();
    prefix.push('.');
    reject_unknown_keys(object, &["status", "field", "values"], &prefix)?;

    let status = match get(object, "status") {
        value if value.is_undefined() => None,
        value => match value.as_f64() {
            Some(n) if n.fract() == 0.0 && (100.0..=599.0).contains(&n) => Some(n as u16),
            _ => {
                return Err(Error::invalid_option(
                    named("status"),
                    "must be a whole number from 100 to 599, or left out for any status",
                ));
            }
        },
    };
    let field = get(object, "field")
        .as_string()
        .filter(|field| field.split('.').all(|key| !key.is_empty()))
        .ok_or_else(|| {
            Error::invalid_option(
                named("field"),
                "must name a body field, such as 'code' or 'error.code'",
            )
        })?;
    let values = get(object, "values")
        .dyn_into::<Array>()
        .ok()
        .filter(|list| list.length() > 0)
        .and_then(|list| {
            list.iter()
                .map(|value| match field_from_js(&value) {
                    number @ Field::Number(_) => Some(number),
                    text @ Field::Text(_) => Some(text),
                    _ => None,
                })
                .collect::<Option<Vec<Field>>>()
        })
        .ok_or_else(|| {
            Error::invalid_option(
                named("values"),
                "must be a non-empty array of numbers or strings",
            )
        })?;
    Ok(AuthErrorRule::new(status, &field, values))
}

fn function(object: &Object, key: &'static str) -> Result<Option<Function>, Error> {
    match get(object, key) {
        value if value.is_undefined() => Ok(None),
        value if value.is_function() => Ok(Some(value.unchecked_into())),
        _ => Err(Error::invalid_option(key, "must be a function")),
    }
}
