export { readDiskStore2017, type StoreFile2017 } from './disk-store-2017.js';
export {
  type Import2017Options,
  type Import2017Outcome,
  type Import2017Status,
  import2017,
} from './import-2017.js';
