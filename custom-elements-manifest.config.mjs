// @custom-elements-manifest/analyzer (it brings its own TypeScript 5) reads the elements' sources:
// classes, Lit properties, JSDoc @fires (with event types) and @csspart. Two plugins finish it:
//   - the settings of <nn-scope> are declared once, in SETTINGS (src/app/settings.ts), and defined
//     on the class at run time, so the analyzer cannot see them: they are added from that table;
//   - every element lives in one module of the package, dist/nnscope.js, so the manifest's paths are
//     that file's (paths that exist inside the package), not the sources'.
import * as esbuild from 'esbuild';

export const PACKAGE_MODULE = 'dist/nnscope.js';

/** The SETTINGS table, bundled from its TypeScript source and imported. */
async function loadSettings() {
  const { outputFiles } = await esbuild.build({
    entryPoints: ['src/app/settings.ts'], bundle: true, format: 'esm', write: false, platform: 'neutral', loader: { '.wgsl': 'text' }, logLevel: 'error',
  });
  const code = outputFiles[0].text;
  return (await import(`data:text/javascript;base64,${Buffer.from(code).toString('base64')}`)).SETTINGS;
}

/** Adds <nn-scope>'s settings as attributes and typed fields. */
function settingsFromTable(settings) {
  return {
    name: 'nnscope-settings',
    packageLinkPhase({ customElementsManifest }) {
      const scope = customElementsManifest.modules.flatMap((m) => m.declarations ?? []).find((d) => d.tagName === 'nn-scope');
      for (const setting of settings) {
        const type = { text: setting.type };
        const fallback = setting.shownDefault ?? JSON.stringify(setting.fallback({}));
        scope.attributes = [...(scope.attributes ?? []), { name: setting.attribute, type, description: setting.help, default: fallback, fieldName: setting.name }];
        scope.members = [...(scope.members ?? []), { kind: 'field', name: setting.name, type, description: `${setting.help}. Reads the value in effect; writes the attribute (checked alike).`, default: fallback, attribute: setting.attribute }];
      }
    },
  };
}

/** One module, the package's element bundle, holds every declaration and definition. */
function oneModule(path) {
  return {
    name: 'nnscope-one-module',
    packageLinkPhase({ customElementsManifest }) {
      const declarations = customElementsManifest.modules.flatMap((m) => m.declarations ?? []).filter((d) => d.kind === 'class');
      const at = (reference) => reference && { ...reference, module: path };
      for (const declaration of declarations) {
        if (declaration.superclass?.module) declaration.superclass = at(declaration.superclass);
        for (const member of declaration.members ?? []) if (member.inheritedFrom) member.inheritedFrom = at(member.inheritedFrom);
        for (const attribute of declaration.attributes ?? []) if (attribute.inheritedFrom) attribute.inheritedFrom = at(attribute.inheritedFrom);
      }
      const exports = declarations.flatMap((d) => [
        { kind: 'js', name: d.name, declaration: { name: d.name, module: path } },
        ...(d.tagName ? [{ kind: 'custom-element-definition', name: d.tagName, declaration: { name: d.name, module: path } }] : []),
      ]);
      customElementsManifest.modules = [{ kind: 'javascript-module', path, declarations, exports }];
    },
  };
}

export default {
  globs: ['src/elements/nn-*.ts', 'src/elements/scope-part.ts'],
  outdir: 'dist',
  litelement: true,
  plugins: [settingsFromTable(await loadSettings()), oneModule(PACKAGE_MODULE)],
};
