/** The zero-copy views: renderers that draw training-dictionary buffers with fragment shaders. */
export { CanvasView } from './canvas-view.js';
export type { PanelHit, ViewLabel, ViewLayout } from './canvas-view.js';
export { LayerStripsView } from './layer-strips-view.js';
export type { LayerStripsOptions } from './layer-strips-view.js';
export { WeightsView, WEIGHT_QUANTITIES } from './weights-view.js';
export type { WeightPlace, WeightQuantity, WeightsViewOptions } from './weights-view.js';
export { PanelSet } from './panels.js';
export type { PanelSpec, RangeSpec, Rect } from './panels.js';
export { COLORMAP_NAMES, colormapColor } from './colormaps.js';
export type { ColormapName } from './colormaps.js';
export { ClassMeansView } from './class-means-view.js';
export { BatchGridView } from './batch-grid-view.js';
export type { BatchGridOptions } from './batch-grid-view.js';
export type { ClassMeans, ClassMeansPlace, ClassMeansQuantity, ClassMeansViewOptions } from './class-means-view.js';
export { ConfusionView } from './confusion-view.js';
export type { ConfusionViewOptions } from './confusion-view.js';
export { formatRangeNumber, renderLabels } from './label-overlay.js';
export { imageCanvas } from './thumbnail.js';
