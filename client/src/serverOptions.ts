/**
 * How the language server's Node process is started (VS Code forks it; the benchmark spawns it the
 * same way). A language server lives as long as the window and holds little: its memory is mostly
 * Node's own, so the young generation is kept small (1 MB semi-spaces instead of 16 MB: measured
 * with 50 files open, ~12 MB less resident memory and no measurable change in analysis time) and
 * V8 gets one background thread (each thread keeps its own malloc arena).
 */
export const SERVER_EXEC_ARGV: readonly string[] = ['--max-semi-space-size=1', '--v8-pool-size=1'];
