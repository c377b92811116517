import pc from 'picocolors';

/**
 * Colour is for a person at a terminal. NO_COLOR wins, FORCE_COLOR forces it; a pipe, a file or
 * a CI log stays plain. (picocolors' own default turns colour on whenever `CI` is set.)
 */
function wantsColor(stream: NodeJS.WriteStream): boolean {
  const { NO_COLOR, FORCE_COLOR, TERM } = process.env;
  if (NO_COLOR) return false;
  if (FORCE_COLOR && !['0', 'false'].includes(FORCE_COLOR)) return true;
  return stream.isTTY === true && TERM !== 'dumb';
}

export const color = pc.createColors(wantsColor(process.stdout));
export const errorColor = pc.createColors(wantsColor(process.stderr));

export interface Out {
  json: boolean;
  /** Human output; suppressed under --json. */
  line(text?: string): void;
  /** The one JSON document of a --json run. */
  result(value: unknown): void;
}

export function output(json: boolean): Out {
  return {
    json,
    line: (text = '') => {
      if (!json) console.log(text);
    },
    result: (value) => {
      if (json) console.log(JSON.stringify(value, null, 2));
    },
  };
}

export const ok = (text: string) => `${color.green('✔')} ${text}`;
export const fail = (text: string) => `${color.red('✖')} ${text}`;
/** `+1.25`, `-0.50`, `0.00`: a change, with its sign. */
export const signed = (n: number) => (n > 0 ? `+${n.toFixed(2)}` : n.toFixed(2));
export const heading = (text: string) => color.bold(color.cyan(`\n== ${text}`));

/**
 * Text from the store as one terminal line: control characters (escape sequences, newlines,
 * tabs) shown as JSON escapes, so a stored title cannot move the cursor, recolour the terminal or
 * break a table.
 */
export const printable = (text: string) =>
  text.replace(/[\p{Cc}\u2028\u2029]/gu, (c) => JSON.stringify(c).slice(1, -1));

/**
 * A plain text table: columns padded to their widest cell. Every cell is made printable, then
 * `style` may colour it (colour codes take no room).
 */
export function table(
  headers: string[],
  rows: (string | number)[][],
  style?: (text: string, column: number) => string,
): string {
  const cells = [headers, ...rows.map((r) => r.map((c) => printable(String(c))))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  const fmt = (r: string[], styled: boolean) =>
    r
      .map((c, i) => {
        const text = i === r.length - 1 ? c : c.padEnd(widths[i]!);
        return styled && style ? style(text, i) : text;
      })
      .join('  ');
  return [color.bold(fmt(cells[0]!, false)), ...cells.slice(1).map((r) => fmt(r, true))].join('\n');
}

/** `30d`, `12h`, `30` (days) → whole days, at most 100 years; anything else is an error for the user. */
export function parseDays(text: string): number {
  const m = /^(\d{1,9})\s*(d|h)?$/i.exec(text.trim());
  const days = m ? (m[2]?.toLowerCase() === 'h' ? Math.ceil(Number(m[1]) / 24) : Number(m[1])) : Number.NaN;
  if (!(days <= 36_500))
    throw new Error(`expected a duration such as 30d or 48h (at most 36500d), got "${text}"`);
  return days;
}
