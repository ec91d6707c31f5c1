// GEMM core, form TN: C[m, n] = Σ_k A[k, m] · B[k, n] over one block of 4·BLOCK_M4 rows ×
// BLOCK_N4 vec4 columns: each k adds an outer product of a vec4 run of A's row k (along m) and of
// B's row k (along n). Shared by the dense and convolution backward passes to the weights, where
// k runs over the batch (and positions). The including kernel defines:
//   fn at_column(m4: u32) -> u32              a handle for vec4 column m4 of A (clamped)
//   fn load_at(column: u32, k: u32) -> vec4f  A[k, 4·m4 ..]
//   fn b_column(n4: u32) -> u32               a handle for vec4 column n4 of B (clamped)
//   fn load_b(column: u32, k: u32) -> vec4f   B[k, 4·n4 ..]
// k runs over [k0, k1), any count: the whole of K, or one split of it (conv-backward-weights.wgsl
// sums K in splits: partial sums). A block has BLOCK_M = 4·BLOCK_M4 rows; blocks are placed as in
// gemm-nn.wgsl.
fn gemm_tn(group: u32, local: u32, rowBlocks: u32, columnBlocks: u32, k0: u32, k1: u32) -> GemmBlock {
  let block = register_block(group, local, rowBlocks, columnBlocks);
  if (block.x == NO_ROW) { return GemmBlock(NO_ROW, 0u, GemmValues()); }
  let m40 = block.x * BLOCK_M4;
  let n40 = block.y * BLOCK_N4;
  return GemmBlock(4u * m40, n40, gemm_tn_block(m40, n40, k0, k1));
}

// Element (4·q + c)·BLOCK_N4 + j holds C[4·(m40 + q) + c, 4·(n40 + j) ..].
fn gemm_tn_block(m40: u32, n40: u32, k0: u32, k1: u32) -> GemmValues {
  //#for q in BLOCK_M4
  let at_column{q} = at_column(m40 + {q}u);
  //#for c in 4
  //#for j in BLOCK_N4
  var acc{q}_{c}_{j} = vec4f(0.0);
  //#end
  //#end
  //#end
  //#for j in BLOCK_N4
  let b_column{j} = b_column(n40 + {j}u);
  //#end
  // BLOCK_K rows of k per iteration (the loop's own cost is then shared by more work: 8 made the
  // first layer's product 1.7× faster than 1 on SwiftShader, 16 slower again), then the rest.
  var k = k0;
  for (; k + BLOCK_K <= k1; k += BLOCK_K) {
    //#for r in BLOCK_K
    //#for j in BLOCK_N4
    let b{r}_{j} = load_b(b_column{j}, k + {r}u);
    //#end
    //#for q in BLOCK_M4
    let a{r}_{q} = load_at(at_column{q}, k + {r}u);
    //#for c in 4
    //#for j in BLOCK_N4
    acc{q}_{c}_{j} += a{r}_{q}[{c}] * b{r}_{j};
    //#end
    //#end
    //#end
    //#end
  }
  for (; k < k1; k++) {
    //#for j in BLOCK_N4
    let b{j} = load_b(b_column{j}, k);
    //#end
    //#for q in BLOCK_M4
    let a{q} = load_at(at_column{q}, k);
    //#for c in 4
    //#for j in BLOCK_N4
    acc{q}_{c}_{j} += a{q}[{c}] * b{j};
    //#end
    //#end
    //#end
  }
  var block: GemmValues;
  //#for q in BLOCK_M4
  //#for c in 4
  //#for j in BLOCK_N4
  block[(4u * {q}u + {c}u) * BLOCK_N4 + {j}u] = acc{q}_{c}_{j};
  //#end
  //#end
  //#end
  return block;
}
