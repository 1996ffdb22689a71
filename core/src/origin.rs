//! The origin of an absolute http(s) URL, for hosts that have no `URL` class.
//!
//! A WeChat mini-program has neither `URL` nor a page location, yet the token must still go
//! only to the API's origins; `wx.request` takes absolute URLs only, so reading the scheme and
//! the authority is enough. The result has the form the web's `URL.origin` gives for the same
//! ASCII URL: scheme and host lowercased, the default port left out.

/// The origin, `scheme://host[:port]`, of an absolute `http:` or `https:` URL.
///
/// Returns `None` for anything else: a relative URL, another scheme, an empty or malformed
/// host, a port that is not a number from 0 to 65535.
///
/// ```
/// use token_fetch_core::origin_of;
///
/// let origin = origin_of("HTTPS://Api.Example.com:443/v1?x=1");
/// assert_eq!(origin.as_deref(), Some("https://api.example.com"));
/// assert_eq!(origin_of("http://127.0.0.1:8080").as_deref(), Some("http://127.0.0.1:8080"));
/// assert_eq!(origin_of("/api/profile"), None);
/// ```
pub fn origin_of(url: &str) -> Option<String> {
    split(url).map(|parts| parts.origin)
}

/// Whether `text` is an origin and nothing more: an absolute http(s) URL with no path (other
/// than `/`), query or fragment.
pub fn is_bare_origin(text: &str) -> bool {
    split(text).is_some_and(|parts| parts.rest.is_empty() || parts.rest == "/")
}

struct Parts<'a> {
    origin: String,
    /// Everything after the authority.
    rest: &'a str,
}

fn split(url: &str) -> Option<Parts<'_>> {
    let (scheme, after) = url.split_once("://")?;
    let (scheme, default_port) = if scheme.eq_ignore_ascii_case("https") {
        ("https", 443)
    } else if scheme.eq_ignore_ascii_case("http") {
        ("http", 80)
    } else {
        return None;
    };
    // A backslash ends the authority too: URL parsers treat it as `/` in http(s) URLs.
    let end = after.find(['/', '?', '#', '\\']).unwrap_or(after.len());
    let (authority, rest) = after.split_at(end);
    // User info never belongs to the origin.
    let host_port = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    let (host, port) = host_and_port(host_port)?;

    let mut origin = String::with_capacity(scheme.len() + 3 + host.len() + 6);
    origin.push_str(scheme);
    origin.push_str("://");
    origin.push_str(&host);
    if let Some(port) = port.filter(|&port| port != default_port) {
        origin.push(':');
        crate::number::push_u64(&mut origin, u64::from(port));
    }
    Some(Parts { origin, rest })
}

