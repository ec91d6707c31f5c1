/** `<nn-scope>` attribute parsing and the engine's option errors it relies on (pure TypeScript, no GPU). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AttributeError, attributeOfOption, engineOptions, FORM_SETTINGS, networkOf, parseSettings, SETTINGS } from '../../src/app/settings.js';
import { ConfigError, resolveConfig, type EngineOptions } from '../../src/engine/config.js';
import { checkDeviceLimits } from '../../src/engine/limits.js';

test('every ConfigError names the option it is about', () => {
  const cases: [EngineOptions, string][] = [
    [{ layers: [16, 0] }, 'layers'],
    [{ layers: 'x' as never }, 'layers'],
    [{ activation: 'softplus' as never }, 'activation'],
    [{ optimizer: { type: 'rmsprop' as never } }, 'optimizer.type'],
    [{ optimizer: { type: 'sgd', learningRate: 1e-13 } }, 'optimizer.learningRate'],
    [{ optimizer: { type: 'sgd', momentum: 1 } }, 'optimizer.momentum'],
    [{ optimizer: { type: 'adam', beta1: -1 } }, 'optimizer.beta1'],
    [{ batchSize: 0 }, 'batchSize'],
    [{ seed: -1 }, 'seed'],
    [{ stepsPerChunk: 1.5 }, 'stepsPerChunk'],
  ];
  for (const [options, option] of cases) {
    assert.throws(() => resolveConfig(options), (e: Error) => e instanceof ConfigError && e.option === option, `${JSON.stringify(options)} → ${option}`);
  }
});

test('device-limit errors name the option to change', () => {
  const limits = { maxStorageBufferBindingSize: 2 ** 27, maxBufferSize: 2 ** 28, maxComputeWorkgroupsPerDimension: 65535 } as GPUSupportedLimits;
  const option = (options: EngineOptions) => {
    try {
      checkDeviceLimits(resolveConfig(options), limits);
    } catch (error) {
      return error instanceof ConfigError ? error.option : `not a ConfigError: ${error}`;
    }
    return 'accepted';
  };
  assert.equal(option({ layers: [128] }), 'accepted');
  assert.equal(option({ layers: [1 << 20] }), 'layers');
  assert.equal(option({ batchSize: 65536 }), 'batchSize');
  assert.equal(option({ evaluationBatchSize: 65536 }), 'evaluationBatchSize');
});

test('learning-rate="1e-13" passes the attribute check, is refused by the engine, and is reported as a bad learning-rate', () => {
  // The attribute takes any number above 0; the engine's lower limit is 1e-12.
  assert.equal(parseSettings({ 'learning-rate': '1e-12' }).learningRate, 1e-12);
  assert.throws(() => parseSettings({ 'learning-rate': '1e-13', layers: '32' }), (e: Error) =>
    e instanceof AttributeError && e.attribute === 'learning-rate' && e.value === '1e-13' &&
    e.message.startsWith('<nn-scope learning-rate="1e-13">: ') && e.message.includes('optimizer.learningRate must be a number in [1e-12, '));
  assert.throws(() => parseSettings({ optimizer: 'adam', 'learning-rate': '1e-13' }), (e: Error) => e instanceof AttributeError && e.attribute === 'learning-rate');
});

test('engine options map to the attributes that set them; options no attribute sets map to none', () => {
  assert.equal(attributeOfOption('layers'), 'layers');
  assert.equal(attributeOfOption('optimizer.learningRate'), 'learning-rate');
  assert.equal(attributeOfOption('optimizer.momentum'), 'momentum');
  assert.equal(attributeOfOption('optimizer.type'), 'optimizer');
  assert.equal(attributeOfOption('optimizer.beta2'), 'optimizer');
  assert.equal(attributeOfOption('batchSize'), 'batch-size');
  assert.equal(attributeOfOption('seed'), 'seed');
  assert.equal(attributeOfOption('stepsPerChunk'), undefined);
  assert.equal(attributeOfOption('toString'), undefined);
});

test('every setting: its default written as its attribute parses back to the default; attributes are the names in kebab case', () => {
  const defaults = parseSettings({});
  for (const setting of SETTINGS) {
    assert.equal(setting.attribute, setting.name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`), setting.name);
    const value = defaults[setting.name];
    if (setting.boolean) continue; // present means true: the default (false) is the absent attribute
    const text = (setting.format as (v: unknown) => string)(value);
    assert.deepEqual(parseSettings({ [setting.attribute]: text })[setting.name], value, `${setting.attribute}="${text}"`);
  }
  assert.deepEqual(Object.keys(networkOf(defaults)), ['layers', 'activation', 'optimizer', 'learningRate', 'momentum', 'batchSize', 'seed', 'augment'], 'the network settings: those that set an engine option');
  assert.deepEqual(FORM_SETTINGS.map((s) => s.attribute), ['layers', 'activation', 'optimizer', 'learning-rate', 'momentum', 'batch-size', 'epochs', 'seed', 'augment']);
});

test('augment: normal text in effect, the engine option set, bad items named; the training batch view shown by default only with augmentation', () => {
  const plain = parseSettings({});
  assert.equal(plain.augment, 'none');
  assert.ok(!plain.view.includes('batch'));
  const augmented = parseSettings({ augment: ' Flip , shift 2 ' });
  assert.equal(augmented.augment, 'shift 2, flip');
  assert.equal(engineOptions(augmented).augment, 'shift 2, flip');
  assert.ok(augmented.view.includes('batch'));
  assert.deepEqual(parseSettings({ augment: 'flip', view: 'strips' }).view, ['strips']);
  assert.deepEqual(parseSettings({ view: 'all' }).view.at(-1), 'batch');
  assert.throws(() => parseSettings({ augment: 'zoom 2' }), (e: Error) => e instanceof AttributeError && e.attribute === 'augment' && /<nn-scope augment="zoom 2">: augment item 'zoom 2' is not an augmentation; allowed: 'shift K'/.test(e.message));
  assert.throws(() => parseSettings({ augment: 'cutout 40' }), (e: Error) => e instanceof AttributeError && e.attribute === 'augment' && /'cutout 40' is larger than a 28×28 image/.test(e.message));
});

test('numbers are decimal only; ranges and whole numbers are checked with a message that says what is allowed', () => {
  assert.equal(parseSettings({ 'learning-rate': '1e-3' }).learningRate, 0.001);
  assert.equal(parseSettings({ epochs: ' 12 ' }).epochs, 12);
  assert.equal(parseSettings({ optimizer: 'adam' }).learningRate, 0.001, "adam's default learning rate");
  for (const [attribute, text] of [['epochs', '0x10'], ['epochs', '1e400'], ['momentum', 'Infinity'], ['batch-size', ''], ['epochs', '2.5'], ['momentum', '1'], ['seed', '0b11']]) {
    assert.throws(() => parseSettings({ [attribute]: text }), (e: Error) => e instanceof AttributeError && e.attribute === attribute && /must be a (whole )?number/.test(e.message), `${attribute}="${text}"`);
  }
  assert.throws(() => parseSettings({ loading: 'soon' }), /<nn-scope loading="soon">: must be one of lazy, eager/);
});
