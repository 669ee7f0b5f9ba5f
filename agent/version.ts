// Replaced at bundle time by scripts/build.mjs; falls back for tests run from source.
declare const __RUNNERGUARD_VERSION__: string | undefined;
export const VERSION: string = typeof __RUNNERGUARD_VERSION__ === 'string' ? __RUNNERGUARD_VERSION__ : '0.0.0-dev';
