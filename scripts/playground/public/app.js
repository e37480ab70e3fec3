import { setUpComposer } from './composer.js';
import { h } from './dom.js';
import { renderMarkdown, renderPlainText } from './markdown.js';
import { previewText } from './markdown-preview.js';
import { settleStreamingMarkdown } from './markdown-streaming.js';
import { previewContent, renderQuote, renderUserContent } from './media-content.js';
import { describePath, isErrorLevel } from './message-path.js';

/**
 * Robot commands offered as buttons above the composer; add an entry to offer a new one. `text` is what the button
 * sends, exactly as a member would type it; `shown(state)` decides whether this viewer, here, is offered it.
 */
const COMMANDS = [
  { id: 'help', text: '帮助', label: '', description: '显示全部指令' },
  { id: 'single', text: '单聊', label: '', description: '每条消息独立回答，不带上下文' },
  { id: 'chain', text: '串聊', label: '', description: '连续对话，带上最近几轮上下文' },
  { id: 'reset', text: '重置', label: '', description: '清空上下文并回到默认模式' },
  { id: 'clear', text: '\\clear', label: '清空历史', description: '清空你与 AI 助手的对话历史' },
  { id: 'templates', text: '模板', label: '', description: '列出提示词模板，用 #模板名 内容 提问' },
  { id: 'whoami', text: 'whoami', label: '', description: '查看你的 staffId 和会话 ID' },
  { id: 'quota', text: '额度', label: '', description: '今天还能提问几次' },
  {
    id: 'image',
    text: '#图片 一只在钉钉上开会的猫',
    label: '',
    description: '生成一张图片',
    shown: () => state.features.images,
  },
  {
    id: 'stats',
    text: '#统计',
    label: '',
    description: '管理员指令（仅限单聊）：今天每人的消息和 token 数',
    shown: viewerIsAdminInDm,
  },
  {
    id: 'lookup',
    text: '#查对话 李四',
    label: '',
    description: '管理员指令（仅限单聊）：查看某人最近的对话',
    shown: viewerIsAdminInDm,
  },
];

/** Admin commands answer only admins, and only in a direct chat with the robot. */
function viewerIsAdminInDm() {
  return state.chat === 'dm' && Boolean(member(state.viewer)?.isAdmin);
}

const DEFAULT_HINT =
  '在 .env 中配置 OPENAI_API_KEY / OPENAI_BASE_URL / OPENAI_MODEL 接入真实模型（见 README）';
const TIME_GAP_MS = 5 * 60 * 1000;
const NEAR_BOTTOM_PX = 120;
const RESYNC_DELAY_MS = 2000;

const state = {
  robot: { name: 'AI 助手', staffId: 'robot' },
  model: null,
  members: [],
  group: { conversationId: '', title: '产品研发群' },
  /** What the deployment enables, and DingTalk's longest text per chat. */
  features: {
    images: false,
    maxRequestsPerDay: 0,
    maxTextChars: { dm: 20000, group: 19999 },
    media: { maxImageBytes: 10485760, maxFileBytes: 20971520, maxUploadBytes: 41943040 },
  },
  /** The pictures and files the page offers to send. */
  samples: { pictures: [], files: [] },
  viewer: '',
  chat: 'dm',
  /** chatKey → [{ kind: 'user', msgId, at } | { kind: 'robot', event, at }] */
  chats: new Map(),
  /** msgId → everything known about one user message and its path */
  records: new Map(),
  /** `${viewer}|${chatKey}` → number of items that viewer has seen */
  seen: new Map(),
  /** msgIds whose trace is expanded */
  expanded: new Set(),
  /** outTrackId → the latest state of an AI card */
  cards: new Map(),
};

/** msgId → the path element shown for it in the open chat, for live updates. */
let shownPaths = new Map();
/** outTrackId → the card bubble shown in the open chat, for live updates. */
let shownCards = new Map();
/** Events that arrive over SSE while /api/state is being fetched (null when not fetching). */
let pending = null;
let syncGeneration = 0;
/** The composer (set up at start): its send() is what the command buttons use too. */
let composer = null;

const $ = (id) => document.getElementById(id);

