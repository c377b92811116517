#!/usr/bin/env bash
# What a user of the published package gets: lint the package (publint, arethetypeswrong), pack it,
# install the tarball into a fresh project, type-check a consumer file, examples/ and the README's
# TypeScript under moduleResolution node16 and bundler, then run the consumer against the embedded
# store. Run after `npm run build` (npm test builds); CI runs it after the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

echo "== publint"
npx --no-install publint --strict
echo "== arethetypeswrong (ESM only: no CommonJS entry by design)"
npx --no-install attw --pack . --profile esm-only

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
TARBALL=$(npm pack --silent --ignore-scripts --pack-destination "$WORK" | tail -n1)
echo "== tarball: $TARBALL, $(du -k "$WORK/$TARBALL" | cut -f1) kB"
tar tzf "$WORK/$TARBALL" | sed 's#^package/##' | sort > "$WORK/contents.txt"
# dist, the migrations, init-db.sql, README, LICENSE, CHANGELOG and package.json: nothing else.
if grep -vE '^(dist/.*|scripts/init-db\.sql|README\.md|LICENSE|CHANGELOG\.md|package\.json)$' "$WORK/contents.txt"; then
  echo "unexpected files in the tarball (above)" >&2
  exit 1
fi
for must in dist/index.js dist/index.d.ts dist/index.d.ts.map dist/sql/migrations/0001_platform_schema.sql \
  scripts/init-db.sql README.md LICENSE CHANGELOG.md; do
  grep -qx "$must" "$WORK/contents.txt" || { echo "missing from the tarball: $must" >&2; exit 1; }
done

APP="$WORK/app"
mkdir -p "$APP/src"
cd "$APP"
npm init -y >/dev/null
npm pkg set type=module >/dev/null
npm install --no-audit --no-fund --prefer-offline "$WORK/$TARBALL" "typescript@$(node -p "require('$ROOT/node_modules/typescript/package.json').version")" "@types/node@20" >/dev/null
cp "$ROOT/test/consumer/consumer.ts" src/
for f in "$ROOT"/examples/*.ts; do cp "$f" "src/example-$(basename "$f")"; done
# Every ```ts block of the README, each as a module of its own.
node -e '
  const fs = require("fs");
  const blocks = [...fs.readFileSync(process.argv[1], "utf8").matchAll(/```(?:ts|typescript)\n([\s\S]*?)```/g)];
  blocks.forEach((m, i) => fs.writeFileSync(`src/readme-${i + 1}.ts`, `${m[1]}\nexport {};\n`));
  console.log(`README: ${blocks.length} TypeScript block(s)`);
' "$ROOT/README.md"

for resolution in node16 bundler; do
  module=$([ "$resolution" = node16 ] && echo node16 || echo esnext)
  cat > "tsconfig.$resolution.json" <<JSON
{
  "compilerOptions": {
    "target": "ES2022", "module": "$module", "moduleResolution": "$resolution", "strict": true,
    "types": ["node"], "skipLibCheck": false, "noEmit": true, "lib": ["ES2023"]
  },
  "include": ["src"]
}
JSON
  echo "== type-check: moduleResolution $resolution"
  npx --no-install tsc -p "tsconfig.$resolution.json"
done

echo "== run the consumer (embedded)"
npx --no-install tsc --target ES2022 --module node16 --moduleResolution node16 --types node --outDir out src/consumer.ts
node out/consumer.js
