// The layers, checked by `npm run lint` (dependency-cruiser): core knows nothing of VS Code or of the two
// edges above it (the extension and the CLI), the edges do not import each other, the Graph panel's page
// reaches src/ only through the protocol module, and nothing imports in a circle.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-vscode-below-extension',
      comment: "Only src/extension runs inside VS Code: core, the CLI, the protocol and the webview never import 'vscode'.",
      severity: 'error',
      from: { path: '^(src/core|src/cli|webview-ui)/|^src/graphProtocol\\.ts$' },
      // 'vscode' resolves to its type package when installed, and stays 'vscode' when not.
      to: { path: '^vscode$|(^|/)node_modules/@types/vscode/' },
    },
    {
      name: 'core-imports-no-edge',
      comment: 'src/core is the engine under both edges: it never imports src/extension, src/cli or the panel protocol.',
      severity: 'error',
      from: { path: '^src/core/' },
      to: { path: '^src/(extension|cli)/|^src/graphProtocol\\.ts$' },
    },
    {
      name: 'cli-imports-no-extension',
      comment: 'The CLI runs without VS Code: it shares core with the extension, not the extension itself.',
      severity: 'error',
      from: { path: '^src/cli/' },
      to: { path: '^src/extension/' },
    },
    {
      name: 'extension-imports-no-cli',
      comment: 'The extension shares core with the CLI, not the CLI itself.',
      severity: 'error',
      from: { path: '^src/extension/' },
      to: { path: '^src/cli/' },
    },
    {
      name: 'webview-only-through-protocol',
      comment: 'The Graph panel page runs in the browser and talks to the host in messages: of src/ it imports only src/graphProtocol.ts.',
      severity: 'error',
      from: { path: '^webview-ui/' },
      to: { path: '^src/', pathNot: '^src/graphProtocol\\.ts$' },
    },
    {
      name: 'no-circular',
      comment: 'Modules that import each other cannot be understood, tested or moved one at a time.',
      // Known today (in .dependency-cruiser-known-violations.json, skipped by --ignore-known):
      // core/run/result.ts <-> core/run/gates.ts, to go when core/run is split.
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-circular-folders',
      comment: 'Nor can folders: a folder imports only folders below it.',
      severity: 'error',
      scope: 'folder',
      // Known today: core/run, core/agents, core/git and core/graph import each other (agents <-> run,
      // git -> run for the worktree layout, graph -> run for task states). They go when core/run is split
      // by capability; until then a cycle through any other folder still fails. (dependency-cruiser's
      // known-violations baseline does not apply to folder rules, hence the exception here.)
      from: { pathNot: '^src/core/(agents|git|graph|run)$' },
      to: { circular: true },
    },
  ],
  options: {
    // dependency-cruiser parses TypeScript with the TypeScript compiler's API, which TypeScript 7 no longer
    // has (it supports TypeScript below 7); swc (@swc/core) reads TypeScript too. dependency-cruiser is held
    // at 17.x: 18 needs Node 22, and Baton supports Node 20.
    parser: 'swc',
    doNotFollow: { path: 'node_modules' },
    enhancedResolveOptions: { extensions: ['.ts', '.d.ts', '.js', '.json'] },
  },
};
