// Alerts as they fire and resolve, on whatever page is open (the SSE `alert` event): a short note
// in a live region at the corner, dismissed by hand or after a while. Text only, never HTML.
interface AlertEvent {
  state: 'firing' | 'resolved';
  firing: { title: string; message: string; severity: string; resolvedMessage?: string | null };
}

const SHOWN_MS = 10_000;

function region(): HTMLElement {
  let r = document.querySelector<HTMLElement>('.alert-toasts');
  if (r) return r;
  r = document.createElement('div');
  r.className = 'alert-toasts';
  r.setAttribute('role', 'status');
  r.setAttribute('aria-live', 'polite');
  document.body.append(r);
  return r;
}

export function showAlert(data: unknown): void {
  const e = data as Partial<AlertEvent>;
  if (!e.firing || (e.state !== 'firing' && e.state !== 'resolved')) return;
  // The Health page's alerts card says it already (it is rebuilt with the alert).
  if (document.body.dataset.page === 'health') return;
  const toast = document.createElement('div');
  toast.className = `alert-toast sev-${e.state === 'resolved' ? 'resolved' : /^(info|warning|critical)$/.test(e.firing.severity) ? e.firing.severity : 'warning'}`;
  const head = document.createElement('b');
  head.textContent = `${e.state === 'resolved' ? 'Resolved' : 'Alert'}: ${e.firing.title}`;
  const body = document.createElement('span');
  body.textContent = e.state === 'resolved' ? (e.firing.resolvedMessage ?? 'the condition cleared') : e.firing.message;
  const close = document.createElement('button');
  close.type = 'button';
  close.className = 'alert-close';
  close.setAttribute('aria-label', 'Dismiss');
  close.textContent = '×';
  close.addEventListener('click', () => toast.remove());
  toast.append(head, document.createElement('br'), body, close);
  region().append(toast);
  window.setTimeout(() => toast.remove(), SHOWN_MS);
}
