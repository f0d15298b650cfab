// Build the process editor bundle into web/static/vendor/bpmn-modeler/ and the routing-table editor
// bundle into web/static/vendor/dmn-table-editor/ (see their README.md files).
//   cd web/assets && npm ci && npm run build
import { build } from 'esbuild';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, '..', 'static', 'vendor', 'bpmn-modeler');
const modules = join(here, 'node_modules');

mkdirSync(join(out, 'assets'), { recursive: true });

await build({
  entryPoints: [join(here, 'src', 'modeler.js')],
  outfile: join(out, 'bpmn-modeler.min.js'),
  bundle: true,
  minify: true,
  format: 'iife',
  target: ['es2019'],
  loader: { '.json': 'json' },
  legalComments: 'eof',
  logLevel: 'info'
});

// The CSS the modeler and the properties panel need, and the icon font bpmn-js.css refers to.
cpSync(join(modules, 'bpmn-js', 'dist', 'assets'), join(out, 'assets'), { recursive: true });
cpSync(join(modules, '@bpmn-io', 'properties-panel', 'dist', 'assets', 'properties-panel.css'),
       join(out, 'assets', 'properties-panel.css'));
cpSync(join(modules, 'bpmn-js', 'LICENSE'), join(out, 'LICENSE'));

const version = (name) => JSON.parse(readFileSync(join(modules, name, 'package.json'), 'utf8')).version;
writeFileSync(join(out, 'VERSIONS'), ['bpmn-js', 'bpmn-js-properties-panel', '@bpmn-io/properties-panel',
  'camunda-bpmn-moddle', 'camunda-bpmn-js-behaviors', 'esbuild']
  .map((name) => `${name} ${version(name)}`).join('\n') + '\n');

// The routing-table (权责清单) editor: dmn-js's decision-table editor alone.
const tableOut = join(here, '..', 'static', 'vendor', 'dmn-table-editor');
mkdirSync(join(tableOut, 'assets'), { recursive: true });

await build({
  entryPoints: [join(here, 'src', 'table_editor.js')],
  outfile: join(tableOut, 'dmn-table-editor.min.js'),
  bundle: true,
  minify: true,
  format: 'iife',
  target: ['es2019'],
  jsx: 'transform',
  legalComments: 'eof',
  logLevel: 'info'
});

const dmnAssets = join(modules, 'dmn-js', 'dist', 'assets');
for (const css of ['dmn-js-shared.css', 'dmn-js-decision-table.css', 'dmn-js-decision-table-controls.css']) {
  cpSync(join(dmnAssets, css), join(tableOut, 'assets', css));
}
cpSync(join(dmnAssets, 'dmn-font'), join(tableOut, 'assets', 'dmn-font'), { recursive: true });
cpSync(join(modules, 'dmn-js', 'LICENSE'), join(tableOut, 'LICENSE'));
writeFileSync(join(tableOut, 'VERSIONS'), ['dmn-js', 'dmn-js-shared', 'dmn-js-decision-table', 'table-js', 'esbuild']
  .map((name) => `${name} ${version(name)}`).join('\n') + '\n');
