// Short names for what the wasm and wasm-bindgen's glue call each other by. wasm-bindgen names each
// import after its Rust binding plus a 16-digit hash (`__wbg_isArray_92aff219780cc650`), and each
// export after its Rust item (`client_waiter`); the names travel twice, in the wasm and in the glue,
// and hashes do not compress: together about 2 KB of every download (gzip). Here they become `a`,
// `b`, ... in the wasm files and in the glue alike.
//
// One mapping serves every wasm the package ships, so that the proxy build's glue still drives the
// client's wasm (see scripts/assemble-pkg.mjs). Binaryen's --minify-imports-and-exports numbers
// each module's names in its own order, so two modules would disagree, and webassemblyjs's editor
// cannot read SIMD instructions: hence this rewrite of the two sections, byte for byte otherwise.

/** Builds one mapping for `modules` (the wasm files' bytes, the one with everything first). */
export function shortNames(modules) {
  const imports = new Map();
  const exports = new Map();
  const spaces = new Map(); // import module names
  for (const bytes of modules) {
    const module = new WebAssembly.Module(bytes);
    for (const { module: space, name } of WebAssembly.Module.imports(module)) {
      if (!spaces.has(space)) spaces.set(space, short(spaces.size));
      // Only the glue's own imports: a snippet's are the names its module exports.
      if (space === GLUE && !imports.has(name)) imports.set(name, short(imports.size));
    }
    for (const { name } of WebAssembly.Module.exports(module)) {
      if (!exports.has(name)) exports.set(name, short(exports.size));
    }
  }
  return { imports, exports, spaces };
}

/** The part of `names` that the wasm `bytes` uses: for renaming the glue made for that wasm alone. */
export function namesOf(names, bytes) {
  const module = new WebAssembly.Module(bytes);
  const imports = WebAssembly.Module.imports(module);
  const pick = (map, keys) => new Map([...new Set(keys)].map((key) => [key, map.get(key)]));
  return {
    imports: pick(names.imports, imports.filter(({ module: space }) => space === GLUE).map(({ name }) => name)),
    exports: pick(names.exports, WebAssembly.Module.exports(module).map(({ name }) => name)),
    spaces: pick(names.spaces, imports.map(({ module: space }) => space)),
  };
}

/** The module name under which the glue provides its imports. */
const GLUE = "./mps_aigc_bg.js";

/** The wasm `bytes` with its imports and exports renamed by `names`; everything else as it was. */
export function renameWasm(bytes, names) {
  const out = [bytes.subarray(0, 8)];
  if (bytes.readUInt32LE(0) !== 0x6d736100 || bytes.readUInt32LE(4) !== 1) throw new Error("wasm-names: not a wasm module");
  let at = 8;
  while (at < bytes.length) {
    const id = bytes[at];
    const [size, start] = leb(bytes, at + 1);
    const end = start + size;
    const body = bytes.subarray(start, end);
    if (id === 2 || id === 7) {
      const renamed = id === 2 ? importSection(body, names) : exportSection(body, names);
      out.push(Buffer.from([id]), uleb(renamed.length), renamed);
    } else {
      out.push(bytes.subarray(at, end));
    }
    at = end;
  }
  return Buffer.concat(out);
}

/**
 * The glue `text` with every name it shares with the wasm renamed by `names`. Throws if a name the
 * glue uses is not in the mapping, or one in the mapping is not where the glue was expected to have it.
 */
export function renameGlue(text, names) {
  let glue = text;
  for (const [name, to] of names.imports) {
    // The import object's keys: `        __wbg_isArray_92aff219780cc650: function(arg0) {`
    const key = new RegExp(`^(\\s+)${name}(: function)`, "m");
    if (!key.test(glue)) throw new Error(`wasm-names: the glue provides no import ${name}`);
    glue = glue.replace(key, `$1${to}$2`);
  }
  for (const [space, to] of names.spaces) {
    const key = `${JSON.stringify(space)}: import`;
    if (!glue.includes(key)) throw new Error(`wasm-names: the glue provides no import module ${space}`);
    glue = glue.replace(key, `${JSON.stringify(to)}: import`);
  }
  glue = glue.replace(/\bwasm\.(\w+)/g, (_, name) => {
    const to = names.exports.get(name);
    if (!to) throw new Error(`wasm-names: the glue calls wasm.${name}, which no wasm exports`);
    return `wasm.${to}`;
  });
  return glue;
}

