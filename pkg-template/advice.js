// Model-specific advice, for every task kind (kinds.js, generated, names one adviser per kind).
import { standaloneGlue } from "./loader.js";
import { jsonText } from "./plain.js";
import { KINDS } from "./vocab.js";

/**
 * The adviser of kind number `kind`: request → `[{ field, message }]`. It never refuses a request
 * (one that create would refuse gets the advice its readable fields allow); only a value that is
 * not JSON data at all (a cyclic object, a BigInt, a throwing getter) is an error, as for create.
 */
export function adviser(kind) {
  const name = `adviseAigc${KINDS[kind].noun}Task`;
  return function advise(request) {
    return JSON.parse(standaloneGlue(name).advise(kind, jsonText(request, "")));
  };
}
