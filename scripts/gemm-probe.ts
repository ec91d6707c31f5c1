// Matrix-product kernel probe: which dense-kernel shapes are fastest on this WebGPU adapter.
//   VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json XDG_RUNTIME_DIR=/tmp \
//     node --import tsx scripts/gemm-probe.ts [--ms 40] [--reps 7] [--only NN,NT,TN] [--filter REGEX] [--wgsl]
// A measurement tool, not part of the engine: it generates WGSL candidates from the templates
// below, checks each against a CPU reference, then times it. For issue #16 (vec4 storage and
// register blocking, block shape chosen per kernel from measurements).
//
// The three products of a dense layer (row-major f32; R batch rows, I inputs, O outputs):
//   NN forward          raw[R,O] = x[R,I] · W[I,O] + b, activated = ReLU(raw)
//   NT backward input   dx[R,I]  = (g[R,O] · W[I,O]ᵀ) ⊙ (prevRaw > 0)
//   TN backward weights dW[I,O]  = x[R,I]ᵀ · g[R,O],  db[O] = Σ_rows g
// Seen as C[M,N] = Σ_K: NN M=R N=O K=I;  NT M=R N=I K=O;  TN M=I N=O K=R.
//
// Candidates: (a) today's kernels (shaders/dense-*.wgsl, copied below: scalar loads, 4×4 per
// invocation, 8×8 workgroup, min() clamping, unpadded widths); (b) array<vec4f> bindings with
// register blocks of TM×TN outputs per invocation (widths padded so no clamping is needed);
// (c) workgroup-memory tiles (BM×BN tile, BK step) with vec4 loads, guarded at tile load/store
// (widths padded to 4 only). GFLOP/s counts the useful 2·R·I·O flops of the unpadded shape.
//
// Timing: one submit of n identical dispatches in one compute pass, wall clock from submit to
// onSubmittedWorkDone (the device from nodeDevice() has no 'timestamp-query'); n is chosen so a
// submit takes about --ms milliseconds, after a warm-up. Then --reps rounds (default 7): each round
// times every (kernel, layer) once, so load from other processes is spread over all candidates;
// the best round is kept (the median is shown too).
import { nodeDevice } from './dawn.js';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    ms: { type: 'string', default: '40' },
    reps: { type: 'string', default: '7' },
    only: { type: 'string', default: 'NN,NT,TN' },
    filter: { type: 'string' }, // regular expression on variant names (the baseline always runs)
    wgsl: { type: 'boolean', default: false }, // print every candidate's WGSL too
  },
});
const TARGET_MS = Number(args.ms);
const REPS = Number(args.reps);
const PRODUCTS = args.only!.split(',') as Product[];
const FILTER = args.filter ? new RegExp(args.filter) : undefined;

type Product = 'NN' | 'NT' | 'TN';
const PRODUCT_NAMES: Record<Product, string> = {
  NN: 'NN forward  raw[R,O] = x·W + b, ReLU',
  NT: 'NT backward to input  dx[R,I] = (g·Wᵀ) ⊙ (prevRaw > 0)',
  TN: 'TN backward to weights  dW[I,O] = xᵀ·g, db = Σ g',
};

interface Layer { name: string; R: number; I: number; O: number }
const LAYERS: Layer[] = [
  { name: 'L1 128·784·128', R: 128, I: 784, O: 128 },
  { name: 'L2 128·128·128', R: 128, I: 128, O: 128 },
  { name: 'L3 128·128·10', R: 128, I: 128, O: 10 },
];

/** Padding multiples a variant needs for each of the layer's widths (1 = unpadded). */
interface Pad { R: number; I: number; O: number }

interface Variant {
  name: string;
  code: string;
  pad: Pad;
  /** Workgroups to dispatch for padded widths (R, I, O). */
  grid: (R: number, I: number, O: number) => [number, number];
}

const range = (n: number) => [...Array(n).keys()];
const ceil = (a: number, b: number) => Math.ceil(a / b);
const roundUp = (a: number, b: number) => ceil(a, b) * b;
const gemmDims = (p: Product, R: number, I: number, O: number) =>
  p === 'NN' ? { M: R, N: O, K: I } : p === 'NT' ? { M: R, N: I, K: O } : { M: I, N: O, K: R };

// ───────────────────────────── (a) today's kernels, verbatim logic ─────────────────────────────
const BASE_COMMON = /* wgsl */ `
struct Dims {
  rows: u32,     // batch rows
  inputs: u32,   // layer input width
  outputs: u32,  // layer output width (classes for the output layer)
}
const LINEAR = 0u;
const RELU = 1u;
const SIGMOID = 2u;
const TANH = 3u;
fn activate(kind: u32, z: f32) -> f32 {
  switch kind {
    case RELU: { return max(z, 0.0); }
    case SIGMOID: { return 1.0 / (1.0 + exp(-z)); }
    case TANH: { return tanh(z); }
    default: { return z; }
  }
}
fn activation_gradient(kind: u32, z: f32, a: f32) -> f32 {
  switch kind {
    case RELU: { return select(0.0, 1.0, z > 0.0); }
    case SIGMOID: { return a * (1.0 - a); }
    case TANH: { return 1.0 - a * a; }
    default: { return 1.0; }
  }
}
`;

