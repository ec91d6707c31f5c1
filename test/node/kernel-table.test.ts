/**
 * The kernel table (src/engine/kernels.ts) against the WGSL it compiles: every binding it names is
 * declared under that name, number and use, every binding a kernel's code declares is in the table
 * (of one of the entries sharing that code), and the workgroup overrides are the ones the table
 * feeds. A renamed or renumbered WGSL variable fails here instead of binding the wrong buffer.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KERNELS, tileOf, workgroupsFor, type KernelName } from '../../src/engine/kernels.js';

/** `@group(0) @binding(n) var<space[, access]> name` → name: { binding, kind } as the table writes kinds. */
function declaredBindings(code: string): Map<string, { binding: number; kind: string }> {
  const found = new Map<string, { binding: number; kind: string }>();
  for (const [, binding, space, name] of code.matchAll(/@group\(0\)\s*@binding\((\d+)\)\s*var<([^>]*)>\s+(\w+)/g)) {
    const [where, access] = space!.split(',').map((part) => part.trim());
    const kind = where === 'uniform' ? 'uniform' : access === 'read_write' ? 'write' : 'read';
    found.set(name!, { binding: Number(binding), kind });
  }
  return found;
}

const names = Object.keys(KERNELS) as KernelName[];

for (const name of names) {
  test(`${name}: the table's bindings are the WGSL's, by name, number and use`, () => {
    const spec = KERNELS[name];
    const declared = declaredBindings(spec.code);
    for (const [binding, { binding: number, kind }] of Object.entries<{ binding: number; kind: string }>(spec.bindings)) {
      const wgsl = declared.get(binding);
      assert.ok(wgsl, `${name}: the table binds "${binding}", which its WGSL does not declare`);
      assert.equal(wgsl.binding, number, `${name}.${binding}: @binding(${wgsl.binding}) in WGSL, ${number} in the table`);
      assert.equal(wgsl.kind, kind === 'step' ? 'uniform' : kind, `${name}.${binding}: ${wgsl.kind} in WGSL, ${kind} in the table`);
    }
    // Entries that share code (softmax train and evaluate) may each bind a part of it; together, all.
    const siblings = names.filter((other) => KERNELS[other].code === spec.code);
    const tabled = new Set(siblings.flatMap((other) => Object.keys(KERNELS[other].bindings)));
    for (const binding of declared.keys()) assert.ok(tabled.has(binding), `${name}: its WGSL declares "${binding}", which no table entry binds`);
    assert.match(spec.code, new RegExp(`@compute[^]*?fn ${spec.entryPoint}\\(`), `${name}: entry point ${spec.entryPoint}`);
  });

  test(`${name}: the workgroup size comes from the table`, () => {
    const spec: { code: string; workgroup?: readonly number[] } = KERNELS[name];
    const overrides = [...spec.code.matchAll(/override (WORKGROUP_[XY])\s*:/g)].map((m) => m[1]);
    if (!spec.workgroup) {
      assert.deepEqual(overrides, [], `${name}: its WGSL fixes its workgroup; the table feeds none`);
      return;
    }
    const fed = spec.workgroup.length === 2 ? ['WORKGROUP_X', 'WORKGROUP_Y'] : ['WORKGROUP_X'];
    assert.deepEqual(overrides, fed);
    assert.match(spec.code, new RegExp(`@workgroup_size\\(${fed.join(',\\s*')}\\)`));
  });
}

test('dispatch sizes follow the table: 32×32 outputs × rows per scalar dense workgroup, sixteen pixels per gather invocation', () => {
  assert.deepEqual(tileOf('denseForward'), [32, 32]);
  assert.deepEqual(workgroupsFor('denseForward', 10, 128), [1, 4]);
  assert.deepEqual(workgroupsFor('gather', 784, 128), [1, 128]); // 49 invocations of 16 pixels in one workgroup of 64
  assert.deepEqual(workgroupsFor('classSums', 130, 10), [3, 10]);
  assert.throws(() => tileOf('softmaxTrain'), /softmaxTrain runs a fixed number of workgroups/);
});
