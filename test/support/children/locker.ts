// Takes the data-directory lock of argv[2] at the time argv[3] (ms since the epoch) and prints
// "locked" or "refused". A winner keeps the lock until it is killed, so a late starter can never
// win fairly after a release: two "locked" lines mean two holders at once.
import { lockDataDir } from '../../../src/sql/data-dir-lock.js';

const [dir, at] = [process.argv[2]!, Number(process.argv[3])];
while (Date.now() < at) {
  // spin to the shared start time, so the contenders really race
}
try {
  lockDataDir(dir);
  console.log('locked');
  setInterval(() => undefined, 60_000);
} catch {
  console.log('refused');
  process.exit(0);
}
