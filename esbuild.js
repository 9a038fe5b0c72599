// One build, two contexts: Node bundles for the extension host and the CLI, a browser bundle for the webview.
const esbuild = require('esbuild');

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

const common = {
  bundle: true,
  sourcemap: !production,
  minify: production,
  logLevel: 'info',
};

async function main() {
  const node = await esbuild.context({
    ...common,
    entryPoints: { extension: 'src/extension/extension.ts', cli: 'src/cli/main.ts' },
    outdir: 'dist',
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    external: ['vscode'],
  });
  const contexts = [node];
  if (require('fs').existsSync('webview-ui/main.ts')) {
    contexts.push(
      await esbuild.context({
        ...common,
        entryPoints: { webview: 'webview-ui/main.ts' },
        outdir: 'dist/webview',
        platform: 'browser',
        target: 'es2022',
        format: 'iife',
      }),
    );
  }
  if (watch) {
    await Promise.all(contexts.map((c) => c.watch()));
    return;
  }
  await Promise.all(contexts.map((c) => c.rebuild()));
  await Promise.all(contexts.map((c) => c.dispose()));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
