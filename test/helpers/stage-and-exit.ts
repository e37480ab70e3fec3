// Run in its own process by the staged-code tests: stages a bundle, says where, then exits normally.
import { existsSync } from 'node:fs';
import { stageCode } from '../../scripts/fc-runtime/staged-code';

const [bundle = '', root = ''] = process.argv.slice(2);
const staged = stageCode(bundle, root);
console.log(JSON.stringify({ staged, existed: existsSync(staged) }));
