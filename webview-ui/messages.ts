// The page's side of the host protocol (src/graphProtocol.ts): what it tells the extension host, and where
// the host's messages arrive.
import type { FromWebview, ToWebview } from '../src/graphProtocol';
import { vscode } from './vscodeApi';

export function post(message: FromWebview): void {
  vscode.postMessage(message);
}

export function onHostMessage(handle: (message: ToWebview) => void): void {
  window.addEventListener('message', (event: MessageEvent<ToWebview>) => handle(event.data));
}
