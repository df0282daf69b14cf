// scripts/wasm-names.mjs, which shortens the names the shipped wasm files and their glue call each
// other by: only those names change, both wasm files agree with the one glue, and a glue that calls
// something no wasm exports stops the build.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { renameGlue, renameWasm, shortNames } from "../../scripts/wasm-names.mjs";

const root = new URL("../../", import.meta.url);
const read = (path) => readFileSync(new URL(path, root));
// wasm-bindgen's output, as the build left it, and what the package ships.
const built = {
  proxy: read("target/bindgen/mps_aigc_bg.wasm"),
  client: read("target/bindgen-client/mps_aigc_bg.wasm"),
  node: read("target/bindgen-node/mps_aigc_bg.wasm"),
};
const shipped = { proxy: read("pkg/mps_aigc_proxy_bg.wasm"), client: read("pkg/mps_aigc_bg.wasm"), node: read("pkg/mps_aigc_node_bg.wasm") };
const names = shortNames([built.proxy, built.client, built.node]);

/** The module's sections: [id, bytes]. */
function sections(bytes) {
  const list = [];
  for (let at = 8; at < bytes.length; ) {
    const id = bytes[at];
    let size = 0;
    let shift = 0;
    let byte;
    at++;
    do {
      byte = bytes[at++];
      size |= (byte & 0x7f) << shift;
      shift += 7;
    } while (byte & 0x80);
    list.push([id, bytes.subarray(at, at + size)]);
    at += size;
  }
  return list;
}

for (const which of ["client", "node", "proxy"]) {
  test(`the ${which}'s shipped wasm is the built one with short names, every other byte kept`, () => {
    assert.deepEqual(renameWasm(built[which], names), shipped[which]);
    const before = sections(built[which]);
    const after = sections(shipped[which]);
    assert.deepEqual(after.map(([id]) => id), before.map(([id]) => id));
    for (let i = 0; i < before.length; i++) {
      if (before[i][0] === 2 || before[i][0] === 7) continue;
      assert.ok(before[i][1].equals(after[i][1]), `section ${i} (id ${before[i][0]}) changed`);
    }
    const old = new WebAssembly.Module(built[which]);
    const now = new WebAssembly.Module(shipped[which]);
    const imports = WebAssembly.Module.imports(old).map(({ module, name, kind }) => ({
      module: names.spaces.get(module),
      name: module === "./mps_aigc_bg.js" ? names.imports.get(name) : name,
      kind,
    }));
    assert.deepEqual(WebAssembly.Module.imports(now), imports);
    const exports = WebAssembly.Module.exports(old).map(({ name, kind }) => ({ name: names.exports.get(name), kind }));
    assert.deepEqual(WebAssembly.Module.exports(now), exports);
    for (const { name } of exports) assert.ok(name.length <= 2, `${name} is short`);
  });
}

test("one mapping: the client's names are the proxy's, which has every name the client has", () => {
  const proxyOnly = shortNames([built.proxy]);
  for (const key of ["imports", "exports", "spaces"]) {
    for (const [name, to] of proxyOnly[key]) assert.equal(names[key].get(name), to, `${key}: ${name}`);
  }
  // The snippets' imports keep their names: they are what support.js exports.
  const snippet = WebAssembly.Module.imports(new WebAssembly.Module(shipped.proxy)).filter(({ module }) => module !== "a");
  assert.ok(snippet.length > 0);
  for (const { name } of snippet) assert.match(name, /^[a-z][A-Za-z]{3,}$/);
});

test("the glue is renamed where it names the wasm's imports, modules and exports, and nowhere else", () => {
  const glue = [
    "function f() { return wasm.client_new(1) + wasm.memory.buffer.byteLength; }",
    "const imports = {",
    "        __wbg_isArray_92aff219780cc650: function(arg0) {",
    "            return Array.isArray(arg0); // __wbg_isArray_92aff219780cc650 in a comment stays",
    "        },",
    '    "./mps_aigc_bg.js": import0,',
    "};",
  ].join("\n");
  const small = {
    imports: new Map([["__wbg_isArray_92aff219780cc650", "a"]]),
    exports: new Map([
      ["memory", "a"],
      ["client_new", "b"],
    ]),
    spaces: new Map([["./mps_aigc_bg.js", "a"]]),
  };
  const renamed = renameGlue(glue, small);
  assert.match(renamed, /return wasm\.b\(1\) \+ wasm\.a\.buffer\.byteLength/);
  assert.match(renamed, /^ {8}a: function\(arg0\) \{$/m);
  assert.match(renamed, /\/\/ __wbg_isArray_92aff219780cc650 in a comment stays/);
  assert.match(renamed, /"a": import0/);
  assert.throws(() => renameGlue(glue + "\nwasm.gone();", small), /the glue calls wasm\.gone, which no wasm exports/);
  const lacking = { ...small, imports: new Map([...small.imports, ["__wbg_other_0123456789abcdef", "b"]]) };
  assert.throws(() => renameGlue(glue, lacking), /the glue provides no import __wbg_other_0123456789abcdef/);
  assert.throws(() => renameWasm(Buffer.from("not wasm at all"), small), /not a wasm module/);
});
