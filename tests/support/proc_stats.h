#pragma once
// What /proc says of a process, for the benchmarks that run the daemon (and its baselines).
#include <sys/types.h>

#include <string>

namespace swas::testing {

// utime + stime of a process (all its threads), in seconds.
double cpuSeconds(pid_t pid);
// The same from the scheduler's nanosecond counts (/proc/PID/task/*/schedstat) of the threads
// alive now: precise over short windows of long-lived threads.
double cpuSecondsPrecise(pid_t pid);
// VmHWM (peak resident set) and VmRSS of a process, in MiB; -1 when unreadable.
double peakRssMib(pid_t pid);
double rssMib(pid_t pid);
// Context switches of all of a process's threads, voluntary and not: each is a wakeup or a
// preemption, so their growth over a quiet window is the wakeups the process caused.
double contextSwitches(pid_t pid);

}  // namespace swas::testing
