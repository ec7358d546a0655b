/**
 * Types for the two Azurite modules the demo loads directly. Azurite's package main is its VS Code extension and
 * it ships no typings, so only what the demo calls is declared here (azurite 3.37, dist/src/blob/*).
 */
declare module 'azurite/dist/src/blob/BlobConfiguration' {
  export default class BlobConfiguration {
    constructor(
      host?: string,
      port?: number,
      keepAliveTimeout?: number,
      metadataDBPath?: string,
      extentDBPath?: string,
      persistencePathArray?: unknown[],
      enableAccessLog?: boolean,
      accessLogWriteStream?: unknown,
      enableDebugLog?: boolean,
      debugLogFilePath?: string,
      loose?: boolean,
      skipApiVersionCheck?: boolean,
      cert?: string,
      key?: string,
      pwd?: string,
      oauth?: string,
      disableProductStyleUrl?: boolean,
      isMemoryPersistence?: boolean,
    );
  }
}

declare module 'azurite/dist/src/blob/BlobServer' {
  import type BlobConfiguration from 'azurite/dist/src/blob/BlobConfiguration';
  export default class BlobServer {
    constructor(configuration: BlobConfiguration);
    start(): Promise<void>;
    close(): Promise<void>;
    clean(): Promise<void>;
    /** `http://127.0.0.1:PORT` once started */
    getHttpServerAddress(): string;
  }
}
