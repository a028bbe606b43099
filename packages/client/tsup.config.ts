import { tsupPreset } from '@tether/config/tsup';

// Installing the client must never install the daemon (better-sqlite3 is native): the protocol's
// vocabularies and helpers are bundled into dist/, and its types into the declarations, as is the
// typed incoming event from the transport's wire layer (types only). @tether/core stays a real
// dependency. The declaration bundler follows `paths` to the built .d.ts files (it cannot resolve
// `exports` subpaths by itself); a path outside node_modules is inlined rather than imported.
const preset = tsupPreset({ entry: { index: 'src/index.ts' } });

export default {
  ...preset,
  noExternal: [/^@tether\/daemon\/protocol/],
  dts: {
    compilerOptions: {
      paths: {
        '@tether/daemon/protocol': ['../daemon/dist/protocol.d.ts'],
        '@tether/signal-transport/wire': ['../signal-transport/dist/wire.d.ts'],
      },
    },
  },
};
