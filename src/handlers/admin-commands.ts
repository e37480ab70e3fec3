import type { HistoryStore, Turn } from '../ports';
import type { UsageLog, UserDirectory } from './policy-deps';

const LOOKUP_TURNS = 10;
const EXCERPT_CHARS = 300;

/** `#查对话 <staffId|昵称>`: that user's most recent turns, newest last, across their conversations. */
export async function lookUpHistory(
  who: string,
  deps: { users?: UserDirectory | undefined; history: HistoryStore; timeZone: string },
): Promise<string> {
  if (!who) return '用法：`#查对话 staffId` 或 `#查对话 昵称`';
  const found = (await deps.users?.find(who)) ?? [];
  if (found.length === 0) return `没有找到「${who}」的对话记录。`;
  const sections: string[] = [];
  // Every history at once: one round of reads on the volume, however many conversations they had.
  const histories = await Promise.all(
    found.map((user) => Promise.all(user.historyKeys.map((key) => deps.history.load(key, LOOKUP_TURNS)))),
  );
  for (const [index, user] of found.entries()) {
    const turns: Turn[] = (histories[index] ?? []).flat();
    const recent = turns.sort((a, b) => a.at - b.at).slice(-LOOKUP_TURNS);
    const name = user.staffId ? `${user.nick}（${user.staffId}）` : user.nick;
    sections.push(`### ${name} 最近 ${recent.length} 轮对话`);
    for (const turn of recent) {
      sections.push(
        `**🙋 ${formatTime(turn.at, deps.timeZone)}**\n\n${excerpt(turn.question)}`,
        `**🤖 答**\n\n${excerpt(turn.answer)}`,
      );
    }
  }
  return sections.join('\n\n');
}

/** `#统计`: today's answered messages and tokens per user, and the total. */
export async function renderStats(usage: UsageLog | undefined): Promise<string> {
  const rows = (await usage?.today()) ?? [];
  if (rows.length === 0) return '今天还没有人提问。';
  const total = rows.reduce(
    (sum, row) => ({
      messages: sum.messages + row.messages,
      promptTokens: sum.promptTokens + row.promptTokens,
      completionTokens: sum.completionTokens + row.completionTokens,
    }),
    { messages: 0, promptTokens: 0, completionTokens: 0 },
  );
  const line = (name: string, r: { messages: number; promptTokens: number; completionTokens: number }) =>
    `| ${name} | ${r.messages} | ${r.promptTokens} | ${r.completionTokens} |`;
  return [
    '**今天的使用情况**',
    '',
    '| 用户 | 消息 | 输入 tokens | 输出 tokens |',
    '|---|---|---|---|',
    ...rows.map((row) => line(row.staffId ? `${row.nick}（${row.staffId}）` : row.nick, row)),
    line('**合计**', total),
  ].join('\n');
}

function excerpt(text: string): string {
  const flat = text.trim();
  return flat.length > EXCERPT_CHARS ? `${flat.slice(0, EXCERPT_CHARS)}…` : flat;
}

function formatTime(at: number, timeZone: string): string {
  return new Date(at).toLocaleString('zh-CN', { timeZone, hour12: false });
}
