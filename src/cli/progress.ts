import { SingleBar } from 'cli-progress';

export interface Progress {
  increment(by: number): void;
  stop(): void;
}

/** A progress bar on stderr when it is a terminal; silent otherwise (pipes, tests, --json). */
export function progress(label: string, total: number, enabled: boolean): Progress {
  if (!enabled || !process.stderr.isTTY) return { increment: () => undefined, stop: () => undefined };
  const bar = new SingleBar({
    format: `${label.padEnd(10)} [{bar}] {percentage}% | {value}/{total}`,
    stream: process.stderr,
    hideCursor: true,
    clearOnComplete: false,
  });
  bar.start(total, 0);
  return { increment: (by) => bar.increment(by), stop: () => bar.stop() };
}
