import { createOutbox } from './outbox.js';

/**
 * The composer under the conversation: Enter (or 发送) queues what is typed and clears the box at once, so a
 * second message typed while the first is still sending is kept and sent after it. A counter shows the length
 * against DingTalk's limit; over it, the message cannot be sent and a line says why. In the group an empty
 * message is a bare @-mention of the robot, as in DingTalk; in a direct chat it is not sent.
 *
 * `view()` returns who is speaking where: { staffId, chat: 'dm' | 'group', maxChars }.
 */
export function setUpComposer({ view }) {
  const form = document.getElementById('composer-form');
  const composer = document.getElementById('composer');
  const counter = document.getElementById('composer-counter');
  const queued = document.getElementById('composer-queue');
  const error = document.getElementById('composer-error');
  const sendButton = form.querySelector('.send');

  const outbox = createOutbox({
    post,
    onChange: (size) => {
      form.classList.toggle('sending', size > 0);
      queued.textContent = size > 1 ? `发送中，还有 ${size - 1} 条排队` : size === 1 ? '发送中…' : '';
    },
    onFailure: (unsent, why) => {
      const texts = unsent.map((message) => message.text).filter((text) => text !== '');
      if (texts.length > 0)
        composer.value = [...texts, composer.value].filter((text) => text !== '').join('\n');
      showError(texts.length > 0 ? `${why}（未发送的消息已放回输入框）` : why);
      updateCounter();
    },
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

  function showError(text, kind = 'send') {
    error.textContent = text;
    error.dataset.kind = text ? kind : '';
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

  function queue(text) {
    const { staffId, chat } = view();
    if (!staffId) return;
    if (error.dataset.kind !== 'length') showError('');
    outbox.add({ staffId, chat, text });
  }

  function submit() {
    const { chat, maxChars } = view();
    const text = composer.value;
    if (text.trim() === '' && chat !== 'group') return;
    if (text.length > maxChars) return updateCounter();
    composer.value = '';
    updateCounter();
    queue(text.trim() === '' ? '' : text);
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
  composer.addEventListener('input', updateCounter);
  updateCounter();

  return {
    /** Sends a text as the current member, in the current chat, after whatever is already queued. */
    send: queue,
    /** Call when the chat changes: the limit differs between a direct chat and the group. */
    refresh: updateCounter,
  };
}