/** How robot markdown renders here: member mentions, and DingTalk media images served by the playground. */
function renderOptions() {
  return { members: state.members, mediaUrl: (mediaId) => `/api/media/${encodeURIComponent(mediaId)}` };
}

function member(staffId) {
  return state.members.find((candidate) => candidate.staffId === staffId);
}

function currentChatKey() {
  return state.chat === 'group' ? 'group' : `dm:${state.viewer}`;
}

function chatItems(chatKey) {
  let items = state.chats.get(chatKey);
  if (!items) {
    items = [];
    state.chats.set(chatKey, items);
  }
  return items;
}

function recordFor(msgId) {
  let record = state.records.get(msgId);
  if (!record) {
    record = { msgId, traces: [] };
    state.records.set(msgId, record);
  }
  return record;
}

function formatTime(at) {
  const date = new Date(at);
  return `${String(date.getHours()).padStart(2, '0')}:${String(date.getMinutes()).padStart(2, '0')}`;
}

// ---------------------------------------------------------------------------------------------------------
// Events → state

/** Applies one server event to the state and updates the page where it shows. */
function applyEvent(event) {
  if (!event || typeof event !== 'object') return;
  switch (event.type) {
    case 'user-message': {
      const record = recordFor(event.msgId);
      Object.assign(record, {
        chatKey: event.chatKey,
        sender: event.sender,
        text: event.text,
        content: event.content,
        quote: event.quote,
        at: event.at,
      });
      addItem(event.chatKey, { kind: 'user', msgId: event.msgId, at: event.at });
      break;
    }
    case 'robot-message':
      addItem(event.chatKey, { kind: 'robot', event, at: event.at });
      break;
    case 'card': {
      // One bubble per card, rewritten as DingTalk streams into it.
      const known = state.cards.has(event.outTrackId);
      state.cards.set(event.outTrackId, event);
      if (!known) addItem(event.chatKey, { kind: 'card', outTrackId: event.outTrackId, at: event.at });
      else if (pending === null) updateCard(event.outTrackId);
      break;
    }
    case 'ack':
      updateRecord(event.msgId, (record) => {
        record.ack = { status: event.status, ackMs: event.ackMs };
      });
      break;
    case 'invoke':
      updateRecord(event.msgId, (record) => {
        record.invoke = { api: event.api, taskId: event.taskId, functionName: event.functionName };
      });
      break;
    case 'invoke-duplicate':
      updateRecord(event.msgId, (record) => {
        record.duplicate = { taskId: event.taskId };
      });
      break;
    case 'trace':
      updateRecord(event.msgId, (record) => {
        record.traces.push(event);
      });
      break;
    case 'reply-done':
      updateRecord(event.msgId, (record) => {
        record.done = { outcome: event.outcome, durationMs: event.durationMs };
      });
      break;
    case 'model':
      state.model = { ...(state.model ?? {}), demo: event.demo, name: event.name };
      renderModel();
      break;
    default:
      break;
  }
}

function addItem(chatKey, item) {
  if (typeof chatKey !== 'string') return;
  const items = chatItems(chatKey);
  items.push(item);
  if (pending !== null) return;
  if (chatKey === currentChatKey()) {
    const list = $('messages');
    const stick = isNearBottom(list) || (item.kind === 'user' && senderOf(item) === state.viewer);
    list.querySelector('.empty')?.remove();
    const previous = items[items.length - 2];
    if (!previous || item.at - previous.at > TIME_GAP_MS) list.append(renderTimeSeparator(item.at));
    list.append(renderItem(item));
    markSeen(chatKey);
    if (stick) scrollToBottom();
  }
  renderChatList();
}

function updateRecord(msgId, update) {
  if (typeof msgId !== 'string') return;
  const record = recordFor(msgId);
  update(record);
  if (pending !== null) return;
  const path = shownPaths.get(msgId);
  if (path) {
    const list = $('messages');
    const stick = isNearBottom(list);
    fillPath(path, record);
    if (stick) scrollToBottom();
  }
}

function senderOf(item) {
  return item.kind === 'user' ? state.records.get(item.msgId)?.sender?.staffId : state.robot.staffId;
}

