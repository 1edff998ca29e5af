import type { GatewayConfig } from '../config/gateway';
import type { ProfileSet } from '../edi/profile/profile-set';
import type { Store } from '../store/store';
import type { IntakeGate } from './intake-gate';
import type { VerdictCaches } from '../canonical/losses';
import type { Logger } from './logger';
import type { Maps } from './maps';
import type { Meter } from './meter';
import type { PartnerDirectory } from './partner-directory';

/** What every pipeline step works with: the config, the store, the partners and the shared caches. */
export interface PipelineContext {
  config: GatewayConfig;
  store: Store;
  partners: PartnerDirectory;
  profiles: ProfileSet;
  maps: Maps;
  logger: Logger;
  clock: () => Date;
  /** Wakes the workers when new work was committed (instead of waiting for their next poll). */
  kick?: () => void;
  /** Intake in this process, which this process's workers give way to (absent in worker processes). */
  intakeGate?: IntakeGate;
  /** What the pipeline counts (Prometheus in a running gateway); absent: nothing is counted. */
  meter?: Meter;
  /** What earlier loss checks of each route's translation found (src/canonical/losses.ts); absent: none kept. */
  lossVerdicts?: VerdictCaches;
}

/** The part of the context that needs no database: what `simulate` runs with. */
export type PipelineView = Omit<PipelineContext, 'store' | 'kick' | 'intakeGate'>;
