/** The per-step uniform table (StepParams in shaders/common.wgsl): one 256-byte slot per step. */
import type { EngineConfig } from './config.js';

/** Bytes per slot: WebGPU's minimum uniform dynamic-offset alignment. */
export const STEP_SLOT_BYTES = 256;
/** Bytes of StepParams that the kernels read. */
export const STEP_PARAMS_BYTES = 36;

/** Where one step's batch starts in the sample order. */
export interface StepPosition {
  /** Updates applied before this step. */
  readonly step: number;
  /** First position of the batch in the order. */
  readonly cursor: number;
  /** Positions in the order. */
  readonly count: number;
}

/** Packs positions into slots, with the optimizer's decayed rate and Adam's corrections per step. */
export function packStepTable(optimizer: EngineConfig['optimizer'], positions: readonly StepPosition[]): ArrayBuffer {
  const bytes = new ArrayBuffer(Math.max(1, positions.length) * STEP_SLOT_BYTES);
  const view = new DataView(bytes);
  positions.forEach(({ step, cursor, count }, i) => {
    const at = i * STEP_SLOT_BYTES;
    const adam = optimizer.type === 'adam' ? optimizer : undefined;
    const beta1 = adam ? adam.beta1 : optimizer.type === 'sgd' ? optimizer.momentum : 0;
    view.setUint32(at, step, true);
    view.setUint32(at + 4, cursor, true);
    view.setUint32(at + 8, count, true);
    view.setFloat32(at + 12, optimizer.learningRate / (1 + optimizer.decay * step), true);
    view.setFloat32(at + 16, beta1, true);
    view.setFloat32(at + 20, adam?.beta2 ?? 0, true);
    view.setFloat32(at + 24, adam?.epsilon ?? 0, true);
    view.setFloat32(at + 28, adam ? 1 - adam.beta1 ** (step + 1) : 1, true);
    view.setFloat32(at + 32, adam ? 1 - adam.beta2 ** (step + 1) : 1, true);
  });
  return bytes;
}
