/** The browser bundle (www/dist/nnscope.js): the whole API, and the custom elements defined. */
export * from './index.js';
export * from './elements/index.js';
