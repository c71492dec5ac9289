/**
 * WaitReason groups what a thread is doing when sampled: running, or the kind of thing the
 * kernel says it sleeps on (its wchan). The groups are what the classifier reasons about.
 */
export type WaitReason = 'running' | 'timer' | 'poll' | 'lock' | 'io' | 'child' | 'other';

export const WAIT_REASONS: readonly WaitReason[] = [
  'running',
  'timer',
  'poll',
  'lock',
  'io',
  'child',
  'other',
];

// Kernel wait functions by what they mean. Names vary across kernel versions, so these are
// prefixes and fragments rather than exact names.
const RULES: Array<[RegExp, WaitReason]> = [
  [/nanosleep|hrtimer|schedule_timeout$|msleep|clock_nanosleep/, 'timer'],
  [/epoll|ep_poll|do_select|core_sys_select|do_sys_poll|poll_schedule|pselect|sys_poll/, 'poll'],
  [/futex|rwsem|mutex_lock|rt_mutex|sem_wait|flock|locks_lock|fcntl_setlk/, 'lock'],
  [/do_wait|kernel_wait|wait_consider_task|sigsuspend/, 'child'],
  [
    /io_schedule|folio_wait|wait_on_page|page_lock|blk|jbd2|ext4|xfs|btrfs|nfs|fuse|pipe|sk_wait|unix_stream|tcp_|inet_|sock|wait_woken|n_tty|tty_|skb_|do_fsync|filemap/,
    'io',
  ],
];

/**
 * waitReason classifies one thread observation. State D (uninterruptible) is I/O whatever the
 * wchan; R is running; a sleeping thread with no wchan is 'other'.
 */
export function waitReason(state: string, wchan: string): WaitReason {
  if (state === 'R') return 'running';
  if (state === 'D') return 'io';
  for (const [re, reason] of RULES) if (re.test(wchan)) return reason;
  return 'other';
}
