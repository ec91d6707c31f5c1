/**
 * Videos of the history: a constructed history of 12 snapshots exports to a WebM (and an MP4) at
 * 6 fps whose decoded frames are those snapshots in order (count, duration, and the colour of a
 * known weight in each frame); cancel, bad options, the missing-codec path and its PNG-zip
 * fallback; a live recording while training.
 */
import { expect } from '@esm-bundle/chai';
import { ALL_FORMATS, BlobSource, Input, VideoSampleSink } from 'mediabunny';
import { historyToSafetensors, type HistoryLayer } from '../../src/io/history-file.js';
import { readZip } from '../../src/data/zip.js';
import { exportReplayVideo, ReplayFrames, videoSettings, type VideoSettings } from '../../src/video/replay-video.js';
import type { NnScope } from '../../src/elements/nn-scope.js';
import { addScope, until } from '../shared/element-fixture.js';
import { expected } from '../shared/view-pixels.js';

const SNAPSHOTS = 12;
const HIDDEN = 4;
/** The weights of pixels (13–15, 13–15) into neuron 1 go from −1 to 1 over the snapshots; W[0, 0] = 1 and W[1, 0] = −1 fix the range. */
const PROBE = { neuron: 1, pixel: 14 * 28 + 14 };
const valueAt = (k: number) => -1 + (2 * k) / (SNAPSHOTS - 1);

function constructedHistory(): Uint8Array {
  const layer = (inputs: number, outputs: number, fill: (w: Float32Array) => void): HistoryLayer => {
    const weights = Float32Array.from({ length: inputs * outputs }, (_, i) => 0.3 * Math.sin(i));
    fill(weights);
    const zeros = () => new Float32Array(weights.length);
    const bias = () => new Float32Array(outputs);
    return { weights, biases: bias(), dweights: zeros(), dbiases: bias(), weightMomentums: zeros(), biasMomentums: bias(), weightCache: undefined, biasCache: undefined };
  };
  const snapshots = Array.from({ length: SNAPSHOTS }, (_, k) => ({
    step: 16 * k, epoch: 0, stepInEpoch: 16 * k, loss: 2.3 - 0.1 * k,
    layers: [
      layer(784, HIDDEN, (w) => {
        [w[0], w[HIDDEN]] = [1, -1];
        for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) w[(PROBE.pixel + dy * 28 + dx) * HIDDEN + PROBE.neuron] = valueAt(k);
      }),
      layer(HIDDEN, 10, () => undefined),
    ],
  }));
  return historyToSafetensors({ network: [784, HIDDEN, 10], optimizer: 'sgd', every: 16, budgetBytes: 1 << 24, snapshots });
}

/** Each decoded frame's timestamp and the RGB at (x, y) (device pixels of the frame). */
async function decode(blob: Blob, at?: { x: number; y: number }): Promise<{ duration: number; frames: { time: number; rgb?: number[] }[]; width: number; height: number; last: ImageData }> {
  const input = new Input({ source: new BlobSource(blob), formats: ALL_FORMATS });
  const track = (await input.getPrimaryVideoTrack())!;
  const canvas = new OffscreenCanvas(track.displayWidth, track.displayHeight);
  const context = canvas.getContext('2d', { willReadFrequently: true })!;
  const frames: { time: number; rgb?: number[] }[] = [];
  for await (const sample of new VideoSampleSink(track).samples()) {
    let rgb: number[] | undefined;
    if (at) {
      sample.draw(context, 0, 0);
      rgb = [...context.getImageData(Math.round(at.x), Math.round(at.y), 1, 1).data.slice(0, 3)];
    }
    frames.push({ time: sample.timestamp, rgb });
    sample.draw(context, 0, 0);
    sample.close();
  }
  const last = context.getImageData(0, 0, canvas.width, canvas.height);
  return { duration: await track.computeDuration(), frames, width: track.displayWidth, height: track.displayHeight, last };
}

const distance = (a: number[], b: number[]) => Math.max(...a.map((v, c) => Math.abs(v - b[c]!)));

