/**
 * Parameters and counters copied to the CPU: what a session restores after its GPU device is lost
 * (GPU memory goes with the device).
 */
import type { Engine } from '../engine/engine.js';

export interface Checkpoint {
  weights: Float32Array[];
  biases: Float32Array[];
  epoch: number;
  stepInEpoch: number;
  stepCount: number;
}

/** Reads the engine's parameters and counters back (one read-back of the dictionary). */
export async function takeCheckpoint(engine: Engine): Promise<Checkpoint> {
  const layers = await engine.readTrainingDictionary();
  return {
    weights: layers.map((l) => l.weights), biases: layers.map((l) => l.biases),
    epoch: engine.epoch, stepInEpoch: engine.stepInEpoch, stepCount: engine.stepCount,
  };
}

/** Puts a checkpoint into a (new) engine of the same network; optimizer state starts at zero. */
export function restoreCheckpoint(engine: Engine, checkpoint: Checkpoint): void {
  engine.setParameters(checkpoint.weights, checkpoint.biases);
  engine.epoch = checkpoint.epoch;
  engine.stepInEpoch = checkpoint.stepInEpoch;
  engine.stepCount = checkpoint.stepCount;
}

/** Whether `engine`'s device is lost, or is lost within a moment (a failed step can come first). */
export function deviceLost(engine: Engine, withinMs = 200): Promise<boolean> {
  const moment = new Promise<false>((resolve) => setTimeout(() => resolve(false), withinMs));
  return Promise.race([engine.device.lost.then(() => true as const), moment]);
}
