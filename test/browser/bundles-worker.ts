/**
 * A module worker for package-worker.test.ts: imports every built bundle (dist/, and
 * the app's www/dist/nnscope.js), then trains two steps with the engine entry, and posts a report.
 */
import type * as EngineEntry from '../../src/engine-entry.js';

const BUNDLES = ['/dist/engine.js', '/dist/nnscope.js', '/dist/nnscope.min.js', '/www/dist/nnscope.js'];

interface Report {
  imports: { file: string; error?: string; exports?: number; elements?: boolean }[];
  stepCount?: number;
  trainError?: string;
  leftovers: string[];
  hasCustomElements: boolean;
}

async function run(): Promise<Report> {
  const imports: Report['imports'] = [];
  for (const file of BUNDLES) {
    try {
      const api = (await import(file)) as Record<string, unknown>;
      imports.push({ file, exports: Object.keys(api).length, elements: typeof api.NnScope === 'function' });
    } catch (error) {
      imports.push({ file, error: String((error as Error).stack ?? error) });
    }
  }
  const report: Report = {
    imports,
    leftovers: ['document', 'HTMLElement'].filter((name) => name in globalThis),
    hasCustomElements: 'customElements' in globalThis,
  };
  try {
    const { createEngine } = (await import('/dist/engine.js' as string)) as typeof EngineEntry;
    const image = (k: number) => Uint8Array.from({ length: 784 }, (_, i) => (i * 7 + k * 31) % 256);
    const set = (count: number) => ({
      images: Uint8Array.from({ length: count * 784 }, (_, i) => image(Math.floor(i / 784))[i % 784]!),
      labels: Uint8Array.from({ length: count }, (_, i) => i % 10),
      count, rows: 28, cols: 28,
    });
    const engine = await createEngine({ layers: [8], batchSize: 4, seed: 1 });
    engine.setData({ train: set(16), test: set(8), classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] });
    await engine.step(2);
    report.stepCount = engine.stepCount;
    engine.destroy();
  } catch (error) {
    report.trainError = String((error as Error).stack ?? error);
  }
  return report;
}

void run().then((report) => postMessage(report));
