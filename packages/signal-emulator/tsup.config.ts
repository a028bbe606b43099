import { tsupPreset } from '@tether/config/tsup';

// The CLI's shebang comes from the first line of src/cli.ts (tsup keeps it and marks the file
// executable); the banner only names the package in every emitted chunk.
export default tsupPreset({
  entry: { index: 'src/index.ts', cli: 'src/cli.ts' },
  banner: { js: '// @tether/signal-emulator: loopback emulator of signal-cli-rest-api and signal-cli JSON-RPC' },
});
