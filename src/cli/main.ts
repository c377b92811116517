#!/usr/bin/env node
import { Command, InvalidArgumentError, Option } from 'commander';
import { CATEGORY_TYPES, type CategoryType } from '../domain/enums.js';
import { StorageError } from '../domain/errors.js';
import { cleanupCommand } from './commands/cleanup.js';
import { demoCommand } from './commands/demo.js';
import { importCommand } from './commands/import.js';
import { migrateCommand } from './commands/migrate.js';
import { refreshViewsCommand } from './commands/refresh-views.js';
import { statsCommand } from './commands/stats.js';
import { trendsCommand } from './commands/trends.js';
import { verifyCommand } from './commands/verify.js';
import { errorColor, output, parseDays } from './output.js';

const program = new Command('trend-storage')
  .description(
    'Storage layer of the Trend Intelligence Platform.\n' +
      'Embedded (PGlite + pgvector + in-memory cache in ./.trend-data) unless DATABASE_URL / POSTGRES_*,\n' +
      'REDIS_URL / REDIS_*, QDRANT_URL are set (a .env file is read too).',
  )
  .option('--json', 'machine-readable output (one JSON document on stdout)')
  // One line per error (`--help` has the usage); a JSON document when --json was asked for.
  .configureOutput({
    outputError: (text, write) => {
      if (process.argv.includes('--json')) console.log(JSON.stringify({ error: text.trim() }));
      else write(errorColor.red(text));
    },
  });

/** An option parser for a whole number in [min, max]: checked before any work starts. */
function wholeNumber(min: number, max: number) {
  return (text: string): number => {
    if (!/^\d+$/.test(text.trim()) || Number(text) < min || Number(text) > max) {
      throw new InvalidArgumentError(`expected a whole number from ${min} to ${max.toLocaleString('en')}.`);
    }
    return Number(text);
  };
}

function duration(text: string): number {
  try {
    return parseDays(text);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

const messageOf = (err: unknown) =>
  err instanceof StorageError
    ? `${err.name}: ${err.message}`
    : err instanceof Error
      ? err.message
      : String(err);

// Last line of defence: whatever escapes a command is reported as one line, never a stack trace.
for (const event of ['uncaughtException', 'unhandledRejection'] as const) {
  process.on(event, (err: unknown) => {
    console.error(errorColor.red(`trend-storage: ${messageOf(err)}`));
    process.exit(1);
  });
}

/** Runs a command and turns its outcome into an exit code: no stack traces for people. */
function action<A extends unknown[]>(fn: (...args: A) => Promise<number>) {
  return async (...args: A) => {
    try {
      process.exitCode = await fn(...args);
    } catch (err) {
      const message = messageOf(err);
      if (program.opts().json) console.log(JSON.stringify({ error: message }));
      else console.error(errorColor.red(`trend-storage: ${message}`));
      process.exitCode = 1;
    }
  };
}

const out = () => output(Boolean(program.opts().json));

program
  .command('migrate')
  .alias('init')
  .description('apply pending migrations to the configured database, printing each one')
  .option('--dry-run', 'list pending migrations without applying them')
  .action(action((opts: { dryRun?: boolean }) => migrateCommand(out(), opts)));

program
  .command('verify')
  .description(
    'health check: PostgreSQL, schema, vector store, cache (--json: with server and extension versions); exit code 1 if any fails',
  )
  .option('--timeout <seconds>', 'per-check timeout', wholeNumber(1, 600), 5)
  .action(action((opts: { timeout: number }) => verifyCommand(out(), opts)));

program
  .command('demo')
  .description('the main job: load a realistic sample and walk through the platform’s storage examples')
  .option('--reset', 'remove what earlier demo runs stored, then start over')
  .addOption(
    new Option('--items <n>', 'how many sample items').argParser(wholeNumber(1, 1_000_000)).default(5000),
  )
  .action(action((opts: { reset?: boolean; items: number }) => demoCommand(out(), opts)));

program
  .command('import')
  .description(
    'import ProcessedItems from a JSON Lines file (- for stdin); exit code 2 if any line is rejected',
  )
  .argument('<file>', 'path to a .jsonl file, or - for stdin')
  .option('--quiet', 'no progress bar')
  .addOption(
    new Option(
      '--jobs <n>',
      'write n chunks at once over pooled connections (items.ingest); stops at the first chunk the database refuses',
    ).argParser(wholeNumber(1, 64)),
  )
  .action(
    action((file: string, opts: { quiet?: boolean; jobs?: number }) => importCommand(out(), file, opts)),
  );

program
  .command('stats')
  .description(
    'row counts, items per source and day, top trends, connection pool, cache hit ratio, vector counts',
  )
  .option('--days <n>', 'days of items per source and day', wholeNumber(1, 3650), 14)
  .action(action((opts: { days: number }) => statsCommand(out(), opts)));

program
  .command('trends')
  .description('top trends by rank, each with its daily score as a sparkline and its change')
  .option('--limit <n>', 'how many trends', wholeNumber(1, 1000), 10)
  .option('--days <n>', 'days of history, today included', wholeNumber(2, 365), 14)
  .addOption(new Option('--category <name>', 'only this category').choices(CATEGORY_TYPES))
  .action(
    action((opts: { limit: number; days: number; category?: CategoryType }) => trendsCommand(out(), opts)),
  );

program
  .command('cleanup')
  .description(
    'delete items collected before a cutoff, with their links, vectors and cache entries; downsample old trend history',
  )
  .requiredOption('--older-than <duration>', 'e.g. 30d or 48h', duration)
  .option('--dry-run', 'count what would be deleted or merged')
  .option('--hourly-after <days>', 'trend snapshots older than this become hourly', wholeNumber(0, 36_500), 7)
  .option('--daily-after <days>', 'trend snapshots older than this become daily', wholeNumber(0, 36_500), 30)
  .action(
    action((opts: { olderThan: number; dryRun?: boolean; hourlyAfter: number; dailyAfter: number }) =>
      cleanupCommand(out(), opts),
    ),
  );

program
  .command('refresh-views')
  .description('refresh the materialized views (concurrently: readers are not blocked)')
  .action(action(() => refreshViewsCommand(out())));

await program.parseAsync();
