// What telemetry may carry. Statement text leaves the process only with every literal replaced by
// `?` (OpenTelemetry's sanitization rule: a literal is where user data sits when a statement is not
// parameterized); parameter values never reach a span; a configured password is masked from any
// text that is emitted, whatever path it took there.

const IDENT_CHAR = /[A-Za-z0-9_$]/;
const DIGIT = /[0-9]/;
// Decimal, with PostgreSQL 16's digit-grouping underscores (1_000), then anything stuck to it: the
// 0x1F / 0o17 / 0b101 forms start with a 0 and run on in letters, and junk PostgreSQL refuses
// (123abc) must not leave half a literal behind either. Sticky, matched in place: a numeric
// literal may run to thousands of digits, and a slice of fixed length would leave the rest in clear.
const NUMBER = /(?:\d[\d_]*(?:\.[\d_]*)?|\.\d[\d_]*)(?:[eE][+-]?\d[\d_]*)?[A-Za-z0-9_$]*/y;
const DOLLAR_TAG = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/;
const WORD = /^[A-Za-z_][A-Za-z0-9_$]*/;

/**
 * `text` with its literals — strings ('…', E'…', $tag$…$tag$), numbers and booleans — replaced by
 * `?`. Identifiers ("…" and bare), parameters ($1), comments and keywords are kept.
 */
export function sanitizeSql(text: string): string {
  let out = '';
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i]!;
    const prev = i > 0 ? text[i - 1]! : '';
    if (c === "'") {
      // E'…' strings take backslash escapes; every kind doubles '' for a quote.
      const escapes = /[eE]/.test(prev) && (i < 2 || !IDENT_CHAR.test(text[i - 2]!));
      if (escapes) out = out.slice(0, -1);
      i++;
      while (i < n) {
        if (escapes && text[i] === '\\') i += 2;
        else if (text[i] === "'" && text[i + 1] === "'") i += 2;
        else if (text[i] === "'") break;
        else i++;
      }
      i++;
      out += '?';
    } else if (c === '"') {
      // A quoted identifier, "" standing for a quote inside it: kept whole.
      let j = i + 1;
      while (j < n && !(text[j] === '"' && text[j + 1] !== '"')) j += text[j] === '"' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
    } else if (c === '-' && text[i + 1] === '-') {
      const end = text.indexOf('\n', i);
      const stop = end < 0 ? n : end;
      out += text.slice(i, stop);
      i = stop;
    } else if (c === '/' && text[i + 1] === '*') {
      // Block comments nest in PostgreSQL: /* a /* b */ c */ ends at the second */, not the first.
      let depth = 0;
      let j = i;
      while (j < n) {
        if (text[j] === '/' && text[j + 1] === '*') {
          depth++;
          j += 2;
        } else if (text[j] === '*' && text[j + 1] === '/') {
          j += 2;
          if (--depth === 0) break;
        } else j++;
      }
      out += text.slice(i, j);
      i = j;
    } else if (c === '$' && !IDENT_CHAR.test(prev)) {
      const tag = DOLLAR_TAG.exec(text.slice(i, i + 66));
      if (tag) {
        const end = text.indexOf(tag[0], i + tag[0].length);
        i = end < 0 ? n : end + tag[0].length;
        out += '?';
      } else {
        // $1: a parameter, kept with its digits.
        let j = i + 1;
        while (j < n && DIGIT.test(text[j]!)) j++;
        out += text.slice(i, j);
        i = j;
      }
    } else if ((DIGIT.test(c) || (c === '.' && DIGIT.test(text[i + 1] ?? ''))) && !IDENT_CHAR.test(prev)) {
      NUMBER.lastIndex = i;
      i += NUMBER.exec(text)![0].length;
      out += '?';
    } else if (/[A-Za-z_]/.test(c) && !IDENT_CHAR.test(prev)) {
      const word = WORD.exec(text.slice(i, i + 128))![0];
      const lower = word.toLowerCase();
      out += lower === 'true' || lower === 'false' ? '?' : word;
      i += word.length;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

const URL_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/[^\s:/?#@]*:)[^\s@/]*@/gi;

/** `scheme://user:secret@host` → `scheme://user:****@host`, wherever it occurs in `text`. */
export function maskUrlPasswords(text: string): string {
  return text.replace(URL_PASSWORD, '$1****@');
}

/** Too short to mask by value without mangling ordinary text; such a password is masked in URLs only. */
const MIN_SECRET = 4;

/** Masks the passwords a store was configured with, and any URL's password, from emitted text. */
export class Redactor {
  /** Every form of every configured password, longest first; undefined when there is none. */
  readonly #secrets: RegExp | undefined;

  constructor(secrets: readonly (string | undefined)[]) {
    const found = new Set<string>();
    for (const s of secrets) {
      if (!s || s.length < MIN_SECRET) continue;
      found.add(s);
      // A password in a URL is percent-encoded there, and in a JSON text (a jsonb value) escaped.
      found.add(encodeURIComponent(s));
      found.add(JSON.stringify(s).slice(1, -1));
      // In SQL text a quote inside a literal or identifier is doubled (ALTER ROLE … PASSWORD 'O''Brien').
      found.add(s.replaceAll("'", "''"));
      found.add(s.replaceAll('"', '""'));
    }
    // Longest first, so a secret that contains another is masked whole. Case-insensitive: stored
    // text has lower-cased copies (title_normalized) that carry the password all the same.
    const escaped = [...found]
      .sort((a, b) => b.length - a.length)
      .map((s) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'));
    this.#secrets = escaped.length ? new RegExp(escaped.join('|'), 'gi') : undefined;
  }

  scrub(text: string): string {
    // Configured passwords first: the URL mask stops at the first '@' or '/', so one holding either
    // would be left partly in clear (user:****@t/Canary:x@host) and no longer match by value.
    const out = this.#secrets ? text.replace(this.#secrets, '****') : text;
    return maskUrlPasswords(out);
  }

  /**
   * `value` with every password masked, inside arrays and plain objects too (a bind value as the
   * query log hands it over: saveBatch sends columns as arrays, a jsonb parameter is an object).
   * Other objects (Date, Buffer) are returned as they are; a cycle reads '[circular]'.
   */
  scrubValue(value: unknown, path: Set<object> = new Set()): unknown {
    if (typeof value === 'string') return this.scrub(value);
    if (typeof value !== 'object' || value === null) return value;
    const proto = Object.getPrototypeOf(value) as unknown;
    const array = Array.isArray(value);
    if (!array && proto !== Object.prototype && proto !== null) return value;
    if (path.has(value)) return '[circular]';
    path.add(value);
    try {
      return array
        ? value.map((v: unknown) => this.scrubValue(v, path))
        : Object.fromEntries(
            Object.entries(value).map(([k, v]) => [this.scrub(k), this.scrubValue(v, path)]),
          );
    } finally {
      path.delete(value);
    }
  }
}

/** The statement text telemetry emits: literals replaced, then any password masked. Cached: statements repeat. */
export class StatementText {
  readonly #cache = new Map<string, string>();

  constructor(private readonly redactor: Redactor) {}

  of(text: string): string {
    let safe = this.#cache.get(text);
    if (safe === undefined) {
      safe = this.redactor.scrub(sanitizeSql(text));
      // A bounded memo: the library's statements are a few hundred; callers' own SQL may not be.
      if (this.#cache.size >= 1000) this.#cache.clear();
      this.#cache.set(text, safe);
    }
    return safe;
  }
}
