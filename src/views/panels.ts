/**
 * Draws panels (strips, images, heat maps, tile grids, legends) straight from training-dictionary
 * buffers: the fragment shader reads the very buffer the compute kernels write. Auto ranges are
 * reduced on the GPU in the same command buffer, so a frame never maps a buffer.
 */
import panelShader from '../../shaders/view-panel.wgsl';
import rangeShader from '../../shaders/view-range.wgsl';
import { BufferOwner } from '../gpu/buffers.js';
import type { BufferRange } from '../gpu/readback.js';
import { compileShader } from '../engine/kernels.js';
import { colormapRow, createColormapTexture, type ColormapName } from './colormaps.js';

export interface Rect { x: number; y: number; width: number; height: number }

/** A value range: fixed, or computed on the GPU each frame (symmetric about zero, or min..max). */
export type RangeSpec = { low: number; high: number } | { auto: 'symmetric' | 'minmax' };

/** What one panel shows; see shaders/view-panel.wgsl for the indexing. */
export interface PanelSpec {
  /** The buffer range the values come from (a TensorView binds as is). */
  source: BufferRange;
  rect: Rect;
  columns: number;
  rows: number;
  tileWidth?: number;
  tileHeight?: number;
  /** Tiles shown; default columns × rows. */
  tiles?: number;
  /** Element offsets within `source`. */
  offset?: number;
  rowStride: number;
  colStride: number;
  pixelStride?: number;
  /** Set for colour (RGB) cells: the step from one channel's value to the next; cells then show three channels. */
  channelStride?: number;
  /** Values the auto range covers, contiguous from `offset`. */
  count: number;
  colormap: ColormapName;
  range: RangeSpec;
  gap?: number;
  highlight?: number;
  /** Output strip: outline the argmax and the true label inputLabels[labelRow]. */
  labelRow?: number;
  /** The panel draws the colormap of panel `legendOf` (a legend) instead of values. */
  legendOf?: number;
  /** Buffer of u32 labels, needed with labelRow. */
  labels?: GPUBuffer;
  /** A snapshot laid out like `source`: cells show source − reference. */
  reference?: BufferRange;
}

const UNIFORM_SLOT = 256; // minUniformBufferOffsetAlignment
const PANEL_WORDS = 24;

interface Pipelines {
  render: GPURenderPipeline;
  renderLayout: GPUBindGroupLayout;
  range: GPUComputePipeline;
  rangeLayout: GPUBindGroupLayout;
}

async function createPipelines(device: GPUDevice, format: GPUTextureFormat): Promise<Pipelines> {
  const [panelModule, rangeModule] = await Promise.all([
    compileShader(device, 'nnscope.view-panel', panelShader),
    compileShader(device, 'nnscope.view-range', rangeShader),
  ]);
  const both = GPUShaderStage.VERTEX | GPUShaderStage.FRAGMENT;
  const renderLayout = device.createBindGroupLayout({
    label: 'nnscope.view-panel.layout',
    entries: [
      { binding: 0, visibility: both, buffer: { type: 'uniform' } },
      { binding: 1, visibility: GPUShaderStage.FRAGMENT, buffer: { type: 'read-only-storage' } },
      { binding: 2, visibility: GPUShaderStage.FRAGMENT, buffer: { type: 'read-only-storage' } },
      { binding: 3, visibility: GPUShaderStage.FRAGMENT, texture: { sampleType: 'float' } },
      { binding: 4, visibility: GPUShaderStage.FRAGMENT, buffer: { type: 'read-only-storage' } },
      { binding: 5, visibility: GPUShaderStage.FRAGMENT, buffer: { type: 'read-only-storage' } },
    ],
  });
  const rangeLayout = device.createBindGroupLayout({
    label: 'nnscope.view-range.layout',
    entries: [
      { binding: 0, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'uniform' } },
      { binding: 1, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'read-only-storage' } },
      { binding: 2, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'storage' } },
      { binding: 3, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'read-only-storage' } },
    ],
  });
  const [render, range] = await Promise.all([
    device.createRenderPipelineAsync({
      label: 'nnscope.view-panel',
      layout: device.createPipelineLayout({ bindGroupLayouts: [renderLayout] }),
      vertex: { module: panelModule, entryPoint: 'vertex_main' },
      fragment: { module: panelModule, entryPoint: 'fragment_main', targets: [{ format }] },
      primitive: { topology: 'triangle-list' },
    }),
    device.createComputePipelineAsync({
      label: 'nnscope.view-range',
      layout: device.createPipelineLayout({ bindGroupLayouts: [rangeLayout] }),
      compute: { module: rangeModule, entryPoint: 'main' },
    }),
  ]);
  return { render, renderLayout, range, rangeLayout };
}

