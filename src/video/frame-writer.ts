/**
 * Where a video's frames go: a WebM or MP4 file encoded with WebCodecs as the frames come (never
 * all held at once), or PNG files in a zip where a browser cannot encode video. The encoding
 * module (with its muxer, mediabunny) loads on first use, so pages that never export do not pay for it.
 */
import { canvasToPNG } from '../views/canvas-png.js';
import type { VideoFormat } from './formats.js';
import { ZipWriter } from './zip-writer.js';

/** Takes the frames of one video from a canvas. */
export interface FrameWriter {
  /**
   * Adds the canvas's picture now as the frame at `timestamp` seconds, shown for `duration`
   * seconds; resolves when the writer can take the next frame (the encoder's backpressure).
   * `caption` is written beside a PNG frame.
   */
  add(timestamp: number, duration: number, caption?: string): Promise<void>;
  /** Ends the file: resolves to it. */
  finish(): Promise<Blob>;
  /** Drops the file and frees the encoder. */
  cancel(): Promise<void>;
}

/** The browser cannot write this format: the message says what works instead. */
export class VideoUnsupportedError extends Error {
  override name = 'VideoUnsupportedError';
}

/**
 * Opens a writer of `format` for frames of `canvas` (its size must stay the same). `fps`: the
 * constant frame rate the file declares; undefined for frames at their own times (a live recording).
 */
export async function openFrameWriter(canvas: HTMLCanvasElement | OffscreenCanvas, format: VideoFormat, fps?: number): Promise<FrameWriter> {
  if (format === 'png-zip') return new PngZipWriter(canvas, fps);
  const file = format === 'mp4' ? 'an MP4' : 'a WebM';
  if (typeof VideoEncoder !== 'function') {
    throw new VideoUnsupportedError(
      `This browser has no WebCodecs VideoEncoder, so it cannot write ${file} file ` +
        '(Chrome and Edge 94+, Safari 16.4+ and Firefox 130+ have it, on https or localhost pages). ' +
        "Export with format 'png-zip' instead: the same frames as PNG files in a .zip.",
    );
  }
  const media = await import('./media-writer.js');
  const { width, height } = canvas;
  const codec = await media.encodableCodec(format, width, height);
  if (!codec) {
    const other = format === 'webm' ? 'mp4' : 'webm';
    const otherWorks = (await media.encodableCodec(other, width, height)) !== undefined;
    throw new VideoUnsupportedError(
      `This browser cannot encode ${media.CODEC_NAMES[format]} at ${width}×${height}, so it cannot write ${file} file. ` +
        (otherWorks ? `Use format '${other}', which it can encode, or 'png-zip'` : "Use format 'png-zip'") + ' (the same frames as PNG files in a .zip).',
    );
  }
  return media.openMediaWriter(canvas, format, codec, fps);
}

/** The fallback: frame-0001.png, … and frames.json (fps and each frame's time and caption) in a zip. */
class PngZipWriter implements FrameWriter {
  private readonly zip = new ZipWriter();
  private readonly frames: { file: string; time: number; caption?: string }[] = [];

  constructor(private readonly canvas: HTMLCanvasElement | OffscreenCanvas, private readonly fps?: number) {}

  async add(timestamp: number, _duration: number, caption?: string): Promise<void> {
    const file = `frame-${String(this.frames.length + 1).padStart(4, '0')}.png`;
    this.frames.push({ file, time: timestamp, caption });
    const png = await canvasToPNG(this.canvas); // the picture is taken at the call, before the canvas is drawn again
    this.zip.add(file, new Uint8Array(await png.arrayBuffer()));
  }

  async finish(): Promise<Blob> {
    // A live recording's frames have their own times (frames[].time): ffmpeg then takes them at the average rate.
    const fps = this.fps ?? Math.max(1, Math.round((this.frames.length - 1) / (this.frames.at(-1)?.time || 1)));
    const index = { format: 'nnscope-frames', fps, frames: this.frames, ffmpeg: `ffmpeg -framerate ${fps} -i frame-%04d.png -pix_fmt yuv420p video.mp4` };
    this.zip.add('frames.json', new TextEncoder().encode(JSON.stringify(index, null, 1)));
    return this.zip.finish();
  }

  async cancel(): Promise<void> {}
}
