export * from './acl';
export * from './process';
