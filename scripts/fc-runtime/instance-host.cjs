// One emulated FC instance: a separate Node process that loads a built bundle at start (reading its environment
// then, as FC does at cold start) and runs handler(event: Buffer, context) for each invocation it is sent.
const { performance } = require('node:perf_hooks');

const bundlePath = process.argv[2];
const loadStarted = performance.now();
const bundle = require(bundlePath);
const loadMs = performance.now() - loadStarted;

process.on('message', async (message) => {
  if (message.type === 'flush') {
    process.stdout.write(`\n${message.marker}\n`);
    return;
  }
  if (message.type !== 'invoke') return;
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  try {
    const result = await bundle.handler(Buffer.from(message.event, 'base64'), message.context);
    const durationMs = performance.now() - started;
    process.send({
      type: 'result',
      id: message.id,
      result,
      durationMs,
      cpuMs: cpuMsSince(cpuBefore),
      ...memory(),
    });
  } catch (error) {
    const durationMs = performance.now() - started;
    process.send({
      type: 'result',
      id: message.id,
      error: String(error?.stack ?? error),
      durationMs,
      ...memory(),
    });
  }
});

/** CPU time (user + system) this process used since `before`: the handler's, when it runs alone. */
function cpuMsSince(before) {
  const { user, system } = process.cpuUsage(before);
  return (user + system) / 1000;
}

/** Resident memory now, and the process's peak so far (maxRSS is in KB). */
function memory() {
  return { rssBytes: process.memoryUsage.rss(), maxRssBytes: process.resourceUsage().maxRSS * 1024 };
}

process.send({ type: 'ready', loadMs, ...memory() });
