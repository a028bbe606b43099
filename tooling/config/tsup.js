// The one tsup preset: ESM only, declarations, Node 20 target. A package passes its entry points.
import { defineConfig } from 'tsup';

/** @param {{ entry: Record<string, string> | string[], banner?: Record<string, string> }} options */
export function tsupPreset(options) {
  return defineConfig({
    entry: options.entry,
    format: ['esm'],
    target: 'node20',
    platform: 'node',
    dts: true,
    sourcemap: true,
    clean: true,
    splitting: true,
    treeshake: true,
    ...(options.banner ? { banner: options.banner } : {}),
  });
}
