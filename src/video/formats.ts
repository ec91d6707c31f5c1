/**
 * The video options and their names: small, so that the element loads the video code (and its
 * muxer) only when a video is made.
 */
import type { WeightQuantity } from '../views/weights-view.js';

/** 'webm' (VP9, else VP8 or AV1), 'mp4' (H.264), or 'png-zip' (PNG frames in a .zip). */
export const VIDEO_FORMATS = ['webm', 'mp4', 'png-zip'] as const;
export type VideoFormat = (typeof VIDEO_FORMATS)[number];

export const VIDEO_VIEWS = ['weights', 'strips'] as const;
export type VideoView = (typeof VIDEO_VIEWS)[number];

/** What `<nn-scope>.exportVideo()` takes. */
export interface ExportVideoOptions {
  /** The views, top to bottom: 'weights' (the weight textures) and 'strips' (layer outputs of one test image). Default: those the element shows, else ['weights']. */
  views?: VideoView[];
  /** Frames per second, 1–120 (default 30): one snapshot per frame. */
  fps?: number;
  /** First training step to include (default: the first snapshot). */
  from?: number;
  /** Last training step to include (default: the last snapshot). */
  to?: number;
  /** 'webm' (VP9, else VP8 or AV1), 'mp4' (H.264) or 'png-zip' (PNG frames in a .zip). Default 'webm'. */
  format?: VideoFormat;
  /** What the weight textures show (default: what the element shows). */
  quantity?: WeightQuantity;
  /** The test image the strips run (default: the element's current one). */
  sample?: number;
  /** Frame width in pixels, 320–3840 (default 1280); the height follows the views. */
  width?: number;
  /** Cancels the export: it rejects with an AbortError and the file is dropped. */
  signal?: AbortSignal;
}
