/** Every GPU test runs through `gpuTest`: a validation error scope around it, checked afterwards. */
import { requestDevice } from '../../src/gpu/device.js';

let shared: Promise<GPUDevice> | undefined;

/** One device for the whole test page (tests must destroy what they create, not the device). */
export function testDevice(): Promise<GPUDevice> {
  shared ??= requestDevice();
  return shared;
}

/** Runs `body` with the shared device and fails if it raised a WebGPU validation error. */
export async function gpuTest<T>(body: (device: GPUDevice) => Promise<T>): Promise<T> {
  const device = await testDevice();
  device.pushErrorScope('validation');
  let result: T;
  try {
    result = await body(device);
  } finally {
    const error = await device.popErrorScope();
    if (error) throw new Error(`WebGPU validation error: ${error.message}`);
  }
  return result;
}
