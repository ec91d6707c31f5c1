/**
 * The engine's compute pipelines and their explicit bind-group layouts, built once per device and
 * variant and cached (a lost device takes its cache with it).
 */
import common from '../../shaders/common.wgsl';
import activation from '../../shaders/activation.wgsl';
import gatherBatch from '../../shaders/gather-batch.wgsl';
import denseForward from '../../shaders/dense-forward.wgsl';
import denseBackwardInput from '../../shaders/dense-backward-input.wgsl';
import denseBackwardWeights from '../../shaders/dense-backward-weights.wgsl';
import softmaxCrossEntropy from '../../shaders/softmax-cross-entropy.wgsl';
import optimizerSgd from '../../shaders/optimizer-sgd-momentum.wgsl';
import optimizerAdam from '../../shaders/optimizer-adam.wgsl';
import classSums from '../../shaders/class-sums.wgsl';
import weightChange from '../../shaders/weight-change.wgsl';

/** How a binding is used: a uniform (optionally with a dynamic offset) or a storage buffer. */
type BindingKind = 'uniform' | 'step' | 'read' | 'write';

/** A kernel: its source (shared code joined by plain concatenation), entry point and bindings. */
interface KernelSpec {
  code: string;
  entryPoint: string;
  /** binding number → kind; `step` is the per-step uniform table, bound with a dynamic offset. */
  bindings: Record<number, BindingKind>;
}

export const KERNELS = {
  gather: { code: common + gatherBatch, entryPoint: 'main', bindings: { 0: 'step', 1: 'read', 2: 'read', 3: 'read', 4: 'write', 5: 'write' } },
  denseForward: { code: common + activation + denseForward, entryPoint: 'main', bindings: { 0: 'uniform', 1: 'read', 2: 'read', 3: 'read', 4: 'write', 5: 'write' } },
  denseBackwardInput: { code: common + activation + denseBackwardInput, entryPoint: 'main', bindings: { 0: 'uniform', 1: 'read', 2: 'read', 3: 'read', 4: 'read', 5: 'write' } },
  denseBackwardWeights: { code: common + denseBackwardWeights, entryPoint: 'main', bindings: { 0: 'uniform', 1: 'read', 2: 'read', 3: 'write', 4: 'write' } },
  softmaxTrain: { code: common + softmaxCrossEntropy, entryPoint: 'train', bindings: { 0: 'step', 1: 'uniform', 2: 'read', 3: 'read', 4: 'write', 5: 'write', 6: 'write', 7: 'write' } },
  softmaxEvaluate: { code: common + softmaxCrossEntropy, entryPoint: 'evaluate', bindings: { 0: 'step', 1: 'uniform', 2: 'read', 3: 'read', 4: 'write', 6: 'write', 8: 'write', 9: 'write' } },
  sgd: { code: common + optimizerSgd, entryPoint: 'main', bindings: { 0: 'step', 1: 'write', 2: 'read', 3: 'write', 4: 'write' } },
  classSums: { code: common + classSums, entryPoint: 'main', bindings: { 0: 'uniform', 1: 'read', 2: 'read', 3: 'read', 4: 'write' } },
  weightChange: { code: weightChange, entryPoint: 'main', bindings: { 0: 'read', 1: 'read', 2: 'write', 3: 'write' } },
  adam: { code: common + optimizerAdam, entryPoint: 'main', bindings: { 0: 'step', 1: 'write', 2: 'read', 3: 'write', 4: 'write', 5: 'write' } },
} satisfies Record<string, KernelSpec>;

export type KernelName = keyof typeof KERNELS;

/** A compiled kernel: the pipeline and the layout its bind groups are made with. */
export interface Kernel {
  readonly pipeline: GPUComputePipeline;
  readonly layout: GPUBindGroupLayout;
}

/** A shader failed to compile or link: the message carries the compiler's lines. */
export class ShaderError extends Error {
  override name = 'ShaderError';
}

const cache = new WeakMap<GPUDevice, Map<string, Promise<Kernel>>>();

function layoutEntry(binding: number, kind: BindingKind): GPUBindGroupLayoutEntry {
  const buffer: GPUBufferBindingLayout =
    kind === 'uniform' ? { type: 'uniform' }
    : kind === 'step' ? { type: 'uniform', hasDynamicOffset: true }
    : { type: kind === 'read' ? 'read-only-storage' : 'storage' };
  return { binding, visibility: GPUShaderStage.COMPUTE, buffer };
}

/** A shader module whose compile errors (if any) are thrown as a ShaderError with the compiler's lines. */
export async function compileShader(device: GPUDevice, label: string, code: string): Promise<GPUShaderModule> {
  const module = device.createShaderModule({ label, code });
  const errors = (await module.getCompilationInfo()).messages.filter((m) => m.type === 'error');
  if (errors.length > 0) {
    throw new ShaderError(`${label} failed to compile:\n${errors.map((m) => `  line ${m.lineNum}:${m.linePos} ${m.message}`).join('\n')}`);
  }
  return module;
}

async function compile(device: GPUDevice, name: KernelName, constants: Record<string, number>, label: string): Promise<Kernel> {
  const spec: KernelSpec = KERNELS[name];
  const module = await compileShader(device, label, spec.code);
  const layout = device.createBindGroupLayout({
    label: `${label}.layout`,
    entries: Object.entries(spec.bindings).map(([binding, kind]) => layoutEntry(Number(binding), kind)),
  });
  try {
    const pipeline = await device.createComputePipelineAsync({
      label,
      layout: device.createPipelineLayout({ label: `${label}.pipelineLayout`, bindGroupLayouts: [layout] }),
      compute: { module, entryPoint: spec.entryPoint, constants },
    });
    return { pipeline, layout };
  } catch (error) {
    throw new ShaderError(`${label} could not be built: ${(error as Error).message}`);
  }
}

/**
 * The kernel `name` specialised with `constants` (override values), compiled once per device.
 * @example const { pipeline, layout } = await getKernel(device, 'denseForward', { activation: 1 });
 */
export function getKernel(device: GPUDevice, name: KernelName, constants: Record<string, number> = {}): Promise<Kernel> {
  let kernels = cache.get(device);
  if (!kernels) cache.set(device, (kernels = new Map()));
  const key = `${name}(${Object.entries(constants).map(([k, v]) => `${k}=${v}`).join(',')})`;
  let kernel = kernels.get(key);
  if (!kernel) {
    kernel = compile(device, name, constants, `nnscope.${key}`);
    kernels.set(key, kernel);
    kernel.catch(() => kernels.delete(key));
  }
  return kernel;
}

/** A bind group for `kernel`, its resources given by binding number. */
export function bindGroup(device: GPUDevice, kernel: Kernel, label: string, resources: Record<number, GPUBufferBinding>): GPUBindGroup {
  return device.createBindGroup({
    label,
    layout: kernel.layout,
    entries: Object.entries(resources).map(([binding, resource]) => ({ binding: Number(binding), resource })),
  });
}
