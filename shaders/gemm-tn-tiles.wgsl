// GEMM core, form TN, through workgroup tiles (the GPU variant of gemm-tn.wgsl; see
// gemm-nn-tiles.wgsl): TILE_K rows of A (vec4 along m) and of B (vec4 along n) at a time.
const TILE_M4 = TILE_ROWS * BLOCK_M4;
const TILE_N4 = TILE_COLUMNS * BLOCK_N4;
const TILE_K = 4 * TILE_K4;
const INVOCATIONS = TILE_ROWS * TILE_COLUMNS;
var<workgroup> tileAt: array<vec4f, TILE_K * TILE_M4>;  // A[k][m4] of the tile
var<workgroup> tileB: array<vec4f, TILE_K * TILE_N4>;   // B[k][n4] of the tile

fn gemm_tn(group: u32, local: u32, rowBlocks: u32, columnBlocks: u32, k0: u32, k1: u32) -> GemmBlock {
  let tileColumns = (columnBlocks + TILE_COLUMNS - 1u) / TILE_COLUMNS;
  let tm40 = (group / tileColumns) * TILE_M4;
  let tn40 = (group % tileColumns) * TILE_N4;
  let localRow = local / TILE_COLUMNS;
  let localColumn = local % TILE_COLUMNS;
  //#for q in BLOCK_M4
  //#for c in 4
  //#for j in BLOCK_N4
  var acc{q}_{c}_{j} = vec4f(0.0);
  //#end
  //#end
  //#end
  for (var kt = k0; kt < k1; kt += TILE_K) {
    for (var e = local; e < TILE_K * TILE_M4; e += INVOCATIONS) {
      let k = kt + e / TILE_M4;
      tileAt[e] = select(vec4f(0.0), load_at(at_column(tm40 + e % TILE_M4), k), k < k1);
    }
    for (var e = local; e < TILE_K * TILE_N4; e += INVOCATIONS) {
      let k = kt + e / TILE_N4;
      tileB[e] = select(vec4f(0.0), load_b(b_column(tn40 + e % TILE_N4), k), k < k1);
    }
    workgroupBarrier();
    for (var kk = 0u; kk < TILE_K; kk++) {
      //#for j in BLOCK_N4
      let b{j} = tileB[kk * TILE_N4 + localColumn * BLOCK_N4 + {j}u];
      //#end
      //#for q in BLOCK_M4
      let a{q} = tileAt[kk * TILE_M4 + localRow * BLOCK_M4 + {q}u];
      //#for c in 4
      //#for j in BLOCK_N4
      acc{q}_{c}_{j} += a{q}[{c}] * b{j};
      //#end
      //#end
      //#end
    }
    workgroupBarrier();
  }
  var values: GemmValues;
  //#for q in BLOCK_M4
  //#for c in 4
  //#for j in BLOCK_N4
  values[(4u * {q}u + {c}u) * BLOCK_N4 + {j}u] = acc{q}_{c}_{j};
  //#end
  //#end
  //#end
  let m0 = 4u * (tm40 + localRow * BLOCK_M4);
  let n40 = tn40 + localColumn * BLOCK_N4;
  let inside = m0 / BLOCK_M < rowBlocks && n40 / BLOCK_N4 < columnBlocks;
  return GemmBlock(select(NO_ROW, m0, inside), n40, values);
}