/// Splits `host[:port]` (or `[v6]:port`), lowercasing the host; an empty port means the
/// default one, as in `http://example.com:/`.
fn host_and_port(text: &str) -> Option<(String, Option<u16>)> {
    let (host, port) = if let Some(v6) = text.strip_prefix('[') {
        let (inside, after) = v6.split_once(']')?;
        let valid = !inside.is_empty()
            && inside
                .chars()
                .all(|c| c.is_ascii_hexdigit() || ":.".contains(c));
        if !valid {
            return None;
        }
        let port = match after {
            "" => None,
            _ => Some(after.strip_prefix(':')?),
        };
        (&text[..inside.len() + 2], port)
    } else {
        match text.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (text, None),
        }
    };

    let forbidden = |c: char| c.is_control() || c.is_whitespace() || "<>[]^|%@\\:".contains(c);
    let plain = host.starts_with('[') || !host.chars().any(forbidden);
    if host.is_empty() || !plain {
        return None;
    }
    let port = match port {
        None | Some("") => None,
        Some(digits) if digits.bytes().all(|b| b.is_ascii_digit()) => Some(digits.parse().ok()?),
        Some(_) => return None,
    };
    Some((host.to_ascii_lowercase(), port))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn origin(url: &str) -> Option<String> {
        origin_of(url)
    }

    fn some(origin: &str) -> Option<String> {
        Some(origin.to_owned())
    }

    #[test]
    fn reads_scheme_host_and_port() {
        assert_eq!(
            origin("https://api.example.com/v1/x"),
            some("https://api.example.com")
        );
        assert_eq!(
            origin("http://127.0.0.1:8080/api?x=1"),
            some("http://127.0.0.1:8080")
        );
        assert_eq!(
            origin("https://a.example.com?x=1"),
            some("https://a.example.com")
        );
        assert_eq!(
            origin("https://a.example.com#top"),
            some("https://a.example.com")
        );
        assert_eq!(
            origin("https://a.example.com"),
            some("https://a.example.com")
        );
    }

    #[test]
    fn lowercases_and_drops_default_ports_and_user_info() {
        assert_eq!(
            origin("HTTPS://API.Example.COM:443/"),
            some("https://api.example.com")
        );
        assert_eq!(origin("http://Example.com:80/"), some("http://example.com"));
        assert_eq!(
            origin("http://example.com:443/"),
            some("http://example.com:443")
        );
        assert_eq!(origin("https://example.com:/"), some("https://example.com"));
        assert_eq!(
            origin("https://user:pw@example.com/"),
            some("https://example.com")
        );
        assert_eq!(
            origin("https://evil.com@example.com/"),
            some("https://example.com")
        );
        assert_eq!(
            origin("https://example.com\\@evil.com/"),
            some("https://example.com")
        );
    }

    #[test]
    fn reads_bracketed_ipv6_hosts() {
        assert_eq!(origin("http://[::1]:3000/x"), some("http://[::1]:3000"));
        assert_eq!(
            origin("https://[2001:DB8::1]/"),
            some("https://[2001:db8::1]")
        );
        assert_eq!(origin("http://[::1/"), None);
        assert_eq!(origin("http://[]/"), None);
        assert_eq!(origin("http://[::1]x/"), None);
    }

    #[test]
    fn refuses_what_is_not_an_absolute_http_url() {
        for url in [
            "",
            "/api/profile",
            "//example.com/x",
            "example.com",
            "ftp://example.com/",
            "wss://example.com/",
            "https://",
            "https:///path",
            "https://:443/",
            "https://example.com:99999/",
            "https://example.com:8x/",
            "https://exa mple.com/",
            "https://example.com:1:2/",
            "https://exa%6dple.com/",
            " https://example.com/",
        ] {
            assert_eq!(origin(url), None, "{url:?}");
        }
    }

    #[test]
    fn a_bare_origin_has_nothing_after_the_authority_but_a_slash() {
        assert!(is_bare_origin("https://api.example.com"));
        assert!(is_bare_origin("https://api.example.com/"));
        assert!(is_bare_origin("http://127.0.0.1:8080"));
        assert!(!is_bare_origin("https://api.example.com/v1"));
        assert!(!is_bare_origin("https://api.example.com?x"));
        assert!(!is_bare_origin("https://api.example.com#x"));
        assert!(!is_bare_origin("api.example.com"));
    }

    /// Property tests; proptest's randomness does not build for wasm32, so host only.
    #[cfg(not(target_arch = "wasm32"))]
    mod properties {
        use proptest::prelude::*;

        use super::*;

        proptest! {
            /// Whatever follows the authority, the origin is the scheme, the host and a
            /// port other than the default.
            #[test]
            fn the_origin_ignores_path_query_and_fragment(
                https in any::<bool>(),
                host in "[a-z0-9]{1,10}(\\.[a-z0-9]{1,10}){0,3}",
                port in proptest::option::of(0u16..),
                rest in "([/?#][ -~]{0,30})?",
            ) {
                let scheme = if https { "https" } else { "http" };
                let mut authority = host.clone();
                if let Some(port) = port {
                    authority.push(':');
                    authority.push_str(&port.to_string());
                }
                let url = format!("{scheme}://{authority}{rest}");
                let default = if https { 443 } else { 80 };
                let expected = match port {
                    Some(port) if port != default => format!("{scheme}://{host}:{port}"),
                    _ => format!("{scheme}://{host}"),
                };
                prop_assert_eq!(origin_of(&url), Some(expected));
            }

            /// Parsing never panics, and anything it accepts starts with http:// or https://.
            #[test]
            fn any_text_is_read_without_panicking(text in ".{0,60}") {
                if let Some(origin) = origin_of(&text) {
                    prop_assert!(origin.starts_with("http://") || origin.starts_with("https://"));
                }
            }
        }
    }
}
