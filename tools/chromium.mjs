// How every test launches Chromium: the binary and flags of webdriver.json (which wasm-bindgen's
// test runner reads for the wasm suite), so that one list keeps every browser on 127.0.0.1.
import { readFileSync } from "node:fs";

const options = JSON.parse(readFileSync(new URL("../webdriver.json", import.meta.url), "utf8"))["goog:chromeOptions"];

/** Debian's Chromium. */
export const CHROMIUM = options.binary;

/**
 * Headless and quiet, and no host name resolves: every page is on 127.0.0.1 (an IP, never looked
 * up), and without the resolver rule Chromium still asks the system's DNS for Google's update and
 * sign-in hosts, despite the other flags.
 */
export const CHROMIUM_FLAGS = options.args;
