import { tsupPreset } from '@tether/config/tsup';

// Startup time is a product figure here (DECISIONS.md §10 status-vs-node): commander is bundled
// instead of being loaded from node_modules as CommonJS at run time, which saves about 10 ms per
// start. Its CommonJS `require` of Node built-ins needs a real `require` in ESM output: the banner.
// The package is a binary, not a library: its protocol types live in @tether/daemon/protocol,
// which is not a runtime dependency (only `tether demo` uses the daemon, as an optional peer).
const preset = tsupPreset({
  entry: { tether: 'src/bin/tether.ts' },
  banner: { js: "import { createRequire as __tetherCreateRequire } from 'node:module';\nconst require = __tetherCreateRequire(import.meta.url);" },
});

export default { ...preset, noExternal: ['commander', /^@tether\/daemon\/protocol/, /^@tether\/signal-transport\/wire/], dts: false, minify: true };