const BASELINE: Record<Product, string> = {
  NN: BASE_COMMON + /* wgsl */ `
@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> weights: array<f32>;
@group(0) @binding(3) var<storage, read> biases: array<f32>;
@group(0) @binding(4) var<storage, read_write> raw: array<f32>;
@group(0) @binding(5) var<storage, read_write> activated: array<f32>;

override activation: u32 = RELU;

@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) id: vec3u) {
  let o0 = id.x * 4u;
  let r0 = id.y * 4u;
  if (o0 >= dims.outputs || r0 >= dims.rows) { return; }
  let lastRow = dims.rows - 1u;
  let lastOutput = dims.outputs - 1u;
  var acc = array<vec4f, 4>();
  for (var i = 0u; i < dims.inputs; i++) {
    let w = i * dims.outputs;
    let wv = vec4f(weights[w + o0], weights[w + min(o0 + 1u, lastOutput)],
                   weights[w + min(o0 + 2u, lastOutput)], weights[w + min(o0 + 3u, lastOutput)]);
    for (var r = 0u; r < 4u; r++) {
      acc[r] += x[min(r0 + r, lastRow) * dims.inputs + i] * wv;
    }
  }
  for (var r = 0u; r < 4u; r++) {
    let row = r0 + r;
    if (row >= dims.rows) { break; }
    for (var c = 0u; c < 4u; c++) {
      let o = o0 + c;
      if (o >= dims.outputs) { break; }
      let z = acc[r][c] + biases[o];
      raw[row * dims.outputs + o] = z;
      activated[row * dims.outputs + o] = activate(activation, z);
    }
  }
}
`,
  NT: BASE_COMMON + /* wgsl */ `
@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read> gradient: array<f32>;
@group(0) @binding(2) var<storage, read> weights: array<f32>;
@group(0) @binding(3) var<storage, read> previousRaw: array<f32>;
@group(0) @binding(4) var<storage, read> previousActivated: array<f32>;
@group(0) @binding(5) var<storage, read_write> previousGradient: array<f32>;

override activation: u32 = RELU;

@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) id: vec3u) {
  let i0 = id.x * 4u;
  let r0 = id.y * 4u;
  if (i0 >= dims.inputs || r0 >= dims.rows) { return; }
  let lastRow = dims.rows - 1u;
  let lastInput = dims.inputs - 1u;
  var acc = array<vec4f, 4>();
  for (var o = 0u; o < dims.outputs; o++) {
    let wv = vec4f(weights[i0 * dims.outputs + o],
                   weights[min(i0 + 1u, lastInput) * dims.outputs + o],
                   weights[min(i0 + 2u, lastInput) * dims.outputs + o],
                   weights[min(i0 + 3u, lastInput) * dims.outputs + o]);
    for (var r = 0u; r < 4u; r++) {
      acc[r] += gradient[min(r0 + r, lastRow) * dims.outputs + o] * wv;
    }
  }
  for (var r = 0u; r < 4u; r++) {
    let row = r0 + r;
    if (row >= dims.rows) { break; }
    for (var c = 0u; c < 4u; c++) {
      let i = i0 + c;
      if (i >= dims.inputs) { break; }
      let k = row * dims.inputs + i;
      previousGradient[k] = acc[r][c] * activation_gradient(activation, previousRaw[k], previousActivated[k]);
    }
  }
}
`,
  TN: BASE_COMMON + /* wgsl */ `
@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> gradient: array<f32>;
@group(0) @binding(3) var<storage, read_write> dweights: array<f32>;
@group(0) @binding(4) var<storage, read_write> dbiases: array<f32>;

@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) id: vec3u) {
  let o0 = id.x * 4u;
  let i0 = id.y * 4u;
  if (o0 >= dims.outputs || i0 >= dims.inputs) { return; }
  let lastInput = dims.inputs - 1u;
  let lastOutput = dims.outputs - 1u;
  var acc = array<vec4f, 4>();
  var biasAcc = vec4f(0.0);
  for (var r = 0u; r < dims.rows; r++) {
    let g = r * dims.outputs;
    let gv = vec4f(gradient[g + o0], gradient[g + min(o0 + 1u, lastOutput)],
                   gradient[g + min(o0 + 2u, lastOutput)], gradient[g + min(o0 + 3u, lastOutput)]);
    let xr = r * dims.inputs;
    for (var c = 0u; c < 4u; c++) {
      acc[c] += x[xr + min(i0 + c, lastInput)] * gv;
    }
    biasAcc += gv;
  }
  for (var c = 0u; c < 4u; c++) {
    let i = i0 + c;
    if (i >= dims.inputs) { break; }
    for (var k = 0u; k < 4u; k++) {
      let o = o0 + k;
      if (o >= dims.outputs) { break; }
      dweights[i * dims.outputs + o] = acc[c][k];
    }
  }
  if (i0 == 0u) {
    for (var k = 0u; k < 4u; k++) {
      let o = o0 + k;
      if (o >= dims.outputs) { break; }
      dbiases[o] = biasAcc[k];
    }
  }
}
`,
};

function baselineVariant(p: Product): Variant {
  return {
    name: 'a base 4x4 scalar wg8x8',
    code: BASELINE[p],
    pad: { R: 1, I: 1, O: 1 },
    grid: (R, I, O) => {
      const { M, N } = gemmDims(p, R, I, O);
      return [ceil(N, 32), ceil(M, 32)];
    },
  };
}

// ───────────────────────────── shared WGSL pieces for the candidates ─────────────────────────────
const DIMS = /* wgsl */ `struct Dims { rows: u32, inputs: u32, outputs: u32 }
@group(0) @binding(0) var<uniform> dims: Dims;`;

const BINDINGS: Record<Product, string> = {
  NN: /* wgsl */ `
@group(0) @binding(1) var<storage, read> x: array<vec4f>;              // [R, I/4]
@group(0) @binding(2) var<storage, read> w: array<vec4f>;              // [I, O/4]
@group(0) @binding(3) var<storage, read> b: array<vec4f>;              // [O/4]
@group(0) @binding(4) var<storage, read_write> raw: array<vec4f>;      // [R, O/4]
@group(0) @binding(5) var<storage, read_write> activated: array<vec4f>;`,
  NT: /* wgsl */ `
@group(0) @binding(1) var<storage, read> g: array<vec4f>;              // [R, O/4]
@group(0) @binding(2) var<storage, read> w: array<vec4f>;              // [I, O/4]
@group(0) @binding(3) var<storage, read> prevRaw: array<vec4f>;        // [R, I/4]
@group(0) @binding(5) var<storage, read_write> dx: array<vec4f>;       // [R, I/4]`,
  TN: /* wgsl */ `
@group(0) @binding(1) var<storage, read> x: array<vec4f>;              // [R, I/4]
@group(0) @binding(2) var<storage, read> g: array<vec4f>;              // [R, O/4]
@group(0) @binding(3) var<storage, read_write> dw: array<vec4f>;       // [I, O/4]
@group(0) @binding(4) var<storage, read_write> db: array<vec4f>;       // [O/4]`,
};

/** `acc{m}_{c}` += row vector a{m} (4 k) times the 4×(4·TN4) slice b{j}_{c}, unrolled. */
function nnFma(TM: number, TN4: number, ind: string): string[] {
  const L: string[] = [];
  for (const m of range(TM)) for (const c of range(TN4))
    L.push(`${ind}acc${m}_${c} += a${m}.x * b0_${c} + a${m}.y * b1_${c} + a${m}.z * b2_${c} + a${m}.w * b3_${c};`);
  return L;
}
/** acc{m}_{c} += (dot(a{m}, w{4c}), …, dot(a{m}, w{4c+3})). */
function ntDot(TM: number, TN4: number, ind: string): string[] {
  const L: string[] = [];
  for (const m of range(TM)) for (const c of range(TN4)) {
    const n = 4 * c;
    L.push(`${ind}acc${m}_${c} += vec4f(dot(a${m}, w${n}), dot(a${m}, w${n + 1}), dot(a${m}, w${n + 2}), dot(a${m}, w${n + 3}));`);
  }
  return L;
}
/** acc{4j+e}_{c} += xa{j}.e * gb{c}: outer product of TM inputs and 4·TN4 outputs for one row. */
function tnOuter(TM: number, TN4: number, ind: string): string[] {
  const L: string[] = [];
  const lanes = ['x', 'y', 'z', 'w'];
  for (const m of range(TM)) for (const c of range(TN4))
    L.push(`${ind}acc${m}_${c} += xa${m >> 2}.${lanes[m & 3]} * gb${c};`);
  return L;
}
const accDecl = (TM: number, TN4: number) =>
  range(TM).map((m) => `  ${range(TN4).map((c) => `var acc${m}_${c} = vec4f(0.0);`).join(' ')}`);

