/** WebGPU in Node through Dawn (npm `webgpu`): one GPU instance per process, kept alive. */
import { create, globals } from 'webgpu';
import { requestDevice } from '../../src/gpu/device.js';

// The engine uses the WebGPU globals (GPUBufferUsage, …) as a browser provides them.
Object.assign(globalThis, globals);

// Dawn 0.6.2 crashes when a GPU instance is garbage-collected: keep one for the whole process.
const gpu = create([]);
(globalThis as { __nnscopeGpu?: GPU }).__nnscopeGpu = gpu;

/** A fresh device on the shared instance (SwiftShader here: VK_ICD_FILENAMES must be set). */
export function nodeDevice(): Promise<GPUDevice> {
  return requestDevice(gpu);
}
