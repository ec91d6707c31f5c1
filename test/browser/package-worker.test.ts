/**
 * The built bundles (dist/ and www/dist/, written by `npm test`'s build) import in a module worker,
 * where there is no DOM and no custom-element registry, and the engine entry trains there.
 */
import { expect } from '@esm-bundle/chai';

describe('the built bundles in a Web Worker', () => {
  it('all import without throwing, leave no DOM stand-ins behind, and the engine entry trains', async () => {
    const worker = new Worker(new URL('./bundles-worker.ts', import.meta.url), { type: 'module' });
    try {
      const report = await new Promise<{
        imports: { file: string; error?: string; exports?: number; elements?: boolean }[];
        stepCount?: number;
        trainError?: string;
        leftovers: string[];
        hasCustomElements: boolean;
      }>((resolve, reject) => {
        worker.onmessage = (event) => resolve(event.data);
        worker.onerror = (event) => reject(new Error(`worker failed: ${event.message}`));
      });
      for (const { file, error, exports, elements } of report.imports) {
        expect(error, `${file} imports in a worker`).to.equal(undefined);
        expect(exports, `${file} exports`).to.be.greaterThan(20);
        expect(elements, `${file} exports NnScope`).to.equal(file !== '/dist/engine.js');
      }
      expect(report.hasCustomElements, 'a worker has no custom-element registry').to.equal(false);
      expect(report.leftovers, 'DOM stand-ins removed after Lit loaded').to.deep.equal([]);
      expect(report.trainError, 'training in the worker').to.equal(undefined);
      expect(report.stepCount).to.equal(2);
    } finally {
      worker.terminate();
    }
  });
});
