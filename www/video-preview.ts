// Runs in the page of scripts/video-clip.mjs (bundled by it): decodes an exported video with mediabunny's reader and
// returns every `every`-th frame scaled to `width` pixels as PNG bytes (base64), for the README's preview.
// Each channel is rounded to `levels` levels: the codec's faint noise would otherwise make each PNG
// frame four times larger.
import { ALL_FORMATS, BlobSource, Input, VideoSampleSink } from 'mediabunny';

export async function previewFrames(blob: Blob, width: number, every: number, levels: number): Promise<{ frames: string[]; duration: number; count: number; fps: number }> {
  const input = new Input({ source: new BlobSource(blob), formats: ALL_FORMATS });
  const track = (await input.getPrimaryVideoTrack())!;
  const height = 2 * Math.round((width * track.displayHeight) / track.displayWidth / 2);
  const canvas = new OffscreenCanvas(width, height);
  const context = canvas.getContext('2d', { alpha: false, willReadFrequently: true })!;
  const frames: string[] = [];
  let count = 0;
  for await (const sample of new VideoSampleSink(track).samples()) {
    if (count++ % every === 0) {
      context.imageSmoothingQuality = 'high';
      sample.draw(context, 0, 0, width, height);
      const image = context.getImageData(0, 0, width, height);
      const step = 255 / (levels - 1);
      for (let i = 0; i < image.data.length; i++) if (i % 4 !== 3) image.data[i] = Math.round(Math.round(image.data[i]! / step) * step);
      context.putImageData(image, 0, 0);
      frames.push(await toBase64(await canvas.convertToBlob({ type: 'image/png' })));
    }
    sample.close();
  }
  const duration = await track.computeDuration();
  return { frames, duration, count, fps: count / duration };
}

/** A file's bytes as base64: how they leave the page for Node. */
export async function toBase64(blob: Blob): Promise<string> {
  const bytes = new Uint8Array(await blob.arrayBuffer());
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
}

Object.assign(globalThis, { previewFrames, toBase64 });
