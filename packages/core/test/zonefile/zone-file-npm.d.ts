// Types for the parts of the untyped `zone-file` npm package (1.0.0) the interop tests use.
declare module 'zone-file' {
  export interface JsonZoneFile {
    $origin?: string;
    $ttl?: number;
    txt?: { name: string; txt: string | string[]; ttl?: number }[];
    uri?: { name: string; target: string; priority: number; weight: number; ttl?: number }[];
    a?: { name: string; ip: string; ttl?: number }[];
    [key: string]: unknown;
  }
  export function makeZoneFile(json: JsonZoneFile, template?: string): string;
  export function parseZoneFile(text: string): JsonZoneFile;
}
