export { createJobQueue, type JobEnd, type JobQueue, ShutdownError } from './queue';
