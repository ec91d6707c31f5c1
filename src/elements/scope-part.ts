/**
 * Base of the elements that show one part of an `<nn-scope>` (controls, strips, weights, …). A part
 * finds its scope — set as `.scope`, named by `for="id"`, or the `<nn-scope>` it sits in — follows
 * that scope's session (also when the engine is rebuilt or the device replaced), and frees every
 * GPU resource it made when it leaves the page.
 */
import { LitElement, type PropertyValues } from 'lit';
import { property, state } from 'lit/decorators.js';
import type { Scope } from '../app/scope.js';
import type { CanvasView } from '../views/canvas-view.js';
import type { NnScope } from './nn-scope.js';
import { theme } from './styles.js';
import { cssColor } from '../views/css-color.js';

export abstract class ScopePart extends LitElement {
  static override styles = [theme];

  /** The id of the `<nn-scope>` this part shows, when it is placed outside it. */
  @property({ attribute: 'for', reflect: true }) accessor scopeId: string | null = null;
  /** light or dark, as on `<nn-scope>` (which passes its own to the parts it shows); absent: follow the system. */
  @property({ reflect: true }) accessor theme: string | null = null;
  /** The `<nn-scope>` element itself (takes precedence over `for`). */
  @property({ attribute: false }) accessor scope: NnScope | undefined = undefined;
  /** The running session of the scope, once it is ready. */
  @state() protected accessor session: Scope | undefined = undefined;

  private host?: NnScope;
  private sessionEvents?: AbortController;

  override connectedCallback(): void {
    super.connectedCallback();
    void customElements.whenDefined('nn-scope').then(() => this.bindHost());
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.unbindHost();
  }

  protected override willUpdate(changed: PropertyValues): void {
    if (changed.has('scope') || changed.has('scopeId')) this.bindHost();
  }

  /** The scope element this part follows, if found. */
  get scopeElement(): NnScope | undefined {
    return this.host;
  }

  private bindHost(): void {
    if (!this.isConnected) return;
    // `for` looks in this element's own document or shadow root first, then in the page.
    const root = this.getRootNode() as Document | ShadowRoot;
    const named = this.scopeId ? root.getElementById?.(this.scopeId) ?? document.getElementById(this.scopeId) : this.closest('nn-scope');
    const found = this.scope ?? (named as NnScope | null) ?? undefined;
    if (found === this.host) return;
    this.unbindHost();
    this.host = found;
    if (!found) return;
    found.addEventListener('nn-session', this.followSession);
    this.followSession();
    // A part placed elsewhere on the page shows the scope's data: a lazy scope (maybe hidden) loads now.
    if (root !== found.shadowRoot) found.whenReady().catch(() => undefined); // a failure is the scope's to show
  }

  private unbindHost(): void {
    this.host?.removeEventListener('nn-session', this.followSession);
    this.host = undefined;
    this.setSession(undefined);
  }

  private readonly followSession = () => this.setSession(this.host?.session);

  private setSession(session: Scope | undefined): void {
    if (session === this.session) return;
    this.sessionEvents?.abort();
    this.sessionEvents = undefined;
    if (this.session) this.detach();
    this.session = session;
    if (!session) return;
    this.sessionEvents = new AbortController();
    this.attach(session, this.sessionEvents.signal);
  }

  /** The session is there: listen to its events with `signal` (removed on detach). */
  protected abstract attach(session: Scope, signal: AbortSignal): void;

  /** The session goes (element removed, or the scope reloaded): free what attach made. */
  protected abstract detach(): void;
}

/** A part that draws one CanvasView, rebuilt whenever the session's engine is replaced. */
export abstract class CanvasPart<V extends CanvasView> extends ScopePart {
  /** The view, once built on the current engine. */
  view?: V;
  /** Drawn only when asked (the strips), not on every animation frame. */
  protected manual = false;
  private generation = 0;
  @state() protected accessor problem = '';

  protected abstract createView(session: Scope, canvas: HTMLCanvasElement): Promise<V>;

  /** The view is built and registered: show the session's current state in it. */
  protected viewReady(_view: V, _session: Scope): void {}

  protected get canvas(): HTMLCanvasElement {
    return this.renderRoot.querySelector('canvas.gpu')!;
  }

  protected get overlay(): HTMLElement {
    return this.renderRoot.querySelector('.overlay')!;
  }

  protected override attach(session: Scope, signal: AbortSignal): void {
    session.addEventListener('engine', () => void this.rebuild(session), { signal });
    session.addEventListener('restyle', () => {
      if (this.view) this.view.background = this.pageBackground();
      this.restyled(session);
    }, { signal });
    void this.rebuild(session);
  }

  /** The background was recoloured: draw again (views on the frame loop do so by themselves). */
  protected restyled(_session: Scope): void {}

  private pageBackground(): GPUColor {
    return cssColor(getComputedStyle(this).getPropertyValue('--_view-bg'));
  }

  protected override detach(): void {
    this.dropView();
  }

  private dropView(): void {
    this.generation++;
    if (!this.view) return;
    this.session?.loop.remove(this.view);
    this.view.destroy();
    this.view = undefined;
  }

  /** Builds the view afresh on the session's current engine. */
  protected async rebuild(session: Scope): Promise<void> {
    this.dropView(); // at once: the old engine's buffers are destroyed right after 'engine'
    const generation = this.generation;
    await this.updateComplete;
    try {
      const view = await this.createView(session, this.canvas);
      if (generation !== this.generation) return view.destroy();
      view.background = this.pageBackground();
      this.view = view;
      this.problem = '';
      session.loop.add(view, this.overlay, { manual: this.manual });
      this.viewReady(view, session);
    } catch (error) {
      if (generation === this.generation) this.problem = (error as Error).message;
    }
  }

  /** Saves the view as a PNG file. */
  async downloadPNG(name: string): Promise<void> {
    if (this.view) download(await this.view.toPNG(), name);
  }
}

/** Offers `blob` as a download named `name`. */
export function download(blob: Blob, name: string): void {
  const link = document.createElement('a');
  link.href = URL.createObjectURL(blob);
  link.download = name;
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 1000);
}
