/**
 * The CDN route, as a page that never saw this repository would take it: one script tag for the
 * package's single-file build, one `<nn-scope>`, no other set-up. The demo data is found beside the
 * script (a CDN serves the package's files as they are). And the script-tag route to say where the
 * assets are: data-nnscope-base. Each page runs in its own frame, with its own copy of nnscope.
 */
import { expect } from '@esm-bundle/chai';

interface FramedScope extends HTMLElement {
  whenReady(): Promise<unknown>;
  step(n: number): Promise<void>;
  engine?: { stepCount: number };
  session?: { dataset: { train: { count: number } } };
}

/** A frame whose page is `html`; resolves with its `<nn-scope>` once it is ready. */
async function framedScope(html: string): Promise<{ scope: FramedScope; frame: HTMLIFrameElement }> {
  const frame = document.createElement('iframe');
  frame.style.cssText = 'width: 900px; height: 700px';
  frame.srcdoc = html;
  const loaded = new Promise((resolve) => frame.addEventListener('load', resolve, { once: true }));
  document.body.append(frame);
  await loaded;
  const page = frame.contentWindow!;
  await page.customElements.whenDefined('nn-scope');
  const scope = frame.contentDocument!.querySelector('nn-scope') as FramedScope;
  await Promise.race([
    scope.whenReady(),
    new Promise((_, reject) => setTimeout(() => reject(new Error(`not ready in 60 s: ${scope.shadowRoot?.textContent}`)), 60_000)),
  ]);
  return { scope, frame };
}

describe('the CDN build (dist/nnscope.min.js)', () => {
  it('one script tag and one element: it finds the demo data beside the script and trains', async () => {
    const { scope, frame } = await framedScope(
      '<script type="module" src="/dist/nnscope.min.js"></script><nn-scope view="controls" sample-rate="0"></nn-scope>');
    try {
      expect(scope.session!.dataset.train.count, 'the demo set from /dist/data/').to.equal(5000);
      await scope.step(3);
      expect(scope.engine!.stepCount).to.equal(3);
    } finally {
      frame.remove();
    }
  });

  it('data-nnscope-base on the script tag says where the assets are', async () => {
    const { scope, frame } = await framedScope(
      '<script type="module" src="/www/dist/nnscope.js" data-nnscope-base="/dist/"></script><nn-scope view="none" sample-rate="0"></nn-scope>');
    try {
      expect(scope.session!.dataset.train.count, 'the demo set from /dist/data/, not www/dist/data/').to.equal(5000);
    } finally {
      frame.remove();
    }
  });
});