describe('videos of the history', () => {
  let element: NnScope;

  before(async () => {
    element = await addScope({ layers: String(HIDDEN), view: 'controls strips weights', 'sample-rate': '0' });
    const session = await element.whenReady();
    session.importHistory(constructedHistory(), 'constructed.history.safetensors');
  });

  after(() => element.remove());

  const settings = (options: Parameters<typeof videoSettings>[0]): VideoSettings => videoSettings(options, {
    views: ['weights'], sizes: { weights: { width: 600, height: 300 }, strips: { width: 600, height: 300 } }, quantity: 'weights', sample: 3,
    colours: { background: '#ffffff', foreground: '#1d2330', muted: '#5f6779' }, colormap: 'viridis',
  }, element.session!);

  for (const format of ['webm', 'mp4'] as const) {
    it(`a history of ${SNAPSHOTS} snapshots at 6 fps becomes a ${format} of ${SNAPSHOTS} frames, snapshot k in frame k`, async () => {
      const session = element.session!;
      const chosen = settings({ fps: 6, format, width: 1280 });
      // Where the probe weights are drawn in a frame: the layout of the frames' own weights view.
      const frames = await ReplayFrames.create(session, chosen);
      let at: { x: number; y: number };
      try {
        const caption = await frames.render(0);
        expect(caption).to.equal('step 0 · epoch 1 · loss 2.300');
        const place = frames.weightsView!.place(0, PROBE.neuron, PROBE.pixel)!;
        const origin = frames.blockOrigin('weights');
        const scale = frames.composer.scale;
        at = { x: (origin.x + place.rect.x + place.rect.width / 2) * scale, y: (origin.y + place.rect.y + place.rect.height / 2) * scale };
        expect(place.rect.width * scale, 'a weight cell is drawn several pixels wide').to.be.greaterThan(6);
      } finally {
        frames.destroy();
      }
      const progress: number[] = [];
      const blob = await exportReplayVideo(session, chosen, (frame, total) => {
        expect(total).to.equal(SNAPSHOTS);
        progress.push(frame);
      });
      expect(progress).to.deep.equal(Array.from({ length: SNAPSHOTS }, (_, k) => k + 1));
      expect(blob.type).to.match(format === 'webm' ? /^video\/webm/ : /^video\/mp4/);
      const video = await decode(blob, at!);
      expect(video.frames.length, 'frames').to.equal(SNAPSHOTS);
      expect(video.duration, 'duration in seconds').to.be.closeTo(SNAPSHOTS / 6, 1e-3);
      expect(video.width).to.equal(1280);
      video.frames.forEach(({ time, rgb }, k) => {
        expect(time, `frame ${k}'s time`).to.be.closeTo(k / 6, 1e-3);
        const wanted = expected('diverging', (valueAt(k) + 1) / 2).slice(0, 3);
        expect(distance(rgb!, wanted), `frame ${k}: rgb(${rgb}) should be snapshot ${k}'s colour rgb(${wanted})`).to.be.at.most(24);
        // And nearer to it than to any other snapshot's colour: the frames are the snapshots in order.
        const nearest = Array.from({ length: SNAPSHOTS }, (_, j) => distance(rgb!, expected('diverging', (valueAt(j) + 1) / 2))).reduce((best, d, j, all) => (d < all[best]! ? j : best), 0);
        expect(nearest, `frame ${k} looks like snapshot ${nearest}`).to.equal(k);
      });
    });
  }

  it('exportVideo() on the element: both views, progress events, from and to', async () => {
    const events: { frame: number; frames: number }[] = [];
    const listen = (e: Event) => events.push((e as CustomEvent).detail);
    element.addEventListener('nn-video-progress', listen);
    try {
      const blob = await element.exportVideo({ views: ['weights', 'strips'], fps: 6, from: 32, to: 96, width: 640 });
      expect(events.map((e) => e.frame)).to.deep.equal([1, 2, 3, 4, 5]);
      expect(events.every((e) => e.frames === 5)).to.equal(true);
      const video = await decode(blob);
      expect(video.frames.length).to.equal(5);
      expect(video.width).to.equal(640);
      expect(element.video.job, 'no video under way afterwards').to.equal(undefined);
    } finally {
      element.removeEventListener('nn-video-progress', listen);
    }
  });

  it('cancel: the export rejects with an AbortError after the frame it was in, and the next one works', async () => {
    const abort = new AbortController();
    const stopAtThird = (e: Event) => (e as CustomEvent).detail.frame === 3 && abort.abort();
    element.addEventListener('nn-video-progress', stopAtThird);
    const frames: number[] = [];
    const count = (e: Event) => frames.push((e as CustomEvent).detail.frame);
    element.addEventListener('nn-video-progress', count);
    try {
      const error = await element.exportVideo({ fps: 6, signal: abort.signal, views: ['weights'] }).then(() => undefined, (e: Error) => e);
      expect(error?.name).to.equal('AbortError');
      expect(Math.max(...frames)).to.be.at.most(4);
      expect(element.video.job).to.equal(undefined);
    } finally {
      element.removeEventListener('nn-video-progress', stopAtThird);
      element.removeEventListener('nn-video-progress', count);
    }
    // The Cancel button's path: cancelVideo() while it runs.
    const running = element.exportVideo({ fps: 6, views: ['weights'] });
    element.addEventListener('nn-video-progress', () => element.cancelVideo(), { once: true });
    expect((await running.then(() => undefined, (e: Error) => e))?.name).to.equal('AbortError');
    const video = await decode(await element.exportVideo({ fps: 12, views: ['weights'], to: 48, width: 320 }));
    expect(video.frames.length).to.equal(4);
  });

  it('bad options are refused with what is allowed', async () => {
    const refused = async (options: object, pattern: RegExp) => {
      const error = await element.exportVideo(options as never).then(() => undefined, (e: Error) => e);
      expect(error?.message, JSON.stringify(options)).to.match(pattern);
    };
    await refused({ fps: 0 }, /fps must be a number from 1 to 120/);
    await refused({ format: 'gif' }, /format must be 'webm', 'mp4', 'png-zip'; got "gif"/);
    await refused({ views: ['confusion'] }, /views must list one or both of 'weights' and 'strips'/);
    await refused({ from: 100, to: 20 }, /from \(step 100\) must not be after to \(step 20\)/);
    await refused({ from: 1000 }, /No snapshot lies between steps 1000 and .*: the history holds steps 0 to 176/);
    await refused({ speed: 2 }, /no option 'speed'/);
    await refused({ quantity: 'caches' }, /needs the Adam optimizer/);
    await refused({ sample: 10_000 }, /sample must be a test image index from 0 to 199/);
    await refused({ width: 100 }, /width must be a whole number of pixels from 320 to 3840/);
  });

  it('without WebCodecs or a codec: a clear error, and the PNG zip works', async () => {
    const encoder = globalThis.VideoEncoder;
    try {
      (globalThis as { VideoEncoder?: unknown }).VideoEncoder = undefined;
      const error = await element.exportVideo({ views: ['weights'] }).then(() => undefined, (e: Error) => e);
      expect(error?.name).to.equal('VideoUnsupportedError');
      expect(error?.message).to.match(/no WebCodecs VideoEncoder.*format 'png-zip'/);
    } finally {
      globalThis.VideoEncoder = encoder;
    }
    const supported = VideoEncoder.isConfigSupported;
    try {
      VideoEncoder.isConfigSupported = async (config) => ({ supported: !config.codec.startsWith('avc'), config });
      const error = await element.exportVideo({ views: ['weights'], format: 'mp4' }).then(() => undefined, (e: Error) => e);
      expect(error?.message).to.match(/cannot encode H\.264 video at \d+×\d+.*Use format 'webm', which it can encode, or 'png-zip'/);
    } finally {
      VideoEncoder.isConfigSupported = supported;
    }
    const zip = await element.exportVideo({ views: ['weights'], format: 'png-zip', fps: 6, to: 64 });
    expect(zip.type).to.equal('application/zip');
    const entries = readZip(new Uint8Array(await zip.arrayBuffer()), 'frames.zip');
    expect([...entries.keys()]).to.deep.equal(['frame-0001.png', 'frame-0002.png', 'frame-0003.png', 'frame-0004.png', 'frame-0005.png', 'frames.json']);
    const index = JSON.parse(new TextDecoder().decode(await entries.get('frames.json')!.read()));
    expect(index.fps).to.equal(6);
    expect(index.frames[2]).to.deep.include({ file: 'frame-0003.png', caption: 'step 32 · epoch 1 · loss 2.100' });
    const image = await createImageBitmap(new Blob([(await entries.get('frame-0005.png')!.read()) as Uint8Array<ArrayBuffer>]));
    expect(image.width).to.equal(1280);
  });

  it('records the views live while training, at the frames drawn', async () => {
    const live = await addScope({ layers: '8', view: 'controls strips weights', 'sample-rate': '0' });
    try {
      const part = (name: string) => live.shadowRoot!.querySelector(name) as (Element & { view?: unknown }) | null;
      await until(() => !!part('nn-strips')?.view && !!part('nn-weights')?.view, 'the views');
      await live.startRecording();
      await live.step(48);
      const blob = await live.stopRecording();
      const video = await decode(blob);
      expect(video.frames.length, 'frames recorded').to.be.at.least(2);
      const times = video.frames.map((f) => f.time);
      expect(times.every((t, i) => i === 0 || t > times[i - 1]!), `increasing times ${times}`).to.equal(true);
      // Both views are in the frame (strips above, weights below): each half has coloured pixels, not only the background and text.
      const { last } = video;
      const coloured = (from: number, to: number) => {
        let count = 0;
        for (let y = Math.floor(from * last.height); y < to * last.height; y += 2) {
          for (let x = 0; x < last.width; x += 2) {
            const i = (y * last.width + x) * 4;
            const [r, g, b] = [last.data[i]!, last.data[i + 1]!, last.data[i + 2]!];
            if (Math.max(r, g, b) - Math.min(r, g, b) > 60) count++;
          }
        }
        return count;
      };
      expect(coloured(0.05, 0.45), 'coloured pixels of the strips').to.be.greaterThan(500);
      expect(coloured(0.55, 0.95), 'coloured pixels of the weights').to.be.greaterThan(500);
      expect(live.video.job).to.equal(undefined);
      await live.startRecording({ format: 'png-zip' });
      await live.step(16);
      const zip = readZip(new Uint8Array(await (await live.stopRecording()).arrayBuffer()), 'live.zip');
      expect(zip.has('frame-0001.png')).to.equal(true);
    } finally {
      live.remove();
    }
  });
});
