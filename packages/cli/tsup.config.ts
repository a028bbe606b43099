import { tsupPreset } from '@tether/config/tsup';

// Startup time is a product figure here (DECISIONS.md §10 status-vs-node): commander, @tether/client
// and the parts of @tether/core it uses are bundled and minified instead of being loaded from
// node_modules at run time. Commander's CommonJS `require` of Node built-ins needs a real `require`
// in ESM output: the banner. The package is a binary, not a library: its protocol types live in
// @tether/daemon/protocol, which is not a runtime dependency (only `tether demo` uses the daemon, as
// an optional peer).
const preset = tsupPreset({
  entry: { tether: 'src/bin/tether.ts' },
  banner: { js: "import { createRequire as __tetherCreateRequire } from 'node:module';\nconst require = __tetherCreateRequire(import.meta.url);" },
});

export default {
  ...preset,
  noExternal: ['commander', /^@tether\/client/, /^@tether\/core/, /^@tether\/daemon\/protocol/, /^@tether\/signal-transport\/wire/],
  dts: false,
  minify: true,
};
