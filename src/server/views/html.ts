// Escape-by-default HTML templates. `html` escapes every interpolated value unless it is itself
// the result of `html` (a SafeHtml); arrays are joined. There is no way to interpolate a raw
// string except `trustedHtml`, which only this folder's own constants use.

export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] as string);
}

type Interpolation = SafeHtml | string | number | boolean | null | undefined | readonly Interpolation[];

function render(value: Interpolation): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return (value as readonly Interpolation[]).map(render).join('');
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: Interpolation[]): SafeHtml {
  let out = strings[0] ?? '';
  for (let i = 0; i < values.length; i++) out += render(values[i]) + (strings[i + 1] ?? '');
  return new SafeHtml(out);
}

/** For markup that is a compile-time constant of this codebase (never data). */
export function trustedHtml(markup: string): SafeHtml {
  return new SafeHtml(markup);
}

/** `data-*` attributes from a record, escaped. */
export function dataAttrs(attrs: Record<string, string | number | null | undefined>): SafeHtml {
  return new SafeHtml(
    Object.entries(attrs)
      .filter(([, v]) => v !== null && v !== undefined)
      .map(([k, v]) => ` data-${k}="${escapeHtml(String(v))}"`)
      .join(''),
  );
}
