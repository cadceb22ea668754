// Wide tables scroll sideways inside their box: when one does not fit, the box says so (a hint line
// and an edge shadow on the side that has more), and the hint goes once the end is reached.
export function initTables(): void {
  document.querySelectorAll<HTMLElement>('.table-wrap').forEach((wrap) => {
    const hint = document.createElement('p');
    hint.className = 'scroll-hint';
    hint.textContent = 'Scroll sideways for more columns →';
    hint.hidden = true;
    wrap.before(hint);
    const update = () => {
      const overflow = wrap.scrollWidth - wrap.clientWidth > 1;
      const left = wrap.scrollLeft > 1;
      const right = overflow && wrap.scrollLeft + wrap.clientWidth < wrap.scrollWidth - 1;
      wrap.dataset.overflow = overflow ? '1' : '';
      wrap.dataset.more = `${left ? 'left' : ''}${left && right ? ' ' : ''}${right ? 'right' : ''}`;
      hint.hidden = !right;
    };
    new ResizeObserver(update).observe(wrap);
    wrap.addEventListener('scroll', update, { passive: true });
    // Rows added live can widen the table.
    new MutationObserver(update).observe(wrap, { childList: true, subtree: true });
    update();
  });
}
