/**
 * Lit's browser build touches the DOM the moment it loads: lit-html makes a TreeWalker on
 * `document`, and ReactiveElement extends `HTMLElement`. Where there is no DOM (a Web Worker, or
 * Node running a bundle that holds Lit's browser build) this module, loaded before Lit, puts in
 * inert stand-ins, and removeDomStandIns() takes them out once Lit has loaded. So importing the
 * element bundle never throws and leaves no fake DOM behind; the elements are simply not defined
 * there (see decorators.ts).
 *
 * The package build keeps this module a file of its own (dist/dom-stand-ins.js): an inlined copy
 * would run after the external `lit` imports.
 */
const scope = globalThis as Record<string, unknown>;
const standIns: Record<string, unknown> = {
  HTMLElement: class {},
  document: { createTreeWalker: () => ({}) },
};
const added = Object.keys(standIns).filter((name) => !(name in scope));
for (const name of added) scope[name] = standIns[name];

/** Removes the stand-ins this module put in (none where the DOM exists). */
export function removeDomStandIns(): void {
  for (const name of added.splice(0)) delete scope[name];
}
