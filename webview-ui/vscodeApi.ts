// The page's handle on VS Code: `acquireVsCodeApi` may be called only once per page, so it is called here
// and every other module goes through this one.
import type { FromWebview, GraphPanelState } from '../src/graphProtocol';

interface VsCodeApi {
  postMessage(message: FromWebview): void;
  getState(): GraphPanelState | undefined;
  setState(state: GraphPanelState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

export const vscode = acquireVsCodeApi();
