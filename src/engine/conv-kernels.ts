/**
 * The convolution and pooling kernels' entries of the kernel table (kernels.ts spreads them in),
 * described as kernel-spec.ts says. Empty until the convolution kernels land (issue #13).
 */
import type { KernelSpec } from './kernel-spec.js';

export const CONV_KERNELS = {} satisfies Record<string, KernelSpec>;
