import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { demoAnswer } from '../../scripts/playground/demo-model';
import { escapeHtml, renderMarkdown, renderPlainText } from '../../scripts/playground/public/markdown';

const members = [
  { staffId: '0426581234567890', nick: '张三' },
  { staffId: '1665012345698', nick: '李<四>' },
];

const VOID_TAGS = new Set(['br', 'hr', 'img']);
const ALLOWED_TAGS = new Set([
  ...VOID_TAGS,
  ...['p', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'strong', 'em', 'del', 'code', 'pre', 'div', 'span', 'a'],
  ...['ul', 'ol', 'li', 'blockquote', 'table', 'thead', 'tbody', 'tr', 'th', 'td'],
]);
const ALLOWED_ATTRIBUTES: Record<string, RegExp> = {
  href: /^https?:\/\/[^\s"<>]+$/,
  target: /^_blank$/,
  rel: /^noopener noreferrer$/,
  class: /^(code-block|code-lang|table-wrap|mention|md-image|language-[\w+#.-]+)$/,
  src: /^(https?:\/\/[^\s"<>]+|\/api\/media\/[\w%@.-]+)$/,
  alt: /^[^"<>\uE000]*$/,
  loading: /^lazy$/,
  referrerpolicy: /^no-referrer$/,
  'data-staff-id': /^[A-Za-z0-9_-]+$/,
  style: /^text-align:(left|right|center)$/,
  start: /^\d+$/,
};

/** Tag problems in renderer output: unknown tags or attributes, unsafe values, bad nesting. Empty = safe. */
function findTagProblems(html: string): string[] {
  const problems: string[] = [];
  const open: string[] = [];
  for (const match of html.matchAll(/<(\/?)([^\s>/]*)([^>]*)>/g)) {
    const [whole, closing, name = '', rest = ''] = match;
    if (!ALLOWED_TAGS.has(name)) problems.push(`tag ${whole}`);
    const attributes = rest.trim() === '' ? [] : [...rest.matchAll(/\s*([^\s=]+)="([^"]*)"/g)];
    const consumed = attributes.map((attribute) => attribute[0]).join('');
    if (consumed.replace(/\s/g, '') !== rest.replace(/\s/g, '')) problems.push(`attributes ${whole}`);
    for (const [, attribute = '', value = ''] of attributes) {
      if (!ALLOWED_ATTRIBUTES[attribute]?.test(value)) problems.push(`attribute ${attribute}="${value}"`);
    }
    if (VOID_TAGS.has(name)) continue;
    if (!closing) open.push(name);
    else if (open.pop() !== name) problems.push(`misnested </${name}>`);
  }
  if (open.length > 0) problems.push(`unclosed ${open.join(',')}`);
  // Outside tags, no raw angle bracket or quote may survive unescaped.
  if (/[<>]/.test(html.replace(/<[^>]*>/g, ''))) problems.push('raw angle bracket in text');
  return problems;
}

describe('renderMarkdown', () => {
  it('escapes every piece of HTML in the input', () => {
    const html = renderMarkdown('# <script>alert(1)</script>\n\n<img src=x onerror="alert(1)"> & \'q\'');
    expect(html).toBe(
      '<h1>&lt;script&gt;alert(1)&lt;/script&gt;</h1>' +
        '<p>&lt;img src=x onerror=&quot;alert(1)&quot;&gt; &amp; &#39;q&#39;</p>',
    );
  });

  it('renders headings, emphasis, strikethrough and inline code (whose content stays literal)', () => {
    expect(renderMarkdown('## 标题 ##')).toBe('<h2>标题</h2>');
    expect(renderMarkdown('**粗** *斜* _斜_ __粗__ ~~删~~ `a **b** <c>`')).toBe(
      '<p><strong>粗</strong> <em>斜</em> <em>斜</em> <strong>粗</strong> <del>删</del> ' +
        '<code>a **b** &lt;c&gt;</code></p>',
    );
    expect(renderMarkdown('**bold *it* bold** snake_case_name')).toBe(
      '<p><strong>bold <em>it</em> bold</strong> snake_case_name</p>',
    );
  });

  it('keeps emphasis well nested when markers overlap', () => {
    expect(renderMarkdown('**a *b** c*')).toBe('<p><strong>a *b</strong> c*</p>');
  });

  it('renders fenced code blocks with a language label, escaped and unformatted', () => {
    expect(renderMarkdown('```ts\nconst a = "<b>" && **c**;\n  indented\n```\n\nafter')).toBe(
      '<div class="code-block"><div class="code-lang">ts</div><pre><code class="language-ts">' +
        'const a = &quot;&lt;b&gt;&quot; &amp;&amp; **c**;\n  indented</code></pre></div><p>after</p>',
    );
    expect(renderMarkdown('~~~\nno language\n~~~')).toBe(
      '<div class="code-block"><pre><code>no language</code></pre></div>',
    );
    // An unclosed fence (e.g. a cut-off answer) runs to the end.
    expect(renderMarkdown('```py\nprint(1)')).toContain('<code class="language-py">print(1)</code>');
  });

  it('renders ordered, unordered and nested lists', () => {
    expect(renderMarkdown('- a\n- b\n  - c\n  - d\n- e')).toBe(
      '<ul><li>a</li><li><p>b</p><ul><li>c</li><li>d</li></ul></li><li>e</li></ul>',
    );
    expect(renderMarkdown('3. three\n4. **four**\n\n5. five')).toBe(
      '<ol start="3"><li>three</li><li><strong>four</strong></li><li>five</li></ol>',
    );
    expect(renderMarkdown('1. step\n   ```sh\n   npm start\n   ```')).toBe(
      '<ol><li><p>step</p><div class="code-block"><div class="code-lang">sh</div>' +
        '<pre><code class="language-sh">npm start</code></pre></div></li></ol>',
    );
  });

  it('renders blockquotes, horizontal rules, paragraphs and line breaks', () => {
    expect(renderMarkdown('> 引用 **粗**\n> 第二行\n\n---\n\n一行\n两行\n\n新段落')).toBe(
      '<blockquote><p>引用 <strong>粗</strong><br>第二行</p></blockquote><hr>' +
        '<p>一行<br>两行</p><p>新段落</p>',
    );
  });

  it('renders simple tables with alignment', () => {
    expect(renderMarkdown('| 步骤 | 说明 |\n|:---:|---:|\n| 1 | **签名** |\n| 2 |')).toBe(
      '<div class="table-wrap"><table><thead><tr>' +
        '<th style="text-align:center">步骤</th><th style="text-align:right">说明</th></tr></thead><tbody>' +
        '<tr><td style="text-align:center">1</td><td style="text-align:right"><strong>签名</strong></td></tr>' +
        '<tr><td style="text-align:center">2</td><td style="text-align:right"></td></tr></tbody></table></div>',
    );
  });

  it('links only http(s) URLs, opening them in a new tab without an opener', () => {
    expect(renderMarkdown('[文档](https://example.com/a?b=1&c=2)')).toBe(
      '<p><a href="https://example.com/a?b=1&amp;c=2" target="_blank" rel="noopener noreferrer">文档</a></p>',
    );
    expect(renderMarkdown('[点我](javascript:alert(1)) [x](data:text/html,hi)')).toBe('<p>点我 x</p>');
    expect(renderMarkdown('见 https://example.com/x。')).toBe(
      '<p>见 <a href="https://example.com/x" target="_blank" rel="noopener noreferrer">https://example.com/x</a>。</p>',
    );
    expect(renderMarkdown('[x](https://e.com/"onmouseover="alert(1))')).not.toContain('" onmouseover');
  });

  it('shows images by http(s) URL and, where the page can serve them, by DingTalk media id', () => {
    const mediaUrl = (id: string) => `/api/media/${encodeURIComponent(id)}`;
    expect(renderMarkdown('![架构图](https://example.com/a.png?x=1&y=2)')).toBe(
      '<p><img class="md-image" src="https://example.com/a.png?x=1&amp;y=2" alt="架构图" loading="lazy" ' +
        'referrerpolicy="no-referrer"></p>',
    );
    // #图片 answers with the media id DingTalk's /media/upload returned.
    expect(renderMarkdown('![一只猫](@lADPD1x-y_Z)', { mediaUrl })).toBe(
      '<p><img class="md-image" src="/api/media/%40lADPD1x-y_Z" alt="一只猫" loading="lazy" ' +
        'referrerpolicy="no-referrer"></p>',
    );
    // Without a way to show media, or for anything that is neither, the description is shown instead.
    expect(renderMarkdown('![一只猫](@lADPD1x)')).toBe('<p>🖼 一只猫</p>');
    expect(renderMarkdown('![x](javascript:alert(1))', { mediaUrl })).toBe('<p>🖼 x</p>');
    expect(renderMarkdown('![](@lADP "<b>")', { mediaUrl })).not.toContain('<b>');
    expect(renderMarkdown('![`a` **b**](https://e.com/i.png)')).toContain('alt="**b**"');
  });

  it('turns @staffId of a known member into a highlighted @nick, and leaves everything else alone', () => {
    expect(renderMarkdown('@1665012345698\n\n回答', { members })).toBe(
      '<p><span class="mention" data-staff-id="1665012345698">@李&lt;四&gt;</span></p><p>回答</p>',
    );
    expect(renderMarkdown('@999 and `@0426581234567890`', { members })).toBe(
      '<p>@999 and <code>@0426581234567890</code></p>',
    );
    expect(renderMarkdown('@0426581234567890')).toBe('<p>@0426581234567890</p>');
  });

  it('leaves a link whose address holds inline code as text, its plain URL still linked', () => {
    const bare = '<a href="https://e.com/" target="_blank" rel="noopener noreferrer">https://e.com/</a>';
    expect(renderMarkdown('[](https://e.com/`*`)')).toBe(`<p>[](${bare}<code>*</code>)</p>`);
    expect(renderMarkdown('![x](https://e.com/`a`)')).toBe(`<p>![x](${bare}<code>a</code>)</p>`);
  });

  it('cannot be tricked by placeholder characters in the input', () => {
    expect(renderMarkdown('`x` \uE0000\uE000 **b**')).toBe('<p><code>x</code> 0 <strong>b</strong></p>');
  });

  it('renders every demo-model answer shape as well-formed, safe HTML', () => {
    const question = '写段代码，给我一个表格，来个长回答 <b>';
    const html = renderMarkdown(demoAnswer([{ role: 'user', content: question }]));
    expect(html).toContain('<strong>离线演示模型</strong>');
    expect(html).toContain('<div class="code-lang">typescript</div>');
    expect(html).toContain('<th>步骤</th>');
    expect(html).toContain('<h3>第 24 节</h3>');
    expect(html).toContain('&lt;b&gt;');
    expect(findTagProblems(html)).toEqual([]);
  });

  it('produces only allowed, well-nested tags for any input', () => {
    const tokens = [
      ...['<', '>', '"', "'", '&', '*', '**', '_', '__', '~~', '`', '```', '\n', '\n\n', ' ', '  ', '|', '-'],
      ...['#', '> ', '1. ', '- ', '[', ']', '(', ')', '![', 'a', '中', 'javascript:', 'https://e.com/'],
      ...['@0426581234567890', '@1665012345698', '\uE000', '0', '<script>', '" onerror="', '|---|', ':'],
    ];
    const inline = [
      '*',
      '**',
      '_',
      '__',
      '~~',
      '`',
      'a',
      ' ',
      '[',
      '](https://e.com/',
      '![',
      '](@lADP1',
      ')',
      '@1665012345698',
    ];
    const markdown = fc.oneof(
      fc.array(fc.constantFrom(...tokens), { maxLength: 60 }).map((parts) => parts.join('')),
      fc.array(fc.constantFrom(...inline), { maxLength: 24 }).map((parts) => parts.join('')),
    );
    fc.assert(
      fc.property(markdown, (text) => {
        expect(findTagProblems(renderMarkdown(text, { members }))).toEqual([]);
        expect(
          findTagProblems(renderMarkdown(text, { members, mediaUrl: (id) => `/api/media/${id}` })),
        ).toEqual([]);
        expect(findTagProblems(renderPlainText(text, { members }))).toEqual([]);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('renderPlainText', () => {
  it('escapes, keeps line breaks and highlights member mentions', () => {
    expect(renderPlainText('<b>hi</b>\n**not bold** @0426581234567890', { members })).toBe(
      '&lt;b&gt;hi&lt;/b&gt;<br>**not bold** <span class="mention" data-staff-id="0426581234567890">@张三</span>',
    );
  });
});

describe('escapeHtml', () => {
  it('escapes the five HTML-significant characters', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });
});
