/**
 * The element bundle (package export `nnscope`, dist/nnscope.js; all-in-one: www/dist/nnscope.js):
 * the whole API, and the custom elements defined where a registry exists.
 */
import { removeDomStandIns } from './elements/dom-stand-ins.js'; // first: Lit must find them when it loads
export * from './index.js';
export * from './elements/index.js';

removeDomStandIns(); // Lit has loaded
