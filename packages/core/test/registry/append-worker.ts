// Child process of local-ledger.test.ts: appends `count` NAME_UPDATEs to `name` in `metadataDir`.
import { openLocalLedger } from '../../src/registry/local-ledger.js';

const [metadataDir, name, count, tag] = process.argv.slice(2);
const ledger = await openLocalLedger(metadataDir!);
for (let i = 0; i < Number(count); i++) {
  await ledger.nameUpdate(name!, `$ORIGIN ${name}\n; writer ${tag} update ${i}\n`);
}
await ledger.close();
