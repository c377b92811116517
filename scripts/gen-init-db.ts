// Regenerates scripts/init-db.sql from the migrations (a test fails when it is stale).
import { writeFileSync } from 'node:fs';
import { buildInitScript } from '../src/sql/init-script.js';
import { loadMigrations } from '../src/sql/migrate.js';

const target = new URL('./init-db.sql', import.meta.url);
writeFileSync(target, buildInitScript(loadMigrations()));
console.log(`wrote ${target.pathname}`);
