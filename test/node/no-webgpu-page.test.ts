/**
 * WebGPU really absent: Chromium on a page that is not a secure context (http on a host name other
 * than localhost, mapped to 127.0.0.1) has no navigator.gpu and no GPUBufferUsage at all. The
 * drop-in page www/embed.html must load without a page error, define <nn-scope>, say that WebGPU is
 * not available, and fire nn-error.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import puppeteer from 'puppeteer-core';
import { chromiumArgs, chromiumPath } from '../../scripts/chromium.mjs';
import { serveFolder } from '../shared/static-server.js';

test('www/embed.html on http://example.test (not a secure context): no page error, <nn-scope> says WebGPU is missing', async () => {
  const server = await serveFolder('www');
  const browser = await puppeteer.launch({
    executablePath: chromiumPath,
    headless: true,
    args: [...chromiumArgs, '--host-resolver-rules=MAP example.test 127.0.0.1'],
  });
  try {
    const page = await browser.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(String(error)));
    // In-page code is plain JavaScript (this program has no DOM types). Listen before any script
    // runs: the element may fire nn-error as soon as it is defined.
    await page.evaluateOnNewDocument(`
      window.nnErrors = [];
      document.addEventListener('nn-error', (event) => window.nnErrors.push(event.detail.message), true);
    `);
    await page.goto(`http://example.test:${server.port}/embed.html`);
    await page.waitForFunction('window.nnErrors.length > 0', { timeout: 60_000 });
    const state = (await page.evaluate(`(async () => {
      const scope = document.querySelector('nn-scope');
      await scope?.updateComplete;
      return {
        secure: isSecureContext,
        gpu: typeof navigator.gpu,
        bufferUsage: typeof GPUBufferUsage,
        defined: customElements.get('nn-scope') !== undefined,
        message: scope?.shadowRoot?.querySelector('.message')?.textContent ?? '',
        errors: window.nnErrors,
      };
    })()`)) as { secure: boolean; gpu: string; bufferUsage: string; defined: boolean; message: string; errors: string[] };
    assert.deepEqual({ secure: state.secure, gpu: state.gpu, bufferUsage: state.bufferUsage }, { secure: false, gpu: 'undefined', bufferUsage: 'undefined' }, 'the page has no WebGPU at all');
    assert.deepEqual(pageErrors, [], 'no page error');
    assert.equal(state.defined, true, '<nn-scope> is defined');
    assert.match(state.message, /WebGPU is not available/);
    assert.match(state.errors[0]!, /WebGPU is not available/, 'nn-error fired with the reason');
  } finally {
    await browser.close();
    await server.close();
  }
});
