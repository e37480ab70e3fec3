import type { Env } from '../../src/config/read-env';
import { readEnv } from '../../src/config/read-env';
import type { CheckResult } from './check-result';

const NAME = 'DINGTALK_APP_SECRET / DINGTALK_APP_KEY look like DingTalk credentials';
const WHERE = 'copy it from 开发者后台 → 凭证与基础信息 → Client Secret';
// DingTalk Client Secrets are long random strings of letters, digits, '_' and '-'.
const SECRET_FORM = /^[A-Za-z0-9_-]{32,128}$/;
const APP_KEY_FORM = /^ding[A-Za-z0-9]+$/;

/** Catches the usual copy-paste mistakes in the AppSecret and AppKey without ever showing their values. */
export function checkAppCredentials(env: Env): CheckResult {
  const secrets = splitList(readEnv(env, ['DINGTALK_APP_SECRET'])?.value);
  if (secrets.length === 0) {
    return { status: 'FAIL', name: NAME, detail: `DINGTALK_APP_SECRET is not set: ${WHERE}` };
  }
  const problems = secrets.flatMap((secret, index) => {
    const which = secrets.length > 1 ? `DINGTALK_APP_SECRET item ${index + 1}` : 'DINGTALK_APP_SECRET';
    const problem = describeSecretProblem(secret);
    return problem ? [`${which} ${problem}: ${WHERE}, without spaces or quotes`] : [];
  });
  const keys = splitList(readEnv(env, ['DINGTALK_APP_KEY'])?.value);
  keys.forEach((key, index) => {
    if (APP_KEY_FORM.test(key)) return;
    const which = keys.length > 1 ? `DINGTALK_APP_KEY item ${index + 1}` : 'DINGTALK_APP_KEY';
    problems.push(
      `${which} does not look like an AppKey (ding followed by letters and digits): copy the Client ID from ` +
        '开发者后台 → 凭证与基础信息',
    );
  });
  if (problems.length > 0) return { status: 'FAIL', name: NAME, detail: problems.join('; ') };
  const detail = `${secrets.length} AppSecret${secrets.length > 1 ? 's' : ''}${keys.length > 0 ? `, AppKey ${keys.join(', ')}` : ''}`;
  return { status: 'OK', name: NAME, detail };
}

/** What is wrong with one secret, in words that reveal nothing of it but its length. */
function describeSecretProblem(secret: string): string | undefined {
  if (SECRET_FORM.test(secret)) return undefined;
  if (/\s/.test(secret)) return 'contains spaces';
  if (/["'`“”‘’]/.test(secret)) return 'contains quotes';
  if (secret.length < 32 || secret.length > 128) {
    return `is ${secret.length} characters long; a Client Secret has 32 to 128`;
  }
  return "has characters other than letters, digits, '_' and '-'";
}

function splitList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}
