// Compiles Solidity with solc-js (offline) and returns { abi, bytecode } per contract.
// Usage as a script: node compile.mjs <file.sol> <ContractName>  -> prints the bytecode hex.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const solc = require('solc');

/** EVM version the chain's REVM interpreter is tested against. */
export const EVM_VERSION = 'cancun';

export function compile(file) {
  const source = fs.readFileSync(file, 'utf8');
  const input = {
    language: 'Solidity',
    sources: { [path.basename(file)]: { content: source } },
    settings: {
      optimizer: { enabled: true, runs: 200 },
      evmVersion: EVM_VERSION,
      outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } },
    },
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input)));
  const errors = (output.errors || []).filter((e) => e.severity === 'error');
  if (errors.length) {
    throw new Error(errors.map((e) => e.formattedMessage).join('\n'));
  }
  const contracts = {};
  for (const [name, c] of Object.entries(output.contracts[path.basename(file)])) {
    contracts[name] = { abi: c.abi, bytecode: '0x' + c.evm.bytecode.object };
  }
  return contracts;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [file, name] = process.argv.slice(2);
  if (!file || !name) {
    console.error('usage: node compile.mjs <file.sol> <ContractName>');
    process.exit(2);
  }
  const c = compile(file)[name];
  if (!c) {
    console.error(`no contract ${name} in ${file}`);
    process.exit(1);
  }
  process.stdout.write(c.bytecode.slice(2));
}
