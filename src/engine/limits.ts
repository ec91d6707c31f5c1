/** Checks a configuration against the device's limits before any GPU work is done. */
import { ConfigError, type EngineConfig } from './config.js';
import { parameterLayout } from './dictionary.js';
import { denseKernels, workgroupsFor } from './kernels.js';


/** Rows the engine's batch buffers hold: enough for training and for evaluation. */
export function batchCapacity(config: EngineConfig): number {
  return Math.max(config.batchSize, config.evaluationBatchSize);
}

/** Throws a ConfigError naming the first limit the configuration would exceed. */
export function checkDeviceLimits(config: EngineConfig, limits: GPUSupportedLimits): void {
  const maxBinding = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
  const maxGroups = limits.maxComputeWorkgroupsPerDimension;
  const rows = batchCapacity(config);
  // `option`: what to change (layers or batch size; ConfigError.option).
  const fail = (option: string, what: string) => {
    throw new ConfigError(option, `${what} exceeds this device's limits; use fewer or narrower layers or a smaller batch.`);
  };
  if (rows > maxGroups) fail(config.batchSize >= config.evaluationBatchSize ? 'batchSize' : 'evaluationBatchSize', `A batch of ${rows} rows (one gather workgroup row each, at most ${maxGroups})`);
  config.sizes.forEach((width, l) => {
    const bytes = rows * width * 4;
    if (bytes > maxBinding) fail('layers', `Layer ${l} (width ${width}) needs ${bytes} bytes per batch buffer, more than ${maxBinding}; it`);
  });
  config.sizes.slice(1).forEach((outputs, l) => {
    const inputs = config.sizes[l]!;
    const kernels = denseKernels(inputs, outputs, config.gemm);
    const groups = [workgroupsFor(kernels.forward, outputs, rows), workgroupsFor(kernels.backwardInput, inputs, rows), workgroupsFor(kernels.backwardWeights, outputs, inputs)];
    if (Math.max(...groups.flat()) > maxGroups) fail('layers', `Layer ${l + 1} (${inputs}→${outputs} with ${rows} rows)`);
  });
  const parameterBytes = parameterLayout(config.sizes).length * 4;
  if (parameterBytes > maxBinding) fail('layers', `The network's ${parameterBytes} bytes of parameters (limit ${maxBinding} per buffer)`);
}