function markSeen(chatKey) {
  state.seen.set(`${state.viewer}|${chatKey}`, chatItems(chatKey).length);
}

function unreadCount(chatKey) {
  const items = chatItems(chatKey);
  const seen = state.seen.get(`${state.viewer}|${chatKey}`) ?? 0;
  return items.slice(seen).filter((item) => senderOf(item) !== state.viewer).length;
}

// ---------------------------------------------------------------------------------------------------------
// Rendering

function renderAll() {
  renderModel();
  renderMembers();
  renderChatList();
  renderConversation();
  composer?.refresh();
  renderCommands();
}

function renderModel() {
  const banner = $('demo-banner');
  const model = state.model;
  if (model?.demo) {
    const hint = typeof model.hint === 'string' && model.hint ? model.hint : DEFAULT_HINT;
    const text = hint.startsWith('离线演示模型') ? hint.replace(/^离线演示模型\s*[—-]?\s*/, '') : hint;
    banner.replaceChildren(h('strong', {}, '离线演示模型'), ` — ${text}`);
    banner.hidden = false;
  } else {
    banner.hidden = true;
  }
  const host = model?.baseUrlHost ? ` · ${model.baseUrlHost}` : '';
  $('model-name').textContent = model?.name ? `模型：${model.name}${host}` : '';
}

function renderAvatar(staffId, extraClass = '') {
  if (staffId === state.robot.staffId) {
    return h('img', { class: `avatar robot-avatar ${extraClass}`, src: '/static/robot.svg', alt: '' });
  }
  const person = member(staffId);
  const nick = person?.nick ?? '?';
  return h(
    'span',
    {
      class: `avatar ${extraClass}`,
      style: { background: person?.color ?? '#8f959e' },
      'aria-hidden': 'true',
    },
    Array.from(nick)[0] ?? '?',
  );
}

function renderMembers() {
  const container = $('members');
  container.replaceChildren(
    ...state.members.map((person) =>
      h(
        'button',
        {
          type: 'button',
          class: 'member',
          role: 'radio',
          'aria-checked': String(person.staffId === state.viewer),
          'data-testid': `member-${person.staffId}`,
          title: `以 ${person.nick} 的身份发言${person.isAdmin ? '（管理员：可以使用 #统计、#查对话）' : ''}`,
          onclick: () => selectView(person.staffId, state.chat),
        },
        renderAvatar(person.staffId),
        h('span', { class: 'member-nick' }, person.nick),
        person.isAdmin
          ? h('span', { class: 'admin-tag', 'data-testid': `admin-tag-${person.staffId}` }, '管理员')
          : null,
      ),
    ),
  );
}

function renderChatList() {
  const list = $('chat-list');
  if (!state.viewer) {
    list.replaceChildren();
    return;
  }
  const groupAvatar = h(
    'span',
    { class: 'avatar group-avatar', 'aria-hidden': 'true' },
    ...state.members
      .slice(0, 4)
      .map((person) => h('span', { style: { background: person.color } }, Array.from(person.nick)[0] ?? '')),
  );
  const entries = [
    { chat: 'dm', chatKey: `dm:${state.viewer}`, title: state.robot.name, avatar: renderAvatar('robot') },
    { chat: 'group', chatKey: 'group', title: state.group.title, avatar: groupAvatar },
  ];
  list.replaceChildren(
    ...entries.map((entry) => {
      const items = chatItems(entry.chatKey);
      const last = items[items.length - 1];
      const unread = entry.chatKey === currentChatKey() ? 0 : unreadCount(entry.chatKey);
      return h(
        'li',
        {},
        h(
          'button',
          {
            type: 'button',
            class: 'chat-entry',
            'data-testid': `chat-${entry.chat}`,
            'aria-current': entry.chat === state.chat ? 'true' : undefined,
            onclick: () => selectView(state.viewer, entry.chat),
          },
          entry.avatar,
          h(
            'span',
            { class: 'chat-entry-text' },
            h(
              'span',
              { class: 'chat-entry-top' },
              h('span', { class: 'chat-entry-title' }, entry.title),
              h('span', { class: 'chat-entry-time' }, last ? formatTime(last.at) : ''),
            ),
            h(
              'span',
              { class: 'chat-entry-bottom' },
              h('span', { class: 'chat-entry-preview' }, last ? previewOf(last, entry.chat) : '暂无消息'),
              unread > 0 ? h('span', { class: 'badge' }, unread > 99 ? '99+' : String(unread)) : null,
            ),
          ),
        ),
      );
    }),
  );
}

