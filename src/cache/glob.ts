// Redis's glob syntax (stringmatchlen): * ? [abc] [^abc] [a-z] and \x escapes, as a RegExp.
const SPECIAL = /[.*+?^${}()|[\]\\/]/g;
const esc = (c: string) => c.replace(SPECIAL, '\\$&');

export function globToRegExp(pattern: string): RegExp {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') out += '[\\s\\S]*';
    else if (c === '?') out += '[\\s\\S]';
    else if (c === '\\' && i + 1 < pattern.length) out += esc(pattern[++i]!);
    else if (c === '[') {
      const close = findClose(pattern, i);
      if (close < 0) {
        out += esc(c);
        continue;
      }
      let body = pattern.slice(i + 1, close);
      let negate = false;
      if (body.startsWith('^')) {
        negate = true;
        body = body.slice(1);
      }
      let cls = '';
      for (let j = 0; j < body.length; j++) {
        const ch = body[j]!;
        if (ch === '\\' && j + 1 < body.length) cls += esc(body[++j]!);
        else if (body[j + 1] === '-' && j + 2 < body.length) {
          // Redis accepts reversed ranges ([z-a]) as the same range.
          const [lo, hi] = [ch, body[j + 2]!].sort();
          cls += `${esc(lo!)}-${esc(hi!)}`;
          j += 2;
        } else cls += esc(ch);
      }
      out += cls ? `[${negate ? '^' : ''}${cls}]` : negate ? '[\\s\\S]' : '(?!)';
      i = close;
    } else out += esc(c);
  }
  return new RegExp(`^${out}$`);
}

function findClose(p: string, open: number): number {
  for (let j = open + 1; j < p.length; j++) {
    if (p[j] === '\\') j++;
    else if (p[j] === ']' && j > open + 1 + (p[open + 1] === '^' ? 1 : 0)) return j;
    else if (p[j] === ']') return j;
  }
  return -1;
}

/** Escapes a literal (the namespace prefix) for use inside a glob. */
export function escapeGlob(literal: string): string {
  return literal.replace(/[*?[\]\\]/g, '\\$&');
}
