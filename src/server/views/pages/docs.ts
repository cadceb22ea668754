// /docs: the API description (the same document as /api/openapi.json) as a page: every operation
// by section with its method, path, summary, parameters, body fields and replies. Plain HTML in the
// site's frame; no script of its own.
import type { JsonSchema, OpenApiDocument, Operation, Parameter } from '../../openapi.ts';
import { html, type SafeHtml } from '../html.ts';
import type { PageContext, RenderedPage } from '../page.ts';

/** Text with `code` spans, as the document's descriptions are written. */
function prose(text: string): SafeHtml {
  return html`${text.split('`').map((part, i) => (i % 2 === 1 ? html`<code>${part}</code>` : part))}`;
}

const slug = (text: string) => `api-${text.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
const show = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

/** The alternatives of a schema, nested anyOf flattened (a discriminated union inside a union). */
const alternatives = (s: JsonSchema): JsonSchema[] => (s.anyOf ? s.anyOf.flatMap(alternatives) : [s]);

function typeOf(s: JsonSchema): string {
  if (s.anyOf) return [...new Set(alternatives(s).map(typeOf))].join(' or ');
  if (s.const !== undefined) return typeof s.const;
  if (Array.isArray(s.type)) return s.type.join(' or ');
  if (s.type === 'array') return s.items ? `array of ${typeOf(s.items)}` : 'array';
  return s.type ?? 'any';
}

const num = (n: number) => n.toLocaleString('en-US');

function range(min: number | undefined, max: number | undefined, exclusiveMin: number | undefined, exclusiveMax: number | undefined): string | undefined {
  const low = exclusiveMin !== undefined ? `more than ${num(exclusiveMin)}` : min !== undefined ? `at least ${num(min)}` : undefined;
  const high = exclusiveMax !== undefined ? `less than ${num(exclusiveMax)}` : max !== undefined ? `at most ${num(max)}` : undefined;
  if (min !== undefined && max !== undefined && exclusiveMin === undefined && exclusiveMax === undefined) return `${num(min)} to ${num(max)}`;
  return [low, high].filter(Boolean).join(', ') || undefined;
}

/** What a reader needs besides the type: the description, then values, bounds, pattern, default. */
function details(s: JsonSchema, description?: string): SafeHtml {
  const parts: SafeHtml[] = [];
  const text = description ?? s.description;
  if (text) parts.push(prose(text));
  if (s.enum) parts.push(html`one of ${s.enum.map((v, i) => html`${i ? ', ' : ''}<code>${show(v)}</code>`)}`);
  if (s.const !== undefined) parts.push(html`exactly <code>${show(s.const)}</code>`);
  const bounds = range(s.minimum, s.maximum, s.exclusiveMinimum, s.exclusiveMaximum);
  if (bounds) parts.push(html`${bounds}`);
  const length = range(s.minLength, s.maxLength, undefined, undefined);
  if (length) parts.push(html`${length} characters`);
  if (s.pattern) parts.push(html`matches <code>${s.pattern}</code>`);
  if (s.default !== undefined) parts.push(html`default <code>${show(s.default)}</code>`);
  return html`${parts.map((p, i) => html`${i ? '; ' : ''}${p}`)}`;
}

/** A table whose rows stack on phones: the name across, each cell under its column's name. */
function table(label: string, head: readonly string[], rows: readonly (readonly [name: string, cells: readonly (string | SafeHtml)[]])[]): SafeHtml {
  const body = rows.map(([name, cells]) => html`<tr><th scope="row"><code>${name}</code></th>${cells.map((c, i) => html`<td data-label="${head[i + 1] ?? ''}"${i === cells.length - 1 ? html` class="docs-details"` : ''}>${c}</td>`)}</tr>`);
  return html`<div class="table-wrap" tabindex="0" role="region" aria-label="${label}"><table class="docs-table stacking"><thead><tr>${head.map((h) => html`<th scope="col">${h}</th>`)}</tr></thead><tbody>${body}</tbody></table></div>`;
}

function parameterTable(where: string, params: readonly Parameter[]): SafeHtml {
  const rows = params.map((p) => [p.name, [p.in, typeOf(p.schema), p.required ? 'yes' : 'no', details(p.schema, p.description)]] as const);
  return html`<h4>Parameters</h4>${table(`Parameters of ${where}`, ['Name', 'In', 'Type', 'Required', 'Details'], rows)}`;
}

/** An alternative's name: its description, or the field that tells it apart (`kind: "threshold"`). */
function alternativeName(s: JsonSchema, i: number): SafeHtml {
  if (s.description) return prose(s.description);
  const tell = Object.entries(s.properties ?? {}).find(([, p]) => p.const !== undefined);
  return tell ? html`<code>${tell[0]}: ${show(tell[1].const)}</code>` : html`form ${i + 1}`;
}

function fields(where: string, s: JsonSchema): SafeHtml {
  if (s.properties && Object.keys(s.properties).length === 0) return html`<p>No fields: an empty object.</p>`;
  if (s.properties) {
    const rows = Object.entries(s.properties).map(([name, p]) => [name, [typeOf(p), s.required?.includes(name) ? 'yes' : 'no', details(p)]] as const);
    const strict = s.additionalProperties === false ? html`<p class="hint">No other fields.</p>` : '';
    return html`${table(`Body fields of ${where}`, ['Field', 'Type', 'Required', 'Details'], rows)}${strict}`;
  }
  if (typeof s.additionalProperties === 'object') return html`<p>Named fields, each ${typeOf(s.additionalProperties)}${s.additionalProperties.maxLength === undefined ? '' : html` of at most ${s.additionalProperties.maxLength} characters`}.</p>`;
  return html`<p>${typeOf(s)}</p>`;
}

function bodySection(where: string, body: NonNullable<Operation['requestBody']>): SafeHtml {
  return html`${Object.entries(body.content).map(([type, { schema = {} }]) => {
    const forms = alternatives(schema);
    const head = html`<h4>Body <small class="hint">${type}, ${body.required ? 'required' : 'optional (an empty body is {})'}</small></h4>`;
    if (forms.length === 1) return html`${head}${schema.description ? html`<p>${prose(schema.description)}</p>` : ''}${fields(where, schema)}`;
    return html`${head}<p>One of these ${forms.length} forms:</p>${forms.map((f, i) => html`<h5>${alternativeName(f, i)}</h5>${fields(`${where}, form ${i + 1}`, f)}`)}`;
  })}`;
}

/** Every reply but 429, which the introduction states once for all. */
function replies(op: Operation): SafeHtml {
  return html`<h4>Replies</h4><ul class="docs-replies">${Object.entries(op.responses)
    .filter(([status]) => status !== '429')
    .map(([status, r]) => html`<li><span class="docs-status status-${status[0] ?? ''}xx">${status}</span><span>${prose(r.description)}${r.content ? html` <small class="hint">${Object.keys(r.content).join(', ')}</small>` : ''}</span></li>`)}</ul>`;
}

function operation(path: string, method: string, op: Operation): SafeHtml {
  const where = `${method.toUpperCase()} ${path}`;
  const admin = op.security?.some((s) => 'adminToken' in s) ?? false;
  // A GET with nothing to fill in is a link: the reader can open it and see a real reply (not the stream: it never ends).
  const code = html`<code class="docs-path">${path}</code>`;
  const openable = method === 'get' && !path.includes('{') && !('text/event-stream' in (op.responses['200']?.content ?? {}));
  return html`<article class="docs-op" id="${op.operationId}" aria-labelledby="${op.operationId}-h">
