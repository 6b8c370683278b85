#!/usr/bin/env node
// The load generator on its own (`node dist/bench/main.js …`, same options as `petrel bench`), for
// machines or scripts that only need the benchmark.
import { Command } from 'commander';
import { registerBenchCommand } from '../cli/bench.js';

const program = new Command('petrel-bench');
registerBenchCommand(program);
await program.parseAsync(['bench', ...process.argv.slice(2)], { from: 'user' });
