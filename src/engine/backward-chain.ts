/**
 * The part of a backward pass that carries a gradient from one layer into the one before it,
 * shared by training (training-pass.ts, which adds the weight gradients) and saliency
 * (saliency-pass.ts, which goes on to the pixels): layer l's input-gradient kernel into layer
 * l − 1's raw output, or into its pooled map followed by the pool's gather to the argmax.
 */
import { ACTIVATION_CODES, type EngineConfig } from './config.js';
import type { Activations, TensorView } from './dictionary.js';
import { inputExtent, layerExtent, vec4Binding, type ForwardPass } from './forward-pass.js';
import { pooledMap } from './layers.js';
import { bindGroup, type Kernel } from './kernels.js';

/** One dispatch of a backward chain: the elements it covers follow the batch's rows. */
export interface ChainStep {
  readonly kernel: Kernel;
  readonly group: GPUBindGroup;
  readonly extent: (rows: number) => [x: number, y: number];
}

/** The gradient buffers a chain writes: d / d raw output per layer, and d / d pooled map per pooled layer. */
export interface ChainGradients {
  readonly raw: readonly GPUBuffer[];
  readonly pooled: readonly (GPUBuffer | undefined)[];
}

/**
 * The activation code layer `l`'s input-gradient kernel fuses in: that of layer l − 1's output,
 * none into a pooled map (the pool's backward kernel applies the conv's) or into the pixels (l = 0).
 */
export function intoActivation(config: EngineConfig, l: number): number {
  return l > 0 && !pooledMap(config.layers[l - 1]) ? ACTIVATION_CODES[config.activation] : ACTIVATION_CODES.linear;
}

/**
 * The dispatches from layer l's d raw (l ≥ 1) to layer l − 1's: `input` (layer l's input-gradient
 * kernel) into its raw output, or into its pooled map and then `pool` (the pool's backward).
 * `activations` are the forward pass's outputs the chain reads; `forward` owns the dims uniforms.
 */
export function backwardInto(
  device: GPUDevice, config: EngineConfig, l: number, label: string,
  { forward, activations, weights, gradients }: { forward: ForwardPass; activations: Activations; weights: TensorView; gradients: ChainGradients },
  kernels: { input: Kernel; pool?: Kernel<'poolBackward'> },
): ChainStep[] {
  const previous = activations.layers[l - 1]!;
  const pooledGradient = gradients.pooled[l - 1];
  const into = previous.pooled && pooledGradient
    ? { previousRaw: vec4Binding(previous.pooled), previousActivated: vec4Binding(previous.pooled), previousGradient: { buffer: pooledGradient } }
    : { previousRaw: vec4Binding(previous.rawOutputs), previousActivated: vec4Binding(previous.outputs), previousGradient: { buffer: gradients.raw[l - 1]! } };
  const steps: ChainStep[] = [{
    kernel: kernels.input,
    extent: (rows) => inputExtent(config.layers[l]!, rows),
    group: bindGroup(device, kernels.input as Kernel<'denseBackwardInput'>, `${label}.backwardInput${l}`, {
      dims: forward.dimsBinding(l), gradient: { buffer: gradients.raw[l]! }, weights, ...into,
    }),
  }];
  if (previous.pooled && pooledGradient && previous.argmax && kernels.pool) {
    steps.push({
      kernel: kernels.pool,
      extent: (rows) => layerExtent(config.layers[l - 1]!, rows),
      group: bindGroup(device, kernels.pool, `${label}.poolBackward${l - 1}`, {
        dims: forward.poolDimsBinding(l - 1), gradient: { buffer: pooledGradient }, argmax: { buffer: previous.argmax },
        previousRaw: vec4Binding(previous.rawOutputs), previousActivated: vec4Binding(previous.outputs), previousGradient: { buffer: gradients.raw[l - 1]! },
      }),
    });
  }
  return steps;
}
