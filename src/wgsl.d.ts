/** WGSL files are imported as their source text (esbuild `text` loader, scripts/wgsl-hook.mjs in Node). */
declare module '*.wgsl' {
  const source: string;
  export default source;
}
