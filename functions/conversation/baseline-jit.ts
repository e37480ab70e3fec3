import { setFlagsFromString } from 'node:v8';

// conversation runs with a fifth of a vCPU, and V8's optimising compiler works on a background thread whose CPU
// comes out of the same quota: one 5–16 ms compile of a warm handler stalls the callbacks behind it. A callback
// runs well under a millisecond of JavaScript, which the baseline tiers (Ignition, Sparkplug) serve nearly as fast,
// so the optimising tier is capped for the whole instance. Measured: ack p99 about halved, p50 +0.1 ms (README).
setFlagsFromString('--max-opt=1');
