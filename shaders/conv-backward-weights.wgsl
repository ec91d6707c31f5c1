// Convolution parameter gradients (issue #13), a GEMM on the TN core (gemm-tn.wgsl):
//   dweights[(ky·k + kx)·inputs + c, f] = Σ_positions im2col(input)[m, (tap, c)] · gradient[m, f]
//   dbiases[f] = Σ_positions gradient[m, f]
//   input [rows, height, width, inputs];  gradient [rows, height, width, filters] (d raw)
//   dweights [k, k, inputs, filters];  dbiases [filters]      (NHWC; conv-common.wgsl)
// As C[M, N] = Σ_K A[K, M] · B[K, N]:
//   M = k·k·inputs (rows of dW),  N = filters,  K = rows·height·width positions (the loop);
//   A = im2col(input) read by columns: at_column(m4) computes the shifts of dW rows 4·m4 .. 4·m4 + 3
//       once, before the loop; load_at(column, m) reads the input at position m shifted by them;
//   B = gradient, [positions, filters] as stored.
// Partial sums: dW is small and K is long (a first layer's dW is one block, 9×16, over 100,352
// positions), so K is cut into dims.splits runs of positions. Invocations are numbered linearly
// over splits × blocks (blocks fastest), so a workgroup's invocations fill up with other runs of
// the same block when dW has fewer blocks than a workgroup has invocations. Each invocation owns
// its block of one run's sum (WGSL has no float atomics): with
// splits > 1, dweights and dbiases are bound to partial-sum buffers [splits, k·k·inputs, filters]
// and [splits, filters], and conv-sum-splits.wgsl adds them up; with one split they are the
// gradients themselves. The first row of blocks also sums the bias gradient of its columns over
// its run. filters % 4 == 0. Two entries share this file, as for conv-forward.wgsl: VEC4_INPUT
// (inputs % 4 == 0) or any inputs (lanes of A past K read zero and those dW rows are not stored;
// K = k·k·inputs need not be a multiple of 4).
@group(0) @binding(0) var<uniform> dims: ConvDims;
@group(0) @binding(1) var<storage, read> input: array<vec4f>;
@group(0) @binding(2) var<storage, read> gradient: array<vec4f>;
@group(0) @binding(3) var<storage, read_write> dweights: array<vec4f>;
@group(0) @binding(4) var<storage, read_write> dbiases: array<vec4f>;

override WORKGROUP_X: u32;  // from the kernel table (src/engine/conv-kernels.ts)

fn at_column(m4: u32) -> Shift4 { return shift4_of_k4(min(m4, (patchSize + 3u) / 4u - 1u)); }  // once, before the loop
fn load_at(column: Shift4, m: u32) -> vec4f {
  let p = position_of(m);
  // inputs % 4 == 0: the four lanes share one tap; channel.x / 4 is their vec4 of channels
  if (VEC4_INPUT) { return im2col4(p, vec4u(column.dy.x, column.dx.x, column.offset.x, column.channel.x / 4u)); }
  return im2col_lanes(p, column);
}
fn b_column(n4: u32) -> u32 { return min(n4, filter4s - 1u); }
fn load_b(column: u32, m: u32) -> vec4f { return gradient[m * filter4s + column]; }

// Split `split` of `splits`: positions [x, y), the runs as even as whole positions allow.
fn split_run(split: u32, splits: u32) -> vec2u {
  let per = (positions + splits - 1u) / splits;
  return vec2u(min(split * per, positions), min((split + 1u) * per, positions));
}

@compute @workgroup_size(WORKGROUP_X)
fn main(@builtin(workgroup_id) group: vec3u, @builtin(local_invocation_index) local: u32) {
  conv_setup(dims);
  let rowBlocks = (patchSize + BLOCK_M - 1u) / BLOCK_M;
  let columnBlocks = (filter4s + BLOCK_N4 - 1u) / BLOCK_N4;
  let blocks = rowBlocks * columnBlocks;
  let splits = max(dims.splits, 1u);
  let flat = group.x * WORKGROUP_X + local;
  let split = flat / blocks;
  if (split >= splits) { return; }
  let m0 = (flat % blocks / columnBlocks) * BLOCK_M;
  let n40 = (flat % columnBlocks) * BLOCK_N4;
  let run = split_run(split, splits);
  let values = gemm_tn_block(m0 / 4u, n40, run.x, run.y);
  let weightsAt = split * patchSize * filter4s;  // this split's partial dW
  for (var i = 0u; i < BLOCK_M; i++) {
    let m = m0 + i;
    if (m >= patchSize) { break; }
    for (var j = 0u; j < BLOCK_N4; j++) {
      let n4 = n40 + j;
      if (n4 >= filter4s) { break; }
      dweights[weightsAt + m * filter4s + n4] = values[i * BLOCK_N4 + j];
    }
  }
  if (m0 == 0u) {
    for (var j = 0u; j < BLOCK_N4; j++) {
      let n4 = n40 + j;
      if (n4 >= filter4s) { break; }
      var sum = vec4f(0.0);
      for (var m = run.x; m < run.y; m++) { sum += gradient[m * filter4s + n4]; }
      dbiases[split * filter4s + n4] = sum;
    }
  }
}
