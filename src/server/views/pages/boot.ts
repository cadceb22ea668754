// The retro boot sequence: the real checks of this runtime (store, history, nodes, sources, jobs)
// printed as a terminal would, line by line (CSS animation), then on to the Overview (web/boot.ts).
import { sourceStatusesFrom } from '../../../sources/source-tracker.ts';
import { VERSION } from '../../routes/health.ts';
import { html } from '../html.ts';
import type { PageContext, RenderedPage } from '../page.ts';

export function bootPage(ctx: PageContext): RenderedPage {
  const { app, r } = ctx;
  r.track(app.probe);
  const storeOk = app.probe.store.status === 'up';
  const sources = sourceStatusesFrom(r.get, app.sources.trackers);
  const lines: [string, 'ok' | 'fail' | 'off'][] = [
    [`SATSCOPE ${VERSION} BIOS`, 'ok'],
    [`state store: ${app.store.kind}`, storeOk ? 'ok' : 'fail'],
    [`history: ${app.history.kind}`, 'ok'],
    [`nodes: ${app.nodes.map((n) => n.id).join(', ') || 'none configured'}`, app.nodes.length ? 'ok' : 'off'],
    // An enabled source that waits for something (OCEAN for a payout address) is off, not ok.
    ...sources.map((s) => (s.state === 'idle' && s.disabledReason ? [`source ${s.name}: waiting`, 'off'] : [`source ${s.name}: ${s.state}`, s.state === 'disabled' ? 'off' : s.state === 'down' ? 'fail' : 'ok']) as [string, 'ok' | 'fail' | 'off']),
    [`jobs: ${app.jobs.length} scheduled`, 'ok'],
    ['live stream: /api/stream', 'ok'],
  ];
  // A full-screen CRT: each line is the check, a dotted leader and its state, which never wraps apart.
  const body = html`<div class="crt" role="region" aria-label="Boot sequence"><pre class="boot" aria-live="off">${lines.map(([text, state], i) => html`<span class="boot-line l${Math.min(i, 24)} bl-${state}"><span class="bl-text">${text} ${'.'.repeat(60)}</span><span class="bl-state">[${state === 'ok' ? ' OK ' : state === 'off' ? ' -- ' : 'FAIL'}]</span></span>`)}<span class="boot-line l${Math.min(lines.length, 24)} cursor">READY. Loading the dashboard</span></pre>
<p class="boot-next"><a href="/" data-boot-next>Continue to the Overview</a> <span data-boot-hint>(any key skips; it continues by itself when the checks are printed)</span></p></div>`;
  return { title: 'Boot', body };
}
