/**
 * How the language server's Node process is started (VS Code forks it; the benchmark spawns it the
 * same way). A language server lives as long as the window and holds little: its memory is mostly
 * Node's own, so the young generation is kept small (1 MB semi-spaces instead of 16 MB: ~13 MB less
 * resident memory with 50 files open) and V8 gets one background thread (each thread keeps its own
 * malloc arena). The small young generation is not free: on a 10k-line file the garbage collector
 * takes ~23% of a keystroke's analysis instead of ~12% (about 20% more CPU per keystroke), and 2 MB
 * semi-spaces (~19%) already put the 50-file RSS at 78-80.5 MB, over the 80 MB target in 3 runs of 6
 * (bench/NOTES.md, "Server vs in-process").
 */
export const SERVER_EXEC_ARGV: readonly string[] = ['--max-semi-space-size=1', '--v8-pool-size=1'];
