const { StorageEmulator } = require('firebase-tools/lib/emulator/storage');
const port = Number(process.env.GCS_PORT || 9199);
const emu = new StorageEmulator({
  host: '127.0.0.1',
  port,
  projectId: 'demo-feas',
  rules: [],
  auto_download: false,
});
emu._rulesRuntime.start = async () => {};
emu._rulesRuntime.stop = async () => {};
emu._rulesManager = {
  start: async () => {},
  stop: async () => {},
  getRuleset: () => undefined,
  close: async () => {},
};
require('firebase-tools/lib/emulator/registry')
  .EmulatorRegistry.start(emu)
  .then(
    () => console.log('storage emulator on', port),
    (e) => {
      console.error('START FAIL', e);
      process.exit(1);
    },
  );
