// Runs the browser tests (web-test-runner) and the Node tests (Dawn), then prints one summary line.
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, rmSync } from 'node:fs';

rmSync('.test-results', { recursive: true, force: true });

// The data sets some browser tests load through `src` are files a server must serve: write them first.
spawnSync(process.execPath, ['--import', 'tsx', 'scripts/test-data.ts'], { stdio: 'inherit' });
const browser = spawnSync('npx', ['web-test-runner'], { stdio: 'inherit' });
let browserCounts = { passed: 0, failed: 1, skipped: 0, sessionErrors: 0 };
try {
  browserCounts = JSON.parse(readFileSync('.test-results/browser.json', 'utf8'));
} catch {
  console.error('web-test-runner wrote no results: counting the browser run as one failure');
}

const nodeFiles = readdirSync('test/node').filter((f) => f.endsWith('.test.ts')).map((f) => `test/node/${f}`);
const node = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--import', './scripts/wgsl-hook.mjs', '--test', '--test-reporter=spec', '--test-concurrency=1', ...nodeFiles],
  {
    encoding: 'utf8',
    env: { ...process.env, VK_ICD_FILENAMES: '/usr/lib/chromium/vk_swiftshader_icd.json', XDG_RUNTIME_DIR: '/tmp' },
  },
);
process.stdout.write(node.stdout);
process.stderr.write(node.stderr);
const count = (name) => Number(node.stdout.match(new RegExp(`^ℹ ${name} (\\d+)$`, 'm'))?.[1] ?? 0);
const nodeCounts = { passed: count('pass'), failed: count('fail'), skipped: count('skipped') };
if (node.status !== 0 && nodeCounts.failed === 0) nodeCounts.failed = 1;

const passed = browserCounts.passed + nodeCounts.passed;
const failed = browserCounts.failed + browserCounts.sessionErrors + nodeCounts.failed;
const skipped = browserCounts.skipped + nodeCounts.skipped;
console.log(`browser: ${browserCounts.passed} passed, ${browserCounts.failed} failed; node: ${nodeCounts.passed} passed, ${nodeCounts.failed} failed`);
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || browser.status !== 0 || node.status !== 0 ? 1 : 0);
