// Tests are written in TypeScript and compiled by `npm run build`; ava runs the emitted JavaScript.
export default {
  files: ["dist/test/**/*.test.js"],
  timeout: "60s",
  workerThreads: false,
  concurrency: 2,
};
