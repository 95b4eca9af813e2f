// A small, safe Markdown renderer for chat messages.
//
// Safety rule: the input is HTML-escaped FIRST; every tag in the output is
// produced by this file from escaped text, so model output can never inject
// markup. Links are limited to http(s), mailto and relative URLs and carry
// rel="noopener noreferrer".
//
// Supported: paragraphs, line breaks, fenced code blocks (``` lang),
// headings (#..###), bullet and numbered lists, block quotes, inline code,
// **bold**, *italic* / _italic_, [links](https://...) and bare https:// URLs.

const ESCAPES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

// `url` is already escaped; only allow schemes that cannot run script.
function safeUrl(url) {
  const raw = url.replace(/&amp;/g, '&').trim();
  if (/^(https?:|mailto:)/i.test(raw)) return url;
  if (/^[/#?]/.test(raw) && !raw.startsWith('//')) return url;
  return null;
}

// Inline formatting on one escaped line or paragraph.
function inline(escaped) {
  const slots = [];
  const hold = (html) => `\u0000${slots.push(html) - 1}\u0000`;
  let s = escaped;
  // Inline code first: nothing inside it is formatted.
  s = s.replace(/`([^`\n]+)`/g, (_, code) => hold(`<code>${code}</code>`));
  // [text](url)
  s = s.replace(/\[([^\]\n]+)\]\(([^)\s]+)\)/g, (m, text, url) => {
    const href = safeUrl(url);
    if (!href) return m;
    return hold(`<a href="${href}" target="_blank" rel="noopener noreferrer">${text}</a>`);
  });
  // Bare URLs.
  s = s.replace(/\bhttps?:\/\/[^\s<\u0000]+[^\s<.,;:!?)\u0000]/g,
    (url) => hold(`<a href="${url}" target="_blank" rel="noopener noreferrer">${url}</a>`));
  s = s.replace(/\*\*([^*\n]+?)\*\*/g, '<strong>$1</strong>');
  s = s.replace(/__([^_\n]+?)__/g, '<strong>$1</strong>');
  s = s.replace(/(^|[^*\w])\*([^*\s][^*\n]*?)\*(?!\w)/g, '$1<em>$2</em>');
  s = s.replace(/(^|[^_\w])_([^_\s][^_\n]*?)_(?!\w)/g, '$1<em>$2</em>');
  // Restore held fragments (they may nest: links hold code).
  for (let i = 0; i < 3 && s.includes('\u0000'); i++)
    s = s.replace(/\u0000(\d+)\u0000/g, (_, n) => slots[Number(n)]);
  return s;
}

function renderBlocks(lines) {
  const out = [];
  let para = [];
  let list = null; // { tag, items }
  let quote = [];

  const flushPara = () => {
    if (para.length) out.push(`<p>${para.map(inline).join('<br>')}</p>`);
    para = [];
  };
  const flushList = () => {
    if (list) out.push(`<${list.tag}>${list.items.map((i) => `<li>${inline(i)}</li>`).join('')}</${list.tag}>`);
    list = null;
  };
  const flushQuote = () => {
    if (quote.length) out.push(`<blockquote>${renderBlocks(quote)}</blockquote>`);
    quote = [];
  };
  const flushAll = () => { flushPara(); flushList(); flushQuote(); };

  for (const line of lines) {
    let m;
    if (/^\s*$/.test(line)) { flushAll(); continue; }
    if ((m = /^&gt;\s?(.*)$/.exec(line))) { flushPara(); flushList(); quote.push(m[1]); continue; }
    flushQuote();
    if ((m = /^(#{1,6})\s+(.*)$/.exec(line))) {
      flushAll();
      const level = Math.min(m[1].length + 2, 6); // h3..h6 inside a message
      out.push(`<h${level}>${inline(m[2])}</h${level}>`);
      continue;
    }
    if ((m = /^\s*[-*+]\s+(.*)$/.exec(line))) {
      flushPara();
      if (!list || list.tag !== 'ul') { flushList(); list = { tag: 'ul', items: [] }; }
      list.items.push(m[1]);
      continue;
    }
    if ((m = /^\s*\d+[.)]\s+(.*)$/.exec(line))) {
      flushPara();
      if (!list || list.tag !== 'ol') { flushList(); list = { tag: 'ol', items: [] }; }
      list.items.push(m[1]);
      continue;
    }
    if (list && /^\s+\S/.test(line)) { list.items[list.items.length - 1] += ' ' + line.trim(); continue; }
    flushList();
    para.push(line);
  }
  flushAll();
  return out.join('');
}

/**
 * Renders Markdown `text` to an HTML string that is safe to assign to
 * innerHTML (all text was escaped before any tag was added). An unclosed
 * fence (while streaming) renders as an open code block.
 */
export function renderMarkdown(text) {
  const lines = escapeHtml(String(text ?? '').replace(/\r\n?/g, '\n')).split('\n');
  const html = [];
  let prose = [];
  for (let i = 0; i < lines.length; i++) {
    const fence = /^\s*(`{3,}|~{3,})\s*([\w+#.-]*)\s*$/.exec(lines[i]);
    if (!fence) { prose.push(lines[i]); continue; }
    html.push(renderBlocks(prose));
    prose = [];
    const marker = fence[1];
    const lang = fence[2];
    const code = [];
    i++;
    while (i < lines.length && !(lines[i].trim().startsWith(marker[0].repeat(marker.length)) && lines[i].trim().replace(/[`~]/g, '') === '')) {
      code.push(lines[i]);
      i++;
    }
    const cls = lang ? ` class="language-${lang}"` : '';
    const label = lang ? `<span class="code-lang">${lang}</span>` : '';
    html.push(`<div class="code-block">${label}<pre><code${cls}>${code.join('\n')}</code></pre></div>`);
  }
  html.push(renderBlocks(prose));
  return html.join('');
}
