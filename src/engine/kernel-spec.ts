/** How a kernel of the kernel table (kernels.ts) is described: its code, bindings by name, workgroup and blocks. */

/** How a binding is used: a uniform (`step`: the per-step table, bound with a dynamic offset) or a storage buffer. */
export type BindingKind = 'uniform' | 'step' | 'read' | 'write';

/** One binding: its number in `@group(0)` and its use. */
export interface BindingSpec {
  readonly binding: number;
  readonly kind: BindingKind;
}
export const uniform = (binding: number): BindingSpec => ({ binding, kind: 'uniform' });
export const step = (binding: number): BindingSpec => ({ binding, kind: 'step' });
export const read = (binding: number): BindingSpec => ({ binding, kind: 'read' });
export const write = (binding: number): BindingSpec => ({ binding, kind: 'write' });

/**
 * A kernel: its source (shared code joined by plain concatenation), entry point, bindings under
 * the names its WGSL declares, and its workgroup.
 */
export interface KernelSpec {
  readonly code: string;
  readonly entryPoint: string;
  readonly bindings: Readonly<Record<string, BindingSpec>>;
  /**
   * Invocations per workgroup in x (and y), fed to the WGSL overrides WORKGROUP_X (and
   * WORKGROUP_Y); absent where the WGSL fixes its own (one-workgroup reductions).
   */
  readonly workgroup?: readonly [x: number, y?: number];
  /** Elements one invocation covers in x and y; with `workgroup` it sizes dispatches (workgroupsFor). */
  readonly perInvocation?: readonly [x: number, y?: number];
  /** Invocations are numbered linearly over the blocks (x fastest) in a 1-D dispatch. */
  readonly linear?: true;
  /** Each workgroup covers a tile of x × y elements; tiles are numbered linearly in a 1-D dispatch. */
  readonly tile?: readonly [x: number, y: number];
  /** Register-block sizes: declared as WGSL constants and the counts of its //#for blocks (unroll.ts). */
  readonly blocks?: Readonly<Record<string, number>>;
}

/** A register-core kernel's block: rows × vec4 columns per invocation, as its WGSL constants name them. */
export interface RegisterBlock {
  readonly BLOCK_M: number;
  readonly BLOCK_N4: number;
}

/**
 * The dispatch shape of a kernel on a register GEMM core (gemm-nn/nt/tn.wgsl): `blocks` per
 * invocation (x: 4·BLOCK_N4 columns, y: BLOCK_M rows), `workgroup` invocations numbered linearly.
 * @example const spec = { code, entryPoint: 'main', bindings, ...registerBlocks({ BLOCK_M: 32, BLOCK_N4: 4 }, 4) };
 */
export function registerBlocks<B extends RegisterBlock>(blocks: B, workgroup: number) {
  return { blocks, workgroup: [workgroup], perInvocation: [4 * blocks.BLOCK_N4, blocks.BLOCK_M], linear: true } as const;
}

/** Workgroups of the kernel `spec` describes that cover `x` × `y` elements (a linear or tiled kernel's in one row). */
export function workgroupsOf(spec: KernelSpec, x: number, y = 1): [number, number] {
  if (spec.tile) return [Math.ceil(x / spec.tile[0]) * Math.ceil(y / spec.tile[1]), 1];
  if (!spec.workgroup || !spec.perInvocation) throw new Error('this kernel runs a fixed number of workgroups');
  const [perX, perY = 1] = spec.perInvocation;
  const [groupX, groupY = 1] = spec.workgroup;
  if (spec.linear) return [Math.ceil((Math.ceil(x / perX) * Math.ceil(y / perY)) / (groupX * groupY)), 1];
  return [Math.ceil(x / (groupX * perX)), Math.ceil(y / (groupY * perY))];
}
