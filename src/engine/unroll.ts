/**
 * Unrolls the register-blocked loops of the GEMM kernels. SwiftShader's compiler neither unrolls
 * loops nor keeps private arrays in registers, so a block of accumulators is written as separate
 * variables: a WGSL file marks a repeated group of lines with
 *
 *   //#for i in BLOCK_M      (a count: a number, or a constant given in `values`)
 *   var acc{i} = vec4f(0.0);
 *   //#end
 *
 * and each copy has {i} replaced by 0, 1, …. Blocks nest. The constants are also declared in WGSL
 * (`const BLOCK_M = 16u;`, by blockConstants), so the code and the loops use one value.
 */

/** `code` with every `//#for` block expanded. */
export function unroll(code: string, values: Readonly<Record<string, number>>): string {
  const lines = code.split('\n');
  const out: string[] = [];
  for (let at = 0; at < lines.length; ) {
    const start = /^\s*\/\/#for (\w+) in (\w+)\s*$/.exec(lines[at]!);
    if (!start) {
      if (/^\s*\/\/#end\s*$/.test(lines[at]!)) throw new Error(`unroll: line ${at + 1}: //#end without //#for`);
      out.push(lines[at++]!);
      continue;
    }
    const end = matchingEnd(lines, at);
    const [, name, countText] = start;
    const count = /^\d+$/.test(countText!) ? Number(countText) : values[countText!];
    if (count === undefined) throw new Error(`unroll: line ${at + 1}: the count ${countText} is no number or given constant`);
    const body = lines.slice(at + 1, end).join('\n');
    for (let k = 0; k < count; k++) out.push(unroll(body.replaceAll(`{${name}}`, String(k)), values));
    at = end + 1;
  }
  return out.join('\n');
}

function matchingEnd(lines: readonly string[], start: number): number {
  let depth = 0;
  for (let at = start; at < lines.length; at++) {
    if (/^\s*\/\/#for /.test(lines[at]!)) depth++;
    else if (/^\s*\/\/#end\s*$/.test(lines[at]!) && --depth === 0) return at;
  }
  throw new Error(`unroll: line ${start + 1}: //#for without //#end`);
}

/** WGSL declarations of the block constants: `const BLOCK_M = 16u;`. */
export function blockConstants(values: Readonly<Record<string, number>>): string {
  return Object.entries(values).map(([name, value]) => `const ${name} = ${value}u;\n`).join('');
}
