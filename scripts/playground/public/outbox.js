/**
 * The composer's outbox: messages are sent one at a time, in the order they were submitted, however fast they
 * come. A message submitted while another is still sending waits its turn instead of being dropped; when a send
 * fails, it and every message queued after it are handed back (onFailure), so nothing typed is ever lost.
 * No DOM use: unit tests import it.
 */
export function createOutbox({ post, onChange = () => {}, onFailure = () => {} }) {
  const queue = [];
  let draining = false;

  async function drain() {
    if (draining) return;
    draining = true;
    try {
      while (queue.length > 0) {
        const error = await post(queue[0]).catch(() => '发送失败：连不上演练场服务');
        if (error) {
          onFailure(queue.splice(0), error);
          break;
        }
        queue.shift();
        onChange(queue.length);
      }
    } finally {
      draining = false;
      onChange(queue.length);
    }
  }

  return {
    /** Queues a message; `post(message)` resolves to an error line, or to nothing once it is sent. */
    add(message) {
      queue.push(message);
      onChange(queue.length);
      return drain();
    },
    /** Messages not yet sent, the one being sent included. */
    get size() {
      return queue.length;
    },
  };
}
