/** Footage: segment index entries, evidence manifests, handover (archive upload) DTOs. Owned by recording. */
export {};
