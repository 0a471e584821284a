/** Config keys whose values are secrets: never printed, and scrubbed from any text we print. */
const SECRET_KEY = /secret|token|password|passphrase|credential|private|api_?key|access_key|auth/i;

// Credential shapes that SDK errors sometimes echo (presigned URLs, auth headers).
const SECRET_PATTERNS: readonly RegExp[] = [
  /(X-Amz-(?:Signature|Credential|Security-Token)=)[^&\s"']+/gi,
  /((?:access_token|refresh_token|client_secret|signature)=)[^&\s"']+/gi,
  /(Authorization:\s*\w+\s+)\S+/gi,
  /(Bearer\s+)[\w.~+/=-]{8,}/g,
];

/** True when a config key names a secret (`secret_access_key`, `access_token`, ...). */
export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

/**
 * Removes secrets from text before it reaches a terminal: every secret value it was told about
 * (config values under secret-looking keys, the data key) and common credential shapes.
 */
export class Redactor {
  private readonly secrets = new Set<string>();

  /** Remembers a secret value; values shorter than 6 characters are too likely to hit ordinary text. */
  add(secret: string | undefined): void {
    if (secret !== undefined && secret.length >= 6) this.secrets.add(secret);
  }

  /** Remembers the secret-looking values of config sections. */
  addSections(sections: Readonly<Record<string, Readonly<Record<string, string>>>>): void {
    for (const section of Object.values(sections)) {
      for (const [key, value] of Object.entries(section)) if (isSecretKey(key)) this.add(value);
    }
  }

  redact(text: string): string {
    let out = text;
    // Longest first, so a secret containing another is removed whole.
    for (const secret of [...this.secrets].sort((a, b) => b.length - a.length)) {
      out = out.split(secret).join('***');
    }
    for (const pattern of SECRET_PATTERNS) out = out.replace(pattern, '$1***');
    return out;
  }
}
