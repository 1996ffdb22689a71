//! Numbers to text and back without `core::fmt` or the standard float parser.
//!
//! The library ships as WebAssembly to every page that uses it, and the standard float
//! formatting and parsing code (with its tables) would be about half of the module. Messages
//! and the token response only ever need plain decimals, which these few functions handle.

/// Powers of ten that an `f64` holds exactly.
const EXACT_POWERS: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// The largest integer below which every integer is an exact `f64`.
const EXACT_INTEGERS: f64 = 9_007_199_254_740_992.0;

/// Appends `value` in decimal.
pub fn push_u64(out: &mut String, value: u64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    let mut rest = value;
    loop {
        at -= 1;
        digits[at] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    for &digit in &digits[at..] {
        out.push(char::from(digit));
    }
}

/// Appends `value` as a plain decimal that reads back as the same `f64`, such as `-1`, `0.25`
/// or `3600`; values too large or too small for that are written as `1.5e300`, to about 15
/// significant digits.
pub fn push_f64(out: &mut String, value: f64) {
    if value.is_nan() {
        out.push_str("NaN");
        return;
    }
    if value.is_sign_negative() && value != 0.0 {
        out.push('-');
    }
    let magnitude = value.abs();
    if magnitude.is_infinite() {
        out.push_str("inf");
    } else if !push_plain(out, magnitude) {
        push_scientific(out, magnitude);
    }
}

/// Writes a non-negative finite `value` with at most 17 decimals, when that reads back exactly.
fn push_plain(out: &mut String, value: f64) -> bool {
    if value.fract() == 0.0 && value < 18_446_744_073_709_551_616.0 {
        push_u64(out, value as u64);
        return true;
    }
    for (decimals, &power) in EXACT_POWERS.iter().enumerate().take(18).skip(1) {
        let scaled = (value * power).round();
        if scaled >= EXACT_INTEGERS {
            return false;
        }
        // Both operands are exact, so the quotient is the closest f64 to the decimal written.
        if scaled / power == value {
            push_fixed(out, scaled as u64, decimals);
            return true;
        }
    }
    false
}

/// Writes `units` divided by `10^decimals`, with its decimal point.
fn push_fixed(out: &mut String, units: u64, decimals: usize) {
    // Digits from the right, padded with zeros to one more than `decimals`, so that there is
    // always a whole part; bytes rather than `str` slices, which would bring in their panics.
    let mut digits = [b'0'; 21];
    let mut at = digits.len();
    let mut rest = units;
    while rest != 0 || digits.len() - at <= decimals {
        at -= 1;
        digits[at] = b'0' + (rest % 10) as u8;
        rest /= 10;
    }
    let point = digits.len() - decimals;
    let mut end = digits.len();
    while end > point && digits[end - 1] == b'0' {
        end -= 1;
    }
    for (index, &digit) in digits.iter().enumerate().take(end).skip(at) {
        if index == point {
            out.push('.');
        }
        out.push(char::from(digit));
    }
}

/// Writes a positive finite `value` as mantissa and power of ten, approximately.
fn push_scientific(out: &mut String, value: f64) {
    let mut mantissa = value;
    let mut exponent: i32 = 0;
    while mantissa >= 10.0 {
        mantissa /= 10.0;
        exponent += 1;
    }
    while mantissa < 1.0 {
        mantissa *= 10.0;
        exponent -= 1;
    }
    // Rounded to 15 digits, which an f64 always carries, so the division steps' error goes.
    let mut units = (mantissa * 1e14).round() as u64;
    if units >= 1_000_000_000_000_000 {
        units /= 10;
        exponent += 1;
    }
    if units % 100_000_000_000_000 == 0 {
        push_u64(out, units / 100_000_000_000_000);
    } else {
        push_fixed(out, units, 14);
    }
    out.push('e');
    if exponent < 0 {
        out.push('-');
    }
    push_u64(out, u64::from(exponent.unsigned_abs()));
}

/// Reads a decimal number as Rust's `f64` parser does (`12`, `-0.5`, `.5`, `1e3`), giving
/// `None` for anything else and for results that are not finite (`1e400`, `inf`, `NaN`).
///
/// Integers and decimals of up to 15 significant digits are read exactly; longer mantissas
/// or large exponents are within a few units of the last place, which is far finer than the
/// milliseconds a lifetime is counted in.
pub fn parse_f64(text: &str) -> Option<f64> {
    let bytes = text.as_bytes();
    let mut at = 0;
    let negative = match bytes.first() {
        Some(b'-') => {
            at = 1;
            true
        }
        Some(b'+') => {
            at = 1;
            false
        }
        _ => false,
    };

    // As many significant digits as a u64 holds go into the mantissa; later ones only move
    // the exponent.
    let mut mantissa: u64 = 0;
    let mut exponent: i64 = 0;
    let mut digits = 0;
    let mut full = false;
    let mut take_digit = |digit: u8, after_point: bool, exponent: &mut i64| {
        let next = mantissa.checked_mul(10);
        match next.and_then(|next| next.checked_add(u64::from(digit - b'0'))) {
            Some(next) if !full => {
                mantissa = next;
                if after_point {
                    *exponent -= 1;
                }
            }
            _ => {
                full = true;
                if !after_point {
                    *exponent += 1;
                }
            }
        }
    };
    while let Some(&digit) = bytes.get(at).filter(|b| b.is_ascii_digit()) {
        take_digit(digit, false, &mut exponent);
        digits += 1;
        at += 1;
    }
    if bytes.get(at) == Some(&b'.') {
        at += 1;
        while let Some(&digit) = bytes.get(at).filter(|b| b.is_ascii_digit()) {
            take_digit(digit, true, &mut exponent);
            digits += 1;
            at += 1;
        }
    }
    if digits == 0 {
        return None;
    }
    if matches!(bytes.get(at), Some(b'e' | b'E')) {
        at += 1;
        let sign = match bytes.get(at) {
            Some(b'-') => {
                at += 1;
                -1
            }
            Some(b'+') => {
                at += 1;
                1
            }
            _ => 1,
        };
        let start = at;
        let mut written: i64 = 0;
        while let Some(&digit) = bytes.get(at).filter(|b| b.is_ascii_digit()) {
            // Saturating far beyond any finite f64, so a long exponent cannot overflow.
            written = (written * 10 + i64::from(digit - b'0')).min(1_000_000);
            at += 1;
        }
        if at == start {
            return None;
        }
        exponent += sign * written;
    }
    if at != bytes.len() {
        return None;
    }

    let magnitude = scale(mantissa, exponent);
    let value = if negative { -magnitude } else { magnitude };
    value.is_finite().then_some(value)
}

/// `mantissa * 10^exponent`: exact where both parts are exact, else in a few rounded steps.
fn scale(mantissa: u64, exponent: i64) -> f64 {
    if mantissa == 0 {
        return 0.0;
    }
    let value = mantissa as f64;
    if (value as u64) == mantissa && value < EXACT_INTEGERS {
        if let Ok(power) = usize::try_from(exponent.unsigned_abs()) {
            if let Some(&power) = EXACT_POWERS.get(power) {
                return if exponent < 0 {
                    value / power
                } else {
                    value * power
                };
            }
        }
    }
    // Steps of at most 10^22, each rounded once; beyond ±800 the result is 0 or infinite.
    let mut value = value;
    let mut left = exponent.clamp(-800, 800);
    while left != 0 {
        let step = left.clamp(-22, 22);
        let power = EXACT_POWERS[step.unsigned_abs() as usize];
        value = if step < 0 {
            value / power
        } else {
            value * power
        };
        left -= step;
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f64_text(value: f64) -> String {
        let mut out = String::new();
        push_f64(&mut out, value);
        out
    }

    #[test]
    fn integers_are_written_in_plain_decimal() {
        let mut out = String::new();
        for value in [0, 7, 10, 401, 1_733_200_000_000, u64::MAX] {
            out.clear();
            push_u64(&mut out, value);
            assert_eq!(out, value.to_string());
        }
    }

    #[test]
    fn numbers_are_written_as_short_decimals() {
        let cases = [
            (-1.0, "-1"),
            (0.0, "0"),
            (-0.0, "0"),
            (3600.0, "3600"),
            (0.25, "0.25"),
            (-12.5, "-12.5"),
            (0.1, "0.1"),
            (1.0 / 3.0, "0.3333333333333333"),
            (0.001, "0.001"),
            (1e300, "1e300"),
            (1.5e-20, "1.5e-20"),
            (f64::INFINITY, "inf"),
            (f64::NAN, "NaN"),
        ];
        for (value, text) in cases {
            assert_eq!(f64_text(value), text, "{value}");
        }
    }

    #[test]
    fn the_parser_takes_what_the_standard_one_takes() {
        for text in [
            "0",
            "-0",
            "+5",
            "60",
            "3600",
            "1.5",
            ".5",
            "5.",
            "1e3",
            "1E-3",
            "2.5e+2",
            "007",
            "0.000001",
            "1e-22",
            "9007199254740991e22",
            "18446744073709551615",
        ] {
            assert_eq!(parse_f64(text), text.parse::<f64>().ok(), "{text}");
        }
        for text in [
            "", "-", ".", "e5", "1e", "1e+", "abc", "1.2.3", "0x10", " 1", "1 ", "1e400", "inf",
            "NaN", "infinity", "--1", "1_000",
        ] {
            assert_eq!(parse_f64(text), None, "{text:?}");
        }
    }

    /// Property tests; proptest's randomness does not build for wasm32, so host only.
    #[cfg(not(target_arch = "wasm32"))]
    mod properties {
        use proptest::prelude::*;

        use super::*;

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(4096))]

            /// Every finite double is written as text that reads back as the same double, except
            /// where the scientific form rounds it to 15 digits.
            #[test]
            fn written_numbers_read_back(value in any::<f64>().prop_filter("finite", |v| v.is_finite())) {
                let text = f64_text(value);
                let standard: f64 = text.parse().expect("the standard parser reads it");
                let mine = parse_f64(&text).expect("this parser reads it");
                if !text.contains('e') {
                    prop_assert_eq!(standard, value);
                    prop_assert_eq!(mine, value);
                } else {
                    prop_assert!(((standard - value) / value).abs() < 1e-13, "{} {}", text, value);
                    prop_assert!(((mine - value) / value).abs() < 1e-13, "{} {}", text, value);
                }
            }

            /// Short decimals, the kind token endpoints send, read exactly as the standard parser
            /// reads them.
            #[test]
            fn short_decimals_read_exactly(text in "-?[0-9]{1,12}(\\.[0-9]{0,3})?(e-?[0-9])?") {
                prop_assert_eq!(parse_f64(&text), text.parse::<f64>().ok().filter(|v| v.is_finite()));
            }

            /// Longer mantissas and exponents are read to within a few units of the last place.
            ///
            /// The mantissa pattern also crosses the point where it no longer fits a u64.
            #[test]
            fn long_numbers_read_closely(text in "[1-9][0-9]{15,30}(e-?[0-9]{1,3})?") {
                let standard = text.parse::<f64>().ok().filter(|v| v.is_finite() && *v > 1e-300);
                if let Some(standard) = standard {
                    let mine = parse_f64(&text).expect("finite");
                    prop_assert!(((mine - standard) / standard).abs() < 1e-14, "{} {}", mine, standard);
                }
            }
        }
    }
}
