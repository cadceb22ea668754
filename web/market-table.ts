// The top-coins table: search, sort by any column, and a watchlist kept in this browser.
const WATCH_KEY = 'satscope.watchlist';

function readWatchlist(): Set<string> {
  try {
    const v: unknown = JSON.parse(localStorage.getItem(WATCH_KEY) ?? '[]');
    return new Set(Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
  } catch {
    return new Set();
  }
}

export function initMarketTable(): void {
  const table = document.getElementById('coins');
  const body = table?.querySelector('tbody');
  if (!table || !body) return;
  const rows = [...body.querySelectorAll<HTMLTableRowElement>('tr')];
  const search = document.getElementById('coin-search') as HTMLInputElement | null;
  const watchOnly = document.getElementById('watch-only') as HTMLInputElement | null;
  const count = document.getElementById('coin-count');
  const watch = readWatchlist();

  const filter = () => {
    const q = (search?.value ?? '').trim().toLowerCase();
    let shown = 0;
    for (const r of rows) {
      const visible = (!q || (r.dataset.search ?? '').includes(q)) && (!watchOnly?.checked || watch.has(r.dataset.id ?? ''));
      r.hidden = !visible;
      if (visible) shown++;
    }
    if (count) count.textContent = `${shown} of ${rows.length} coins`;
  };
  const paintStars = () => {
    for (const b of table.querySelectorAll<HTMLButtonElement>('[data-watch]')) {
      const on = watch.has(b.dataset.watch ?? '');
      b.setAttribute('aria-pressed', String(on));
      b.textContent = on ? '★' : '☆';
    }
  };

  search?.addEventListener('input', filter);
  watchOnly?.addEventListener('change', filter);
  table.addEventListener('click', (e) => {
    const star = (e.target as HTMLElement).closest<HTMLButtonElement>('[data-watch]');
    if (star) {
      const id = star.dataset.watch ?? '';
      if (watch.has(id)) watch.delete(id);
      else watch.add(id);
      localStorage.setItem(WATCH_KEY, JSON.stringify([...watch]));
      paintStars();
      filter();
      return;
    }
    const sortBtn = (e.target as HTMLElement).closest<HTMLButtonElement>('[data-sort]');
    if (!sortBtn) return;
    const key = sortBtn.dataset.sort ?? 'rank';
    const th = sortBtn.closest('th');
    const ascending = th?.getAttribute('aria-sort') !== 'ascending';
    table.querySelectorAll('th[aria-sort]').forEach((h) => h.setAttribute('aria-sort', 'none'));
    th?.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
    const value = (r: HTMLTableRowElement) => r.dataset[key] ?? '';
    rows.sort((a, b) => {
      const x = value(a);
      const y = value(b);
      const cmp = key === 'name' ? x.localeCompare(y) : (x === '' ? Infinity : Number(x)) - (y === '' ? Infinity : Number(y));
      return ascending ? cmp : -cmp;
    });
    body.append(...rows);
  });
  paintStars();
  filter();
}
