/** HTTP DTOs of the cloud control plane (request bodies and responses). Owned by the cloud. */
export const CLOUD_API_VERSION = 'v1';
