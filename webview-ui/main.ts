// The Graph panel's page. It draws what the host sends (positions, states) and reports what the person
// does; it computes no layout. Each concern has its module: drawing.ts draws, culling.ts keeps a large plan
// light, viewport.ts pans and zooms, minimap.ts, search.ts, selection.ts, keyboard.ts, mouse.ts and
// menus.ts do what they say, messages.ts speaks the host protocol (src/graphProtocol.ts), and state.ts
// holds what they share. This file wires the host's messages to the drawing and says it is ready.
import { applyLive, showEmpty, showGraph } from './drawing';
import { onHostMessage, post } from './messages';
import { banner } from './page';
import { select } from './selection';
import { graph } from './state';
import './keyboard';
import './mouse';
import './graph.css';

onHostMessage((message) => {
  switch (message.type) {
    case 'graph':
      graph.trusted = message.trusted;
      // Says what the picture is when it is not the plan itself (a team's proposal, not approved yet).
      banner.textContent = message.banner ?? '';
      banner.hidden = !message.banner;
      showGraph(message.view, message.live);
      break;
    case 'live':
      applyLive(message.live);
      break;
    case 'select':
      if (graph.nodesById.has(message.id)) select(message.id, { reveal: true, tell: false });
      break;
    case 'empty':
      showEmpty(message.message);
      break;
  }
});

post({ type: 'ready' });
