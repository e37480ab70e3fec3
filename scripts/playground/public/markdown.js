/**
 * A small, safe markdown renderer for the robot's messages (the subset DingTalk displays). All HTML in the input
 * is escaped before any markdown is interpreted, so the only tags in the output are the ones written here.
 * No DOM use: the module is imported by Node unit tests as well as by the page.
 */

const HTML_ESCAPES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

// Placeholders for already-rendered inline fragments, delimited by a private-use character. That character is
// stripped from the input first, so the text being rendered can never forge a placeholder.
const HOLE = '\uE000';
const HOLE_PATTERN = /\uE000(\d+)\uE000/g;

const FENCE_OPEN = /^(\s*)(`{3,}|~{3,})\s*([^\s`]*)[^`]*$/;
const HEADING = /^ {0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$/;
const HEADING_EMPTY = /^ {0,3}(#{1,6})[ \t]*$/;
const RULE = /^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$/;
const QUOTE = /^ {0,3}&gt; ?(.*)$/;
const LIST_ITEM = /^( *)([-*+]|\d{1,9}[.)])[ \t]+(.*)$/;
const TABLE_SEPARATOR = /^ *\|? *:?-+:? *(?:\| *:?-+:? *)*\|? *$/;
const SAFE_URL = /^https?:\/\/[^\s]+$/i;
const BARE_URL = /https?:\/\/[\w!#$%&'*+,\-./:;=?@~()[\]]+/gi;
const LANGUAGE = /^[\w+#.-]{1,32}$/;
// DingTalk media ids, as /media/upload returns them (e.g. @lADPDe7s…).
const MEDIA_ID = /^@[\w-]{1,200}$/;

/** Escapes the five HTML-significant characters. */
export function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (char) => HTML_ESCAPES[char]);
}

/**
 * Renders robot markdown to HTML. `options.members` ([{ staffId, nick }]) turns `@<staffId>` of a known member
 * into a highlighted `@<nick>` mention, the way DingTalk shows it. `options.mediaUrl(mediaId)` gives the address
 * an image in DingTalk media (`![描述](@lADP…)`, as #图片 answers) is shown from; without it such images show as
 * their description.
 */
export function renderMarkdown(markdown, options = {}) {
  const lines = escapeHtml(String(markdown ?? '').replaceAll(HOLE, ''))
    .replace(/\r\n?/g, '\n')
    .replace(/\t/g, '    ')
    .split('\n');
  return renderBlocks(lines, contextOf(options));
}

/** Renders plain text (DingTalk `text` messages): escaped, line breaks kept, member mentions highlighted. */
export function renderPlainText(text, options = {}) {
  const context = contextOf(options);
  const holes = [];
  const escaped = escapeHtml(String(text ?? '').replaceAll(HOLE, '')).replace(/\r\n?/g, '\n');
  const withMentions = replaceMentions(escaped, context, holes);
  return fillHoles(withMentions, holes).replace(/\n/g, '<br>');
}

function contextOf(options) {
  return { nicks: mapNicks(options.members), mediaUrl: options.mediaUrl };
}

function mapNicks(members) {
  const nicks = new Map();
  for (const member of members ?? []) {
    if (member && typeof member.staffId === 'string' && member.staffId)
      nicks.set(member.staffId, member.nick);
  }
  return nicks;
}

function renderBlocks(lines, context) {
  const html = [];
  let index = 0;
  while (index < lines.length) {
    const line = lines[index];
    if (isBlank(line)) {
      index += 1;
      continue;
    }
    const fence = FENCE_OPEN.exec(line);
    if (fence) {
      index = renderFence(lines, index, fence, html);
      continue;
    }
    const heading = HEADING.exec(line) ?? HEADING_EMPTY.exec(line);
    if (heading) {
      const level = heading[1].length;
      html.push(`<h${level}>${renderInline(heading[2] ?? '', context)}</h${level}>`);
      index += 1;
      continue;
    }
    if (RULE.test(line)) {
      html.push('<hr>');
      index += 1;
      continue;
    }
    if (QUOTE.test(line)) {
      const quoted = [];
      while (index < lines.length && !isBlank(lines[index])) {
        const match = QUOTE.exec(lines[index]);
        // A line without '>' continues the quoted paragraph (lazy continuation).
        quoted.push(match ? match[1] : lines[index]);
        index += 1;
      }
      html.push(`<blockquote>${renderBlocks(quoted, context)}</blockquote>`);
      continue;
    }
    if (LIST_ITEM.test(line)) {
      index = renderList(lines, index, context, html);
      continue;
    }
    if (isTableStart(lines, index)) {
      index = renderTable(lines, index, context, html);
      continue;
    }
    const paragraph = [];
    while (index < lines.length && !isBlank(lines[index]) && !startsBlock(lines, index)) {
      paragraph.push(lines[index].trim());
      index += 1;
    }
    html.push(`<p>${paragraph.map((text) => renderInline(text, context)).join('<br>')}</p>`);
  }
  return html.join('');
}

function startsBlock(lines, index) {
  const line = lines[index];
  return (
    FENCE_OPEN.test(line) ||
    HEADING.test(line) ||
    RULE.test(line) ||
    QUOTE.test(line) ||
    LIST_ITEM.test(line) ||
    isTableStart(lines, index)
  );
}

function renderFence(lines, start, fence, html) {
  const [, indent, marker, info] = fence;
  const closing = new RegExp(`^\\s*${marker[0] === '`' ? '`' : '~'}{${marker.length},}\\s*$`);
  const body = [];
  let index = start + 1;
  while (index < lines.length && !closing.test(lines[index])) {
    body.push(stripIndent(lines[index], indent.length));
    index += 1;
  }
  const language = LANGUAGE.test(info) ? info : '';
  const label = language ? `<div class="code-lang">${language}</div>` : '';
  const languageClass = language ? ` class="language-${language}"` : '';
  html.push(
    `<div class="code-block">${label}<pre><code${languageClass}>${body.join('\n')}</code></pre></div>`,
  );
  // Skip the closing fence; an unclosed fence runs to the end, as in CommonMark.
  return index < lines.length ? index + 1 : index;
}

function renderList(lines, start, context, html) {
  const first = LIST_ITEM.exec(lines[start]);
  const baseIndent = first[1].length;
  const ordered = /\d/.test(first[2]);
  const items = [];
  let index = start;
  while (index < lines.length) {
    // Blank lines between two items of the same list keep the list going (a "loose" list).
    let next = index;
    while (next < lines.length && isBlank(lines[next])) next += 1;
    const item = LIST_ITEM.exec(lines[next] ?? '');
    if (!item || item[1].length !== baseIndent || /\d/.test(item[2]) !== ordered) break;
    const contentIndent = item[1].length + item[2].length + 1;
    const body = [item[3]];
    index = next + 1;
    // The item owns the lines indented deeper than its marker, and blank lines followed by such lines.
    while (index < lines.length) {
      const line = lines[index];
      if (isBlank(line)) {
        const following = lines.slice(index + 1).find((candidate) => !isBlank(candidate));
        if (following === undefined || indentOf(following) <= baseIndent) break;
        body.push('');
        index += 1;
        continue;
      }
      if (indentOf(line) <= baseIndent) break;
      body.push(stripIndent(line, Math.min(contentIndent, indentOf(line))));
      index += 1;
    }
    items.push(renderListItem(body, context));
  }
  const startNumber = ordered ? Number.parseInt(first[2], 10) : 1;
  const tag = ordered ? 'ol' : 'ul';
  const startAttribute = ordered && startNumber !== 1 ? ` start="${startNumber}"` : '';
  html.push(`<${tag}${startAttribute}>${items.map((item) => `<li>${item}</li>`).join('')}</${tag}>`);
  return index;
}

function renderListItem(body, context) {
  const rendered = renderBlocks(body, context);
  // A single-paragraph item renders without <p>, like a "tight" list.
  const single = /^<p>(.*)<\/p>$/s.exec(rendered);
  return single && !single[1].includes('<p>') ? single[1] : rendered;
}

function isTableStart(lines, index) {
  const header = lines[index];
  const separator = lines[index + 1];
  return (
    header !== undefined &&
    separator !== undefined &&
    header.includes('|') &&
    separator.includes('-') &&
    TABLE_SEPARATOR.test(separator) &&
    splitRow(header).length === splitRow(separator).length
  );
}

function renderTable(lines, start, context, html) {
  const headers = splitRow(lines[start]);
  const aligns = splitRow(lines[start + 1]).map((cell) => {
    const left = cell.startsWith(':');
    const right = cell.endsWith(':');
    if (left && right) return 'center';
    if (right) return 'right';
    return left ? 'left' : '';
  });
  const cell = (tag, text, column) => {
    const align = aligns[column] ? ` style="text-align:${aligns[column]}"` : '';
    return `<${tag}${align}>${renderInline(text, context)}</${tag}>`;
  };
  const head = headers.map((text, column) => cell('th', text, column)).join('');
  const rows = [];
  let index = start + 2;
  while (index < lines.length && !isBlank(lines[index]) && lines[index].includes('|')) {
    const cells = splitRow(lines[index]);
    const row = headers.map((_, column) => cell('td', cells[column] ?? '', column)).join('');
    rows.push(`<tr>${row}</tr>`);
    index += 1;
  }
  const bodyHtml = rows.length > 0 ? `<tbody>${rows.join('')}</tbody>` : '';
  html.push(`<div class="table-wrap"><table><thead><tr>${head}</tr></thead>${bodyHtml}</table></div>`);
  return index;
}

function splitRow(line) {
  let row = line.trim();
  if (row.startsWith('|')) row = row.slice(1);
  if (row.endsWith('|') && !row.endsWith('\\|')) row = row.slice(0, -1);
  return row.split(/(?<!\\)\|/).map((cell) => cell.trim().replaceAll('\\|', '|'));
}

function renderInline(text, context) {
  const holes = [];
  let out = text.replace(/(`+)([^`]|[^`][\s\S]*?[^`])\1(?!`)/g, (_, _ticks, code) =>
    hole(holes, `<code>${code.trim() || code}</code>`),
  );
  out = out.replace(
    /(!?)\[([^\]]*)\]\(((?:[^()\s]|\([^()\s]*\))*)(?:\s+&quot;[^)]*&quot;)?\)/g,
    (whole, bang, label, url) => {
      // Inline code inside an address cannot be part of a URL: leave the whole thing as text.
      if (url.includes(HOLE)) return whole;
      if (bang) return hole(holes, renderImage(url, label, context, holes));
      if (!SAFE_URL.test(url)) return hole(holes, renderEmphasis(label || url, holes));
      return hole(holes, link(url, renderEmphasis(label || url, holes)));
    },
  );
  out = out.replace(BARE_URL, (url) => {
    const { href, rest } = trimUrl(url);
    return hole(holes, link(href, href)) + rest;
  });
  out = replaceMentions(out, context, holes);
  out = renderEmphasis(out, holes);
  return fillHoles(out, holes);
}

