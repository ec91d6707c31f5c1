// Mocha's globals as the browser tests use them (the project does not pull in @types/mocha).
declare function describe(name: string, body: () => void): void;
declare function it(name: string, body: () => unknown): void;
declare function before(body: () => unknown): void;
declare function after(body: () => unknown): void;
declare function afterEach(body: () => unknown): void;
