export * from './flash';
export * from './mountinfo';
export * from './safety';
export * from './target';