function previewOf(item, chat) {
  let text;
  let who;
  if (item.kind === 'user') {
    const record = state.records.get(item.msgId);
    // What a member typed is plain text: shown as typed, mentions by nick.
    text = previewContent(record?.content, record?.text ?? '').replace(/@(\S+)/g, (whole, id) =>
      member(id) ? `@${member(id).nick}` : whole,
    );
    text = text.replace(/\s+/g, ' ').trim() || `@${state.robot.name}`;
    who = record?.sender?.nick;
  } else if (item.kind === 'card') {
    text = previewText(state.cards.get(item.outTrackId)?.content ?? '', renderOptions()) || '[AI 卡片]';
    who = state.robot.name;
  } else {
    const event = item.event;
    text =
      event.msgtype === 'text'
        ? String(event.text ?? '')
            .replace(/\s+/g, ' ')
            .trim()
        : previewText(event.text || event.title || '', renderOptions());
    who = state.robot.name;
  }
  return chat === 'group' && who ? `${who}: ${text}` : text;
}

function renderConversation() {
  const chatKey = currentChatKey();
  const isGroup = state.chat === 'group';
  $('chat-title').textContent = isGroup ? state.group.title : state.robot.name;
  $('chat-subtitle').textContent = isGroup
    ? `群聊 · ${state.members.length + 1} 人 · 在群里 @${state.robot.name} 提问`
    : `机器人 · 与 ${member(state.viewer)?.nick ?? ''}${member(state.viewer)?.isAdmin ? '（管理员）' : ''} 的单聊`;
  const list = $('messages');
  shownPaths = new Map();
  shownCards = new Map();
  const nodes = [];
  let previousAt = Number.NEGATIVE_INFINITY;
  for (const item of chatItems(chatKey)) {
    if (item.at - previousAt > TIME_GAP_MS) nodes.push(renderTimeSeparator(item.at));
    previousAt = item.at;
    nodes.push(renderItem(item));
  }
  if (nodes.length === 0) {
    const greeting = isGroup ? `在群里 @${state.robot.name} 提问吧` : `向 ${state.robot.name} 打个招呼吧`;
    nodes.push(h('div', { class: 'empty' }, `还没有消息 — ${greeting}`));
  }
  list.replaceChildren(...nodes);
  markSeen(chatKey);
  scrollToBottom();
}

function renderTimeSeparator(at) {
  return h('div', { class: 'time-separator' }, h('span', {}, formatTime(at)));
}

function renderItem(item) {
  if (item.kind === 'card') return renderCard(item.outTrackId);
  return item.kind === 'user' ? renderUserMessage(item) : renderRobotMessage(item.event);
}

/** An AI card: its markdown grows as updates arrive; a spinner until DingTalk has it finalized. */
function renderCard(outTrackId) {
  const bubble = h('div', { class: 'bubble markdown card', 'data-testid': 'message-card' });
  const status = h('div', { class: 'card-status' });
  shownCards.set(outTrackId, { bubble, status });
  fillCard(outTrackId);
  return robotMessage(bubble, status, () => {
    const card = state.cards.get(outTrackId);
    return card?.quoteId ? robotQuote(card.quoteId, card.content ?? '') : undefined;
  });
}

/**
 * A robot message row: avatar, the robot's name in groups, the bubble (with its quote action: `quoted()` is the
 * message a reply quotes), then anything shown under it.
 */
function robotMessage(bubble, below, quoted) {
  return h(
    'div',
    { class: 'message other robot' },
    renderAvatar(state.robot.staffId),
    h(
      'div',
      { class: 'message-body' },
      state.chat === 'group'
        ? h('div', { class: 'nick' }, state.robot.name, h('span', { class: 'robot-tag' }, '机器人'))
        : null,
      h('div', { class: 'bubble-row' }, bubble, quoteAction(quoted)),
      below,
    ),
  );
}

