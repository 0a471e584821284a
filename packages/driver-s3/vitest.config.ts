import { defineProject } from 'vitest/config';

// Tests talk to a real radosgw (scripts/s3-server.sh); multipart cases move tens of MiB on 2 cores.
export default defineProject({ test: { name: 'driver-s3', testTimeout: 120_000, hookTimeout: 120_000 } });
