/** `<nn-scope>` on a browser without WebGPU: a clear message saying what is missing and how to get it, and nn-error. */
import { expect } from '@esm-bundle/chai';
import { nextEvent, smallDataset } from '../shared/element-fixture.js';

describe('<nn-scope> without WebGPU', () => {
  it('says WebGPU is missing, how to get it, and fires nn-error', async () => {
    const data = await smallDataset();
    Object.defineProperty(navigator, 'gpu', { value: undefined, configurable: true }); // this page only
    const scope = document.createElement('nn-scope');
    scope.data = data;
    const error = nextEvent<{ message: string; recoverable: boolean }>(scope, 'nn-error', 10_000);
    document.body.append(scope);
    try {
      const detail = await error;
      expect(detail.message).to.include('navigator.gpu is missing');
      expect(detail.message).to.include('Chrome or Edge 113');
      expect(detail.recoverable).to.equal(false);
      await scope.updateComplete;
      const message = scope.shadowRoot!.querySelector('.message')!;
      expect(message.getAttribute('role')).to.equal('alert');
      expect(message.textContent).to.include('WebGPU is not available').and.include('--enable-unsafe-webgpu');
      expect(scope.engine).to.equal(undefined);
      let refused = '';
      await scope.start().catch((e: Error) => (refused = e.message));
      expect(refused).to.include('navigator.gpu is missing');
    } finally {
      scope.remove();
    }
  });
});