function fillCard(outTrackId) {
  const card = state.cards.get(outTrackId);
  const shown = shownCards.get(outTrackId);
  if (!card || !shown) return;
  // DingTalk shows whom a group card was delivered to (@-mention) above it.
  const mentions = (card.atUserIds ?? []).map((staffId) => `@${staffId}`).join(' ');
  // While DingTalk streams into it, markers the text so far leaves open are closed (no raw ** until the bold ends).
  const body = card.finalized ? card.content || '' : settleStreamingMarkdown(card.content || '');
  shown.bubble.innerHTML =
    (mentions ? renderMarkdown(mentions, renderOptions()) : '') +
    (body ? renderMarkdown(body, renderOptions()) : '<p class="card-waiting">正在思考…</p>');
  shown.bubble.classList.toggle('streaming', !card.finalized);
  shown.bubble.classList.toggle('failed', Boolean(card.error));
  shown.bubble.dataset.finalized = String(Boolean(card.finalized));
  shown.status.textContent = card.finalized
    ? `AI 卡片 · ${card.updates} 次更新${card.error ? ' · 出错结束' : ''}`
    : `AI 卡片 · 生成中（${card.updates} 次更新）`;
}

function updateCard(outTrackId) {
  const list = $('messages');
  const stick = isNearBottom(list);
  fillCard(outTrackId);
  if (stick) scrollToBottom();
  renderChatList();
}

function renderUserMessage(item) {
  const record = state.records.get(item.msgId) ?? { msgId: item.msgId, traces: [] };
  const staffId = record.sender?.staffId ?? '';
  const own = staffId === state.viewer;
  const isGroup = state.chat === 'group';
  const bubble = h('div', { class: 'bubble', 'data-testid': 'message-user' });
  if (record.quote) bubble.append(renderQuote(record.quote));
  if (isGroup) bubble.append(h('span', { class: 'at-robot' }, `@${state.robot.name}`), ' ');
  bubble.append(...renderUserContent(record));
  const path = h('button', {
    type: 'button',
    class: 'path',
    'data-testid': 'path',
    'aria-expanded': String(state.expanded.has(item.msgId)),
    title: '点击展开两个函数的日志',
    onclick: () => toggleTrace(item.msgId),
  });
  const trace = h('div', { class: 'trace' });
  const holder = { path, trace };
  fillPath(holder, record);
  shownPaths.set(item.msgId, holder);
  return h(
    'div',
    { class: `message ${own ? 'own' : 'other'}`, 'data-msg-id': item.msgId },
    renderAvatar(staffId),
    h(
      'div',
      { class: 'message-body' },
      isGroup ? h('div', { class: 'nick' }, record.sender?.nick ?? '') : null,
      h(
        'div',
        { class: 'bubble-row' },
        bubble,
        quoteAction(() => ({
          msgId: item.msgId,
          nick: record.sender?.nick ?? '',
          text: record.text ?? '',
          content: record.content,
        })),
      ),
      path,
      trace,
    ),
  );
}

function renderRobotMessage(event) {
  const options = renderOptions();
  const html =
    event.msgtype === 'text' ? renderPlainText(event.text, options) : renderMarkdown(event.text, options);
  const bubble = h('div', { class: 'bubble markdown', 'data-testid': 'message-robot' });
  bubble.innerHTML = html;
  return robotMessage(
    bubble,
    event.channel === 'openapi' ? h('div', { class: 'via' }, '经 OpenAPI 发送') : null,
    () => (event.quoteId ? robotQuote(event.quoteId, event.text ?? '') : undefined),
  );
}

/** A robot answer as a reply quotes it: DingTalk quotes it as text. */
function robotQuote(msgId, markdown) {
  return { msgId, nick: state.robot.name, text: previewText(markdown, renderOptions()) };
}