<h3 id="${op.operationId}-h"><span class="docs-method method-${method}">${method.toUpperCase()}</span> ${openable ? html`<a href="${path}">${code}</a>` : code}${admin ? html` <span class="tag">admin token</span>` : ''}</h3>
<p class="docs-summary">${prose(op.summary)}</p>
${op.parameters?.length ? parameterTable(where, op.parameters) : ''}${op.requestBody ? bodySection(where, op.requestBody) : ''}${replies(op)}</article>`;
}

/** The operations of each section, in the document's order. */
function bySection(doc: OpenApiDocument): Map<string, { path: string; method: string; op: Operation }[]> {
  const out = new Map<string, { path: string; method: string; op: Operation }[]>(doc.tags.map((t) => [t.name, []]));
  for (const [path, ops] of Object.entries(doc.paths)) for (const [method, op] of Object.entries(ops)) out.get(op.tags[0])?.push({ path, method, op });
  return out;
}

export function docsBody(doc: OpenApiDocument): SafeHtml {
  const sections = bySection(doc);
  const count = [...sections.values()].reduce((n, ops) => n + ops.length, 0);
  const intro = html`<section class="card wide docs-intro" aria-labelledby="docs-intro-h"><h2 id="docs-intro-h">Using the API</h2>
<p>The ${count} operations of this Satscope ${doc.info.version}, by section. The same description as an <a href="/api/openapi.json">OpenAPI ${doc.openapi} document</a>, for tools that read one.</p>
${doc.info.description.split('\n\n').map((p) => html`<p>${prose(p)}</p>`)}</section>`;
  const toc = html`<nav class="card wide docs-toc" aria-labelledby="docs-toc-h"><h2 id="docs-toc-h">Sections</h2><ul>${doc.tags.map(
    (t) => html`<li><a href="#${slug(t.name)}">${t.name}</a> <small class="hint">${sections.get(t.name)?.length ?? 0}</small></li>`,
  )}</ul></nav>`;
  const cards = doc.tags.map(
    (t) => html`<section class="card wide docs-section" id="${slug(t.name)}" aria-labelledby="${slug(t.name)}-h"><h2 id="${slug(t.name)}-h">${t.name}</h2><p class="hint">${prose(t.description)}</p>
${(sections.get(t.name) ?? []).map((o) => operation(o.path, o.method, o.op))}</section>`,
  );
  return html`<div class="grid docs">${intro}${toc}${cards}</div>`;
}

/** The document does not change while the process runs: its page body is rendered once. */
const rendered = new WeakMap<OpenApiDocument, SafeHtml>();

export function docsPage(ctx: PageContext): RenderedPage {
  const doc = ctx.app.api().document;
  let body = rendered.get(doc);
  if (!body) rendered.set(doc, (body = docsBody(doc)));
  return { title: 'API', body };
}
