// esbuild bundles the webview's CSS from an import; TypeScript only needs to know such imports exist.
declare module '*.css';