/** The 引用 action beside a bubble: the next text replies quoting the message `quoted()` returns. */
function quoteAction(quoted) {
  return h(
    'button',
    {
      type: 'button',
      class: 'quote-action',
      'data-testid': 'quote',
      title: '引用这条消息回复',
      onclick: () => {
        const message = quoted();
        if (message) composer?.quote({ ...message, chatKey: currentChatKey() });
      },
    },
    '引用',
  );
}

// ---------------------------------------------------------------------------------------------------------
// The path of one message

function fillPath(holder, record) {
  const { steps, pending: waiting } = describePath(record);
  const nodes = [];
  steps.forEach((step, index) => {
    if (index > 0) nodes.push(h('span', { class: 'arrow', 'aria-hidden': 'true' }, ' → '));
    nodes.push(h('span', { class: `step ${step.status ?? 'ok'}`, title: step.title }, step.text));
  });
  if (waiting) {
    nodes.push(h('span', { class: 'arrow', 'aria-hidden': 'true' }, ' → '));
    nodes.push(h('span', { class: 'step waiting' }, '处理中…'));
  }
  holder.path.replaceChildren(...nodes);
  holder.path.classList.toggle(
    'has-error',
    steps.some((step) => step.status === 'error'),
  );
  const expanded = state.expanded.has(record.msgId);
  holder.path.setAttribute('aria-expanded', String(expanded));
  holder.trace.hidden = !expanded;
  if (expanded) fillTrace(holder.trace, record);
}

function fillTrace(element, record) {
  const traces = record.traces;
  if (traces.length === 0) {
    element.replaceChildren(h('div', { class: 'trace-line' }, '（还没有日志）'));
    return;
  }
  const start = record.at ?? traces[0].at;
  element.replaceChildren(
    ...traces.map((trace) =>
      // Each entry (time, function, level, message, each field) wraps as a whole, never in the middle of a word.
      h(
        'div',
        { class: `trace-line${isErrorLevel(trace.level) ? ' error' : ''}` },
        h('span', { class: 'trace-entry trace-time' }, `+${Math.max(0, trace.at - start)} ms`),
        h('span', { class: `trace-entry trace-fn fn-${trace.fn}` }, trace.fn ?? ''),
        h('span', { class: 'trace-entry trace-level' }, String(trace.level ?? '')),
        h('span', { class: 'trace-entry trace-msg' }, trace.msg ?? ''),
        ...Object.entries(trace.fields ?? {}).map(([name, value]) =>
          h('span', { class: 'trace-entry trace-field' }, `${name}=${formatField(value)}`),
        ),
      ),
    ),
  );
}

function formatField(value) {
  return typeof value === 'string' && !/\s/.test(value) ? value : JSON.stringify(value);
}

function toggleTrace(msgId) {
  if (state.expanded.has(msgId)) state.expanded.delete(msgId);
  else state.expanded.add(msgId);
  const holder = shownPaths.get(msgId);
  const record = state.records.get(msgId);
  if (holder && record) fillPath(holder, record);
}

// ---------------------------------------------------------------------------------------------------------
// Commands, composer, navigation

function renderCommands() {
  const container = $('commands');
  container.replaceChildren(
    h('span', { class: 'commands-label' }, '指令'),
    ...COMMANDS.filter((command) => command.shown?.() ?? true).map((command) =>
      h(
        'button',
        {
          type: 'button',
          class: `command${command.shown === viewerIsAdminInDm ? ' admin-only' : ''}`,
          'data-testid': `command-${command.id}`,
          title: command.description,
          onclick: () => composer?.send(command.text),
        },
        h('span', { class: 'command-word' }, command.text),
        command.label ? ` ${command.label}` : '',
      ),
    ),
  );
}

function selectView(staffId, chat) {
  state.viewer = staffId;
  state.chat = chat;
  try {
    localStorage.setItem('playground.view', JSON.stringify({ staffId, chat }));
  } catch {
    // Storage may be unavailable (private mode); the view simply isn't remembered.
  }
  renderMembers();
  renderChatList();
  renderConversation();
  renderCommands();
  composer?.refresh();
  $('composer').focus();
}

