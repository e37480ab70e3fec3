import { h } from './dom.js';
import { attachmentUrl, fileBadgeElement } from './media-content.js';
import { formatSize } from './media-format.js';

/** Why voice and files are off in the group: DingTalk never delivers them to a robot there. */
export const GROUP_MEDIA_NOTE =
  '钉钉不会把群里的语音和文件发给机器人：群里 @机器人 只送达文字、图片和图文。要问群里的文件，引用它再 @机器人。';
const QUOTE_NOTE = '引用回复只能是文字（钉钉的引用回复是一条文字消息）';
const VOICE_NOTE = '语音消息里不能带图片或文件';

/**
 * The tools above the input, like DingTalk's: 图片 (a built-in sample or an upload, attached where the caret is),
 * 语音 (what is typed goes out as a voice message's transcript) and 文件 (a sample or an upload, sent at once).
 * `handlers`: onPicture(info), onFile(info), onVoice(), upload(file, kind) → info | undefined.
 * `render(state)` redraws it for { chat, voice, quoting, samples }.
 */
export function createMediaTools(container, handlers) {
  let open = ''; // the open menu: 'picture', 'file' or ''
  let last = { chat: 'dm', voice: false, quoting: false, samples: { pictures: [], files: [] } };
  const pictureInput = h('input', { type: 'file', accept: 'image/*', multiple: true, hidden: true });
  const fileInput = h('input', { type: 'file', hidden: true });
  pictureInput.addEventListener('change', () => pick(pictureInput, 'picture'));
  fileInput.addEventListener('change', () => pick(fileInput, 'file'));

  async function pick(input, kind) {
    const files = [...input.files];
    input.value = '';
    for (const file of files) {
      const info = await handlers.upload(file, kind);
      if (!info) break;
      if (kind === 'picture') handlers.onPicture(info);
      else handlers.onFile(info);
    }
  }

  function toggle(menu) {
    open = open === menu ? '' : menu;
    render(last);
  }

  function choose(action) {
    open = '';
    render(last);
    action();
  }

  function render(state) {
    last = state;
    const group = state.chat === 'group';
    const pictureOff = state.quoting ? QUOTE_NOTE : state.voice ? VOICE_NOTE : '';
    const voiceOff = group ? GROUP_MEDIA_NOTE : state.quoting ? QUOTE_NOTE : '';
    const fileOff = group ? GROUP_MEDIA_NOTE : state.quoting ? QUOTE_NOTE : state.voice ? VOICE_NOTE : '';
    if ((open === 'picture' && pictureOff) || (open === 'file' && fileOff)) open = '';
    const children = [
      tool(
        'picture',
        '🖼',
        '图片',
        pictureOff || '发送图片：内置示例或上传',
        () => toggle('picture'),
        pictureOff,
        {
          'aria-expanded': String(open === 'picture'),
        },
      ),
      tool(
        'voice',
        '🎤',
        state.voice ? '语音（开）' : '语音',
        voiceOff || '语音模式：输入的文字作为钉钉语音识别的结果发送',
        handlers.onVoice,
        voiceOff,
        {
          'aria-pressed': String(state.voice),
        },
      ),
      tool(
        'file',
        '📎',
        '文件',
        fileOff || '发送文件：示例 PDF、Word、Excel 或上传',
        () => toggle('file'),
        fileOff,
        {
          'aria-expanded': String(open === 'file'),
        },
      ),
      group
        ? h(
            'span',
            { class: 'media-note', 'data-testid': 'group-media-note', title: GROUP_MEDIA_NOTE },
            '群里只能发文字、图片和图文',
          )
        : null,
      open === 'picture' ? pictureMenu(state.samples.pictures) : null,
      open === 'file' ? fileMenu(state.samples.files) : null,
      pictureInput,
      fileInput,
    ].filter(Boolean);
    container.replaceChildren(...children);
  }

  function pictureMenu(pictures) {
    return menu('picture', '示例图片（插入到光标处）', '上传图片…', pictureInput, pictures, (picture) => [
      h('img', { class: 'media-item-thumb', src: attachmentUrl(picture.id), alt: '' }),
      () => handlers.onPicture(picture),
    ]);
  }

  function fileMenu(files) {
    return menu('file', '示例文件（点击即发送）', '上传文件…', fileInput, files, (file) => [
      fileBadgeElement(file.name),
      () => handlers.onFile(file),
    ]);
  }

  /** A menu of samples (each shown by `item(sample)`: [its icon, what choosing it does]) and an upload entry. */
  function menu(kind, title, uploadLabel, input, samples, item) {
    const entry = (attributes, ...children) =>
      h('button', { type: 'button', role: 'menuitem', class: 'media-item', ...attributes }, ...children);
    return h(
      'div',
      { class: 'media-menu', role: 'menu', 'data-testid': `${kind}-menu` },
      h('div', { class: 'media-menu-title' }, title),
      ...samples.map((sample) => {
        const [icon, action] = item(sample);
        return entry(
          { 'data-testid': sample.id, onclick: () => choose(action) },
          icon,
          h('span', { class: 'media-item-name' }, sample.name),
          h('span', { class: 'media-item-size' }, formatSize(sample.size)),
        );
      }),
      entry(
        {
          class: 'media-item upload',
          'data-testid': `upload-${kind}`,
          onclick: () => choose(() => input.click()),
        },
        uploadLabel,
      ),
    );
  }

  // A click elsewhere or Escape closes an open menu.
  document.addEventListener('click', (event) => {
    // A button the menu's own redraw removed is no click elsewhere.
    if (open && event.target.isConnected && !container.contains(event.target)) {
      open = '';
      render(last);
    }
  });
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && open) {
      open = '';
      render(last);
    }
  });

  return { render };
}

function tool(id, icon, label, title, onclick, disabledWhy, extra) {
  return h(
    'button',
    {
      type: 'button',
      class: 'media-tool',
      'data-testid': `tool-${id}`,
      title,
      disabled: Boolean(disabledWhy),
      onclick,
      ...extra,
    },
    h('span', { 'aria-hidden': 'true' }, icon),
    ` ${label}`,
  );
}
