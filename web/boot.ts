// The boot page moves on to the Overview once its lines are printed (0.3 s each), or at any key.
export function initBoot(): void {
  const next = document.querySelector<HTMLAnchorElement>('[data-boot-next]');
  // `/boot?stay` holds the sequence on screen (kiosks, screenshots).
  if (!next) return;
  if (new URLSearchParams(window.location.search).has('stay')) {
    const hint = document.querySelector('[data-boot-hint]');
    if (hint) hint.textContent = '(this screen stays until you follow the link)';
    return;
  }
  const lines = document.querySelectorAll('.boot-line').length;
  const go = () => window.location.assign(next.href);
  const timer = window.setTimeout(go, lines * 300 + 1500);
  document.addEventListener('keydown', () => {
    window.clearTimeout(timer);
    go();
  }, { once: true });
}
