//! The options object given to `new TokenClient(…)`, checked field by field.

use js_sys::{Array, Function, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};

use crate::error::Error;
use crate::platform;

/// Where the credential sent to the token endpoint comes from.
#[derive(Debug)]
pub(crate) enum Credential {
    /// A fixed value.
    Fixed(String),
    /// A function returning a string, or a Promise of one, called for every refresh.
    Function(Function),
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
    /// Absolute URL of the token endpoint.
    pub token_url: String,
    /// The query parameter the credential travels in.
    pub credential_param: &'static str,
    pub credential: Credential,
    /// Origins (`scheme://host[:port]`) the token may be sent to.
    pub api_origins: Vec<String>,
    pub leeway_ms: u64,
    pub storage_keys: StorageKeys,
    pub refresh_on: Vec<u16>,
    pub timeout_ms: u32,
    pub refresh_timeout_ms: u32,
    pub on_warning: Option<Function>,
}

const KNOWN: [&str; 9] = [
    "tokenUrl",
    "openId",
    "apiOrigins",
    "refreshLeewaySeconds",
    "storageKeys",
    "refreshOn",
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
            .filter(|_| !value.is_function())
            .ok_or_else(|| Error::invalid_option("options", "must be an object"))?;
        reject_unknown_keys(object, &KNOWN, "")?;

        let token_url = match get(object, "tokenUrl").as_string() {
            Some(text) => absolute_url(&text).ok_or_else(|| {
                Error::invalid_option(
                    "tokenUrl",
                    "must be an absolute http(s) URL, or a path starting with / on this page's \
                     origin",
                )
            })?,
            None => return Err(Error::invalid_option("tokenUrl", "is required (a string)")),
        };

        let credential = match get(object, "openId") {
            value if value.is_function() => Credential::Function(value.unchecked_into()),
            value => match value.as_string() {
                Some(text) => Credential::Fixed(text),
                None => {
                    return Err(Error::invalid_option(
                        "openId",
                        "is required: a string, or a function returning a string or a Promise \
                         of one",
                    ));
                }
            },
        };

        let api_origins = match get(object, "apiOrigins") {
            value if value.is_undefined() => vec![origin_of(&token_url).unwrap_or_default()],
            value => origins(&value)?,
        };

        let leeway_seconds = non_negative(object, "refreshLeewaySeconds", DEFAULT_LEEWAY_SECONDS)?;
        let timeout_ms = milliseconds(object, "timeoutMs", DEFAULT_TIMEOUT_MS)?;
        let refresh_timeout_ms =
            milliseconds(object, "refreshTimeoutMs", DEFAULT_REFRESH_TIMEOUT_MS)?;

        Ok(Self {
            token_url,
            credential_param: "openId",
            credential,
            api_origins,
            leeway_ms: (leeway_seconds * 1000.0) as u64,
            storage_keys: storage_keys(&get(object, "storageKeys"))?,
            refresh_on: statuses(&get(object, "refreshOn"))?,
            timeout_ms,
            refresh_timeout_ms,
            on_warning: function(object, "onWarning")?,
        })
    }

    /// Whether `origin` is one the token may go to.
    pub(crate) fn is_api_origin(&self, origin: &str) -> bool {
        self.api_origins.iter().any(|allowed| allowed == origin)
    }
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

fn origins(value: &JsValue) -> Result<Vec<String>, Error> {
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
        let url = web_sys::Url::new(&text)
            .ok()
            .filter(|url| matches!(url.protocol().as_str(), "http:" | "https:"))
            .ok_or_else(|| {
                Error::invalid_option(
                    field(),
                    "is not an http(s) origin such as https://api.example.com",
                )
            })?;
        let bare = url.pathname() == "/" && url.search().is_empty() && url.hash().is_empty();
        if !bare {
            return Err(Error::invalid_option(
                field(),
                "must be an origin (scheme, host and port), without a path, query or fragment",
            ));
        }
        origins.push(url.origin());
    }
    Ok(origins)
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
        Some(number) if number >= 1.0 && number <= f64::from(i32::MAX) => Ok(number as u32),
        _ => Err(Error::invalid_option(
            key,
            "must be a number of milliseconds from 1 to 2147483647",
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
            Some(n) if n.fract() == 0.0 && (100.0..=599.0).contains(&n) => Ok(n as u16),
            _ => Err(Error::invalid_option(
                "refreshOn",
                "must hold whole numbers from 100 to 599",
            )),
        })
        .collect()
}

fn function(object: &Object, key: &'static str) -> Result<Option<Function>, Error> {
    match get(object, key) {
        value if value.is_undefined() => Ok(None),
        value if value.is_function() => Ok(Some(value.unchecked_into())),
        _ => Err(Error::invalid_option(key, "must be a function")),
    }
}
