// Browser tests: headless Debian Chromium with WebGPU on SwiftShader, TypeScript and WGSL via esbuild.
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { chromeLauncher } from '@web/test-runner-chrome';
import { defaultReporter } from '@web/test-runner';
import { visualRegressionPlugin } from '@web/test-runner-visual-regression/plugin';
import { mkdirSync, writeFileSync } from 'node:fs';
import { chromiumArgs, chromiumPath } from './scripts/chromium.mjs';

/** Counts passed/failed/skipped tests into .test-results/browser.json for scripts/test.mjs. */
function countingReporter() {
  return {
    onTestRunFinished({ sessions }) {
      const counts = { passed: 0, failed: 0, skipped: 0, sessionErrors: 0 };
      const visit = (suite) => {
        for (const test of suite.tests) {
          if (test.skipped) counts.skipped++;
          else if (test.passed) counts.passed++;
          else counts.failed++;
        }
        for (const child of suite.suites) visit(child);
      };
      for (const session of sessions) {
        if (session.testResults) visit(session.testResults);
        if (!session.passed && (session.errors?.length ?? 0) > 0) counts.sessionErrors++;
      }
      mkdirSync('.test-results', { recursive: true });
      writeFileSync('.test-results/browser.json', JSON.stringify(counts));
    },
  };
}

export default {
  files: process.env.TEST_FILES ?? 'test/browser/**/*.test.ts',
  nodeResolve: true,
  concurrency: 1,
  browserStartTimeout: 120_000,
  testsStartTimeout: 120_000,
  testsFinishTimeout: 20 * 60_000,
  testFramework: { config: { timeout: 300_000 } },
  plugins: [
    // mediabunny's Node file module imports node:fs/promises (its package.json maps it away for
    // bundlers): the page gets an empty module for Node's built-ins.
    {
      name: 'node-builtins-empty',
      resolveImport: ({ source }) => (source.startsWith('node:') ? '/__node-builtin-empty.js' : undefined),
      serve: (context) => (context.path === '/__node-builtin-empty.js' ? { body: 'export {};', type: 'js' } : undefined),
    },
    esbuildPlugin({ ts: true, target: 'es2022', loaders: { '.wgsl': 'text' } }),
    // Regression images of the views: baselines in test/screenshots/<browser>/baseline (committed),
    // differences land in …/failed (ignored). UPDATE_SCREENSHOTS=1 writes new baselines.
    visualRegressionPlugin({
      update: process.env.UPDATE_SCREENSHOTS === '1',
      baseDir: 'test/screenshots',
      diffOptions: { threshold: 0.1 },
      failureThreshold: 0.5,
      failureThresholdType: 'percent',
    }),
  ],
  browsers: [
    chromeLauncher({
      launchOptions: { executablePath: chromiumPath, headless: true, args: chromiumArgs },
    }),
  ],
  reporters: [defaultReporter(), countingReporter()],
};
