/**
 * The demo's cloud storage: Azurite's blob service inside this process, in memory, on a free loopback port.
 * The server classes are loaded from Azurite's dist folder because the package's main export is its VS Code
 * extension. The API version check is off because the current @azure/storage-blob sends a newer version than
 * Azurite knows; `loose` tolerates headers Azurite does not implement.
 */
import BlobConfiguration from 'azurite/dist/src/blob/BlobConfiguration';
import BlobServer from 'azurite/dist/src/blob/BlobServer';

export const DEV_ACCOUNT = 'devstoreaccount1';
/** Azurite's published, well-known development account key: not a secret. */
export const DEV_ACCOUNT_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface EmbeddedAzurite {
  blobEndpoint: string;
  connectionString: string;
  stop(): Promise<void>;
}

export async function startEmbeddedAzurite(): Promise<EmbeddedAzurite> {
  const config = new BlobConfiguration(
    '127.0.0.1',
    0,
    undefined,
    '__dmgw_demo_blob__.json',
    '__dmgw_demo_blob_extent__.json',
    undefined,
    false, // access log
    undefined,
    false, // debug log
    undefined,
    true, // loose
    true, // skipApiVersionCheck
    '',
    '',
    '',
    undefined,
    false,
    true, // in-memory persistence
  );
  const server = new BlobServer(config);
  await server.start();
  const blobEndpoint = `${server.getHttpServerAddress()}/${DEV_ACCOUNT}`;
  return {
    blobEndpoint,
    connectionString: `DefaultEndpointsProtocol=http;AccountName=${DEV_ACCOUNT};AccountKey=${DEV_ACCOUNT_KEY};BlobEndpoint=${blobEndpoint};`,
    stop: async () => {
      await server.close();
      await server.clean().catch(() => undefined);
    },
  };
}
