/**
 * Whether an element is on screen, and whether it is near the viewport (within NEAR_MARGIN), as a
 * Lit ReactiveController: `<nn-scope>` loads its data only when near, and animates only when seen.
 * Where IntersectionObserver does not exist, the element counts as on screen.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';

/** How close to the viewport counts as near: loading starts before the element scrolls in. */
const NEAR_MARGIN = '400px';

export class ViewportWatcher implements ReactiveController {
  visible = false;
  near = false;
  private observers: IntersectionObserver[] = [];

  constructor(private readonly host: ReactiveControllerHost & Element, private readonly onChange: () => void) {
    host.addController(this);
  }

  hostConnected(): void {
    if (typeof IntersectionObserver === 'undefined') {
      this.visible = this.near = true;
      return;
    }
    const watch = (margin: string, set: (value: boolean) => void) => {
      const observer = new IntersectionObserver((entries) => {
        set(entries[entries.length - 1]!.isIntersecting);
        this.onChange();
      }, { rootMargin: margin });
      observer.observe(this.host);
      this.observers.push(observer);
    };
    watch('0px', (value) => (this.visible = value));
    watch(NEAR_MARGIN, (value) => (this.near = value));
  }

  hostDisconnected(): void {
    for (const observer of this.observers) observer.disconnect();
    this.observers = [];
    this.visible = this.near = false;
  }
}