/** The n-th short name: a to z, A to Z, then two letters, and so on. */
function short(n) {
  const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  let name = "";
  do {
    name = letters[n % letters.length] + name;
    n = Math.floor(n / letters.length) - 1;
  } while (n >= 0);
  return name;
}

function importSection(body, names) {
  const parts = [];
  let [count, at] = leb(body, 0);
  parts.push(uleb(count));
  for (; count > 0; count--) {
    let space, name;
    [space, at] = str(body, at);
    [name, at] = str(body, at);
    const start = at;
    at = skipImportDescription(body, at);
    const renamed = space === GLUE ? names.imports.get(name) : name;
    const to = names.spaces.get(space);
    if (renamed === undefined || to === undefined) throw new Error(`wasm-names: no short name for the import ${space} ${name}`);
    parts.push(encodeStr(to), encodeStr(renamed), body.subarray(start, at));
  }
  if (at !== body.length) throw new Error("wasm-names: the import section has bytes after its imports");
  return Buffer.concat(parts);
}

function exportSection(body, names) {
  const parts = [];
  let [count, at] = leb(body, 0);
  parts.push(uleb(count));
  for (; count > 0; count--) {
    let name;
    [name, at] = str(body, at);
    const start = at;
    at = leb(body, at + 1)[1]; // the kind, then the index
    const to = names.exports.get(name);
    if (to === undefined) throw new Error(`wasm-names: no short name for the export ${name}`);
    parts.push(encodeStr(to), body.subarray(start, at));
  }
  if (at !== body.length) throw new Error("wasm-names: the export section has bytes after its exports");
  return Buffer.concat(parts);
}

/** Past an import's description: a function's type, a table, a memory, a global, a tag. */
function skipImportDescription(body, at) {
  const kind = body[at++];
  if (kind === 0x00) return leb(body, at)[1];
  if (kind === 0x01) {
    if (body[at] !== 0x70 && body[at] !== 0x6f) throw new Error("wasm-names: an imported table of a type this does not read");
    return skipLimits(body, at + 1);
  }
  if (kind === 0x02) return skipLimits(body, at);
  if (kind === 0x03) {
    if (body[at] >= 0x60 && body[at] <= 0x6e) throw new Error("wasm-names: an imported global of a type this does not read");
    return at + 2; // a value type, then mutability
  }
  if (kind === 0x04 && body[at] === 0x00) return leb(body, at + 1)[1];
  throw new Error(`wasm-names: an import of kind ${kind}, which this does not read`);
}

function skipLimits(body, at) {
  const flags = body[at++];
  at = leb(body, at)[1];
  return flags & 1 ? leb(body, at)[1] : at;
}

/** An unsigned LEB128 at `at`: [value, where it ends]. */
function leb(bytes, at) {
  let value = 0;
  let scale = 1;
  for (;;) {
    const byte = bytes[at++];
    if (byte === undefined) throw new Error("wasm-names: the wasm ends inside a number");
    value += (byte & 0x7f) * scale;
    scale *= 128;
    if (byte < 0x80) return [value, at];
  }
}

function uleb(value) {
  const bytes = [];
  do {
    let byte = value % 128;
    value = Math.floor(value / 128);
    if (value > 0) byte |= 0x80;
    bytes.push(byte);
  } while (value > 0);
  return Buffer.from(bytes);
}

function str(bytes, at) {
  const [length, start] = leb(bytes, at);
  return [bytes.toString("utf8", start, start + length), start + length];
}

function encodeStr(text) {
  const bytes = Buffer.from(text, "utf8");
  return Buffer.concat([uleb(bytes.length), bytes]);
}
