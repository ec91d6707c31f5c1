// GEMM core, form NN: C[m, n] = Σ_k A[m, k] · B[k, n] over one block of BLOCK_M rows × BLOCK_N4
// vec4 columns (4·BLOCK_N4 values), with A read as vec4 along k and B as vec4 along n, so every
// load brings four values. Shared by the dense forward pass and the convolution forward pass.
// The kernel that includes it defines where its operands live:
//   fn a_row(m: u32) -> u32             a handle for row m of A (clamped into range by the kernel)
//   fn load_a(row: u32, k4: u32) -> vec4f    A[m, 4·k4 .. 4·k4 + 3]
//   fn b_column(n4: u32) -> u32         a handle for vec4 column n4 of B (clamped)
//   fn load_b(column: u32, k: u32) -> vec4f  B[k, 4·n4 .. 4·n4 + 3]
// k runs over whole vec4s (K4 of them): K is a multiple of 4. The block's accumulators are
// separate variables (//#for is unrolled by src/engine/unroll.ts); the loop has no bounds checks.
// gemm_nn places the invocation's block (register_block in gemm-common.wgsl); past the last block
// it returns an origin past every row, which the kernel does not store. (gemm-nn-tiles.wgsl has the same entry.)
fn gemm_nn(group: u32, local: u32, rowBlocks: u32, columnBlocks: u32, k4s: u32) -> GemmBlock {
  let block = register_block(group, local, rowBlocks, columnBlocks);
  if (block.x == NO_ROW) { return GemmBlock(NO_ROW, 0u, GemmValues()); }
  let m0 = block.x * BLOCK_M;
  let n40 = block.y * BLOCK_N4;
  return GemmBlock(m0, n40, gemm_nn_block(m0, n40, k4s));
}

// Element i·BLOCK_N4 + j holds C[m0 + i, 4·(n40 + j) ..].
fn gemm_nn_block(m0: u32, n40: u32, k4s: u32) -> GemmValues {
  //#for i in BLOCK_M
  let a_row{i} = a_row(m0 + {i}u);
  //#for j in BLOCK_N4
  var acc{i}_{j} = vec4f(0.0);
  //#end
  //#end
  //#for j in BLOCK_N4
  let b_column{j} = b_column(n40 + {j}u);
  //#end
  for (var k4 = 0u; k4 < k4s; k4++) {
    let k = 4u * k4;
    //#for c in 4
    //#for j in BLOCK_N4
    let b{c}_{j} = load_b(b_column{j}, k + {c}u);
    //#end
    //#end
    //#for i in BLOCK_M
    let a{i} = load_a(a_row{i}, k4);
    //#for j in BLOCK_N4
    acc{i}_{j} += a{i}.x * b0_{j} + a{i}.y * b1_{j} + a{i}.z * b2_{j} + a{i}.w * b3_{j};
    //#end
    //#end
  }
  var block: GemmValues;
  //#for i in BLOCK_M
  //#for j in BLOCK_N4
  block[{i}u * BLOCK_N4 + {j}u] = acc{i}_{j};
  //#end
  //#end
  return block;
}