// ───────────────────────────── (b) register-blocked, vec4, no shared memory ─────────────────────────────
interface RegShape { TM: number; TN: number; WX: number; WY: number; linear: boolean }

function regVariant(p: Product, s: RegShape): Variant {
  const { TM, TN, WX, WY, linear } = s;
  const TN4 = TN / 4;
  const L: string[] = [DIMS, BINDINGS[p], ''];
  L.push(`@compute @workgroup_size(${WX}, ${WY})`);
  L.push(`fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(workgroup_id) wid: vec3u,`);
  L.push(`        @builtin(local_invocation_index) li: u32) {`);
  // Widths in vec4 units; every width is padded to a multiple of the block, so no clamping.
  if (p === 'NN') L.push(`  let M = dims.rows;  let N4 = dims.outputs / 4u;  let K4 = dims.inputs / 4u;`);
  if (p === 'NT') L.push(`  let M = dims.rows;  let N4 = dims.inputs / 4u;  let K4 = dims.outputs / 4u;`);
  if (p === 'TN') L.push(`  let M = dims.inputs;  let M4 = dims.inputs / 4u;  let N4 = dims.outputs / 4u;  let K = dims.rows;`);
  L.push(`  let nBlocks = N4 / ${TN4}u;  let mBlocks = M / ${TM}u;`);
  if (linear) L.push(`  let flat = wid.x * ${WX * WY}u + li;  let nb = flat % nBlocks;  let mb = flat / nBlocks;`);
  else L.push(`  let nb = gid.x;  let mb = gid.y;`);
  L.push(`  if (nb >= nBlocks || mb >= mBlocks) { return; }`);
  L.push(`  let m0 = mb * ${TM}u;  let n4 = nb * ${TN4}u;`);
  L.push(...accDecl(TM, TN4));
  if (p === 'NN') {
    for (const m of range(TM)) L.push(`  let xr${m} = (m0 + ${m}u) * K4;`);
    L.push(`  var wr = n4;  // w[4k + j, n4 + c] = w[wr + j·N4 + c]`);
    L.push(`  for (var k = 0u; k < K4; k++) {`);
    for (const j of range(4)) for (const c of range(TN4))
      L.push(`    let b${j}_${c} = w[wr + ${j === 0 ? '' : `${j}u * N4 + `}${c}u];`);
    for (const m of range(TM)) L.push(`    let a${m} = x[xr${m} + k];`);
    L.push(...nnFma(TM, TN4, '    '));
    L.push(`    wr += 4u * N4;`);
    L.push(`  }`);
    for (const m of range(TM)) for (const c of range(TN4)) {
      L.push(`  { let k = (m0 + ${m}u) * N4 + n4 + ${c}u;  let z = acc${m}_${c} + b[n4 + ${c}u];  raw[k] = z;  activated[k] = max(z, vec4f(0.0)); }`);
    }
  } else if (p === 'NT') {
    const n0 = `nb * ${TN}u`;
    for (const m of range(TM)) L.push(`  let gr${m} = (m0 + ${m}u) * K4;`);
    L.push(`  let n0 = ${n0};`);
    for (const n of range(TN)) L.push(`  let wr${n} = (n0 + ${n}u) * K4;`);
    L.push(`  for (var k = 0u; k < K4; k++) {`);
    for (const m of range(TM)) L.push(`    let a${m} = g[gr${m} + k];`);
    for (const n of range(TN)) L.push(`    let w${n} = w[wr${n} + k];`);
    L.push(...ntDot(TM, TN4, '    '));
    L.push(`  }`);
    for (const m of range(TM)) for (const c of range(TN4)) {
      L.push(`  { let k = (m0 + ${m}u) * N4 + n4 + ${c}u;  dx[k] = select(vec4f(0.0), acc${m}_${c}, prevRaw[k] > vec4f(0.0)); }`);
    }
  } else {
    const TM4 = TM / 4;
    L.push(`  let m4 = mb * ${TM4}u;`);
    L.push(`  ${range(TN4).map((c) => `var bias${c} = vec4f(0.0);`).join(' ')}`);
    L.push(`  var xr = m4;  var gr = n4;`);
    L.push(`  for (var r = 0u; r < K; r++) {`);
    for (const j of range(TM4)) L.push(`    let xa${j} = x[xr + ${j}u];`);
    for (const c of range(TN4)) L.push(`    let gb${c} = g[gr + ${c}u];`);
    L.push(...tnOuter(TM, TN4, '    '));
    for (const c of range(TN4)) L.push(`    bias${c} += gb${c};`);
    L.push(`    xr += M4;  gr += N4;`);
    L.push(`  }`);
    for (const m of range(TM)) for (const c of range(TN4)) L.push(`  dw[(m0 + ${m}u) * N4 + n4 + ${c}u] = acc${m}_${c};`);
    L.push(`  if (mb == 0u) { ${range(TN4).map((c) => `db[n4 + ${c}u] = bias${c};`).join(' ')} }`);
  }
  L.push(`}`);
  // Padding: M and N to the block, K to 4 (a vec4 axis) except TN's K (rows), a scalar loop.
  const pad: Pad = p === 'NN' ? { R: TM, I: 4, O: TN } : p === 'NT' ? { R: TM, I: TN, O: 4 } : { R: 1, I: TM, O: TN };
  return {
    name: `b v4 r${TM}x${TN} wg${WX}x${WY}${linear ? ' lin' : ''}`,
    code: L.join('\n') + '\n',
    pad,
    grid: (R, I, O) => {
      const { M, N } = gemmDims(p, R, I, O);
      const nBlocks = N / TN, mBlocks = M / TM;
      return linear ? [ceil(nBlocks * mBlocks, WX * WY), 1] : [ceil(nBlocks, WX), ceil(mBlocks, WY)];
    },
  };
}

