// Writes www/dist/custom-elements.json (custom-elements manifest, schema 1.0.0) from the element
// sources in src/elements/. The analyzer packages need TypeScript's JavaScript API, which the
// native TypeScript 7 compiler does not have, so this reads our own fixed source conventions:
//   - the file's leading /** … */ block: description, @fires name - text, @csspart name - text;
//   - @customElement('tag') and `export class Name`;
//   - /** text */ @property({ … }) accessor name: type = default;  (attribute: 'x' | false)
//   - public methods with a /** text */ comment (no private/protected/static, not a lifecycle hook);
//   - CSS custom properties: var(--nn-…, default) in the element's file and in styles.ts.
import { readFileSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';

const LIFECYCLE = new Set(['connectedCallback', 'disconnectedCallback', 'render', 'willUpdate', 'updated', 'firstUpdated', 'constructor']);
const clean = (text) => text.replace(/^\s*\*\s?/gm, '').replace(/\s+/g, ' ').trim();

function cssProperties(source) {
  const found = new Map();
  for (const [, name, fallback] of source.matchAll(/var\((--nn-[\w-]+),\s*([^)]*(?:\([^)]*\))?[^)]*)\)/g)) {
    if (!found.has(name)) found.set(name, fallback.trim());
  }
  return found;
}

function properties(source) {
  const attributes = [];
  const members = [];
  for (const [, doc, options, field, type, value] of source.matchAll(/(?:\/\*\*((?:(?!\*\/)[\s\S])*?)\*\/\s*)?@property\(\{?([^)]*?)\}?\)\s*accessor (\w+)(?::\s*([^=;]+?))?(?:\s*=\s*([^;]+))?;/g)) {
    const attribute = /attribute:\s*false/.test(options) ? undefined : /attribute:\s*'([\w-]+)'/.exec(options)?.[1] ?? field.toLowerCase();
    const entry = { name: field, type: { text: (type ?? 'unknown').trim() }, description: doc ? clean(doc) : undefined, default: value?.trim() };
    members.push({ kind: 'field', ...entry, attribute, reflects: /reflect:\s*true/.test(options) || undefined });
    if (attribute) attributes.push({ name: attribute, type: entry.type, description: entry.description, default: entry.default, fieldName: field });
  }
  return { attributes, members };
}

export function buildManifest(dir = 'src/elements') {
  const shared = cssProperties(readFileSync(`${dir}/styles.ts`, 'utf8'));
  const modules = [];
  for (const file of readdirSync(dir).filter((f) => /^nn-.*\.ts$/.test(f)).sort()) {
    const source = readFileSync(`${dir}/${file}`, 'utf8');
    const tag = /@customElement\('([\w-]+)'\)/.exec(source)?.[1];
    const name = /export class (\w+)/.exec(source)?.[1];
    if (!tag || !name) continue;
    const header = clean(/^\/\*\*([\s\S]*?)\*\//.exec(source)?.[1] ?? '');
    const [description] = header.split(/ @(?:fires|csspart) /);
    const tagged = (kind) => [...header.matchAll(new RegExp(`@${kind} ([\\w-]+) - (.*?)(?= @\\w+ |$)`, 'g'))].map(([, n, text]) => ({ name: n, description: text.trim() }));
    const { attributes, members } = properties(source);
    if (/extends (ScopePart|CanvasPart)/.test(source)) {
      const inherited = properties(readFileSync(`${dir}/scope-part.ts`, 'utf8'));
      attributes.push(...inherited.attributes);
      members.push(...inherited.members);
    }
    for (const [, doc, method, params] of source.matchAll(/\/\*\*((?:(?!\*\/)[\s\S])*?)\*\/\s*(?:async\s+)?(\w+)\(([^)]*)\)(?::[^{]+)?\s*\{/g)) {
      if (LIFECYCLE.has(method)) continue;
      members.push({ kind: 'method', name: method, description: clean(doc), parameters: params.trim() ? params.split(',').map((p) => ({ name: p.split(/[?:=]/)[0].trim() })) : undefined });
    }
    for (const [, getterDoc, getter] of source.matchAll(/\/\*\*((?:(?!\*\/)[\s\S])*?)\*\/\s*get (\w+)\(\)/g)) {
      members.push({ kind: 'field', name: getter, description: clean(getterDoc), readonly: true });
    }
    const own = cssProperties(source);
    const cssProps = [...(tag === 'nn-scope' ? shared : []), ...own].map(([n, d]) => ({ name: n, default: d }));
    modules.push({
      kind: 'javascript-module',
      path: `src/elements/${file}`,
      declarations: [{
        kind: 'class', name, tagName: tag, customElement: true, description, attributes, members,
        events: tagged('fires'), cssParts: tagged('csspart'), cssProperties: cssProps,
        superclass: /extends (\w+)/.exec(source)?.[1] ? { name: /extends (\w+)/.exec(source)[1] } : undefined,
      }],
      exports: [{ kind: 'custom-element-definition', name: tag, declaration: { name, module: `src/elements/${file}` } },
        { kind: 'js', name, declaration: { name, module: `src/elements/${file}` } }],
    });
  }
  return { schemaVersion: '1.0.0', readme: 'README.md', modules };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  mkdirSync('www/dist', { recursive: true });
  const manifest = buildManifest();
  writeFileSync('www/dist/custom-elements.json', JSON.stringify(manifest, null, 2) + '\n');
  console.log(`wrote www/dist/custom-elements.json (${manifest.modules.length} elements)`);
}
