export { sealSecrets, openSecrets, type SecretEnvelope, type InstallBinding } from './envelope.js';
export {
  encryptValue,
  decryptValue,
  needsReencryption,
  type EncryptedValue,
  type SecretBinding,
} from './secret-value.js';
export { SecretsError, type SecretsErrorCode } from './secrets-error.js';
