/**
 * Lit's decorators, with a @customElement that never throws: in a Web Worker (or Node without a
 * DOM shim) the class is made but not defined, so importing the element bundle works there too.
 */
import { customElement as litCustomElement, type CustomElementDecorator } from 'lit/decorators.js';

export { property, state } from 'lit/decorators.js';

/**
 * Lit's @customElement(tag); a decorator that does nothing where `customElements` is missing, or
 * where the tag is taken already (a second copy of nnscope on the page: the first one stays).
 */
export function customElement(tag: string): CustomElementDecorator {
  if (typeof customElements === 'undefined') return () => {};
  if (customElements.get(tag)) {
    console.warn(`nnscope: <${tag}> is defined already (two copies of nnscope on this page?); the first definition stays.`);
    return () => {};
  }
  return litCustomElement(tag);
}
