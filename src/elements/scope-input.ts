/**
 * What an `<nn-scope>` does with keys and dropped files, as two small Lit ReactiveControllers:
 * space plays and pauses, ← → step through the test images; files dropped on it are opened.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { droppedFiles } from './dropped-files.js';

/** What the keyboard reaches of the element. */
export interface KeyboardHost extends ReactiveControllerHost, HTMLElement {
  readonly session?: { readonly training: boolean };
  start(): Promise<void>;
  pause(): Promise<void>;
  setSamplesPlaying(playing: boolean): void;
  stepSample(direction: 1 | -1): void;
}

export class ScopeKeyboard implements ReactiveController {
  private readonly onKey = (event: KeyboardEvent) => this.handle(event);

  constructor(private readonly host: KeyboardHost) {
    host.addController(this);
  }

  hostConnected(): void {
    this.host.addEventListener('keydown', this.onKey);
  }

  hostDisconnected(): void {
    this.host.removeEventListener('keydown', this.onKey);
  }

  private handle(event: KeyboardEvent): void {
    const target = event.composedPath()[0] as HTMLElement;
    const typing = ['INPUT', 'SELECT', 'TEXTAREA'].includes(target.tagName);
    if (event.key === ' ' && !typing && target.tagName !== 'BUTTON') {
      event.preventDefault();
      void (this.host.session?.training ? this.host.pause() : this.host.start());
    } else if ((event.key === 'ArrowRight' || event.key === 'ArrowLeft') && !typing && !target.closest?.('[data-own-arrows]')) {
      event.preventDefault(); // a view with its own arrow keys (the confusion matrix, the weights) is marked data-own-arrows
      this.host.setSamplesPlaying(false);
      this.host.stepSample(event.key === 'ArrowRight' ? 1 : -1);
    }
  }
}

/** Files dropped on the host go to `open` (a dropped folder's files, with their paths, and its folders); `dragging` is true while some hover over it. */
export class FileDrop implements ReactiveController {
  dragging = false;
  private readonly listeners: [string, (event: DragEvent) => void][] = [
    ['dragover', (event) => (event.preventDefault(), this.setDragging(true))],
    ['dragleave', () => this.setDragging(false)],
    ['drop', (event) => {
      event.preventDefault();
      this.setDragging(false);
      const transfer = event.dataTransfer;
      const files = [...(transfer?.files ?? [])]; // a DataTransfer empties after its event
      if (transfer) void droppedFiles(transfer).then(({ files, folders }) => this.open(files, folders), () => this.open(files, []));
    }],
  ];

  constructor(private readonly host: ReactiveControllerHost & HTMLElement, private readonly open: (files: File[], folders: string[]) => void) {
    host.addController(this);
  }

  hostConnected(): void {
    for (const [type, listener] of this.listeners) this.host.addEventListener(type, listener as EventListener);
  }

  hostDisconnected(): void {
    for (const [type, listener] of this.listeners) this.host.removeEventListener(type, listener as EventListener);
  }

  private setDragging(dragging: boolean): void {
    if (dragging === this.dragging) return;
    this.dragging = dragging;
    this.host.requestUpdate();
  }
}
