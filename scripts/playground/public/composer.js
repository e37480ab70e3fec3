import { draftParts, insertAtCaret, markersIn, pictureMarker, removeMarker } from './draft.js';
import { createDraftView } from './draft-view.js';
import { formatSize } from './media-format.js';
import { createMediaTools } from './media-tools.js';
import { createOutbox } from './outbox.js';

/**
 * The composer under the conversation: Enter (or 发送) queues what is typed and clears the box at once, so a
 * second message typed while the first is still sending is kept and sent after it. A counter shows the length
 * against DingTalk's limit; over it, the message cannot be sent and a line says why. In the group an empty
 * message is a bare @-mention of the robot, as in DingTalk; in a direct chat it is not sent.
 *
 * Pictures are attached where the caret is and go out with the text in the written order; in voice mode the text
 * is sent as a voice message's transcript; a file goes out at once; a quoted message makes the next text a reply.
 *
 * `view()` returns who is speaking where: { staffId, chat: 'dm' | 'group', maxChars }; `media()` the samples and
 * the upload limits: { samples: { pictures, files }, limits: { maxImageBytes, maxFileBytes, maxUploadBytes } }.
 */
export function setUpComposer({ view, media }) {
  const form = document.getElementById('composer-form');
  const composer = document.getElementById('composer');
  const counter = document.getElementById('composer-counter');
  const queued = document.getElementById('composer-queue');
  const status = document.getElementById('composer-status');
  const error = document.getElementById('composer-error');
  const sendButton = form.querySelector('.send');
  const draft = { voice: false, quote: null, pictures: [], nextNumber: 1 };

  const outbox = createOutbox({
    post,
    onChange: (size) => {
      form.classList.toggle('sending', size > 0);
      queued.textContent = size > 1 ? `发送中，还有 ${size - 1} 条排队` : size === 1 ? '发送中…' : '';
    },
    onFailure: (unsent, why) => {
      const texts = unsent.map(typedText).filter((text) => text !== '');
      if (texts.length > 0)
        composer.value = [...texts, composer.value].filter((text) => text !== '').join('\n');
      showError(texts.length > 0 ? `${why}（未发送的文字已放回输入框）` : why);
      updateCounter();
    },
  });

  const draftView = createDraftView({
    quoteBar: document.getElementById('quote-bar'),
    tray: document.getElementById('draft-pictures'),
    onRemovePicture: (number) => {
      composer.value = removeMarker(composer.value, number);
      syncPictures();
      composer.focus();
    },
    onCancelQuote: () => {
      draft.quote = null;
      render();
      composer.focus();
    },
  });

  const tools = createMediaTools(document.getElementById('media-tools'), {
    onPicture: attachPicture,
    onFile: (file) => {
      const { maxFileBytes } = media().limits;
      showStatus(
        file.size > maxFileBytes
          ? `「${file.name}」超过机器人的 ${formatSize(maxFileBytes)} 上限：看看机器人怎么说`
          : '',
      );
      queue({ kind: 'file', attachment: file.id });
    },
    onVoice: () => {
      draft.voice = !draft.voice;
      render();
      composer.focus();
    },
    upload,
  });

  async function post(message) {
    const response = await fetch('/api/messages', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(message),
    });
    if (response.ok) return undefined;
    const body = await response.json().catch(() => ({}));
    return typeof body.error === 'string' ? body.error : `发送失败（HTTP ${response.status}）`;
  }

  /** Uploads a chosen picture or file; its description, or undefined after saying why it failed. */
  async function upload(file, kind) {
    const { maxUploadBytes } = media().limits;
    if (file.size > maxUploadBytes) {
      showError(`「${file.name}」太大了：演练场最多接收 ${formatSize(maxUploadBytes)} 的文件`);
      return undefined;
    }
    showStatus(`正在上传「${file.name}」…`);
    try {
      const response = await fetch(`/api/uploads?kind=${kind}&name=${encodeURIComponent(file.name)}`, {
        method: 'POST',
        headers: { 'content-type': 'application/octet-stream' },
        body: file,
      });
      const body = await response.json().catch(() => ({}));
      showStatus('');
      if (response.ok) return body;
      showError(typeof body.error === 'string' ? body.error : `上传失败（HTTP ${response.status}）`);
    } catch {
      showStatus('');
      showError('上传失败：连不上演练场服务');
    }
    return undefined;
  }

  function attachPicture(picture) {
    if (draft.quote) return showError('引用回复只能是文字：先取消引用，再添加图片');
    const number = draft.nextNumber;
    draft.nextNumber += 1;
    const { maxImageBytes } = media().limits;
    draft.pictures.push({
      number,
      info: picture,
      warning: picture.size > maxImageBytes ? `超过机器人的 ${formatSize(maxImageBytes)} 上限` : '',
    });
    const placed = insertAtCaret(
      composer.value,
      composer.selectionStart ?? composer.value.length,
      composer.selectionEnd ?? composer.value.length,
      pictureMarker(number),
    );
    composer.value = placed.text;
    composer.focus();
    composer.setSelectionRange(placed.caret, placed.caret);
    render();
  }

  /** Pictures whose marker was deleted from the text are no longer attached. */
  function syncPictures() {
    const present = markersIn(composer.value);
    const kept = draft.pictures.filter((picture) => present.has(picture.number));
    if (kept.length === draft.pictures.length) return;
    draft.pictures = kept;
    if (kept.length === 0) draft.nextNumber = 1;
    render();
  }

  function showError(text, kind = 'send') {
    error.textContent = text;
    error.dataset.kind = text ? kind : '';
  }

  function showStatus(text) {
    status.textContent = text;
  }

  function updateCounter() {
    const { maxChars } = view();
    const length = composer.value.length;
    const over = length > maxChars;
    counter.textContent = `${length} / ${maxChars}`;
    counter.classList.toggle('over', over);
    sendButton.disabled = over;
    if (over) {
      showError(`消息太长：钉钉一条消息最多 ${maxChars} 个字符，已超出 ${length - maxChars} 个`, 'length');
    } else if (error.dataset.kind === 'length') {
      showError('');
    }
  }

  function render() {
    const { chat } = view();
    // DingTalk delivers no voice message from a group.
    if (chat === 'group') draft.voice = false;
    form.classList.toggle('voice-mode', draft.voice);
    sendButton.textContent = draft.voice ? '发送语音' : '发送';
    composer.placeholder = placeholder(chat);
    tools.render({ chat, voice: draft.voice, quoting: Boolean(draft.quote), samples: media().samples });
    draftView.render(draft);
  }

  function placeholder(chat) {
    const { robotName, groupTitle } = view();
    if (draft.voice) {
      return '语音模式：输入你「说」的话，Enter 发送为语音消息（作为钉钉语音识别的文字；不写内容直接发送 = 没听清）';
    }
    if (draft.quote) return `回复引用的消息，Enter 发送`;
    return chat === 'group'
      ? `在 ${groupTitle} 中 @${robotName}，Enter 发送，Shift+Enter 换行（不写内容直接发送 = 只 @${robotName}）`
      : `发消息给 ${robotName}，Enter 发送，Shift+Enter 换行`;
  }

  function queue(message) {
    const { staffId, chat } = view();
    if (!staffId) return;
    if (error.dataset.kind !== 'length') showError('');
    outbox.add({ staffId, chat, ...message });
  }

  function submit() {
    const { chat, maxChars } = view();
    const text = composer.value;
    if (text.length > maxChars) return updateCounter();
    const pictures = draft.pictures.filter((picture) => markersIn(text).has(picture.number));
    let message;
    if (draft.voice) message = { kind: 'voice', text };
    else if (pictures.length > 0) {
      message = {
        kind: 'pictures',
        parts: draftParts(
          text,
          pictures.map((picture) => ({ number: picture.number, id: picture.info.id })),
        ),
      };
    } else if (text.trim() === '' && chat !== 'group') return;
    else {
      message = {
        kind: 'text',
        text: text.trim() === '' ? '' : text,
        ...(draft.quote ? { quote: draft.quote.msgId } : {}),
      };
    }
    composer.value = '';
    draft.pictures = [];
    draft.nextNumber = 1;
    draft.quote = null;
    showStatus('');
    updateCounter();
    render();
    queue(message);
    composer.focus();
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    submit();
  });
  composer.addEventListener('keydown', (event) => {
    // Enter that confirms an IME candidate (Chinese input) must not send.
    if (event.key !== 'Enter' || event.shiftKey || event.isComposing || event.keyCode === 229) return;
    event.preventDefault();
    submit();
  });
  composer.addEventListener('input', () => {
    updateCounter();
    syncPictures();
  });
  updateCounter();

  return {
    /** Sends a text as the current member, in the current chat, after whatever is already queued. */
    send: (text) => queue({ kind: 'text', text }),
    /** Makes the next text a reply quoting `message`: { msgId, nick, text, content }. */
    quote(message) {
      if (draft.pictures.length > 0) return showError('引用回复只能是文字：先发送或移除已添加的图片');
      draft.quote = message;
      draft.voice = false;
      render();
      composer.focus();
    },
    /** Call when the chat or the page's state changes: limits, tools and what the group allows differ. */
    refresh() {
      if (draft.quote && draft.quote.chatKey !== view().chatKey) draft.quote = null;
      updateCounter();
      render();
    },
  };
}

/** The text a message carried, to put back in the input when it could not be sent. */
function typedText(message) {
  if (message.kind === 'pictures') return message.parts.map((part) => part.text ?? '').join('');
  return message.text ?? '';
}
