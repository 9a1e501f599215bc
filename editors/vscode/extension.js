// Starts `carepath lsp` (the command in the carepath.command setting) for .cpath
// files. Everything else (diagnostics, hover, completion, fixes) comes from it.
"use strict";
const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const [command, ...args] = vscode.workspace
    .getConfiguration("carepath")
    .get("command", ["carepath", "lsp"]);
  client = new LanguageClient(
    "carepath",
    "carepath",
    { command, args },
    { documentSelector: [{ scheme: "file", language: "carepath" }] },
  );
  context.subscriptions.push(client);
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
