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
export const heading = (text: string) => color.bold(color.cyan(`\n== ${text}`));

/** A plain text table: columns padded to their widest cell. */
export function table(headers: string[], rows: (string | number)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  const fmt = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  return [color.bold(fmt(cells[0]!)), ...cells.slice(1).map(fmt)].join('\n');
}

/** `30d`, `12h`, `30` (days) → whole days, at most 100 years; anything else is an error for the user. */
export function parseDays(text: string): number {
  const m = /^(\d{1,9})\s*(d|h)?$/i.exec(text.trim());
  const days = m ? (m[2]?.toLowerCase() === 'h' ? Math.ceil(Number(m[1]) / 24) : Number(m[1])) : Number.NaN;
  if (!(days <= 36_500))
    throw new Error(`expected a duration such as 30d or 48h (at most 36500d), got "${text}"`);
  return days;
}
