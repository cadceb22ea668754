// The Status page's values refresh every 5 s; and every open tab sends a heartbeat every 30 s
// while visible, with a random id it keeps for its session: active viewers are counted without
// cookies or addresses.
const HEARTBEAT_MS = 30_000;

function viewerId(): string {
  let id = sessionStorage.getItem('satscope.viewer');
  if (!id) {
    const bytes = crypto.getRandomValues(new Uint8Array(12));
    id = btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
    sessionStorage.setItem('satscope.viewer', id);
  }
  return id;
}

export function startBeacon(): void {
  const send = () => {
    if (document.hidden) return;
    void fetch('/api/v1/beacon', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ viewer: viewerId() }) }).catch(() => undefined);
  };
  send();
  window.setInterval(send, HEARTBEAT_MS);
  document.addEventListener('visibilitychange', send);
}

export function startStatusRefresh(apply: (data: unknown) => void): void {
  window.setInterval(() => {
    if (document.hidden) return;
    fetch('/api/v1/status', { cache: 'no-store' })
      .then((r) => (r.ok ? r.json() : Promise.reject(new Error(String(r.status)))))
      .then(apply, () => undefined);
  }, 5000);
}
