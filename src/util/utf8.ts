// Text from bytes: UTF-8 only, and strictly. A lenient decoding puts U+FFFD in place of each byte that is not
// UTF-8 (Latin-1 text, say): the author's text is lost without a word. So every file and request body strata reads
// is decoded here, and bytes that are not UTF-8 are refused where they are.

const STRICT = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

export type Utf8Result = { ok: true; text: string } | { ok: false; problem: NotUtf8 };

/** The first byte that is not UTF-8: its value, its 0-based offset, and its line and column (of the text before it). */
export interface NotUtf8 {
  byte: number;
  offset: number;
  line: number;
  column: number;
  /** "byte 0xE9 at line 2, column 22 (byte 24) starts no UTF-8 character" */
  message: string;
}

/** The bytes as text (a byte-order mark kept, for the parser to skip), or where they stop being UTF-8. */
export function decodeUtf8(bytes: Uint8Array): Utf8Result {
  try {
    return { ok: true, text: STRICT.decode(bytes) };
  } catch {
    const offset = firstInvalidUtf8(bytes);
    const before = STRICT.decode(bytes.subarray(0, offset));
    const nl = before.lastIndexOf("\n");
    let line = 1;
    for (let i = 0; i < before.length; i++) if (before.charCodeAt(i) === 10) line++;
    const column = before.length - (nl + 1) + 1;
    const byte = bytes[offset];
    const message = `byte 0x${byte.toString(16).toUpperCase().padStart(2, "0")} at line ${line}, column ${column} (byte ${offset + 1}) starts no UTF-8 character`;
    return { ok: false, problem: { byte, offset, line, column, message } };
  }
}

/** The offset of the first byte that does not start a well-formed UTF-8 sequence (Unicode 15, table 3-7). */
function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i];
    // The sequence's length and the range of its second byte: no overlong forms, no surrogates, nothing past U+10FFFF.
    const [n, lo, hi] = c < 0x80 ? [1, 0, 0] : c >= 0xc2 && c <= 0xdf ? [2, 0x80, 0xbf] : c === 0xe0 ? [3, 0xa0, 0xbf] : c === 0xed ? [3, 0x80, 0x9f]
      : c >= 0xe1 && c <= 0xef ? [3, 0x80, 0xbf] : c === 0xf0 ? [4, 0x90, 0xbf] : c >= 0xf1 && c <= 0xf3 ? [4, 0x80, 0xbf] : c === 0xf4 ? [4, 0x80, 0x8f] : [0, 0, 0];
    if (n === 0 || i + n > b.length || (n > 1 && (b[i + 1] < lo || b[i + 1] > hi))) return i;
    for (let k = 2; k < n; k++) if (b[i + k] < 0x80 || b[i + k] > 0xbf) return i;
    i += n;
  }
  return b.length;
}
