// Helpers of the command and terminal tests: observing processes without
// sleeping. The test process becomes a child subreaper, so a grandchild
// orphaned by a killed shell is re-parented to it and can be awaited with
// waitpid(); FIFOs let a test block until a command has reached a point.
#pragma once

#include <doctest/doctest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <string>

namespace wingman::tools::test {

/// Makes orphaned descendants children of this process (idempotent).
inline void become_subreaper() {
  REQUIRE(::prctl(PR_SET_CHILD_SUBREAPER, 1) == 0);
}

/// Waits for the orphaned descendant `pid` to end; returns the signal that
/// ended it (0 when it exited, or is not our descendant, or still exists).
inline int killed_by(pid_t pid) {
  int status = 0;
  pid_t r;
  while ((r = ::waitpid(pid, &status, 0)) < 0 && errno == EINTR) {
  }
  if (r != pid || !WIFSIGNALED(status))
    return 0;
  if (::kill(pid, 0) == 0 || errno != ESRCH)
    return 0;
  return WTERMSIG(status);
}

/// True when a signal ended the orphaned descendant `pid`, which is gone.
inline bool killed_and_gone(pid_t pid) {
  return killed_by(pid) != 0;
}

/// Creates a FIFO at `path`.
inline void make_fifo(const std::string& path) {
  REQUIRE(::mkfifo(path.c_str(), 0600) == 0);
}

/// Opens the FIFO `path` for reading (blocks until a writer opens it) and
/// reads one line.
inline std::string read_fifo_line(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  REQUIRE(fd >= 0);
  std::string line;
  char c;
  while (::read(fd, &c, 1) == 1 && c != '\n')
    line += c;
  ::close(fd);
  return line;
}

} // namespace wingman::tools::test
