import { GatewayError } from '../errors';
import type { KeyedJob } from '../store/queue';
import type { Store } from '../store/store';
import type { PipelineContext } from './context';

/** What a replay of a message's processing queued. */
export interface ReplayedProcessing {
  messageId: string;
  partnerId: string | null;
  /** 1 for the first replay of this message's processing, 2 for the next, … */
  replay: number;
  /** The key of the job it queued (`<message>:process:replay:N`), for a caller that runs it at once. */
  key: string;
}

/** Where a message's processing stands, as the console's message page and `replay` tell it. */
export type ProcessingState =
  { state: 'none' } | { state: 'waiting' | 'done'; at: Date } | { state: 'dead'; at: Date; error: string | null };

const processKey = (messageId: string) => `${messageId}:process`;

/** The job of the message's processing that counts: the latest of the first and its replays. */
function current(line: KeyedJob[]): KeyedJob | undefined {
  return line[line.length - 1];
}

function stateOf(job: KeyedJob | undefined): ProcessingState {
  if (!job) return { state: 'none' };
  if (job.status === 'dead') return { state: 'dead', at: job.updatedAt, error: job.lastError };
  if (job.status === 'done' || job.status === 'replayed') return { state: 'done', at: job.updatedAt };
  return { state: 'waiting', at: job.updatedAt };
}

/** Where the processing of a message stands: never queued (an outbound message), waiting, done, or dead. */
export async function processingState(store: Store, messageId: string): Promise<ProcessingState> {
  return stateOf(current(await store.read((m) => store.queue.lineOf(processKey(messageId), m))));
}

/**
 * Processes a message again whose `process` job was dead-lettered (EDIGW_JOB_FAILED, _ABANDONED,
 * _CRASHED), once its cause is fixed (a partner file, a map): a fresh job with a fresh round of
 * attempts, carrying what the dead one carried, so a large payload streamed in batches resumes after
 * the last batch that committed rather than recording it twice. A message processed already is
 * refused (EDIGW_ALREADY_PROCESSED): its interchanges, acknowledgements and deliveries exist, and
 * running it again would make them twice; its dead deliveries are replayed on their own.
 */
export async function replayProcessing(ctx: PipelineContext, messageId: string): Promise<ReplayedProcessing> {
  const { store } = ctx;
  return store.transaction(async (m) => {
    const message = await store.message(messageId, m);
    if (!message) throw new GatewayError('EDIGW_ADMIN_MESSAGE_UNKNOWN', `replay the processing of ${messageId}`);
    const line = await store.queue.lineOf(processKey(messageId), m);
    const dead = deadOrRefused(message.id, message.direction, current(line));
    // Fenced: of two replays at once, the second finds the dead job retired and queues nothing.
    if ((await store.queue.retireReplayed(processKey(messageId), m)) === 0)
      throw new GatewayError('EDIGW_NOT_DEAD', `message ${messageId}: its processing was replayed meanwhile`);
    const replay = line.length;
    const key = `${processKey(messageId)}:replay:${replay}`;
    await store.queue.enqueue({ kind: 'process', key, messageId, data: dead.data, maxAttempts: dead.maxAttempts }, m);
    await store.setMessageStatus(messageId, 'received', null, m);
    await store.event(
      {
        stage: 'replayed',
        messageId,
        partnerId: message.partnerId,
        detail: `processing queued again (replay ${replay}); it had been dead-lettered: ${dead.lastError ?? 'no error recorded'}`,
      },
      m,
    );
    return { messageId, partnerId: message.partnerId, replay, key };
  });
}

/** The dead job a replay starts again from, or the refusal that says why there is none. */
function deadOrRefused(id: string, direction: string, last: KeyedJob | undefined): KeyedJob {
  if (!last)
    throw new GatewayError(
      'EDIGW_NOT_DEAD',
      `message ${id} (${direction}) has no processing to replay: only a received message is processed`,
    );
  if (last.status === 'done' || last.status === 'replayed')
    throw new GatewayError(
      'EDIGW_ALREADY_PROCESSED',
      `message ${id} was processed at ${last.updatedAt.toISOString()}; a dead delivery of it is replayed by ` +
        'its own id, and the same bytes can be submitted again as a new message',
    );
  if (last.status !== 'dead')
    throw new GatewayError('EDIGW_NOT_DEAD', `message ${id}: its processing is ${last.status}, not dead-lettered`);
  return last;
}
