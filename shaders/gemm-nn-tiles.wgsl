// GEMM core, form NN, through workgroup tiles: the variant for GPUs, where an operand value loaded
// once into workgroup memory serves a whole tile (on SwiftShader the register core, gemm-nn.wgsl,
// is faster). A workgroup of TILE_ROWS × TILE_COLUMNS invocations computes TILE_ROWS·BLOCK_M rows ×
// TILE_COLUMNS·BLOCK_N4 vec4 columns; k advances TILE_K4 vec4s at a time. Same loaders, entry point
// and result as gemm-nn.wgsl; loads past K are zeros, set once per tile, never in the inner loop.
const TILE_M = TILE_ROWS * BLOCK_M;
const TILE_N4 = TILE_COLUMNS * BLOCK_N4;
const INVOCATIONS = TILE_ROWS * TILE_COLUMNS;
var<workgroup> tileA: array<vec4f, TILE_M * TILE_K4>;       // A[m][k4] of the tile
var<workgroup> tileB: array<vec4f, 4 * TILE_K4 * TILE_N4>;  // B[k][n4] of the tile

fn gemm_nn(group: u32, local: u32, rowBlocks: u32, columnBlocks: u32, k4s: u32) -> GemmBlock {
  let tileColumns = (columnBlocks + TILE_COLUMNS - 1u) / TILE_COLUMNS;
  let tm0 = (group / tileColumns) * TILE_M;
  let tn40 = (group % tileColumns) * TILE_N4;
  let localRow = local / TILE_COLUMNS;
  let localColumn = local % TILE_COLUMNS;
  //#for i in BLOCK_M
  //#for j in BLOCK_N4
  var acc{i}_{j} = vec4f(0.0);
  //#end
  //#end
  for (var kt = 0u; kt < k4s; kt += TILE_K4) {
    for (var e = local; e < TILE_M * TILE_K4; e += INVOCATIONS) {
      let k4 = kt + e % TILE_K4;
      tileA[e] = select(vec4f(0.0), load_a(a_row(tm0 + e / TILE_K4), k4), k4 < k4s);
    }
    for (var e = local; e < 4u * TILE_K4 * TILE_N4; e += INVOCATIONS) {
      let k = 4u * kt + e / TILE_N4;
      tileB[e] = select(vec4f(0.0), load_b(b_column(tn40 + e % TILE_N4), k), k < 4u * k4s);
    }
    workgroupBarrier();
    for (var kk = 0u; kk < TILE_K4; kk++) {
      //#for c in 4
      //#for j in BLOCK_N4
      let b{c}_{j} = tileB[(4u * kk + {c}u) * TILE_N4 + localColumn * BLOCK_N4 + {j}u];
      //#end
      //#end
      //#for i in BLOCK_M
      let a{i} = tileA[(localRow * BLOCK_M + {i}u) * TILE_K4 + kk];
      //#for j in BLOCK_N4
      acc{i}_{j} += a{i}.x * b0_{j} + a{i}.y * b1_{j} + a{i}.z * b2_{j} + a{i}.w * b3_{j};
      //#end
      //#end
    }
    workgroupBarrier();
  }
  var values: GemmValues;
  //#for i in BLOCK_M
  //#for j in BLOCK_N4
  values[{i}u * BLOCK_N4 + {j}u] = acc{i}_{j};
  //#end
  //#end
  let m0 = tm0 + localRow * BLOCK_M;
  let n40 = tn40 + localColumn * BLOCK_N4;
  let inside = m0 / BLOCK_M < rowBlocks && n40 / BLOCK_N4 < columnBlocks;
  return GemmBlock(select(NO_ROW, m0, inside), n40, values);
}
