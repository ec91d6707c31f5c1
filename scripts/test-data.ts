// Writes the data sets the browser tests load through `src` (test/shared/served-sets.ts) into
// test-data/ (git-ignored). `npm test` runs it before the browser tests.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { SERVED_DIR, SERVED_SETS } from '../test/shared/served-sets.js';

let count = 0;
for (const set of SERVED_SETS) {
  for (const [name, bytes] of set.files()) {
    const path = join(SERVED_DIR, name);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, bytes);
    count++;
  }
}
console.log(`test-data: wrote ${count} files of ${SERVED_SETS.length} data sets into ${SERVED_DIR}/`);
