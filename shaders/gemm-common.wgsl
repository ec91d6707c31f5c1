// What the GEMM cores (gemm-*.wgsl and gemm-*-tiles.wgsl) share: an invocation's block of C,
// BLOCK_M rows × BLOCK_N4 vec4 columns, and where it starts.
alias GemmValues = array<vec4f, BLOCK_M * BLOCK_N4>;

struct GemmBlock {
  m0: u32,             // first row (NO_ROW: this invocation has no block)
  n40: u32,            // first vec4 column
  values: GemmValues,  // element i·BLOCK_N4 + j: C[m0 + i, 4·(n40 + j) ..]
}

const NO_ROW = 0xffffffffu;
