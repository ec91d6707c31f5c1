/** What training reports: statistics per call and per chunk, and the error that stops a diverging run. */

/** Training statistics of a run of steps. */
export interface StepStats {
  /** Mean training loss over the samples of these steps. */
  loss: number;
  /** Training accuracy over the same samples (forward pass before each update). */
  accuracy: number;
  /** Samples trained on. */
  samples: number;
  /** Steps run. */
  steps: number;
  /** Samples per second, from the first submit until the last statistics were read back. */
  samplesPerSecond: number;
  seconds: number;
}

/** Reported after every chunk of steps. */
export interface Progress extends StepStats {
  /** Epoch being trained, from 0. */
  epoch: number;
  /** Steps done in this epoch, and how many it has. */
  stepInEpoch: number;
  stepsPerEpoch: number;
  /** Updates applied since initialisation. */
  step: number;
  /** Mean loss and accuracy of this chunk alone (the fields above cover the whole call so far). */
  chunkLoss: number;
  chunkAccuracy: number;
  /** Samples this chunk trained on. */
  chunkSamples: number;
}

export interface EpochStats extends StepStats {
  /** The epoch just finished, from 0. */
  epoch: number;
}

export interface TrainOptions {
  /** After each chunk's statistics came back (a chunk or two behind the GPU). */
  onProgress?: (progress: Progress) => void;
  /**
   * Right after each chunk is queued, with the update count it ends at: GPU work queued here runs
   * between this chunk and the next (e.g. a WeightChangeMeter measure per chunk).
   */
  onChunkQueued?: (step: number) => void;
  /**
   * Views are being drawn: size chunks from the measured GPU time per step so that frames never
   * wait long behind training (see EngineOptions.trainingShare). Otherwise chunks are stepsPerChunk
   * long. Either way every multiple of stepsPerChunk is a chunk boundary.
   */
  paced?: boolean;
  /**
   * Paced only: awaited between chunks when none is queued (the GPU is idle), before the next one
   * is submitted. Where one step takes longer than a frame interval, chunks go one at a time, and
   * this is where views can draw (and time their frames exactly) without waiting behind training.
   */
  onIdle?: () => Promise<void>;
  /** Paced only: this call's share of the GPU time for training, instead of EngineOptions.trainingShare. */
  trainingShare?: number;
}

/** Training produced a non-finite loss or parameter: the parameters stay finite and training stops. */
export class TrainingDivergedError extends Error {
  override name = 'TrainingDivergedError';
  constructor(readonly step: number, readonly reason: 'loss' | 'update') {
    super(
      `Training diverged at step ${step}: ${reason === 'loss' ? 'the loss' : 'a parameter update'} was not finite (NaN or Infinity). ` +
        'Training stopped and no non-finite value was stored in the parameters. Lower the learning rate, then call reset() or setParameters().',
    );
  }
}

/** Totals of a call so far → StepStats. */
export function summarize(total: { lossSum: number; correct: number; samples: number }, steps: number, started: number): StepStats {
  const seconds = (performance.now() - started) / 1000;
  const samples = total.samples;
  return { loss: total.lossSum / samples, accuracy: total.correct / samples, samples, steps, samplesPerSecond: samples / seconds, seconds };
}
