/// <reference lib="dom" />
/**
 * el builds one element: attributes (`on*` keys become listeners) and children (strings become
 * text nodes, never HTML, so frame names cannot inject markup). Embedded in the page with
 * Function.prototype.toString like every UI module.
 */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number | boolean | EventListener | undefined> = {},
  ...children: Array<Node | string | null | undefined | false>
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (typeof value === 'function') node.addEventListener(key.slice(2).toLowerCase(), value);
    else if (key === 'className') node.className = String(value);
    else if (value === true) node.setAttribute(key, '');
    else node.setAttribute(key, String(value));
  }
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    node.append(typeof c === 'string' ? document.createTextNode(c) : c);
  }
  return node;
}

/** renderMessage fills a panel with a readable empty or error state. */
export function renderMessage(
  container: HTMLElement,
  kind: 'empty' | 'error' | 'loading',
  title: string,
  detail = '',
): void {
  container.replaceChildren(
    el(
      'div',
      { className: `state state-${kind}`, role: kind === 'error' ? 'alert' : 'status', 'data-state': kind },
      el('strong', {}, title),
      detail ? el('p', {}, detail) : null,
    ),
  );
}
