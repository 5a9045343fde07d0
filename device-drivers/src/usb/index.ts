export * from './catalogue';
export * from './hotplug';
