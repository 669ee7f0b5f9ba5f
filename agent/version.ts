// Replaced at bundle time by scripts/build.mjs; falls back for tests run from source.
declare const __RUNNERGUARD_VERSION__: string | undefined;
export const VERSION: string = typeof __RUNNERGUARD_VERSION__ === 'string' ? __RUNNERGUARD_VERSION__ : '0.0.0-dev';

/** The project's home, for reports that link to the tool (SARIF informationUri). packaging/ names the same URL. */
export const HOMEPAGE = 'https://github.com/runnerguard/runnerguard';
