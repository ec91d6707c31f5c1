/** The custom elements; importing this module defines them all. */
export { NnScope } from './nn-scope.js';
export type { NnErrorDetail } from './nn-scope.js';
export { NnControls } from './nn-controls.js';
export { NnStrips } from './nn-strips.js';
export { NnWeights } from './nn-weights.js';
export { NnConfusion } from './nn-confusion.js';
export { NnClassMeans } from './nn-class-means.js';
export { NnCurves } from './nn-curves.js';
export { NnCompare } from './nn-compare.js';
export { NnBatch } from './nn-batch.js';
export { ScopePart, CanvasPart } from './scope-part.js';
export { Scope } from '../app/scope.js';
export type { ScopeEpoch, ScopeProgress } from '../app/scope.js';
export { AttributeError, parseSettings, SETTINGS, VIEW_NAMES } from '../app/settings.js';
export type { AnySetting, ScopeSettings, Setting, SettingName, ViewName } from '../app/settings.js';
