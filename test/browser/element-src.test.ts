/**
 * Your own data through `src` (issue #12): every format, served as files (written by
 * scripts/test-data.ts before the browser run), loads into `<nn-scope src=…>`, builds the network
 * for its shape with its class names, and trains: all four reach ≥ 95% on their generated tasks.
 */
import { expect } from '@esm-bundle/chai';
import type { NnScope } from '../../src/elements/nn-scope.js';
import { addScope } from '../shared/element-fixture.js';
import { SERVED_DIR, SERVED_SETS } from '../shared/served-sets.js';

describe('<nn-scope src=…> on your own data', () => {
  before(async () => {
    const probe = await fetch(`/${SERVED_DIR}/${SERVED_SETS[0]!.src}classes.txt`);
    if (!probe.ok) throw new Error(`/${SERVED_DIR}/ is missing: run \`node --import tsx scripts/test-data.ts\` first (npm test does)`);
  });

  for (const set of SERVED_SETS) {
    const { rows, cols, channels, classes } = set.shape;
    it(`${set.src}: ${rows}×${cols}×${channels}, ${classes} classes with their names, trained to ≥ 95%`, () =>
      addScope({ src: `/${SERVED_DIR}/${set.src}`, view: 'none', 'sample-rate': '0', layers: '32', 'batch-size': '32', optimizer: 'adam', 'learning-rate': '0.005' }, { data: false })
        .then(async (scope: NnScope) => {
          try {
            expect(scope.engine!.config.sizes).to.deep.equal([rows * cols * channels, 32, classes]);
            expect(scope.session!.dataset.classNames).to.deep.equal(set.names);
            await scope.step(6 * scope.engine!.stepsPerEpoch);
            const { accuracy } = await scope.evaluate();
            console.log(`src=${set.src}: test accuracy ${(100 * accuracy).toFixed(1)}%`);
            expect(accuracy).to.be.at.least(0.95);
          } finally {
            scope.remove();
          }
        }));
  }
});
