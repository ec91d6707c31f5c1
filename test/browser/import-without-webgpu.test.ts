/**
 * The built bundle imported where WebGPU's globals do not exist at all (as on a page that is not a
 * secure context): the import must not throw, `<nn-scope>` must be defined, and it must say that
 * WebGPU is missing. This file imports nothing of nnscope itself, so the bundle defines the element.
 */
import { expect } from '@esm-bundle/chai';

const WEBGPU_GLOBALS = ['GPUBufferUsage', 'GPUMapMode', 'GPUTextureUsage', 'GPUShaderStage', 'GPUColorWrite', 'GPU', 'GPUAdapter', 'GPUDevice', 'GPUBuffer'];

describe('the bundle without WebGPU globals', () => {
  it('imports, defines <nn-scope>, and the element says WebGPU is missing', async () => {
    for (const name of WEBGPU_GLOBALS) delete (globalThis as Record<string, unknown>)[name];
    Object.defineProperty(navigator, 'gpu', { value: undefined, configurable: true }); // this page only
    expect(typeof (globalThis as Record<string, unknown>).GPUBufferUsage).to.equal('undefined');

    const bundle = '/www/dist/nnscope.js'; // built by `npm test` before the browser tests
    await import(bundle);
    expect(customElements.get('nn-scope'), '<nn-scope> is defined').to.not.equal(undefined);

    const scope = document.createElement('nn-scope');
    const error = new Promise<{ message: string }>((resolve) => scope.addEventListener('nn-error', (event) => resolve((event as CustomEvent).detail), { once: true }));
    document.body.append(scope);
    try {
      const { message } = await error;
      expect(message).to.include('WebGPU is not available');
      await (scope as unknown as { updateComplete: Promise<boolean> }).updateComplete;
      expect(scope.shadowRoot!.querySelector('.message')!.textContent).to.include('Chrome or Edge 113');
    } finally {
      scope.remove();
    }
  });
});
