/** Face verification result shapes shared by the edge CLI and records. Owned by the face engine. */
export {};
