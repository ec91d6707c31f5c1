/**
 * WebM and MP4 files from canvas frames, by WebCodecs' VideoEncoder and the mediabunny muxer
 * (loaded on demand by frame-writer.ts: the muxer is ~40 KiB gzipped). The encoder works while
 * frames come; only the encoded file is held, never the frames.
 */
import { BufferTarget, CanvasSource, getFirstEncodableVideoCodec, Mp4OutputFormat, Output, QUALITY_VERY_HIGH, WebMOutputFormat, type VideoCodec } from 'mediabunny';
import type { FrameWriter } from './frame-writer.js';

/** Codecs tried in order: VP9 first (widely encodable, sharp on flat colour fields); AV1 last (slow to encode in software). */
const CODECS: Record<'webm' | 'mp4', VideoCodec[]> = { webm: ['vp9', 'vp8', 'av1'], mp4: ['avc'] };
export const CODEC_NAMES: Record<'webm' | 'mp4', string> = { webm: 'VP9, VP8 or AV1 video', mp4: 'H.264 video' };

/** The first codec of `format` this browser encodes at this size, or undefined. */
export async function encodableCodec(format: 'webm' | 'mp4', width: number, height: number): Promise<VideoCodec | undefined> {
  return (await getFirstEncodableVideoCodec(CODECS[format], { width, height, quality: QUALITY_VERY_HIGH })) ?? undefined;
}

/** `fps` undefined: frames keep their own times (a frame rate in the track would round them to it). */
export async function openMediaWriter(canvas: HTMLCanvasElement | OffscreenCanvas, format: 'webm' | 'mp4', codec: VideoCodec, fps?: number): Promise<FrameWriter> {
  const target = new BufferTarget();
  const output = new Output({ format: format === 'webm' ? new WebMOutputFormat() : new Mp4OutputFormat({ fastStart: 'in-memory' }), target });
  // Very high quality: weight textures are fine detail that a lower rate smears; a key frame every 2 s for seeking.
  const source = new CanvasSource(canvas, { codec, quality: QUALITY_VERY_HIGH, keyFrameInterval: 2 });
  output.addVideoTrack(source, fps ? { frameRate: fps } : {});
  await output.start();
  return {
    add: (timestamp, duration) => source.add(timestamp, duration),
    async finish() {
      await output.finalize();
      return new Blob([target.buffer!], { type: await output.getMimeType() });
    },
    async cancel() {
      if (output.state !== 'canceled' && output.state !== 'finalized') await output.cancel();
    },
  };
}
