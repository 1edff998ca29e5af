/**
 * HTML built from tagged templates: every interpolated value is escaped unless it is already Html
 * (a fragment built the same way), so a partner name or a reference from a file can never become markup.
 */
export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

export type Value = Html | string | number | boolean | null | undefined | readonly Value[];

function render(v: Value): string {
  if (v === null || v === undefined || v === false) return '';
  if (v instanceof Html) return v.text;
  if (Array.isArray(v)) return v.map(render).join('');
  return escapeHtml(String(v));
}

export function html(strings: TemplateStringsArray, ...values: Value[]): Html {
  let out = strings[0];
  for (let i = 0; i < values.length; i++) out += render(values[i]) + strings[i + 1];
  return new Html(out);
}

/**
 * A data table as every console page draws it: a caption (what and how many), column headers with
 * `scope="col"`, and one row that says so when there are none, spanning every column.
 */
export function table(o: {
  caption?: Html | string;
  columns: readonly string[];
  rows: readonly Value[];
  empty: Html | string;
  id?: string;
}): Html {
  const body = o.rows.length
    ? o.rows
    : html`<tr>
        <td colspan="${o.columns.length}">${o.empty}</td>
      </tr>`;
  return html`<table${o.id ? html` id="${o.id}"` : ''}>
    ${
      o.caption === undefined
        ? ''
        : html`<caption>
            ${o.caption}
          </caption>`
    }
    <thead>
      <tr>${o.columns.map((c) => html`<th scope="col">${c}</th>`)}</tr>
    </thead>
    <tbody>${body}</tbody>
  </table>`;
}
