/**
 * Splits PEM text into its blocks. `new X509Certificate(text)` silently reads only the first
 * certificate of a bundle (FACTS), so every multi-block input goes through here first.
 */
export interface PemBlock {
  /** `CERTIFICATE`, `PUBLIC KEY`, ... */
  label: string;
  /** The whole block, BEGIN and END lines included. */
  pem: string;
}

const BLOCK_RE = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n[\s\S]*?\r?\n?-----END \1-----/g;

export function splitPemBlocks(text: string): PemBlock[] {
  const blocks: PemBlock[] = [];
  for (const match of text.replace(/\r\n/g, '\n').matchAll(BLOCK_RE)) {
    blocks.push({ label: match[1] as string, pem: `${match[0]}\n` });
  }
  return blocks;
}