function restoreView() {
  let saved;
  try {
    saved = JSON.parse(localStorage.getItem('playground.view') ?? 'null');
  } catch {
    saved = null;
  }
  const staffId = member(saved?.staffId) ? saved.staffId : member(state.viewer) ? state.viewer : '';
  state.viewer = staffId || state.members[0]?.staffId || '';
  if (saved?.chat === 'dm' || saved?.chat === 'group') state.chat = saved.chat;
}

function isNearBottom(element) {
  return element.scrollHeight - element.scrollTop - element.clientHeight < NEAR_BOTTOM_PX;
}

function scrollToBottom() {
  const list = $('messages');
  list.scrollTop = list.scrollHeight;
}

// ---------------------------------------------------------------------------------------------------------
// Server state and live events

function resetState(snapshot) {
  state.robot = snapshot.robot ?? state.robot;
  state.model = snapshot.model ?? null;
  state.members = Array.isArray(snapshot.members) ? snapshot.members : [];
  state.group = snapshot.group ?? state.group;
  state.features = snapshot.features ?? state.features;
  state.samples = snapshot.samples ?? state.samples;
  state.chats = new Map();
  state.records = new Map();
  state.seen = new Map();
  state.cards = new Map();
}

/** Loads /api/state and replays its events; SSE events that arrive meanwhile are applied after, once each. */
async function syncState() {
  // Keep buffering across overlapping syncs; only the latest one applies its snapshot.
  if (pending === null) pending = [];
  syncGeneration += 1;
  const generation = syncGeneration;
  let snapshot;
  try {
    const response = await fetch('/api/state');
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    snapshot = await response.json();
  } catch {
    if (generation !== syncGeneration) return;
    setConnection('error', '无法加载状态，重试中…');
    setTimeout(syncState, RESYNC_DELAY_MS);
    return;
  }
  if (generation !== syncGeneration) return;
  resetState(snapshot);
  const replayed = new Map();
  for (const event of snapshot.events ?? []) {
    const key = JSON.stringify(event);
    replayed.set(key, (replayed.get(key) ?? 0) + 1);
  }
  const live = pending;
  pending = null;
  const buffered = live.filter((event) => {
    const key = JSON.stringify(event);
    const count = replayed.get(key) ?? 0;
    if (count === 0) return true;
    replayed.set(key, count - 1);
    return false;
  });
  restoreView();
  // Replay into the state only; one render afterwards is far cheaper than one per event.
  pending = [];
  for (const event of snapshot.events ?? []) applyEvent(event);
  for (const event of buffered) applyEvent(event);
  pending = null;
  renderAll();
}

function setConnection(status, text) {
  const element = $('connection');
  element.dataset.state = status;
  element.textContent = text;
}

function connectEvents() {
  let broken = false;
  const source = new EventSource('/api/events');
  source.addEventListener('open', () => {
    setConnection('open', '已连接');
    // After a reconnect, events sent while we were away are only in /api/state.
    if (broken) {
      broken = false;
      syncState();
    }
  });
  source.addEventListener('error', () => {
    broken = true;
    setConnection('error', '连接断开，重连中…');
  });
  source.addEventListener('message', (message) => {
    let event;
    try {
      event = JSON.parse(message.data);
    } catch {
      return;
    }
    if (pending !== null) pending.push(event);
    else applyEvent(event);
  });
}

function start() {
  composer = setUpComposer({
    view: () => ({
      staffId: state.viewer,
      chat: state.chat,
      chatKey: currentChatKey(),
      maxChars: state.features.maxTextChars?.[state.chat] ?? 20000,
      robotName: state.robot.name,
      groupTitle: state.group.title,
    }),
    media: () => ({ samples: state.samples, limits: state.features.media }),
  });
  // An image the emulated DingTalk does not know (any more) shows its description instead of a broken icon.
  document.addEventListener(
    'error',
    (event) => {
      const image = event.target;
      if (!(image instanceof HTMLImageElement) || !image.classList.contains('md-image')) return;
      image.replaceWith(h('span', { class: 'md-image-missing' }, `🖼 ${image.alt}（图片无法显示）`));
    },
    true,
  );
  renderCommands();
  connectEvents();
  syncState();
}

start();