// Each rule turns its match into a placeholder, so a later rule can never pair a marker inside an element with
// one outside it: the output is always well nested. Inner text is rendered first, so nesting still works.
const EMPHASIS_RULES = [
  { pattern: /\*\*(?=\S)([\s\S]*?\S)\*\*/g, tag: 'strong' },
  { pattern: /(?<![\w])__(?=\S)([\s\S]*?\S)__(?!\w)/g, tag: 'strong' },
  { pattern: /~~(?=\S)([\s\S]*?\S)~~/g, tag: 'del' },
  { pattern: /\*(?=[^\s*])([^*]*?[^\s*])\*/g, tag: 'em' },
  { pattern: /(?<![\w])_(?=[^\s_])([^_]*?[^\s_])_(?!\w)/g, tag: 'em' },
];

function renderEmphasis(text, holes, from = 0) {
  let out = text;
  for (let index = from; index < EMPHASIS_RULES.length; index += 1) {
    const { pattern, tag } = EMPHASIS_RULES[index];
    out = out.replace(pattern, (_, inner) =>
      hole(holes, `<${tag}>${renderEmphasis(inner, holes, index + 1)}</${tag}>`),
    );
  }
  return out;
}

function replaceMentions(text, context, holes) {
  return text.replace(/@([A-Za-z0-9_-]+)/g, (whole, staffId) => {
    const nick = context.nicks.get(staffId);
    if (nick === undefined) return whole;
    return hole(holes, `<span class="mention" data-staff-id="${staffId}">@${escapeHtml(nick)}</span>`);
  });
}

