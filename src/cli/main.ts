#!/usr/bin/env node
import { Command } from 'commander';
import { describeDatabase } from '../config.js';
import { StorageError } from '../domain/errors.js';
import { createStorage } from '../storage.js';

const TABLES = [
  'topics',
  'trends',
  'processed_items',
  'topic_items',
  'plugin_health',
  'pipeline_runs',
] as const;

const program = new Command('trend-storage')
  .description('Storage layer of the Trend Intelligence Platform')
  .showHelpAfterError()
  .option('--json', 'machine-readable output');

program
  .command('migrate')
  .alias('init')
  .description('apply pending migrations to the configured database (embedded by default)')
  .option('--dry-run', 'list pending migrations without applying them')
  .action(async (opts: { dryRun?: boolean }) => {
    const storage = await createStorage({ autoMigrate: false });
    try {
      const { pending } = await storage.migrationStatus();
      const todo = opts.dryRun ? pending : await storage.migrate();
      const verb = opts.dryRun ? 'pending' : 'applied';
      if (program.opts().json) console.log(JSON.stringify({ [verb]: todo.map((m) => m.version) }));
      else if (todo.length === 0) console.log(`${describeDatabase(storage.config.database)}: up to date`);
      else for (const m of todo) console.log(`${verb} ${String(m.version).padStart(4, '0')}_${m.name}`);
    } finally {
      await storage.close();
    }
  });

program
  .command('demo')
  .description('open the configured store (embedded by default), migrate it and show what it holds')
  .action(async () => {
    const storage = await createStorage({ autoMigrate: false });
    try {
      const applied = await storage.migrate();
      const { applied: all } = await storage.migrationStatus();
      const counts: Record<string, number> = {};
      for (const table of TABLES) {
        const [row] = await storage.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
        counts[table] = row!.n;
      }
      if (program.opts().json) {
        console.log(
          JSON.stringify({
            database: describeDatabase(storage.config.database),
            schemaVersion: all.length,
            counts,
          }),
        );
        return;
      }
      console.log(`Store: ${describeDatabase(storage.config.database)}`);
      console.log(
        `Schema version ${all.length}${applied.length ? ` (applied now: ${applied.map((m) => m.name).join(', ')})` : ''}`,
      );
      for (const [table, n] of Object.entries(counts)) console.log(`  ${table.padEnd(16)} ${n} rows`);
    } finally {
      await storage.close();
    }
  });

program.parseAsync().catch((err: unknown) => {
  // Errors of ours carry a readable message; no stack trace for a person at a terminal.
  const message = err instanceof StorageError ? `${err.name}: ${err.message}` : String(err);
  console.error(`trend-storage: ${message}`);
  process.exitCode = 1;
});
