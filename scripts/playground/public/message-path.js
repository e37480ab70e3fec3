/**
 * The path of one message as the page shows it under the message: signed callback → 200 → async invoke → model →
 * delivery → total, each step in Chinese, built from the playground's events and the functions' log lines.
 * No DOM use: unit tests import it.
 */

const OUTCOME_LABELS = {
  answered: '已回答',
  notice: '提示',
  duplicate: '重复',
  undelivered: '未送达',
  failed: '失败',
  invalid: '无效事件',
};
const FAILED_OUTCOMES = new Set(['undelivered', 'failed', 'invalid']);

/** What each command the reply function logs is called in the page. */
const COMMAND_LABELS = {
  help: '帮助',
  mode: '切换模式',
  reset: '重置',
  clear: '清空历史',
  templates: '模板列表',
  template: '模板提问',
  'template-usage': '模板说明',
  whoami: 'whoami',
  quota: '额度',
  stats: '统计',
  'history-lookup': '查对话',
  image: '图片',
};

/** Why the chat API gave no answer (ChatFailureKind). */
const CHAT_FAILURES = {
  timeout: '超时',
  rate_limited: '被限流',
  unavailable: '服务不可用',
  auth: '认证失败',
  context_too_long: '上下文过长',
  rejected: '请求被拒绝',
  empty: '回答为空',
};

/** The channel a delivery failure reason starts with. */
const CHANNELS = [
  ['openapi_token', 'access token'],
  ['media_upload', '媒体上传'],
  ['webhook', 'Webhook'],
  ['openapi', 'OpenAPI'],
  ['card', 'AI 卡片'],
];

/** What went wrong on that channel. */
const FAILURES = {
  unreachable: '连不上',
  timeout: '超时',
  request_failed: '请求失败',
  invalid_url: '地址无效',
  bad_response: '响应无法识别',
  invalid_staff_id: 'staffId 无效',
  flow_controlled: '被限流',
  not_delivered: '没有投递成功',
  not_successful: '没有成功',
  refused: '被拒绝',
  bad_size: '大小不合法',
};

/** A duration as the path shows it. */
export function formatMs(ms) {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) return '? ms';
  return ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`;
}

/** Whether a log line's level is error or worse (pino numbers or names). */
export function isErrorLevel(level) {
  return typeof level === 'number' ? level >= 50 : level === 'error' || level === 'fatal';
}

/** A delivery failure reason code (webhook_errcode_300001, openapi_http_403, …) in Chinese. */
export function describeDeliveryReason(reason) {
  const code = String(reason ?? '');
  if (code === '') return '原因未知';
  if (code === 'empty_answer') return '回答为空';
  const channel = CHANNELS.find(([prefix]) => code.startsWith(`${prefix}_`));
  if (!channel) return `原因代码 ${code}`;
  const rest = code.slice(channel[0].length + 1);
  const errcode = /^errcode_(\d+)$/.exec(rest);
  if (errcode) return `${channel[1]} 错误码 ${errcode[1]}${errcode[1] === '300001' ? '（会话已过期）' : ''}`;
  const http = /^http_(\d+)$/.exec(rest);
  if (http) return `${channel[1]} HTTP ${http[1]}`;
  return `${channel[1]} ${FAILURES[rest] ?? `原因代码 ${rest}`}`;
}

/** The steps of one message's path, as far as the events so far tell. */
export function describePath(record) {
  const steps = [{ text: '签名回调' }];
  const ack = record.ack;
  if (!ack) return { steps, pending: true };
  if (ack.status === 200) {
    steps.push({ text: `200 · ${formatMs(ack.ackMs)}` });
  } else {
    const why = ack.status === 401 ? '签名校验失败' : ack.status === 400 ? '回调无效' : '失败';
    steps.push({ text: `${ack.status} ${why} · ${formatMs(ack.ackMs)}`, status: 'error' });
    return { steps, pending: false };
  }
  if (record.invoke) {
    const version = record.invoke.api === '2016-08-15' ? 'FC 2.0' : 'FC 3.0';
    steps.push({
      text: `异步调用 ${version}`,
      title: `函数 ${record.invoke.functionName ?? ''} · 任务 ${record.invoke.taskId ?? ''}`,
    });
  }
  if (record.duplicate) {
    steps.push({
      text: '409 任务已在队列中',
      status: 'warn',
      title: `任务 ${record.duplicate.taskId ?? ''}`,
    });
  }
  let failed = false;
  for (const trace of record.traces) {
    const step = stepOfTrace(trace);
    if (!step) continue;
    if (step.status === 'error') failed = true;
    steps.push(step);
  }
  const done = record.done;
  if (done) {
    const outcome = OUTCOME_LABELS[done.outcome] ?? done.outcome;
    if (FAILED_OUTCOMES.has(done.outcome)) {
      steps.push({ text: `${outcome} · 共 ${formatMs(done.durationMs)}`, status: 'error' });
    } else if (done.outcome === 'duplicate') {
      steps.push({ text: `重复投递 · 共 ${formatMs(done.durationMs)}`, status: 'warn' });
    } else {
      steps.push({ text: `共 ${formatMs(done.durationMs)}`, title: outcome });
    }
  }
  return { steps, pending: !done && !failed && !record.duplicate };
}

function stepOfTrace(trace) {
  const fields = trace.fields ?? {};
  switch (trace.msg) {
    case 'chat API answered':
      return {
        text: `模型 ${formatMs(fields.latencyMs)}${fields.attempt > 1 ? ` · 第 ${fields.attempt} 次` : ''}`,
        title: fields.usage
          ? `输入 ${fields.usage.promptTokens ?? '?'} tokens · 输出 ${fields.usage.completionTokens ?? '?'} tokens`
          : undefined,
      };
    case 'chat API call failed':
      return {
        text: `模型${fields.retry ? '重试' : '失败'} · ${CHAT_FAILURES[fields.kind] ?? '未知错误'}${fields.status ? ` ${fields.status}` : ''}`,
        status: fields.retry ? 'warn' : 'error',
      };
    case 'answer delivered':
      return {
        text: `${channelLabel(fields.via)} ${fields.parts ?? '?'} 段 · ${formatMs(fields.durationMs)}`,
      };
    case 'answer not delivered':
      return { text: `未送达 · ${describeDeliveryReason(fields.reason)}`, status: 'error' };
    case 'command':
      return fields.command === 'unknown-command'
        ? { text: '未知指令', status: 'warn' }
        : { text: `指令 ${COMMAND_LABELS[fields.command] ?? '（未知）'}` };
    case 'card answer finished':
      return {
        text: `AI 卡片 · ${fields.openApiCalls ?? '?'} 次 OpenAPI 调用${fields.delivered === false ? ' · 改发 Markdown' : ''}`,
      };
    case 'card ended with an error notice':
      return { text: `AI 卡片出错结束 · ${fields.openApiCalls ?? '?'} 次调用`, status: 'error' };
    case 'duplicate delivery ignored':
      return { text: '重复投递已忽略', status: 'warn' };
    default:
      // The log message itself (English, as in the FC log) is in the tooltip and in the expanded log.
      return isErrorLevel(trace.level)
        ? { text: `${trace.fn ?? '函数'} 出错（展开查看日志）`, status: 'error', title: trace.msg }
        : null;
  }
}

function channelLabel(via) {
  const channels = new Set(Array.isArray(via) ? via : [via]);
  if (channels.has('openapi') && channels.has('webhook')) return 'Webhook+OpenAPI';
  return channels.has('openapi') ? 'OpenAPI' : 'Webhook';
}
