// Types for scripts/chromium.mjs, for the TypeScript tests that launch Chromium with puppeteer.
export declare const chromiumPath: string;
export declare const chromiumArgs: string[];