// ───────────────────────────── (c) workgroup-memory tiles, vec4 ─────────────────────────────
interface TileShape { BM: number; BN: number; BK: number; TM: number; TN: number }

/** Cooperative tile load: `count` vec4 elements spread over `threads` invocations. */
function tileLoad(count: number, threads: number, body: (e: string) => string[]): string[] {
  const L: string[] = [];
  const steps = ceil(count, threads);
  for (const s of range(steps)) {
    const e = `e${s}`;
    L.push(`    { let ${e} = li + ${s * threads}u;`);
    const inner = body(e).map((l) => '      ' + l);
    if ((s + 1) * threads > count) L.push(`      if (${e} < ${count}u) {`, ...inner.map((l) => '  ' + l), `      }`);
    else L.push(...inner);
    L.push(`    }`);
  }
  return L;
}

function tileVariant(p: Product, t: TileShape): Variant {
  const { BM, BN, BK, TM, TN } = t;
  const TN4 = TN / 4, BN4 = BN / 4, BK4 = BK / 4, BM4 = BM / 4, TM4 = TM / 4;
  const TX = BN / TN, TY = BM / TM, NTH = TX * TY;
  const L: string[] = [DIMS, BINDINGS[p], ''];
  if (p === 'NN') L.push(`var<workgroup> As: array<vec4f, ${BM * BK4}>;  // x tile [BM][BK/4]`, `var<workgroup> Bs: array<vec4f, ${BK * BN4}>;  // w tile [BK][BN/4]`);
  if (p === 'NT') L.push(`var<workgroup> As: array<vec4f, ${BM * BK4}>;  // g tile [BM][BK/4]`, `var<workgroup> Bs: array<vec4f, ${BN * BK4}>;  // w tile [BN][BK/4]`);
  if (p === 'TN') L.push(`var<workgroup> As: array<vec4f, ${BK * BM4}>;  // x tile [BK][BM/4]`, `var<workgroup> Bs: array<vec4f, ${BK * BN4}>;  // g tile [BK][BN/4]`);
  L.push('');
  L.push(`@compute @workgroup_size(${TX}, ${TY})`);
  L.push(`fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u,`);
  L.push(`        @builtin(local_invocation_index) li: u32) {`);
  if (p === 'NN') L.push(`  let M = dims.rows;  let N4 = dims.outputs / 4u;  let K = dims.inputs;  let K4 = K / 4u;`);
  if (p === 'NT') L.push(`  let M = dims.rows;  let N = dims.inputs;  let N4 = N / 4u;  let K4 = dims.outputs / 4u;`);
  if (p === 'TN') L.push(`  let M = dims.inputs;  let M4 = M / 4u;  let N4 = dims.outputs / 4u;  let K = dims.rows;`);
  L.push(`  let mT = wid.y * ${BM}u;  let nT4 = wid.x * ${BN4}u;  // tile origin`);
  L.push(`  let tm = lid.y * ${TM}u;  let tn4 = lid.x * ${TN4}u;  // this invocation's block in the tile`);
  L.push(...accDecl(TM, TN4));
  if (p === 'TN') L.push(`  ${range(TN4).map((c) => `var bias${c} = vec4f(0.0);`).join(' ')}`);
  if (p === 'NN') {
    L.push(`  for (var kt = 0u; kt < K; kt += ${BK}u) {`);
    L.push(...tileLoad(BM * BK4, NTH, (e) => [
      `let gm = mT + ${e} / ${BK4}u;  let gk4 = kt / 4u + ${e} % ${BK4}u;`,
      `var v = vec4f(0.0);  if (gm < M && gk4 < K4) { v = x[gm * K4 + gk4]; }`,
      `As[${e}] = v;`]));
    L.push(...tileLoad(BK * BN4, NTH, (e) => [
      `let gk = kt + ${e} / ${BN4}u;  let gn4 = nT4 + ${e} % ${BN4}u;`,
      `var v = vec4f(0.0);  if (gk < K && gn4 < N4) { v = w[gk * N4 + gn4]; }`,
      `Bs[${e}] = v;`]));
    L.push(`    workgroupBarrier();`);
    L.push(`    for (var kk = 0u; kk < ${BK4}u; kk++) {`);
    for (const j of range(4)) for (const c of range(TN4)) L.push(`      let b${j}_${c} = Bs[(kk * 4u + ${j}u) * ${BN4}u + tn4 + ${c}u];`);
    for (const m of range(TM)) L.push(`      let a${m} = As[(tm + ${m}u) * ${BK4}u + kk];`);
    L.push(...nnFma(TM, TN4, '      '));
    L.push(`    }`);
    L.push(`    workgroupBarrier();`);
    L.push(`  }`);
    for (const m of range(TM)) {
      L.push(`  { let gm = mT + tm + ${m}u;  if (gm < M) {`);
      for (const c of range(TN4)) {
        L.push(`    { let gn4 = nT4 + tn4 + ${c}u;  if (gn4 < N4) { let k = gm * N4 + gn4;  let z = acc${m}_${c} + b[gn4];`);
        L.push(`      raw[k] = z;  activated[k] = max(z, vec4f(0.0)); } }`);
      }
      L.push(`  } }`);
    }
  } else if (p === 'NT') {
    L.push(`  let nT = wid.x * ${BN}u;  let tn = lid.x * ${TN}u;`);
    L.push(`  for (var kt4 = 0u; kt4 < K4; kt4 += ${BK4}u) {`);
    L.push(...tileLoad(BM * BK4, NTH, (e) => [
      `let gm = mT + ${e} / ${BK4}u;  let gk4 = kt4 + ${e} % ${BK4}u;`,
      `var v = vec4f(0.0);  if (gm < M && gk4 < K4) { v = g[gm * K4 + gk4]; }`,
      `As[${e}] = v;`]));
    L.push(...tileLoad(BN * BK4, NTH, (e) => [
      `let gn = nT + ${e} / ${BK4}u;  let gk4 = kt4 + ${e} % ${BK4}u;`,
      `var v = vec4f(0.0);  if (gn < N && gk4 < K4) { v = w[gn * K4 + gk4]; }`,
      `Bs[${e}] = v;`]));
    L.push(`    workgroupBarrier();`);
    L.push(`    for (var kk = 0u; kk < ${BK4}u; kk++) {`);
    for (const m of range(TM)) L.push(`      let a${m} = As[(tm + ${m}u) * ${BK4}u + kk];`);
    for (const n of range(TN)) L.push(`      let w${n} = Bs[(tn + ${n}u) * ${BK4}u + kk];`);
    L.push(...ntDot(TM, TN4, '      '));
    L.push(`    }`);
    L.push(`    workgroupBarrier();`);
    L.push(`  }`);
    for (const m of range(TM)) {
      L.push(`  { let gm = mT + tm + ${m}u;  if (gm < M) {`);
      for (const c of range(TN4)) {
        L.push(`    { let gn4 = nT4 + tn4 + ${c}u;  if (gn4 < N4) { let k = gm * N4 + gn4;`);
        L.push(`      dx[k] = select(vec4f(0.0), acc${m}_${c}, prevRaw[k] > vec4f(0.0)); } }`);
      }
      L.push(`  } }`);
    }
  } else {
    L.push(`  let mT4 = wid.y * ${BM4}u;  let tm4 = lid.y * ${TM4}u;`);
    L.push(`  for (var kt = 0u; kt < K; kt += ${BK}u) {`);
    L.push(...tileLoad(BK * BM4, NTH, (e) => [
      `let gk = kt + ${e} / ${BM4}u;  let gm4 = mT4 + ${e} % ${BM4}u;`,
      `var v = vec4f(0.0);  if (gk < K && gm4 < M4) { v = x[gk * M4 + gm4]; }`,
      `As[${e}] = v;`]));
    L.push(...tileLoad(BK * BN4, NTH, (e) => [
      `let gk = kt + ${e} / ${BN4}u;  let gn4 = nT4 + ${e} % ${BN4}u;`,
      `var v = vec4f(0.0);  if (gk < K && gn4 < N4) { v = g[gk * N4 + gn4]; }`,
      `Bs[${e}] = v;`]));
    L.push(`    workgroupBarrier();`);
    L.push(`    for (var kk = 0u; kk < ${BK}u; kk++) {`);
    for (const j of range(TM4)) L.push(`      let xa${j} = As[kk * ${BM4}u + tm4 + ${j}u];`);
    for (const c of range(TN4)) L.push(`      let gb${c} = Bs[kk * ${BN4}u + tn4 + ${c}u];`);
    L.push(...tnOuter(TM, TN4, '      '));
    for (const c of range(TN4)) L.push(`      bias${c} += gb${c};`);
    L.push(`    }`);
    L.push(`    workgroupBarrier();`);
    L.push(`  }`);
    for (const m of range(TM)) {
      L.push(`  { let gm = mT + tm + ${m}u;  if (gm < M) {`);
      for (const c of range(TN4)) L.push(`    { let gn4 = nT4 + tn4 + ${c}u;  if (gn4 < N4) { dw[gm * N4 + gn4] = acc${m}_${c}; } }`);
      L.push(`  } }`);
    }
    L.push(`  if (wid.y == 0u && lid.y == 0u) {`);
    for (const c of range(TN4)) L.push(`    { let gn4 = nT4 + tn4 + ${c}u;  if (gn4 < N4) { db[gn4] = bias${c}; } }`);
    L.push(`  }`);
  }
  L.push(`}`);
  return {
    name: `c tile ${BM}x${BN} k${BK} r${TM}x${TN} wg${TX}x${TY}`,
    code: L.join('\n') + '\n',
    pad: { R: 4, I: 4, O: 4 },
    grid: (R, I, O) => {
      const { M, N } = gemmDims(p, R, I, O);
      return [ceil(N, BN), ceil(M, BM)];
    },
  };
}

