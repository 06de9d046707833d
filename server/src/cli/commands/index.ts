/** The CLI's subcommands. Adding one = a module in this folder + one line here. */
import type { Command } from '../args';
import { command as check } from './check';
import { command as rules } from './rules';
import { command as lsp } from './lsp';
import { command as estimate } from './estimate';
import { command as verifySubmission } from './verify-submission';
import { command as run } from './run';

export const COMMANDS: readonly Command[] = [check, rules, estimate, lsp, verifySubmission, run];
