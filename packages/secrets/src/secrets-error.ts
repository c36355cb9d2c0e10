/** Why sealed data could not be opened. Messages never carry key material or plaintext. */
export type SecretsErrorCode = 'NO_KEYS' | 'UNKNOWN_KEY' | 'MALFORMED' | 'DECRYPT_FAILED' | 'INVALID_INPUT';

export class SecretsError extends Error {
  constructor(
    readonly code: SecretsErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'SecretsError';
  }
}
