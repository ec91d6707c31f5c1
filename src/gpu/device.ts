/** Getting a GPUDevice, with errors that say what is missing and what to do. */

/** WebGPU is missing or refused: the message says how to get it. */
export class WebGpuUnavailableError extends Error {
  override name = 'WebGpuUnavailableError';
}

const HOW_TO =
  'Use Chrome or Edge 113+ (or another browser with WebGPU) on a page served over https or from localhost; ' +
  'on Linux without a GPU start Chromium with --enable-unsafe-webgpu --enable-features=Vulkan ' +
  '--use-vulkan=swiftshader --use-webgpu-adapter=swiftshader.';

/**
 * Requests an adapter and a device with the adapter's storage-buffer limits, so big networks fit.
 * Pass `gpu` in Node (the `webgpu` package's `create([])`); in a browser it is `navigator.gpu`.
 * @example const device = await requestDevice();
 */
export async function requestDevice(gpu?: GPU): Promise<GPUDevice> {
  const api = gpu ?? (globalThis as { navigator?: Navigator }).navigator?.gpu;
  if (!api) throw new WebGpuUnavailableError(`WebGPU is not available here (navigator.gpu is missing). ${HOW_TO}`);
  const adapter = await api.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) throw new WebGpuUnavailableError(`WebGPU found no GPU adapter. ${HOW_TO}`);
  try {
    return await adapter.requestDevice({
      label: 'nnscope',
      requiredLimits: {
        maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
        maxBufferSize: adapter.limits.maxBufferSize,
        maxComputeWorkgroupsPerDimension: adapter.limits.maxComputeWorkgroupsPerDimension,
      },
    });
  } catch (error) {
    throw new WebGpuUnavailableError(`The GPU adapter refused to create a device: ${(error as Error).message}. ${HOW_TO}`);
  }
}
