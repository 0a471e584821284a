export {
  type ChaosControls,
  type ChaosDriver,
  type ChaosDriverOptions,
  createChaosDriver,
} from './chaos-driver.js';
export {
  type ChaosOperation,
  type Fault,
  type FaultContext,
  type FaultEvent,
  type FaultKind,
  type FaultRule,
  faultApplies,
} from './faults.js';
export { seededRandom } from './seeded-random.js';
