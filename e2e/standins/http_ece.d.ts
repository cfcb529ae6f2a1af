/** Types for the `http_ece` package (RFC 8188 / RFC 8291), used only to check our push encryption. */
declare module "http_ece" {
  import type { ECDH } from "node:crypto";

  interface EceParams {
    version: "aes128gcm" | "aesgcm" | "aesgcm128";
    /** The receiver's ECDH key (decrypt) or the sender's (encrypt). */
    privateKey?: ECDH;
    /** The other side's public key, base64url or Buffer (not needed to decrypt aes128gcm). */
    dh?: string | Buffer;
    /** The subscription's auth secret, base64url. */
    authSecret?: string;
    key?: string | Buffer;
    salt?: string | Buffer;
    keyid?: string;
    rs?: number;
  }
  const ece: {
    decrypt(buffer: Buffer, params: EceParams): Buffer;
    encrypt(buffer: Buffer, params: EceParams): Buffer;
  };
  export default ece;
}