/** Pipelines per device and canvas format: every view on a page shares them. */
const pipelineCache = new WeakMap<GPUDevice, Map<GPUTextureFormat, Promise<Pipelines>>>();

function pipelinesFor(device: GPUDevice, format: GPUTextureFormat): Promise<Pipelines> {
  let byFormat = pipelineCache.get(device);
  if (!byFormat) pipelineCache.set(device, (byFormat = new Map()));
  let pipelines = byFormat.get(format);
  if (!pipelines) {
    pipelines = createPipelines(device, format);
    byFormat.set(format, pipelines);
    pipelines.catch(() => byFormat.delete(format));
  }
  return pipelines;
}

/** The tile grid of a panel in canvas pixels, as the shader lays it out (gaps between tiles). */
export function panelGrid(spec: PanelSpec) {
  const gap = spec.gap ?? 0;
  const pitchX = (spec.rect.width + gap) / spec.columns;
  const pitchY = (spec.rect.height + gap) / spec.rows;
  const [tileWidth, tileHeight] = [spec.tileWidth ?? 1, spec.tileHeight ?? 1];
  return {
    gap, pitchX, pitchY, tileWidth, tileHeight,
    cellWidth: (pitchX - gap) / tileWidth,
    cellHeight: (pitchY - gap) / tileHeight,
    tiles: spec.tiles ?? spec.columns * spec.rows,
  };
}

/** The element of the panel's source that cell `cell` of tile `tile` shows (the shader's value_at). */
export function elementIndex(spec: PanelSpec, tile: number, cell: number): number {
  const [tx, ty] = [tile % spec.columns, Math.floor(tile / spec.columns)];
  return (spec.offset ?? 0) + ty * spec.rowStride + tx * spec.colStride + cell * (spec.pixelStride ?? 1);
}

/** Owns the buffers, texture and bind groups of a set of panels drawn into one target. */
export class PanelSet {
  private readonly owner: BufferOwner;
  private readonly colormaps: GPUTexture;
  private uniforms?: GPUBuffer;
  private rangeParams?: GPUBuffer;
  /** (low, high) per panel, written by the range kernel or by the host for fixed ranges. */
  ranges?: GPUBuffer;
  private specs: PanelSpec[] = [];
  private renderGroups: GPUBindGroup[] = [];
  private rangeGroups: (GPUBindGroup | undefined)[] = [];

  static async create(device: GPUDevice, format: GPUTextureFormat): Promise<PanelSet> {
    return new PanelSet(device, await pipelinesFor(device, format));
  }

  private constructor(readonly device: GPUDevice, private readonly pipelines: Pipelines) {
    this.owner = new BufferOwner(device, 'PanelSet');
    this.colormaps = createColormapTexture(device);
  }

  get panels(): readonly PanelSpec[] {
    return this.specs;
  }

