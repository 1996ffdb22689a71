// UTF-8 for mini-program base libraries that lack TextEncoder and TextDecoder.
//
// `cargo xtask build-wx` puts this file at the top of wasm-bindgen's glue and makes the glue
// construct `__wxTextEncoder` and `__wxTextDecoder`: the host's own classes wherever they
// exist, these otherwise. They do what the glue asks of the real ones: `encode(string)`, and
// `decode(bytes)` without a BOM check, with U+FFFD for malformed input.

class __wxUtf8Encoder {
    encode(text = '') {
        const input = String(text);
        const bytes = new Uint8Array(input.length * 3);
        let length = 0;
        for (let i = 0; i < input.length; i++) {
            let code = input.charCodeAt(i);
            if (code >= 0xd800 && code <= 0xdfff) {
                const next = input.charCodeAt(i + 1);
                if (code <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
                    code = 0x10000 + ((code - 0xd800) << 10) + (next - 0xdc00);
                    i++;
                } else {
                    // A lone surrogate has no UTF-8 form.
                    code = 0xfffd;
                }
            }
            if (code < 0x80) {
                bytes[length++] = code;
            } else if (code < 0x800) {
                bytes[length++] = 0xc0 | (code >> 6);
                bytes[length++] = 0x80 | (code & 0x3f);
            } else if (code < 0x10000) {
                bytes[length++] = 0xe0 | (code >> 12);
                bytes[length++] = 0x80 | ((code >> 6) & 0x3f);
                bytes[length++] = 0x80 | (code & 0x3f);
            } else {
                bytes[length++] = 0xf0 | (code >> 18);
                bytes[length++] = 0x80 | ((code >> 12) & 0x3f);
                bytes[length++] = 0x80 | ((code >> 6) & 0x3f);
                bytes[length++] = 0x80 | (code & 0x3f);
            }
        }
        return bytes.slice(0, length);
    }
}

class __wxUtf8Decoder {
    decode(input) {
        if (input === undefined) return '';
        const bytes = ArrayBuffer.isView(input)
            ? new Uint8Array(input.buffer, input.byteOffset, input.byteLength)
            : new Uint8Array(input);
        let text = '';
        let units = [];
        const push = (code) => {
            if (code > 0xffff) {
                code -= 0x10000;
                units.push(0xd800 + (code >> 10), 0xdc00 + (code & 0x3ff));
            } else {
                units.push(code);
            }
            // fromCharCode takes its units as arguments, so they go in bounded batches.
            if (units.length >= 8192) {
                text += String.fromCharCode.apply(null, units);
                units = [];
            }
        };
        let i = 0;
        while (i < bytes.length) {
            const first = bytes[i++];
            if (first < 0x80) {
                push(first);
                continue;
            }
            // The lead byte sets how many bytes follow and the range of the first of them,
            // which rules out overlong forms, surrogates and values past U+10FFFF.
            let needed = 0;
            let code = 0;
            let lower = 0x80;
            let upper = 0xbf;
            if (first >= 0xc2 && first <= 0xdf) {
                needed = 1;
                code = first & 0x1f;
            } else if (first >= 0xe0 && first <= 0xef) {
                needed = 2;
                code = first & 0x0f;
                if (first === 0xe0) lower = 0xa0;
                if (first === 0xed) upper = 0x9f;
            } else if (first >= 0xf0 && first <= 0xf4) {
                needed = 3;
                code = first & 0x07;
                if (first === 0xf0) lower = 0x90;
                if (first === 0xf4) upper = 0x8f;
            } else {
                push(0xfffd);
                continue;
            }
            let complete = true;
            for (let k = 0; k < needed; k++) {
                const next = bytes[i];
                if (i >= bytes.length || next < lower || next > upper) {
                    // The byte that broke the sequence starts the next one.
                    complete = false;
                    break;
                }
                lower = 0x80;
                upper = 0xbf;
                code = (code << 6) | (next & 0x3f);
                i++;
            }
            push(complete ? code : 0xfffd);
        }
        return text + String.fromCharCode.apply(null, units);
    }
}

const __wxTextEncoder = typeof TextEncoder === 'function' ? TextEncoder : __wxUtf8Encoder;
const __wxTextDecoder = typeof TextDecoder === 'function' ? TextDecoder : __wxUtf8Decoder;
