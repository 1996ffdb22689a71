//! The library's error, and its one way out to JS: a real `Error` whose `name` tells the kind.

use js_sys::Reflect;
use token_fetch_core::{Field, RefreshFailure};
use wasm_bindgen::{JsCast, JsValue};

pub use token_fetch_core::ErrorKind;

/// The error of every token-fetch call.
///
/// Most errors are token-fetch's own ([`ErrorKind`]); an exception thrown by the platform
/// while sending the caller's own request (a network `TypeError` from `fetch`, the reason of
/// an aborted signal) is passed through unchanged, so `client.fetch` fails exactly as
/// `fetch` would.
#[derive(Debug)]
pub struct Error {
    repr: Repr,
}

#[derive(Debug)]
enum Repr {
    Own(token_fetch_core::Error),
    Thrown(JsValue),
}

impl Error {
    /// An error of one of token-fetch's own kinds.
    pub fn new(kind: ErrorKind) -> Self {
        Self {
            repr: Repr::Own(token_fetch_core::Error::new(kind)),
        }
    }

    /// The one entry for exceptions thrown by JS: kept as they are, to be rethrown.
    pub fn thrown(value: JsValue) -> Self {
        Self {
            repr: Repr::Thrown(value),
        }
    }

    /// An invalid option, naming the field and what is wrong with it.
    pub fn invalid_option(field: impl Into<String>, problem: impl Into<String>) -> Self {
        token_fetch_core::Error::invalid_option(field, problem).into()
    }

    /// token-fetch's own kind, or `None` for a passed-through JS exception.
    pub fn kind(&self) -> Option<&ErrorKind> {
        match &self.repr {
            Repr::Own(error) => Some(error.kind()),
            Repr::Thrown(_) => None,
        }
    }
}

impl From<token_fetch_core::Error> for Error {
    fn from(error: token_fetch_core::Error) -> Self {
        Self {
            repr: Repr::Own(error),
        }
    }
}

impl From<Error> for JsValue {
    fn from(error: Error) -> Self {
        match error.repr {
            Repr::Thrown(value) => value,
            Repr::Own(error) => {
                let js = js_sys::Error::new(&error.message());
                js.set_name(error.name());
                if let Some(failure) = error.refresh_failure() {
                    describe_refresh_failure(&js, failure);
                }
                if let ErrorKind::InvalidOption { field, .. } = error.kind() {
                    set(&js, "field", &JsValue::from_str(field));
                }
                js.into()
            }
        }
    }
}

/// Adds `reason` (a tag such as `"code"`), and `status` or `code` where they apply, so JS code
/// can act on a refresh failure without reading its message.
fn describe_refresh_failure(js: &js_sys::Error, failure: &RefreshFailure) {
    set(js, "reason", &JsValue::from_str(failure.tag()));
    match failure {
        RefreshFailure::Status(status) => set(js, "status", &JsValue::from(*status)),
        RefreshFailure::Code(code) => set(js, "code", &field_to_js(code)),
        _ => {}
    }
}

fn field_to_js(field: &Field) -> JsValue {
    match field {
        Field::Absent | Field::Other => JsValue::UNDEFINED,
        Field::Null => JsValue::NULL,
        Field::Bool(value) => JsValue::from_bool(*value),
        Field::Number(number) => JsValue::from_f64(*number),
        Field::Text(text) => JsValue::from_str(text),
    }
}

/// Reads a JSON value taken from a token response into the core's loose form.
pub(crate) fn field_from_js(value: &JsValue) -> Field {
    if value.is_undefined() {
        Field::Absent
    } else if value.is_null() {
        Field::Null
    } else if let Some(flag) = value.as_bool() {
        Field::Bool(flag)
    } else if let Some(number) = value.as_f64() {
        Field::Number(number)
    } else if let Some(text) = value.as_string() {
        Field::Text(text)
    } else {
        Field::Other
    }
}

fn set(target: &js_sys::Error, key: &str, value: &JsValue) {
    // Setting a fresh property on a fresh Error cannot fail; nothing is lost if it did.
    let _ = Reflect::set(target.unchecked_ref(), &JsValue::from_str(key), value);
}