const REG_SHAPES: RegShape[] = [
  { TM: 4, TN: 4, WX: 8, WY: 8, linear: false },
  { TM: 4, TN: 4, WX: 16, WY: 4, linear: false },
  { TM: 4, TN: 4, WX: 64, WY: 1, linear: true },
  { TM: 8, TN: 4, WX: 8, WY: 8, linear: false },
  { TM: 8, TN: 4, WX: 64, WY: 1, linear: true },
  { TM: 4, TN: 8, WX: 8, WY: 8, linear: false },
  { TM: 4, TN: 8, WX: 16, WY: 4, linear: false },
  { TM: 8, TN: 8, WX: 8, WY: 8, linear: false },
  { TM: 8, TN: 8, WX: 64, WY: 1, linear: true },
  { TM: 16, TN: 4, WX: 8, WY: 8, linear: false },
  { TM: 16, TN: 4, WX: 64, WY: 1, linear: true },
  // Two more to bracket the grid: fewer accumulators (SwiftShader keeps each vec4 lane in an
  // SSE register, so big blocks spill) and a bigger block (fewer loads per multiply-add).
  { TM: 2, TN: 4, WX: 64, WY: 1, linear: true },  // not for TN: its M (inputs) is a vec4 axis
  { TM: 16, TN: 8, WX: 64, WY: 1, linear: true },
  // Small workgroups with big blocks: SwiftShader runs a workgroup on one CPU thread, so a big
  // block in a 64-wide workgroup leaves a 128×128 product with just 1–2 workgroups.
  { TM: 8, TN: 8, WX: 16, WY: 1, linear: true },
  { TM: 16, TN: 8, WX: 16, WY: 1, linear: true },
  { TM: 16, TN: 16, WX: 16, WY: 1, linear: true },
  { TM: 32, TN: 8, WX: 16, WY: 1, linear: true },
  { TM: 32, TN: 16, WX: 16, WY: 1, linear: true },
  { TM: 16, TN: 16, WX: 4, WY: 1, linear: true },   // one SwiftShader SIMD group (4 lanes) per workgroup
];
const TILE_SHAPES: TileShape[] = [
  { BM: 32, BN: 32, BK: 8, TM: 4, TN: 4 },
  { BM: 32, BN: 32, BK: 16, TM: 4, TN: 4 },
  { BM: 32, BN: 32, BK: 32, TM: 4, TN: 4 },
  { BM: 64, BN: 64, BK: 8, TM: 8, TN: 8 },
  { BM: 64, BN: 64, BK: 16, TM: 8, TN: 8 },
  { BM: 64, BN: 64, BK: 16, TM: 4, TN: 4 },
];

// ───────────────────────────── data, CPU reference, buffers ─────────────────────────────
let seed = 0x2545f491;
const rand = () => { seed ^= seed << 13; seed ^= seed >>> 17; seed ^= seed << 5; return (seed >>> 0) / 4294967296; };

interface LayerData { x: Float32Array; w: Float32Array; b: Float32Array; g: Float32Array; prevRaw: Float32Array; prevAct: Float32Array;
  ref: { raw: Float64Array; act: Float64Array; dx: Float64Array; dw: Float64Array; db: Float64Array } }

