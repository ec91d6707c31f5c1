// What the GEMM cores (gemm-*.wgsl and gemm-*-tiles.wgsl) share: an invocation's block of C,
// BLOCK_M rows × BLOCK_N4 vec4 columns, and where it starts.
alias GemmValues = array<vec4f, BLOCK_M * BLOCK_N4>;

struct GemmBlock {
  m0: u32,             // first row (NO_ROW: this invocation has no block)
  n40: u32,            // first vec4 column
  values: GemmValues,  // element i·BLOCK_N4 + j: C[m0 + i, 4·(n40 + j) ..]
}

const NO_ROW = 0xffffffffu;

// The block that invocation `local` of workgroup `group` computes in the register cores
// (gemm-nn/nt/tn.wgsl): invocations are numbered linearly over the row blocks × column blocks
// (columns fastest), WORKGROUP_X to a workgroup. x: the row block, NO_ROW past the last block;
// y: the column block.
fn register_block(group: u32, local: u32, rowBlocks: u32, columnBlocks: u32) -> vec2u {
  let flat = group * WORKGROUP_X + local;
  return vec2u(select(flat / columnBlocks, NO_ROW, flat >= rowBlocks * columnBlocks), flat % columnBlocks);
}
