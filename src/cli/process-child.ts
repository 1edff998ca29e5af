/**
 * The child process that runs one `process` job of a large payload under a heap cap of its own
 * (src/pipeline/process-child.ts starts it): it opens the gateway's config and store, runs the job it
 * is sent, answers over IPC and exits. Should it run out of heap, it dies alone: the gateway and its
 * intake stay up, and the job's lease and crash count bring it back or dead-letter it.
 */
import { openContext } from '../open';
import type { PipelineContext } from '../pipeline/context';
import { createLogger } from '../pipeline/logger';
import { processMessage } from '../pipeline/process';
import { answerOf, type ChildAnswer, type ChildRequest } from '../pipeline/process-child';
import type { Job } from '../store/queue';

// The gateway that started this child is gone (its IPC channel closed): stop at once. What committed
// stays; the batch in hand rolls back, and the job's lease brings it back.
const orphaned = () => process.exit(1);
process.once('disconnect', orphaned);

function answer(a: ChildAnswer): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send) return resolve();
    process.send(a, undefined, {}, () => resolve());
  });
}

async function run(req: ChildRequest): Promise<void> {
  const logger = createLogger();
  let ctx: PipelineContext | undefined;
  let a: ChildAnswer;
  try {
    ctx = await openContext({ configFile: req.configFile, logger });
    await processMessage(ctx, req.job as Job);
    a = { ok: true };
  } catch (e) {
    a = answerOf(e);
  }
  // Answered before the store closes: the gateway's heartbeat stops renewing a completed job's lease
  // as soon as it hears of it.
  await answer(a);
  await ctx?.store.close().catch(() => undefined);
  process.off('disconnect', orphaned);
  process.disconnect();
}

process.once('message', (req: ChildRequest) => {
  void run(req);
});
