import { describe, expect, it } from 'vitest';
import {
  draftParts,
  insertAtCaret,
  markersIn,
  pictureMarker,
  removeMarker,
} from '../../scripts/playground/public/draft';
import { renderMarkdown } from '../../scripts/playground/public/markdown';
import { previewText } from '../../scripts/playground/public/markdown-preview';
import { settleStreamingMarkdown } from '../../scripts/playground/public/markdown-streaming';
import { fileBadge, formatDuration, formatSize } from '../../scripts/playground/public/media-format';
import { describeDeliveryReason, describePath } from '../../scripts/playground/public/message-path';
import { createOutbox } from '../../scripts/playground/public/outbox';

describe('settleStreamingMarkdown (an AI card while the model is still writing)', () => {
  it.each([
    ['这是**重要', '<p>这是<strong>重要</strong></p>'],
    ['这是**重要*', '<p>这是<strong>重要</strong></p>'],
    ['这是*', '<p>这是</p>'],
    ['这是**', '<p>这是</p>'],
    ['用 `npm', '<p>用 <code>npm</code></p>'],
    ['~~旧', '<p><del>旧</del></p>'],
    ['- **第一步', '<ul><li><strong>第一步</strong></li></ul>'],
    ['**粗体** 和 *斜', '<p><strong>粗体</strong> 和 <em>斜</em></p>'],
  ])('%j renders without raw markers', (partial, html) => {
    expect(renderMarkdown(settleStreamingMarkdown(partial))).toBe(html);
  });

  it('leaves finished text, list markers, products and open code fences as they are', () => {
    for (const text of ['**粗体**完', '* 一项', '2 * 3 = 6', 'snake_case_name', '```py\nx = **y']) {
      expect(settleStreamingMarkdown(text)).toBe(text);
    }
  });

  it('only touches the last line, the one still being written', () => {
    expect(settleStreamingMarkdown('第一行 **a\n第二行 **b')).toBe('第一行 **a\n第二行 **b**');
  });
});

describe('previewText (the chat list)', () => {
  it('reads like the rendered message: markers gone, underscores and text kept', () => {
    const members = [{ staffId: '1665012345698', nick: '李四' }];
    expect(previewText('## 结果\n\n**snake_case_name** 用 `a_b`，见 @1665012345698', { members })).toBe(
      '结果 snake_case_name 用 a_b，见 @李四',
    );
    expect(previewText('![一只猫](@lADP1)', { mediaUrl: () => '/api/media/x' })).toBe('[图片]');
    expect(previewText('a &lt; b <i>&amp;</i>')).toBe('a &lt; b <i>&amp;</i>');
    expect(previewText('```python\nprint(1)\n```')).toBe('print(1)');
  });
});

describe('the message path speaks Chinese', () => {
  const trace = (msg: string, fields: Record<string, unknown>, level = 'info') => ({
    msg,
    fields,
    level,
    fn: 'reply',
  });

  it('names template questions and chat failures in Chinese', () => {
    const { steps } = describePath({
      ack: { status: 200, ackMs: 3 },
      traces: [
        trace('command', { command: 'template' }),
        trace('chat API call failed', { kind: 'unavailable', status: 502, retry: true }, 'warn'),
        trace('answer not delivered', { reason: 'webhook_errcode_300001' }, 'error'),
        trace('could not read something', {}, 'error'),
      ],
    });
    const texts = steps.map((step) => step.text);
    expect(texts).toEqual([
      '签名回调',
      '200 · 3 ms',
      '指令 模板提问',
      '模型重试 · 服务不可用 502',
      '未送达 · Webhook 错误码 300001（会话已过期）',
      'reply 出错（展开查看日志）',
    ]);
    expect(texts.join(' ')).not.toMatch(/template|unavailable|could not/);
  });

  it('translates every delivery failure reason the reply function logs', () => {
    expect(describeDeliveryReason('openapi_http_403')).toBe('OpenAPI HTTP 403');
    expect(describeDeliveryReason('webhook_unreachable')).toBe('Webhook 连不上');
    expect(describeDeliveryReason('openapi_invalid_staff_id')).toBe('OpenAPI staffId 无效');
    expect(describeDeliveryReason('media_upload_bad_size')).toBe('媒体上传 大小不合法');
    expect(describeDeliveryReason('empty_answer')).toBe('回答为空');
  });
});

describe('the composer outbox', () => {
  it('keeps a message submitted while another is sending, and sends both in order', async () => {
    const sent: string[] = [];
    let release: () => void = () => {};
    const outbox = createOutbox<string>({
      post: async (text) => {
        if (text === '第一条') await new Promise<void>((resolve) => (release = resolve));
        sent.push(text);
        return undefined;
      },
    });
    const first = outbox.add('第一条');
    const second = outbox.add('第二条');
    expect(outbox.size).toBe(2);
    release();
    await Promise.all([first, second]);
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(sent).toEqual(['第一条', '第二条']);
    expect(outbox.size).toBe(0);
  });

  it('hands back the failed message and everything queued after it', async () => {
    const failures: Array<{ unsent: string[]; error: string }> = [];
    const outbox = createOutbox<string>({
      post: async (text) => (text === '坏' ? '发送失败：演练场出错了' : undefined),
      onFailure: (unsent, error) => failures.push({ unsent, error }),
    });
    const drained = outbox.add('好');
    void outbox.add('坏');
    void outbox.add('后面的');
    await drained;
    expect(failures).toEqual([{ unsent: ['坏', '后面的'], error: '发送失败：演练场出错了' }]);
  });
});

describe('a message being written with pictures (draft markers)', () => {
  const pictures = [
    { number: 1, id: 'sample-picture-1' },
    { number: 2, id: 'upload-x' },
  ];

  it('splits the text at its picture markers, in the order written', () => {
    expect(draftParts('看[图片1]和\n[图片2]有什么不同', pictures)).toEqual([
      { text: '看' },
      { attachment: 'sample-picture-1' },
      { text: '和\n' },
      { attachment: 'upload-x' },
      { text: '有什么不同' },
    ]);
    expect(draftParts('[图片2]', pictures)).toEqual([{ attachment: 'upload-x' }]);
  });

  it('keeps a marker no picture has as text, and finds which markers are left', () => {
    expect(draftParts('[图片9][图片1]', pictures)).toEqual([
      { text: '[图片9]' },
      { attachment: 'sample-picture-1' },
    ]);
    expect([...markersIn('a[图片1]b[图片3]')]).toEqual([1, 3]);
    expect(removeMarker('a[图片1]b[图片1]', 1)).toBe('ab');
  });

  it('puts a marker where the caret is, replacing a selection', () => {
    expect(insertAtCaret('这是什么', 2, 2, pictureMarker(1))).toEqual({ text: '这是[图片1]什么', caret: 7 });
    expect(insertAtCaret('这是什么', 0, 2, pictureMarker(2))).toEqual({ text: '[图片2]什么', caret: 5 });
  });
});

describe('sizes, durations and file types as the page writes them', () => {
  it('writes bytes, KB and MB as the robot’s notices do', () => {
    expect(formatSize(637)).toBe('637 字节');
    expect(formatSize(4096)).toBe('4 KB');
    expect(formatSize(1316)).toBe('1.3 KB');
    expect(formatSize(10 * 1024 * 1024)).toBe('10 MB');
    expect(formatDuration(3000)).toBe('3″');
    expect(formatDuration(200)).toBe('1″');
    expect(fileBadge('季度报告.pdf')).toBe('PDF');
    expect(fileBadge('季度报告草稿')).toBe('文件');
  });
});