  /** Replaces the panels: (re)builds bind groups. Call on layout or source changes, not per frame. */
  setPanels(specs: PanelSpec[], canvasWidth: number, canvasHeight: number): void {
    specs.forEach((spec, i) => {
      colormapRow(spec.colormap);
      if (spec.legendOf !== undefined && !(spec.legendOf >= 0 && spec.legendOf < specs.length)) {
        throw new RangeError(`Panel ${i} is a legend of panel ${spec.legendOf}, which does not exist.`);
      }
    });
    const count = Math.max(1, specs.length);
    if (!this.uniforms || this.uniforms.size < count * UNIFORM_SLOT) {
      for (const buffer of [this.uniforms, this.rangeParams, this.ranges]) if (buffer) this.owner.release(buffer);
      this.uniforms = this.owner.create('uniforms', count * UNIFORM_SLOT, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST);
      this.rangeParams = this.owner.create('rangeParams', count * UNIFORM_SLOT, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST);
      this.ranges = this.owner.create('ranges', count * 8, GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC);
    }
    this.specs = specs;
    const { renderLayout, rangeLayout } = this.pipelines;
    const colormaps = this.colormaps.createView();
    this.renderGroups = specs.map((spec, i) =>
      this.device.createBindGroup({
        label: `PanelSet.panel${i}`,
        layout: renderLayout,
        entries: [
          { binding: 0, resource: { buffer: this.uniforms!, offset: i * UNIFORM_SLOT, size: PANEL_WORDS * 4 } },
          { binding: 1, resource: spec.legendOf === undefined ? spec.source : { buffer: this.ranges! } },
          { binding: 2, resource: { buffer: this.ranges! } },
          { binding: 3, resource: colormaps },
          { binding: 4, resource: { buffer: spec.labels ?? this.ranges! } },
          { binding: 5, resource: spec.reference ?? { buffer: this.ranges! } },
        ],
      }),
    );
    this.rangeGroups = specs.map((spec, i) =>
      spec.legendOf === undefined && 'auto' in spec.range
        ? this.device.createBindGroup({
            label: `PanelSet.range${i}`,
            layout: rangeLayout,
            entries: [
              { binding: 0, resource: { buffer: this.rangeParams!, offset: i * UNIFORM_SLOT, size: 32 } },
              { binding: 1, resource: spec.source },
              { binding: 2, resource: { buffer: this.ranges! } },
              { binding: 3, resource: spec.reference ?? spec.source },
            ],
          })
        : undefined,
    );
    specs.forEach((spec, i) => {
      const rangeSlot = spec.legendOf ?? i;
      const symmetric = 'auto' in spec.range && spec.range.auto === 'symmetric';
      const params = new Uint32Array([spec.offset ?? 0, spec.count, rangeSlot, symmetric ? 1 : 0, spec.reference ? 1 : 0, 0, 0, 0]);
      this.device.queue.writeBuffer(this.rangeParams!, i * UNIFORM_SLOT, params);
      if (spec.legendOf === undefined && !('auto' in spec.range)) {
        this.device.queue.writeBuffer(this.ranges!, i * 8, new Float32Array([spec.range.low, spec.range.high]));
      }
    });
    this.setRects(specs.map((s) => s.rect), canvasWidth, canvasHeight);
  }

  /** Moves the panels (on resize): rewrites their uniforms only. */
  setRects(rects: readonly Rect[], canvasWidth: number, canvasHeight: number): void {
    rects.forEach((rect, i) => {
      const spec = this.specs[i];
      spec.rect = rect;
      const words = new ArrayBuffer(PANEL_WORDS * 4);
      const f = new Float32Array(words);
      const u = new Uint32Array(words);
      const s = new Int32Array(words);
      f.set([rect.x, rect.y, rect.width, rect.height, canvasWidth, canvasHeight, colormapRow(spec.colormap), spec.gap ?? 0]);
      u.set([
        spec.columns, spec.rows, spec.tileWidth ?? 1, spec.tileHeight ?? 1, spec.tiles ?? spec.columns * spec.rows,
        spec.offset ?? 0, spec.rowStride, spec.colStride, spec.pixelStride ?? 1, spec.legendOf ?? i,
        spec.legendOf !== undefined ? 1 : spec.channelStride !== undefined ? 2 : 0,
      ], 8);
      s.set([spec.highlight ?? -1, spec.labelRow ?? -1], 19);
      u[21] = spec.reference && spec.legendOf === undefined ? 1 : 0;
      u[22] = spec.channelStride ?? 0;
      this.device.queue.writeBuffer(this.uniforms!, i * UNIFORM_SLOT, words);
    });
  }

  /** Sets the outlined tile of panel `index` (e.g. the neuron under the cursor); −1 for none. Before the first layout there is nothing to outline. */
  setHighlight(index: number, tile: number): void {
    if (!this.specs[index]) return;
    this.specs[index].highlight = tile;
    this.device.queue.writeBuffer(this.uniforms!, index * UNIFORM_SLOT + 19 * 4, new Int32Array([tile]));
  }

  /** Records the auto-range reductions and the draws of every panel into `target`. */
  encode(encoder: GPUCommandEncoder, target: GPUTextureView, clear: GPUColor): void {
    if (this.rangeGroups.some(Boolean)) {
      const compute = encoder.beginComputePass({ label: 'PanelSet.ranges' });
      compute.setPipeline(this.pipelines.range);
      for (const group of this.rangeGroups) {
        if (!group) continue;
        compute.setBindGroup(0, group);
        compute.dispatchWorkgroups(1);
      }
      compute.end();
    }
    const pass = encoder.beginRenderPass({
      label: 'PanelSet.draw',
      colorAttachments: [{ view: target, clearValue: clear, loadOp: 'clear', storeOp: 'store' }],
    });
    pass.setPipeline(this.pipelines.render);
    this.renderGroups.forEach((group) => {
      pass.setBindGroup(0, group);
      pass.draw(6);
    });
    pass.end();
  }

  destroy(): void {
    this.owner.destroy();
    this.colormaps.destroy();
  }
}
