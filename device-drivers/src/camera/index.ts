export * from './gst-camera';
export * from './multipart';
export * from './pipeline';