function layerData({ R, I, O }: Layer): LayerData {
  const fill = (n: number, f: () => number) => Float32Array.from({ length: n }, f);
  const x = fill(R * I, () => Math.max(0, rand() * 2 - 0.5));   // post-ReLU-like, ~25% zeros
  const w = fill(I * O, () => (rand() * 2 - 1) * Math.sqrt(3 / I));
  const b = fill(O, () => rand() * 0.2 - 0.1);
  const g = fill(R * O, () => rand() * 2 - 1);
  const prevRaw = fill(R * I, () => rand() * 2 - 1);
  const prevAct = prevRaw.map((z) => Math.max(z, 0));
  const raw = new Float64Array(R * O), act = new Float64Array(R * O);
  for (let r = 0; r < R; r++) for (let o = 0; o < O; o++) {
    let s = b[o];
    for (let i = 0; i < I; i++) s += x[r * I + i] * w[i * O + o];
    raw[r * O + o] = s; act[r * O + o] = Math.max(s, 0);
  }
  const dx = new Float64Array(R * I);
  for (let r = 0; r < R; r++) for (let i = 0; i < I; i++) {
    let s = 0;
    for (let o = 0; o < O; o++) s += g[r * O + o] * w[i * O + o];
    dx[r * I + i] = prevRaw[r * I + i] > 0 ? s : 0;
  }
  const dw = new Float64Array(I * O), db = new Float64Array(O);
  for (let r = 0; r < R; r++) for (let i = 0; i < I; i++) {
    const xv = x[r * I + i];
    for (let o = 0; o < O; o++) dw[i * O + o] += xv * g[r * O + o];
  }
  for (let r = 0; r < R; r++) for (let o = 0; o < O; o++) db[o] += g[r * O + o];
  return { x, w, b, g, prevRaw, prevAct, ref: { raw, act, dx, dw, db } };
}

/** Copies a rows×cols matrix into a zeroed prows×pcols one. */
function pad2(src: Float32Array, rows: number, cols: number, prows: number, pcols: number): Float32Array {
  const out = new Float32Array(prows * pcols);
  for (let r = 0; r < rows; r++) out.set(src.subarray(r * cols, (r + 1) * cols), r * pcols);
  return out;
}

interface Output { binding: number; buffer: GPUBuffer; ref: Float64Array; rows: number; cols: number; prows: number; pcols: number }
interface BufferSet { bindGroup: GPUBindGroup; outputs: Output[]; dims: [number, number, number] }

const device = await nodeDevice();
device.addEventListener('uncapturederror', (e) => console.error('uncaptured:', (e as GPUUncapturedErrorEvent).error.message));

const STORAGE = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC;
function buffer(data: Float32Array | Uint32Array, usage = STORAGE): GPUBuffer {
  const buf = device.createBuffer({ size: Math.max(16, roundUp(data.byteLength, 16)), usage });
  device.queue.writeBuffer(buf, 0, data);
  return buf;
}

// Bindings per product: 0 uniform Dims, reads, writes (as the engine's kernels bind them).
const LAYOUT_KINDS: Record<Product, ('uniform' | 'read' | 'write')[]> = {
  NN: ['uniform', 'read', 'read', 'read', 'write', 'write'],
  NT: ['uniform', 'read', 'read', 'read', 'read', 'write'],
  TN: ['uniform', 'read', 'read', 'write', 'write'],
};
const layouts = Object.fromEntries((Object.keys(LAYOUT_KINDS) as Product[]).map((p) => {
  const bgl = device.createBindGroupLayout({
    entries: LAYOUT_KINDS[p].map((kind, binding) => ({
      binding, visibility: GPUShaderStage.COMPUTE,
      buffer: { type: kind === 'uniform' ? 'uniform' : kind === 'read' ? 'read-only-storage' : 'storage' } as GPUBufferBindingLayout,
    })),
  });
  return [p, { bgl, layout: device.createPipelineLayout({ bindGroupLayouts: [bgl] }) }];
})) as Record<Product, { bgl: GPUBindGroupLayout; layout: GPUPipelineLayout }>;

const setCache = new Map<string, BufferSet>();
function bufferSet(p: Product, l: number, data: LayerData, pad: Pad): BufferSet {
  const { R, I, O } = LAYERS[l];
  const Rp = roundUp(R, pad.R), Ip = roundUp(I, pad.I), Op = roundUp(O, pad.O);
  const key = `${p}:${l}:${Rp}:${Ip}:${Op}`;
  const cached = setCache.get(key);
  if (cached) return cached;
  const dimsBuf = buffer(new Uint32Array([Rp, Ip, Op, 0]), GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST);
  const out = (binding: number, ref: Float64Array, rows: number, cols: number, prows: number, pcols: number): Output =>
    ({ binding, buffer: buffer(new Float32Array(prows * pcols)), ref, rows, cols, prows, pcols });
  let ins: GPUBuffer[];
  let outs: Output[];
  if (p === 'NN') {
    ins = [buffer(pad2(data.x, R, I, Rp, Ip)), buffer(pad2(data.w, I, O, Ip, Op)), buffer(pad2(data.b, 1, O, 1, Op))];
    outs = [out(4, data.ref.raw, R, O, Rp, Op), out(5, data.ref.act, R, O, Rp, Op)];
  } else if (p === 'NT') {
    ins = [buffer(pad2(data.g, R, O, Rp, Op)), buffer(pad2(data.w, I, O, Ip, Op)),
      buffer(pad2(data.prevRaw, R, I, Rp, Ip)), buffer(pad2(data.prevAct, R, I, Rp, Ip))];
    outs = [out(5, data.ref.dx, R, I, Rp, Ip)];
  } else {
    ins = [buffer(pad2(data.x, R, I, Rp, Ip)), buffer(pad2(data.g, R, O, Rp, Op))];
    outs = [out(3, data.ref.dw, I, O, Ip, Op), out(4, data.ref.db, 1, O, 1, Op)];
  }
  const entries: GPUBindGroupEntry[] = [{ binding: 0, resource: { buffer: dimsBuf } },
    ...ins.map((buffer, i) => ({ binding: i + 1, resource: { buffer } })),
    ...outs.map((o) => ({ binding: o.binding, resource: { buffer: o.buffer } }))];
  const set = { bindGroup: device.createBindGroup({ layout: layouts[p].bgl, entries }), outputs: outs, dims: [Rp, Ip, Op] as [number, number, number] };
  setCache.set(key, set);
  return set;
}

// ───────────────────────────── check and time ─────────────────────────────
async function compile(p: Product, v: Variant): Promise<GPUComputePipeline> {
  const module = device.createShaderModule({ code: v.code });
  const info = await module.getCompilationInfo();
  const errors = info.messages.filter((m) => m.type === 'error');
  if (errors.length) throw new Error(errors.map((m) => `${m.lineNum}:${m.linePos} ${m.message}`).join('; '));
  return device.createComputePipelineAsync({ layout: layouts[p].layout, compute: { module, entryPoint: 'main' } });
}

