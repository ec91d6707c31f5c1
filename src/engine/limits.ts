/** Checks a configuration against the device's limits before any GPU work is done. */
import { ConfigError, type EngineConfig } from './config.js';
import { parameterLayout } from './dictionary.js';
import { inputExtent, layerExtent } from './forward-pass.js';
import { backwardWeightsWorkgroups, layerKernels, workgroupsFor } from './kernels.js';
import { layersText } from './layers.js';


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
    const what = l === 0 ? `The input (${width} values a sample)` : `Layer ${l - 1}'s output (${width} values a sample)`;
    if (bytes > maxBinding) fail('layers', `${what} needs ${bytes} bytes per batch buffer of ${rows} rows, more than ${maxBinding}; it`);
  });
  config.layers.forEach((layer, l) => {
    const kernels = layerKernels(layer, config.gemm);
    const groups = [workgroupsFor(kernels.forward, ...layerExtent(layer, rows)), backwardWeightsWorkgroups(layer, rows, config.gemm)];
    if (kernels.backwardInput) groups.push(workgroupsFor(kernels.backwardInput, ...inputExtent(layer, rows)));
    if (Math.max(...groups.flat()) > maxGroups) fail('layers', `Layer ${l} (${layersText([layer])} with ${rows} rows)`);
  });
  const parameterBytes = parameterLayout(config.layers).length * 4;
  if (parameterBytes > maxBinding) fail('layers', `The network's ${parameterBytes} bytes of parameters (limit ${maxBinding} per buffer)`);
}
