export * from './props';
export * from './rollout';
export * from './definition';
export * from './web-service';
export * from './worker';
export * from './scheduled-task';
export * from './catalog';
export * from './rollback-bound';