/** An image by URL, or by DingTalk media id when the page can show media; otherwise its description. */
function renderImage(url, label, context, holes) {
  let src;
  // An http(s) URL is already escaped, like every link; the page's media address is escaped here.
  if (SAFE_URL.test(url)) src = url;
  else if (MEDIA_ID.test(url) && typeof context.mediaUrl === 'function') {
    const address = context.mediaUrl(url);
    if (typeof address === 'string' && address !== '') src = escapeHtml(address);
  }
  if (src === undefined) return `🖼 ${renderEmphasis(label || '图片', holes)}`;
  // Inline code in the description was already made into a fragment; an attribute takes its text only.
  const alt = label.replace(HOLE_PATTERN, '').trim() || '图片';
  return `<img class="md-image" src="${src}" alt="${alt}" loading="lazy" referrerpolicy="no-referrer">`;
}

function link(href, inner) {
  return `<a href="${href}" target="_blank" rel="noopener noreferrer">${inner}</a>`;
}

/** Leaves sentence punctuation and escaped quotes/brackets that follow a bare URL out of the link. */
function trimUrl(url) {
  const cut = url.search(/&(?:lt|gt|quot|#39);|[，。！？；、）】》]/);
  let href = cut === -1 ? url : url.slice(0, cut);
  let rest = cut === -1 ? '' : url.slice(cut);
  const trailing = /[.,;:!?)\]]+$/.exec(href);
  if (trailing) {
    href = href.slice(0, trailing.index);
    rest = trailing[0] + rest;
  }
  return { href, rest };
}

function hole(holes, html) {
  holes.push(html);
  return `${HOLE}${holes.length - 1}${HOLE}`;
}

function fillHoles(text, holes) {
  let out = text;
  // Fragments may contain other fragments (a link around inline code), so fill until none remain.
  for (let depth = 0; depth < 8 && out.includes(HOLE); depth += 1) {
    out = out.replace(HOLE_PATTERN, (_, index) => holes[Number(index)] ?? '');
  }
  return out;
}

function isBlank(line) {
  return line === undefined || line.trim() === '';
}

function indentOf(line) {
  return line.length - line.trimStart().length;
}

function stripIndent(line, count) {
  let removed = 0;
  while (removed < count && line[removed] === ' ') removed += 1;
  return line.slice(removed);
}