async function submit(pipeline: GPUComputePipeline, set: BufferSet, grid: [number, number], n: number): Promise<number> {
  const encoder = device.createCommandEncoder();
  const pass = encoder.beginComputePass();
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, set.bindGroup);
  for (let i = 0; i < n; i++) pass.dispatchWorkgroups(grid[0], grid[1]);
  pass.end();
  const commands = encoder.finish();
  const t0 = performance.now();
  device.queue.submit([commands]);
  await device.queue.onSubmittedWorkDone();
  return performance.now() - t0;
}

/** Runs once over outputs pre-filled with a sentinel; compares the real region with the CPU
 *  reference (max |diff| ≤ 1e-3 · max(1, max |ref|)) and requires exact zeros in the padding. */
async function check(pipeline: GPUComputePipeline, set: BufferSet, grid: [number, number]): Promise<{ ok: boolean; err: number; note: string }> {
  for (const o of set.outputs) device.queue.writeBuffer(o.buffer, 0, new Float32Array(o.prows * o.pcols).fill(777));
  await submit(pipeline, set, grid, 1);
  let worst = 0, ok = true, note = '';
  for (const o of set.outputs) {
    const read = device.createBuffer({ size: o.buffer.size, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    const enc = device.createCommandEncoder();
    enc.copyBufferToBuffer(o.buffer, 0, read, 0, o.buffer.size);
    device.queue.submit([enc.finish()]);
    await read.mapAsync(GPUMapMode.READ);
    const got = new Float32Array(read.getMappedRange().slice(0));
    read.unmap(); read.destroy();
    let maxRef = 0, maxDiff = 0, padBad = 0;
    for (let r = 0; r < o.prows; r++) for (let c = 0; c < o.pcols; c++) {
      const v = got[r * o.pcols + c];
      if (r < o.rows && c < o.cols) {
        const ref = o.ref[r * o.cols + c];
        maxRef = Math.max(maxRef, Math.abs(ref));
        const d = Math.abs(v - ref);
        maxDiff = Number.isNaN(d) ? Infinity : Math.max(maxDiff, d);
      } else if (v !== 0) padBad++;
    }
    const rel = maxDiff / Math.max(1, maxRef);
    worst = Math.max(worst, rel);
    if (!(rel <= 1e-3)) { ok = false; note += ` binding ${o.binding} rel err ${rel.toExponential(2)}`; }
    if (padBad) { ok = false; note += ` binding ${o.binding}: ${padBad} padding values not 0`; }
  }
  return { ok, err: worst, note: note.trim() };
}

/** Dispatches per submit so that one submit takes about TARGET_MS (after a warm-up). */
async function dispatchesPerSubmit(pipeline: GPUComputePipeline, set: BufferSet, grid: [number, number]): Promise<number> {
  await submit(pipeline, set, grid, 1);
  const one = Math.min(await submit(pipeline, set, grid, 2), await submit(pipeline, set, grid, 2)) / 2;
  const n = Math.max(1, Math.min(1000, Math.round(TARGET_MS / Math.max(one, 0.005))));
  await submit(pipeline, set, grid, n); // warm-up at the timed size
  return n;
}

// ───────────────────────────── main ─────────────────────────────
interface Result { variant: Variant; layer: number; dims: [number, number, number]; ok: boolean; err: number; note: string;
  ms: number; median: number; n: number; spread: number; gflops: number }
interface Timed { result: Result; pipeline: GPUComputePipeline; set: BufferSet; grid: [number, number]; runs: number[] }

const started = performance.now();
const adapter = await ((globalThis as { __nnscopeGpu?: GPU }).__nnscopeGpu)!.requestAdapter({ powerPreference: 'high-performance' });
const info = (device as unknown as { adapterInfo?: GPUAdapterInfo }).adapterInfo;
console.log(`# GEMM probe — ${info ? `${info.vendor} ${info.architecture} ${info.device} (${info.description})` : 'unknown adapter'}`);
console.log(`device features: [${[...device.features].join(', ')}]; adapter has timestamp-query: ${adapter?.features.has('timestamp-query') ? 'yes' : 'no'}` +
  ` (not requested by nodeDevice; timing is wall clock to onSubmittedWorkDone)`);
console.log(`timing: n dispatches per submit sized to ~${TARGET_MS} ms; ${REPS} timed rounds, each round times every ` +
  `(kernel, layer) once in turn (so a burst of load from other processes hits all candidates alike); best round kept; ` +
  `GFLOP/s from the unpadded 2·R·I·O\n`);

const data = LAYERS.map((l) => layerData(l));
const results: Record<string, Result[]> = {};
const timed: Timed[] = [];

// Phase 1: compile, check against the CPU reference, size the submits.
for (const p of PRODUCTS) {
  const variants = [baselineVariant(p), ...REG_SHAPES.filter((s) => p !== 'TN' || s.TM % 4 === 0).map((s) => regVariant(p, s)),
    ...TILE_SHAPES.map((t) => tileVariant(p, t))].filter((v, i) => i === 0 || !FILTER || FILTER.test(v.name));
  results[p] = [];
  for (const v of variants) {
    let pipeline: GPUComputePipeline | undefined;
    let compileError = '';
    const tc = performance.now();
    try { pipeline = await compile(p, v); } catch (e) { compileError = (e as Error).message; }
    const compileMs = performance.now() - tc;
    const verdicts: string[] = [];
    for (let l = 0; l < LAYERS.length; l++) {
      const set = bufferSet(p, l, data[l], v.pad);
      const grid = v.grid(...set.dims);
      const result: Result = { variant: v, layer: l, dims: set.dims, ok: false, err: NaN, note: '', ms: NaN, median: NaN, n: 0, spread: NaN, gflops: NaN };
      results[p].push(result);
      if (!pipeline) { result.note = `compile: ${compileError}`; verdicts.push('compile error'); continue; }
      Object.assign(result, await check(pipeline, set, grid));
      verdicts.push(result.ok ? 'ok' : 'WRONG');
      if (!result.ok) continue;
      result.n = await dispatchesPerSubmit(pipeline, set, grid);
      timed.push({ result, pipeline, set, grid, runs: [] });
    }
    process.stderr.write(`${p} ${v.name}: compile ${compileMs.toFixed(0)} ms, ${verdicts.join(' / ')}\n`);
    if (args.wgsl) console.log(`\n// ${p} ${v.name}\n${v.code}`);
  }
}

// Phase 2: timed rounds, alternating direction so slow drifts cancel.
for (let round = 0; round < REPS; round++) {
  const order = round % 2 ? [...timed].reverse() : timed;
  for (const t of order) t.runs.push((await submit(t.pipeline, t.set, t.grid, t.result.n)) / t.result.n);
  process.stderr.write(`round ${round + 1}/${REPS} done at ${((performance.now() - started) / 1000).toFixed(0)} s\n`);
}
for (const t of timed) {
  const sorted = [...t.runs].sort((a, b) => a - b);
  const r = t.result;
  r.ms = sorted[0];
  r.median = sorted[sorted.length >> 1];
  r.spread = sorted[sorted.length - 1] / sorted[0];
  const L = LAYERS[r.layer];
  r.gflops = (2 * L.R * L.I * L.O) / (r.ms * 1e6);
}

// ───────────────────────────── report ─────────────────────────────
const fmt = (x: number, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : '—');
const bestPerProduct: Partial<Record<Product, Variant>> = {};
for (const p of PRODUCTS) {
  console.log(`\n## ${PRODUCT_NAMES[p]}`);
  for (let l = 0; l < LAYERS.length; l++) {
    const rows = results[p].filter((r) => r.layer === l);
    const baseMs = rows[0].ms;
    console.log(`\n### ${p} ${LAYERS[l].name}  (R,I,O)=(${LAYERS[l].R},${LAYERS[l].I},${LAYERS[l].O})`);
    console.log('| variant | padded R,I,O | µs/dispatch | GFLOP/s (best) | GFLOP/s (median) | vs base | n/submit | max/min | correct |');
    console.log('|---|---|---:|---:|---:|---:|---:|---:|---|');
    const bestMs = Math.min(...rows.filter((r) => r.ok).map((r) => r.ms));
    for (const r of rows) {
      const mark = r.ms === bestMs ? ' **best**' : '';
      console.log(`| ${r.variant.name}${mark} | ${r.dims.join(',')} | ${fmt(r.ms * 1000, 1)} | ${fmt(r.gflops)} | ${fmt(r.gflops * r.ms / r.median)} | ${fmt(baseMs / r.ms)}× | ${r.n || '—'} | ${fmt(r.spread)} | ` +
        `${r.ok ? `yes (${r.err.toExponential(1)})` : `**no**: ${r.note}`} |`);
    }
  }
  // One kernel per product for every layer, as the engine would use it: the least total time.
  const names = [...new Set(results[p].map((r) => r.variant))];
  const stepLayers = (prod: Product) => (prod === 'NT' ? [1, 2] : [0, 1, 2]); // the engine skips dx of layer 1
  const total = (v: Variant, ls: number[]) => ls.reduce((s, l) => s + (results[p].find((r) => r.variant === v && r.layer === l)?.ms ?? NaN), 0);
  const okAll = names.filter((v) => results[p].filter((r) => r.variant === v).every((r) => r.ok));
  const best = okAll.reduce((a, b) => (total(b, [0, 1, 2]) < total(a, [0, 1, 2]) ? b : a));
  bestPerProduct[p] = best;
  console.log(`\nbest single ${p} kernel over the three layers: ${best.name} (${fmt(total(best, [0, 1, 2]) * 1000, 1)} µs vs baseline ` +
    `${fmt(total(names[0], [0, 1, 2]) * 1000, 1)} µs, ${fmt(total(names[0], [0, 1, 2]) / total(best, [0, 1, 2]))}×)`);
  const bestStep = okAll.reduce((a, b) => (total(b, stepLayers(p)) < total(a, stepLayers(p)) ? b : a));
  if (bestStep !== best) console.log(`(over the layers a training step runs for ${p}: ${bestStep.name})`);
}

if (PRODUCTS.length === 3) {
  // Training-step equivalent: NN ×3 layers, NT for layers 2 and 3 (the engine computes no dx for the
  // input layer), TN ×3 layers. Also the full nine products.
  const stepLayers: Record<Product, number[]> = { NN: [0, 1, 2], NT: [1, 2], TN: [0, 1, 2] };
  const allLayers: Record<Product, number[]> = { NN: [0, 1, 2], NT: [0, 1, 2], TN: [0, 1, 2] };
  const sum = (pick: (p: Product, l: number) => Result | undefined, which: Record<Product, number[]>) => {
    let ms = 0, flops = 0;
    for (const p of PRODUCTS) for (const l of which[p]) {
      ms += pick(p, l)!.ms;
      flops += 2 * LAYERS[l].R * LAYERS[l].I * LAYERS[l].O;
    }
    return { ms, gflops: flops / (ms * 1e6) };
  };
  const baseline = (p: Product, l: number) => results[p].find((r) => r.layer === l && r.variant.name.startsWith('a '));
  const single = (p: Product, l: number) => results[p].find((r) => r.layer === l && r.variant === bestPerProduct[p]);
  const oracle = (p: Product, l: number) => results[p].filter((r) => r.layer === l && r.ok).reduce((a, b) => (b.ms < a.ms ? b : a));
  console.log('\n## Training-step equivalent (sum of the three products over the three layers)');
  console.log('| combination | products | µs | GFLOP/s | speed-up |');
  console.log('|---|---|---:|---:|---:|');
  for (const [label, which] of [['step (no dx for layer 1)', stepLayers], ['all nine products', allLayers]] as const) {
    const b = sum(baseline, which), s = sum(single, which), o = sum(oracle, which);
    console.log(`| baseline (a) | ${label} | ${fmt(b.ms * 1000, 1)} | ${fmt(b.gflops)} | 1.00× |`);
    console.log(`| best kernel per product: ${PRODUCTS.map((p) => `${p} ${bestPerProduct[p]!.name}`).join('; ')} | ${label} | ${fmt(s.ms * 1000, 1)} | ${fmt(s.gflops)} | ${fmt(b.ms / s.ms)}× |`);
    console.log(`| best per product and layer | ${label} | ${fmt(o.ms * 1000, 1)} | ${fmt(o.gflops)} | ${fmt(b.ms / o.ms)}× |`);
  }
  console.log('\nbest per product and layer:');
  for (const p of PRODUCTS) console.log(`  ${p}: ${LAYERS.map((_, l) => `${LAYERS[l].name} → ${oracle(p, l).variant.name}`).join('; ')}`);
}

for (const p of PRODUCTS) console.log(`\n## WGSL of the best ${p} kernel: ${bestPerProduct[p]!.name}\n\`\`\`wgsl\n${bestPerProduct[p]!.code}\`\`\``);
console.log(`\nprobe ran ${((performance.now() - started) / 1000).toFixed(0)} s`);
process.exit(0);
