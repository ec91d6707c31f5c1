/**
 * WebGPU in Node through Dawn (npm `webgpu`): one GPU instance per process, kept alive.
 * Import it before the engine: the engine's modules use the WebGPU globals when they load.
 */
import { create, globals } from 'webgpu';
import { requestDevice } from '../src/gpu/device.js';

// Dawn needs SwiftShader's Vulkan ICD on machines without a GPU (the Mesa one here is too old).
process.env.VK_ICD_FILENAMES ??= '/usr/lib/chromium/vk_swiftshader_icd.json';
process.env.XDG_RUNTIME_DIR ??= '/tmp'; // silences a Vulkan loader warning

// The engine uses the WebGPU globals (GPUBufferUsage, …) as a browser provides them.
Object.assign(globalThis, globals);

// Dawn 0.6.2 crashes when a GPU instance is garbage-collected: keep one for the whole process.
const gpu = create([]);
(globalThis as { __nnscopeGpu?: GPU }).__nnscopeGpu = gpu;

/** A fresh device on the shared instance (SwiftShader here: VK_ICD_FILENAMES must be set). */
export function nodeDevice(): Promise<GPUDevice> {
  return requestDevice(gpu);
}
