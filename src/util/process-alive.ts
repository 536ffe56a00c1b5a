/**
 * Whether a process with this pid runs on this host (a process of another user counts as running).
 * Stale locks and temp files of dead recorders are found with it.
 *
 * @example
 * if (!isProcessAlive(owner.pid)) console.log('stale')
 */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
