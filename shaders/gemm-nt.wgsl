// GEMM core, form NT: C[m, n] = Σ_k A[m, k] · B[n, k] over one block of BLOCK_M rows × BLOCK_N4
// vec4 columns, with A and B both read as vec4 along k (each output is a sum of dot products).
// Shared by the dense and convolution backward passes to the input. The including kernel defines:
//   fn a_row(m: u32) -> u32                  a handle for row m of A (clamped by the kernel)
//   fn load_a(row: u32, k4: u32) -> vec4f    A[m, 4·k4 ..]
//   fn bt_row(n: u32) -> u32                 a handle for row n of B (clamped)
//   fn load_bt(row: u32, k4: u32) -> vec4f   B[n, 4·k4 ..]
// K is a multiple of 4. Blocks are placed as in gemm-nn.wgsl.
fn gemm_nt(group: u32, local: u32, rowBlocks: u32, columnBlocks: u32, k4s: u32) -> GemmBlock {
  let block = register_block(group, local, rowBlocks, columnBlocks);
  if (block.x == NO_ROW) { return GemmBlock(NO_ROW, 0u, GemmValues()); }
  let m0 = block.x * BLOCK_M;
  let n40 = block.y * BLOCK_N4;
  return GemmBlock(m0, n40, gemm_nt_block(m0, n40, k4s));
}

// Element i·BLOCK_N4 + j holds C[m0 + i, 4·(n40 + j) ..].
fn gemm_nt_block(m0: u32, n40: u32, k4s: u32) -> GemmValues {
  //#for i in BLOCK_M
  let a_row{i} = a_row(m0 + {i}u);
  //#for j in BLOCK_N4
  var acc{i}_{j} = vec4f(0.0);
  //#end
  //#end
  //#for j in BLOCK_N4
  //#for c in 4
  let bt_row{j}_{c} = bt_row(4u * (n40 + {j}u) + {c}u);
  //#end
  //#end
  for (var k4 = 0u; k4 < k4s; k4++) {
    //#for j in BLOCK_N4
    //#for c in 4
    let b{j}_{c} = load_bt(bt_row{j}_{c}, k4);
    //#end
    //#end
    //#for i in BLOCK_M
    let a{i} = load_a(a_row{i}, k4);
    //#for j in BLOCK_N4
    acc{i}_{j} += vec4f(dot(a{i}, b{j}_0), dot(a{i}, b{j}_1), dot(a{i}, b{j}_2), dot(a{i}, b{j}_3));
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
