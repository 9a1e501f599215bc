// Tokenize files with editors/vscode's TextMate grammar, as VS Code does
// (vscode-textmate with the Oniguruma regex engine), and print the tokens as JSON:
//   node tokenize.mjs GRAMMAR FILE...  ->  {"FILE": [[line, column, text, [scopes]], ...]}
// line and column count from 1, the column in characters (as carepath counts).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import oniguruma from "vscode-oniguruma";
import textmate from "vscode-textmate";

const require = createRequire(import.meta.url);
const wasm = readFileSync(require.resolve("vscode-oniguruma/release/onig.wasm")).buffer;
await oniguruma.loadWASM(wasm);

const [grammarPath, ...files] = process.argv.slice(2);
const registry = new textmate.Registry({
  onigLib: Promise.resolve({
    createOnigScanner: (patterns) => new oniguruma.OnigScanner(patterns),
    createOnigString: (text) => new oniguruma.OnigString(text),
  }),
  loadGrammar: async () =>
    textmate.parseRawGrammar(readFileSync(grammarPath, "utf8"), grammarPath),
});
const grammar = await registry.loadGrammar("source.carepath");
const out = {};
for (const file of files) {
  const tokens = [];
  let state = textmate.INITIAL;
  readFileSync(file, "utf8").split(/\r?\n/).forEach((line, number) => {
    const result = grammar.tokenizeLine(line, state);
    for (const token of result.tokens) {
      const column = Array.from(line.slice(0, token.startIndex)).length + 1;
      tokens.push([number + 1, column, line.slice(token.startIndex, token.endIndex), token.scopes]);
    }
    state = result.ruleStack;
  });
  out[file] = tokens;
}
process.stdout.write(JSON.stringify(out));
